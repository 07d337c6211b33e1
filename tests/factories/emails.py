"""Emails built in code, so a test (or a benchmark) shows its own input.

    MessageBuilder(subject=..., sender=...).text(...).attach(name, data, type).bytes()
    make_zip({"a.pdf": data}, encrypted=[...])
"""

from __future__ import annotations

import email
import email.policy
import io
import struct
import zipfile
from collections.abc import Iterable, Mapping
from email.message import EmailMessage, MIMEPart
from email.utils import make_msgid
from typing import Any


class MessageBuilder:
    """Build a realistic email in code, so a test shows its own input.

        raw = (MessageBuilder(subject="Return")
               .text("Please find our return attached.")
               .attach("Fife – return.docx", docx_bytes, DOCX)
               .forward(MessageBuilder(subject="Fw").attach_zip("r.zip", {"a.pdf": pdf}))
               .build())

    Text parts become the body (two make a multipart/alternative); files follow in a
    multipart/mixed. `build()` is repeatable and returns CRLF bytes.
    """

    def __init__(
        self,
        *,
        sender: str = "Returns Officer <returns@fife.gov.uk>",
        to: str = "submissions@changinglives.scot",
        subject: str = "Changing Lives self assessment return",
        message_id: str | None = None,
        date: str | None = "Fri, 20 Oct 2006 10:15:00 +0100",
    ) -> None:
        self.headers = {
            "From": sender,
            "To": to,
            "Subject": subject,
            "Message-ID": message_id or make_msgid(domain="fife.gov.uk"),
            "Date": date,
            "MIME-Version": "1.0",
        }
        self._texts: list[MIMEPart] = []
        self._parts: list[MIMEPart] = []

    def text(self, body: str) -> MessageBuilder:
        part = MIMEPart()
        part.set_content(body)
        self._texts.append(part)
        return self

    def html(self, body: str) -> MessageBuilder:
        part = MIMEPart()
        part.set_content(body, subtype="html")
        self._texts.append(part)
        return self

    def attach(self, filename: str | None, data: bytes,
               content_type: str = "application/octet-stream", *,
               disposition: str | None = "attachment", name_param: bool = False,
               cid: str | None = None) -> MessageBuilder:
        """A file part; `disposition=None` leaves out Content-Disposition entirely
        (`name_param=True` then names the file in Content-Type instead)."""
        maintype, subtype = content_type.split("/", 1)
        part = MIMEPart()
        params = {"name": filename} if (name_param and filename) else None
        part.set_content(data, maintype, subtype, disposition=disposition,
                         filename=filename if disposition else None, params=params, cid=cid)
        self._parts.append(part)
        return self

    def inline_image(self, filename: str, data: bytes,
                     content_type: str = "image/png") -> MessageBuilder:
        """An image shown in the body (a signature logo, say), with a Content-ID."""
        return self.attach(filename, data, content_type, disposition="inline",
                           cid=make_msgid(domain="fife.gov.uk"))

    def attach_zip(self, filename: str, members: Mapping[str, bytes],
                   **zip_options: Any) -> MessageBuilder:
        return self.attach(filename, make_zip(members, **zip_options), "application/zip")

    def forward(self, inner: MessageBuilder | bytes, *,
                disposition: str | None = "inline") -> MessageBuilder:
        """A forwarded email as a message/rfc822 part."""
        raw = inner.build() if isinstance(inner, MessageBuilder) else inner
        inner_msg = email.message_from_bytes(raw, policy=email.policy.default)
        part = MIMEPart()
        part.set_content(inner_msg, disposition=disposition)
        self._parts.append(part)
        return self

    def message(self) -> EmailMessage:
        msg = EmailMessage()
        for name, value in self.headers.items():
            if value is not None:
                msg[name] = value
        texts = self._texts or [self._plain("Please find our return attached.")]
        if len(texts) == 1 and not self._parts:
            msg.set_content(texts[0].get_content(), subtype=texts[0].get_content_subtype())
            return msg
        if not self._parts:
            msg.make_alternative()
            for text in texts:
                msg.attach(text)  # type: ignore[arg-type]  # stub too narrow
            return msg
        if len(texts) == 1:
            body = texts[0]
        else:
            body = MIMEPart()
            body.make_alternative()
            for text in texts:
                body.attach(text)
        msg.make_mixed()
        for part in [body, *self._parts]:
            msg.attach(part)  # type: ignore[arg-type]  # stub too narrow
        return msg

    def build(self) -> bytes:
        """The email as bytes with CRLF line ends, as a mail server stores it."""
        return self.message().as_bytes(policy=email.policy.SMTP)

    @staticmethod
    def _plain(body: str) -> MIMEPart:
        part = MIMEPart()
        part.set_content(body)
        return part



def make_zip(members: Mapping[str, bytes], *, encrypted: Iterable[str] = ()) -> bytes:
    """A zip of `members`; names in `encrypted` get the "encrypted" flag set (their
    bytes are not really encrypted: the flag is what a reader must refuse on)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2006, 10, 20, 10, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    out = bytearray(buf.getvalue())
    locked = set(encrypted)
    if locked:
        with zipfile.ZipFile(io.BytesIO(bytes(out))) as archive:
            pos = archive.start_dir
            for info in archive.infolist():
                assert out[pos:pos + 4] == b"PK\x01\x02"
                n, m, k = struct.unpack("<HHH", out[pos + 28:pos + 34])
                if info.filename in locked:
                    out[pos + 8] |= 0x01  # central directory flag bits
                    out[info.header_offset + 6] |= 0x01  # local header flag bits
                pos += 46 + n + m + k
    return bytes(out)


