"""Read one raw RFC 822 message into a plain summary: headers, body text, files.

    parse_message(raw, limits) -> ParsedMessage(message_id, sender, subject, date,
                                                received, automatic, attachments,
                                                body_text, refused, problems)

Which parts are files (`Attachment`s):
    Content-Disposition: attachment                       always
    inline with a file name, or a document type with no   files sent inline
      disposition (PDF, Word, RTF, ODT, zip, octet-stream)
    message/rfc822 (and attached .eml files)               walked recursively:
                                                           forwarded emails
    .zip                                                   expanded (see mime_archive)
    anything else with a file name                         kept; the pipeline decides
Not files: text/plain and text/html body parts (they make `body_text`, used to spot a
return pasted into the body) and small inline images (signatures, logos).

`Attachment.origin` says where a file was found: "returns.docx",
"zip:returns.zip/inner/x.docx", "forwarded:1/x.pdf", "forwarded:1/zip:r.zip/x.pdf".
`Attachment.filename` is the decoded name for display; `safe_name` is sanitised and
unique within the message. `content_type` is the declared type, or a guess from the
file name when the sender said only application/octet-stream.

Nothing here raises on bad input. What was not read - a refused archive, forwards or
MIME parts nested past a limit, a structure too deep for the parser - becomes a
sentence in `refused` ("the zip file returns.zip expands past the limit ...",
"forwarded 50 levels deep, over the limit of 5 ..."); malformed MIME and unreadable
headers become `problems`. Every header-derived string is decoded (RFC 2047, raw
8-bit bytes) and scrubbed: no surrogate or control character reaches the warehouse or
an outgoing email.

`fingerprint` is the email's content identity (sender, subject, body text, attachment
hashes; never trace headers such as Received:): a re-delivery has the same one, a
different email that reuses a Message-ID does not.
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import hashlib
import json
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors as email_errors
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar

from mail.mime.archive import ArchiveLimits, ZipBudget, expand_zip
from mail.mime.headers import (
    UTF8_BOM,
    automatic_reply,
    clean_display,
    decode_words,
    raw_header,
    received_date,
    scrub,
    unsurrogate,
)
from mail.mime.names import part_filename, safe_name
from mail.mime.text import html_to_text
from schemas.identity import normalise_message_id

_T = TypeVar("_T")
ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed"})
_EXTENSION_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    ".doc": "application/msword", ".rtf": "application/rtf", ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text", ".zip": "application/zip",
    ".eml": "message/rfc822",
}
_STRUCTURAL_DEFECTS = (
    email_errors.StartBoundaryNotFoundDefect, email_errors.CloseBoundaryNotFoundDefect,
    email_errors.NoBoundaryInMultipartDefect, email_errors.MultipartInvariantViolationDefect,
    email_errors.FirstHeaderLineIsContinuationDefect, email_errors.MisplacedEnvelopeHeaderDefect,
    email_errors.MissingHeaderBodySeparatorDefect, email_errors.InvalidBase64PaddingDefect,
    email_errors.InvalidBase64CharactersDefect, email_errors.InvalidBase64LengthDefect,
)
# The email package is meant to record defects, not raise; these are what it raises
# anyway on some hostile input.
_EMAIL_BUGS = (
    email_errors.MessageError, ValueError, LookupError, TypeError, AttributeError,
    IndexError, UnicodeError, AssertionError, RecursionError,
)


@dataclass(frozen=True)
class MimeLimits:
    max_zip_entries: int = 500  # files across all archives in the message
    max_zip_bytes: int = 200 * 1024 * 1024  # uncompressed, across all archives
    max_zip_depth: int = 3  # a zip in a zip is 2
    max_forward_depth: int = 5  # message/rfc822 inside message/rfc822 ...
    max_mime_depth: int = 50  # multipart inside multipart ...
    max_parts: int = 2000  # MIME parts walked per message
    max_filename_chars: int = 120  # safe_name length cap
    signature_image_max_bytes: int = 32 * 1024  # smaller inline images are logos

    def archive_limits(self) -> ArchiveLimits:
        return ArchiveLimits(self.max_zip_entries, self.max_zip_bytes, self.max_zip_depth)


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded, for display; "" when the sender gave none
    safe_name: str  # sanitised, unique in the message; never needed as a path
    content_type: str
    data: bytes = field(repr=False)
    origin: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str | None  # "<id@host>", whitespace and comments removed
    sender: str | None  # the From address, lower-cased
    sender_name: str | None
    reply_to: str | None
    subject: str  # decoded, one line
    date: datetime | None  # the sender's Date: header, timezone-aware
    attachments: list[Attachment]
    body_text: str
    problems: list[str]
    refused: list[str] = field(default_factory=list)  # parts not read, and why
    received: datetime | None = None  # the topmost Received: header's date
    automatic: str | None = None  # why it is an automatic reply (RFC 3834), else None

    @property
    def fingerprint(self) -> str:
        """SHA-256 of what the sender wrote: sender, subject, body text, attachments."""
        content = [self.sender or "", self.subject, " ".join(self.body_text.split()),
                   sorted(a.sha256 for a in self.attachments), sorted(self.refused)]
        return hashlib.sha256(json.dumps(content).encode("utf-8")).hexdigest()


def parse_message(raw: bytes, limits: MimeLimits | None = None) -> ParsedMessage:
    """Summarise one message; never raises on malformed input (see `refused`, `problems`)."""
    walker = _Walker(limits or MimeLimits())
    problems = walker.problems
    if not raw.strip():
        problems.append("the message is empty")
    raw = raw.removeprefix(UTF8_BOM)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError:
        # The stdlib parser recurses once per nesting level: thousands of levels are
        # hostile. Read the headers alone; the parts are not read at all.
        msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
        levels = len(re.findall(rb"boundary\s*=", raw, flags=re.IGNORECASE))
        walker.refused.append(
            f"the email's MIME parts are nested too deeply to be read (about {levels:,} levels): "
            "nothing in it was opened"
        )
    else:
        try:
            walker.walk(msg, prefix="", depth=0)
        except _EMAIL_BUGS as err:
            walker.refused.append(f"the MIME structure could not be read to the end: {type(err).__name__}")
    sender_name, sender = _address(msg, "From", problems)
    return ParsedMessage(
        message_id=_message_id(msg, problems), sender=sender, sender_name=sender_name,
        reply_to=_address(msg, "Reply-To", problems)[1],
        subject=decode_words(_raw(msg, "Subject", problems) or ""),
        date=_date(_raw(msg, "Date", problems), problems), attachments=walker.attachments,
        body_text="\n\n".join(t for t in walker.bodies if t), problems=_dedupe(problems),
        refused=_dedupe(walker.refused), received=_safely(received_date, msg),
        automatic=_safely(automatic_reply, msg),
    )


class _Walker:
    def __init__(self, limits: MimeLimits) -> None:
        self.limits = limits
        self.archive_limits = limits.archive_limits()
        self.budget = ZipBudget.fresh(self.archive_limits)
        self.attachments: list[Attachment] = []
        self.bodies: list[str] = []
        self.problems: list[str] = []
        self.refused: list[str] = []
        self.parts = 0
        self.forwards = 0
        self.unnamed = 0
        self.names: set[str] = set()

    def walk(self, part: Message, prefix: str, depth: int, skip_html: bool = False, nesting: int = 0) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            if self.parts == self.limits.max_parts + 1:
                self.refused.append(
                    f"the email has more than {self.limits.max_parts:,} MIME parts: the rest were not read"
                )
            return
        if nesting > self.limits.max_mime_depth:
            self.refused.append(
                f"the email's MIME parts are nested more than {self.limits.max_mime_depth} levels deep: "
                "the parts below that were not read"
            )
            return
        self._defects(part, prefix)
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            self._forwarded(inner if isinstance(inner, Message) else None, prefix, depth)
        elif part.is_multipart():
            payload = part.get_payload()
            children = [p for p in payload if isinstance(p, Message)] if isinstance(
                payload, list) else []
            plain_alt = ctype == "multipart/alternative" and any(
                c.get_content_type() == "text/plain" and _is_body(c) for c in children
            )
            for child in children:
                self.walk(child, prefix, depth, skip_html=plain_alt, nesting=nesting + 1)
        else:
            self._leaf(part, prefix, depth, skip_html)

    def _leaf(self, part: Message, prefix: str, depth: int, skip_html: bool) -> None:
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":  # no usable boundary (a problem)
            self.bodies.append(_text(part, "text/plain"))  # so its text is still seen
            return
        if _is_body(part):
            if not (skip_html and ctype == "text/html"):
                self.bodies.append(_text(part, ctype))
            return
        filename = part_filename(part)
        disposition = part.get_content_disposition()
        raw = part.get_payload(decode=True)
        data = raw if isinstance(raw, bytes) else b""
        if (
            ctype.startswith("image/")
            and disposition != "attachment"
            and len(data) <= self.limits.signature_image_max_bytes
        ):
            return  # a signature image or logo
        if not filename and not data:
            return
        if filename.lower().endswith(".eml") or ctype == "message/global":
            inner = email.message_from_bytes(data, policy=email.policy.default)
            self._forwarded(inner, prefix, depth)
            return
        self._file(filename, ctype, data, prefix)

    def _file(self, filename: str, ctype: str, data: bytes, prefix: str) -> None:
        ext = _extension(filename)
        if ext == ".zip" or (not ext and ctype in ZIP_TYPES):
            label = filename or "unnamed zip"
            result = expand_zip(data, label, f"{prefix}zip:{label}", self.archive_limits,
                                self.budget)
            self.refused.extend(result.refused)
            self.problems.extend(result.problems)
            if result.opened:
                for member in result.members:
                    self._add(clean_display(member.name), _guess_type(member.name, ""),
                              member.data, member.origin)
                return
        shown = filename or self._unnamed(ctype)
        self._add(filename, ctype, data, f"{prefix}{shown}", fallback=shown)

    def _add(self, filename: str, ctype: str, data: bytes, origin: str,
             fallback: str = "attachment") -> None:
        name = safe_name(filename or fallback, fallback, self.limits.max_filename_chars)
        stem, dot, ext = name.rpartition(".")
        stem, ext = (stem, dot + ext) if dot else (name, "")
        n = 1
        while name.lower() in self.names:
            n += 1
            name = f"{stem} ({n}){ext}"
        self.names.add(name.lower())
        ctype = _guess_type(filename, ctype)
        self.attachments.append(Attachment(filename, name, ctype, data, origin))

    def _forwarded(self, inner: Message | None, prefix: str, depth: int) -> None:
        self.forwards += 1
        label = f"forwarded:{self.forwards}"
        if inner is None:
            self.problems.append(f"{prefix}{label}: the forwarded message is empty")
        elif depth >= self.limits.max_forward_depth:
            levels = depth + _forward_levels(inner, self.limits.max_parts)
            self.refused.append(
                f"forwarded {levels} levels deep, over the limit of {self.limits.max_forward_depth}: "
                f"the forwarded emails below {prefix}{label} were not opened"
            )
        else:
            self.walk(inner, f"{prefix}{label}/", depth + 1)

    def _unnamed(self, ctype: str) -> str:
        self.unnamed += 1
        ext = mimetypes.guess_extension(ctype) or ".bin"
        return f"unnamed-{self.unnamed}{ext}"

    def _defects(self, part: Message, prefix: str) -> None:
        for defect in getattr(part, "defects", []):
            if isinstance(defect, _STRUCTURAL_DEFECTS):
                where = prefix.rstrip("/") or "the message"
                self.problems.append(f"{where}: malformed MIME: {type(defect).__name__}")


def _is_body(part: Message) -> bool:
    return (
        part.get_content_type() in ("text/plain", "text/html")
        and part.get_content_disposition() != "attachment"
        and not part_filename(part)
    )


def _text(part: Message, ctype: str) -> str:
    raw = part.get_payload(decode=True)
    data = raw if isinstance(raw, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        text = data.decode("utf-8", errors="replace")
    return html_to_text(text) if ctype == "text/html" else text.strip()


def _raw(msg: Message, name: str, problems: list[str]) -> str | None:
    try:
        return raw_header(msg, name)
    except _EMAIL_BUGS as err:
        problems.append(f"the {name} header could not be read: {type(err).__name__}")
        return None


def _message_id(msg: Message, problems: list[str]) -> str | None:
    value = _raw(msg, "Message-ID", problems)
    return None if value is None else normalise_message_id(scrub(value))


def _address(msg: Message, name: str, problems: list[str]) -> tuple[str | None, str | None]:
    """(display name, lower-cased address) of the first address in the header; raw
    8-bit bytes are read as UTF-8 (else Latin-1), so no surrogate escapes survive."""
    try:
        header = msg.get(name)
        pairs = [(a.display_name, a.addr_spec) for a in getattr(header, "addresses", ())]
        if not pairs and header is not None:
            pairs = getaddresses([unsurrogate(str(header))])
    except _EMAIL_BUGS as err:
        problems.append(f"the {name} header could not be read: {type(err).__name__}")
        return None, None
    for display, addr in pairs:
        address = "".join(scrub(addr).split()).lower()
        if "@" in address:
            return (scrub(decode_words(display)) or None), address
    return None, None


def _safely(read: Callable[[Message], _T], msg: Message) -> _T | None:
    """A header reading that must never stop the parse (hostile headers)."""
    try:
        return read(msg)
    except _EMAIL_BUGS:
        return None


def _forward_levels(inner: Message, max_parts: int) -> int:
    """How many forwarded emails deep `inner` goes (itself counts 1), without recursion."""
    deepest, stack, seen = 1, [(inner, 1)], 0
    while stack and seen < max_parts:
        part, level = stack.pop()
        seen += 1
        deepest = max(deepest, level)
        payload = part.get_payload()
        if not isinstance(payload, list):
            continue
        nested = level + 1 if part.get_content_type() == "message/rfc822" else level
        stack.extend((child, nested) for child in payload if isinstance(child, Message))
    return deepest


def _date(value: str | None, problems: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"the Date header {value!r} is not a date")
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _extension(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def _guess_type(filename: str, declared: str) -> str:
    if declared and declared != "application/octet-stream":
        return declared
    ext = _extension(filename)
    return _EXTENSION_TYPES.get(ext) or mimetypes.guess_type("x" + ext)[0] or (
        declared or "application/octet-stream")


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
