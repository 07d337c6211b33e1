"""MIME: raw RFC 822 bytes in, a `ParsedMessage` (headers, body text, attachments) out.

    parse     parse_message(raw, limits): attachments, inline files, forwarded messages
    archive   .zip expansion with size, count and depth limits
    names     attachment file names: decode (RFC 2231, encoded words), sanitise
    text      HTML body -> plain text
"""

from mail.mime.parse import Attachment, MimeLimits, ParsedMessage, parse_message

__all__ = ["Attachment", "MimeLimits", "ParsedMessage", "parse_message"]
