"""Hostile and awkward emails built in code: each one has stopped or fooled an intake.

    deep_mime(levels)          multipart nested thousands deep (the stdlib parser recurses)
    eight_bit_from()           a raw 8-bit byte in the From address (no encoding at all)
    surrogate_headers()        raw 8-bit bytes in every header a person reads
    zip_bomb()                 a zip whose files declare gigabytes
    many_entries_zip(n)        a zip of n tiny files
    deep_forward(levels)       an email forwarded inside itself `levels` deep
    auto_reply(kind)           out-of-office and delivery reports, by each RFC 3834 signal
    spam()                     a stranger's mail with an encoded subject and no attachment
    minimal_rtf()              an RTF file (LibreOffice converts it: a slow path to time out)

Built as bytes (not through MessageBuilder) where the point is bytes no mail library
would write, or where nesting makes re-parsing at each level too slow.
"""

from __future__ import annotations

import io
import struct
import zipfile

from tests.factories.emails import MessageBuilder

CRLF = b"\r\n"
STRANGER = "offers@stranger.example"


def _head(message_id: str, sender: str, subject: str, extra: str = "") -> bytes:
    return (f"From: {sender}\r\nTo: submissions@changinglives.scot\r\nSubject: {subject}\r\n"
            f"Message-ID: {message_id}\r\nDate: Fri, 20 Oct 2006 10:15:00 +0100\r\n{extra}"
            "MIME-Version: 1.0\r\n").encode()


def deep_mime(message_id: str, levels: int = 3000, sender: str = STRANGER) -> bytes:
    """A multipart/mixed inside a multipart/mixed ... `levels` deep, a text part at the bottom."""
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
                       for i in range(levels))
    closing = b"".join(b"\r\n--b%d--" % i for i in reversed(range(levels)))
    return _head(message_id, sender, "nested") + opening + b"Content-Type: text/plain\r\n\r\nhello" + closing + CRLF


def eight_bit_from(message_id: str) -> bytes:
    """From: with raw Latin-1 bytes in the display name and in the address itself."""
    return (b"From: J\xe9r\xf4me Offers <j\xe9r\xf4me@stranger.example>\r\n"
            b"To: submissions@changinglives.scot\r\nSubject: hello\r\nMessage-ID: " + message_id.encode()
            + b"\r\nDate: Fri, 20 Oct 2006 10:15:00 +0100\r\n\r\nBuy now.\r\n")


def surrogate_headers(message_id: str) -> bytes:
    """Raw 8-bit bytes (which Python reads as surrogate escapes) in From, Reply-To,
    Subject, Message-ID and an attachment's file name."""
    return (b"From: Caf\xe9 \xff <caf\xe9\xff@stranger.example>\r\nReply-To: \xfe\xff@stranger.example\r\n"
            b"To: submissions@changinglives.scot\r\nSubject: r\xe9sum\xe9 \xff\xfe\xfd\r\n"
            b"Message-ID: " + message_id[:-1].encode() + b"\xe9>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"s\"\r\n\r\n"
            b"--s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
            b"--s\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"list\xff\xfe.txt\"\r\n\r\nnothing here\r\n--s--\r\n")


def zip_bomb(message_id: str, sender: str = STRANGER, declared: int = 3_000_000_000) -> bytes:
    """A zip whose one file declares `declared` bytes unpacked (the central directory
    says so; a reader must refuse it before inflating anything)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("return.docx", b"\0" * 1024)
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, declared)  # uncompressed size, central directory
    return (MessageBuilder(sender=sender, message_id=message_id, subject="Our return")
            .text("Our return is in the zip.").attach("returns.zip", bytes(data), "application/zip").build())


def many_entries_zip(message_id: str, entries: int = 10_000, sender: str = STRANGER) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for i in range(entries):
            archive.writestr(f"part{i}.txt", b"x")
    return (MessageBuilder(sender=sender, message_id=message_id, subject="Files")
            .attach("files.zip", buf.getvalue(), "application/zip").build())


def deep_forward(message_id: str, levels: int = 50, sender: str = STRANGER) -> bytes:
    """An email forwarding an email forwarding ... `levels` deep, a PDF at the bottom."""
    inner = (_head(f"<bottom.{message_id.strip('<>')}>", sender, "bottom")
             + b"Content-Type: application/pdf\r\n"
               b'Content-Disposition: attachment; filename="r.pdf"\r\n\r\n%PDF-1.4\r\n')
    for level in range(levels, 0, -1):
        mid = message_id if level == 1 else f"<fwd{level}.{message_id.strip('<>')}>"
        head = _head(mid, sender, f"Fw: level {level}", f'Content-Type: multipart/mixed; boundary="f{level}"\r\n')
        inner = (head + b"\r\n--f%d\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n--f%d\r\n"
                 b"Content-Type: message/rfc822\r\n\r\n" % (level, level) + inner + b"\r\n--f%d--\r\n" % level)
    return inner


AUTO_REPLY_HEADERS = {
    "auto-submitted": "Auto-Submitted: auto-replied\r\n",
    "x-autoreply": "X-Autoreply: yes\r\n",
    "precedence": "Precedence: bulk\r\n",
    "null-return-path": "Return-Path: <>\r\n",
}


def auto_reply(message_id: str, kind: str, sender: str = "cswo.office@fife.council.example") -> bytes:
    """An out-of-office (one RFC 3834 signal, `kind`) or, for kind "report", a bounce."""
    if kind == "report":
        return (_head(message_id, sender, "Undeliverable: Changing Lives return")
                + b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
                  b"--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
                  b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
                  b"Final-Recipient: rfc822; nobody@fife.council.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                  b"--r--\r\n")
    return (AUTO_REPLY_HEADERS[kind].encode() + _head(message_id, sender, "Out of office: away until Monday")
            + b"Content-Type: text/plain\r\n\r\nI am out of the office until Monday.\r\n")


def spam(message_id: str, sender: str = "loans@refinance.example") -> bytes:
    """A stranger's mail: base64-encoded subject, no attachment (public spam corpora)."""
    return (_head(message_id, sender, "Re: =?utf-8?b?V2Ugd2lsbCBoZWxwIHlvdSByZWZpbmFuY2UgeW91ciBob21l?=")
            + b"Content-Type: text/plain\r\n\r\nLowest rates, apply today.\r\n")


def minimal_rtf() -> bytes:
    return rb"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}\pard Hello\par}"
