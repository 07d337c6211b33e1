"""intake: the outside systems mail comes from and goes to, and what is inside a message.

    Mailbox (Protocol)          mailbox_protocol   where submissions are read from
    ├── ImapMailbox             mailbox_imap       production IMAP (TLS/STARTTLS, XOAUTH2)
    └── MaildirMailbox          mailbox_maildir    embedded default, unit tests
    mailbox_from_url(url)       mailbox_url        "maildir:PATH", "imap://", "imaps://" ...
    Outbox (Protocol)           outbox             where acknowledgements are sent
    ├── SmtpOutbox                                 production SMTP (STARTTLS/TLS, AUTH)
    └── MaildirOutbox                              embedded default: nothing leaves the machine
    outbox_from_url(url)        outbox             "maildir:PATH", "smtp://", "smtps://" ...
    parse_message(raw, limits)  mime               raw RFC 822 bytes -> ParsedMessage
                                mime_archive       .zip expansion with limits
                                mime_names         attachment file names: decode, sanitise
                                mime_text          HTML body -> plain text
    URL parsing helpers         mail_urls

Nothing here touches the warehouse or Prefect; the flows wire these together.
"""

from intake.mailbox_imap import ImapMailbox
from intake.mailbox_maildir import MaildirMailbox
from intake.mailbox_protocol import Mailbox, MailboxMessage
from intake.mailbox_url import mailbox_from_url
from intake.mime import Attachment, MimeLimits, ParsedMessage, parse_message
from intake.outbox import (
    MaildirOutbox,
    MessageRejected,
    Outbox,
    SmtpOutbox,
    outbox_from_url,
)

__all__ = [
    "Attachment",
    "ImapMailbox",
    "Mailbox",
    "MailboxMessage",
    "MaildirMailbox",
    "MaildirOutbox",
    "MessageRejected",
    "MimeLimits",
    "Outbox",
    "ParsedMessage",
    "SmtpOutbox",
    "mailbox_from_url",
    "outbox_from_url",
    "parse_message",
]
