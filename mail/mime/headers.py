"""Header values as text a person can read, whatever the sender's software wrote.

    decode_words(raw)            RFC 2047 encoded words decoded, tolerantly: malformed
                                 words ("?" inside Q text, missing padding, unknown
                                 charsets, a character split across two words, a word
                                 encoded twice) are decoded too; raw 8-bit bytes read as
                                 UTF-8 (else Latin-1); surrogates and control characters
                                 never survive
    scrub(text)                  any str made safe to store and send (no surrogates,
                                 no NULs or other control characters)
    unsurrogate(text)            raw 8-bit bytes (surrogate escapes) read as UTF-8, else
                                 Latin-1; any other surrogate becomes U+FFFD
    clean_display(text)          NFC, control and bidi characters out, one line
    received_date(msg)           the date on the topmost `Received:` header (the one
                                 the division's own server added), or None
    automatic_reply(msg)         why the email is an automatic reply (RFC 3834), or None
    header_summary(raw)          (Message-ID, sender, subject, received) from the headers alone,
                                 for an email whose full reading failed; never raises

Raw header values are read with `Message.raw_items()`, before the email package's
header classes see them: those raise on some hostile values, and leave some malformed
encoded words as they are.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.parser
import email.policy
import re
import unicodedata
from datetime import UTC, datetime
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime

_ESCAPED_RUN = re.compile(r"[\udc80-\udcff]+")  # bytes 0x80-0xff read with surrogateescape
_LONE_SURROGATE = re.compile(r"[\ud800-\udc7f\udd00-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([BbQq])\?(.*?)(?:\?=|$)")  # unterminated at the end too
_LEFTOVER_WORD = re.compile(r"=\?[^?\s]*\?[BbQq]\?")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")
_MAX_PASSES = 3  # a subject encoded twice (or three times) is still read

UTF8_BOM = b"\xef\xbb\xbf"  # some tools save an email with one: it is not part of the first header
AUTO_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk"})


def clean_display(text: str) -> str:
    """NFC, control and bidi-override characters removed, whitespace collapsed; a
    surrogate (which no database or mail header can hold) becomes U+FFFD."""
    text = unicodedata.normalize("NFC", _SURROGATES.sub("\ufffd", text))
    text = _CONTROL.sub("", text)
    return " ".join(text.split())


def unsurrogate(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: read each run of them as
    UTF-8 (or Latin-1 when it is not UTF-8); any other surrogate becomes U+FFFD."""
    if not _SURROGATES.search(text):
        return text
    return _ESCAPED_RUN.sub(_escaped_bytes, _LONE_SURROGATE.sub("\ufffd", text))


def _escaped_bytes(found: re.Match[str]) -> str:
    data = found.group(0).encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def scrub(text: str) -> str:
    """`text` safe to store and send: escaped 8-bit bytes read as text, any other
    surrogate replaced by U+FFFD, control characters removed, whitespace collapsed."""
    return clean_display(_SURROGATES.sub("\ufffd", unsurrogate(text)))


def decode_words(raw: str) -> str:
    """A header value as readable text (see the module docstring)."""
    text = _FOLD.sub(" ", unsurrogate(raw))
    for _ in range(_MAX_PASSES):
        if "=?" not in text:
            break
        decoded = _decode_once(text)
        if decoded == text:
            break
        text = decoded
    return scrub(_LEFTOVER_WORD.sub("", text).replace("?=", " ") if _LEFTOVER_WORD.search(text) else text)


def _decode_once(text: str) -> str:
    """One pass: each run of encoded words (separated only by whitespace, which RFC 2047
    drops) is decoded together, since a character may be split across two words."""
    out: list[str] = []
    pos = 0
    run: list[tuple[str, bytes]] = []
    for found in _ENCODED_WORD.finditer(text):
        between = text[pos:found.start()]
        if run and between.strip():
            out.append(_join(run))
            run = []
        if not run:
            out.append(between)
        charset, kind, payload = found.groups()
        run.append((charset.split("*", 1)[0].lower(), _payload_bytes(kind, payload)))
        pos = found.end()
    if run:
        out.append(_join(run))
    out.append(text[pos:])
    return "".join(out)


def _payload_bytes(kind: str, payload: str) -> bytes:
    data = payload.encode("ascii", "replace")
    if kind in "Bb":
        data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)  # stray spaces, dots, bad padding
        if len(data) % 4 == 1:
            data = data[:-1]  # one character too many can never decode
        try:
            return base64.b64decode(data + b"=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            return b""
    return _QP_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))


def _join(words: list[tuple[str, bytes]]) -> str:
    """Decode runs of same-charset words together; an unknown charset is read as UTF-8."""
    out: list[str] = []
    run_charset, run = words[0][0], bytearray()
    for charset, data in words:
        if charset != run_charset:
            out.append(_decode(run_charset, bytes(run)))
            run_charset, run = charset, bytearray()
        run += data
    out.append(_decode(run_charset, bytes(run)))
    return "".join(out)


def _decode(charset: str, data: bytes) -> str:
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except (LookupError, ValueError, TypeError):
        return data.decode("utf-8", errors="replace")


def raw_header(msg: Message, name: str) -> str | None:
    """The first raw value of header `name` (case-insensitive), unparsed."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def received_date(msg: Message) -> datetime | None:
    """The date after the last ";" of the topmost `Received:` header, timezone-aware;
    None when there is no such header or its date cannot be read (the next fallback,
    the IMAP internal date, is then used: a lower header was written by a server
    further from ours, whose clock we have no reason to trust more)."""
    value = raw_header(msg, "Received")
    if value is None or ";" not in value:
        return None
    stamp = " ".join(_FOLD.sub(" ", value).rpartition(";")[2].split())
    try:
        when = parsedate_to_datetime(stamp)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def automatic_reply(msg: Message) -> str | None:
    """Why this email is an automatic reply that must never be answered (RFC 3834), in
    words for the submission's reason; None for an email a person sent."""
    auto = raw_header(msg, "Auto-Submitted")
    if auto is not None and auto.split(";")[0].strip().lower() != "no":  # even empty: never risk a loop
        return f"Auto-Submitted: {scrub(auto)}"
    content_type = (raw_header(msg, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type == "multipart/report":
        return "a delivery or read report (multipart/report)"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        value = raw_header(msg, name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return f"{name}: {scrub(value)}"
    precedence = (raw_header(msg, "Precedence") or "").strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    return_path = raw_header(msg, "Return-Path")
    if return_path is not None and return_path.strip().replace(" ", "") in ("<>", ""):
        return "a null Return-Path (<>): sent by a mail system, not a person"
    return None


def header_summary(raw: bytes) -> tuple[str | None, str | None, str, datetime | None]:
    """(Message-ID, sender address, subject, topmost Received: date) read from the
    headers alone, for an email whose full reading failed; never raises (None / ""
    for what cannot be read)."""
    try:
        msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(
            raw.removeprefix(UTF8_BOM), headersonly=True)
        message_id = raw_header(msg, "Message-ID")
        sender = parseaddr(decode_words(raw_header(msg, "From") or ""))[1]
        subject = decode_words(raw_header(msg, "Subject") or "")
        received = received_date(msg)
    except Exception:  # a summary for the record: whatever the bytes, never an error
        return None, None, "", None
    address = "".join(scrub(sender).split()).lower()
    return (scrub(message_id) if message_id else None), (address if "@" in address else None), subject, received
