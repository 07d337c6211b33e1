"""Builders for hostile and broken inputs, made in code so each test shows its input."""

from __future__ import annotations

import io
import struct
import zipfile

import docx
from pypdf import PdfWriter

CONTENT_TYPES_XLSX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
WORKBOOK_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheets><sheet name="Returns" sheetId="1"/></sheets></workbook>'
)
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
JPEG_HEADER = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb0043")


def small_docx(text: str = "Name of organisation") -> bytes:
    """A real one-paragraph .docx made with python-docx."""
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def small_pdf(pages: int = 1) -> bytes:
    """A valid PDF of blank pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(user_password: str = "secret") -> bytes:
    """A PDF that cannot be opened without `user_password`."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password, "owner-" + user_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def spreadsheet_xlsx() -> bytes:
    """A minimal Excel workbook, built by hand ([Content_Types].xml says spreadsheetml)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES_XLSX)
        zf.writestr("xl/workbook.xml", WORKBOOK_XML)
    return out.getvalue()


def zip_bomb_docx(inflated_mb: int = 201) -> bytes:
    """A .docx-looking zip whose document.xml inflates to `inflated_mb` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        with zf.open("word/document.xml", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1 << 20)
            for _ in range(inflated_mb):
                entry.write(chunk)
    return out.getvalue()


def many_entries_docx(entries: int) -> bytes:
    """A .docx-looking zip with `entries` empty files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        for i in range(entries - 2):
            zf.writestr(f"word/media/pad{i}.bin", b"")
    return out.getvalue()


# -- a password-protected .docx ---------------------------------------------------
# Word saves a password-protected .docx as an OLE2 compound file holding the streams
# EncryptionInfo and EncryptedPackage instead of a zip. LibreOffice 7.4's command line
# cannot write one (its --convert-to ignores the EncryptionPassword filter option) and
# no OLE writer is installed (olefile only reads), so this writes the container by
# hand: a version 3 compound file with one FAT sector, one directory sector and two
# 4096-byte streams (at the mini-stream cutoff, so no mini FAT is needed).

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_SECTOR = 512


def _dir_entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1,  # black
        _FREE,  # left sibling
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def password_protected_docx() -> bytes:
    """An OLE2 file laid out like a password-protected Word .docx (contents are filler)."""
    stream_sectors = 4096 // _SECTOR
    info_start = 2
    package_start = info_start + stream_sectors
    fat = [_FAT, _END]
    for start in (info_start, package_start):
        fat += [start + i + 1 for i in range(stream_sectors - 1)] + [_END]
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,  # directory sectors (0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,  # mini stream cutoff
        _END,  # first mini FAT sector
        0,
        _END,  # first DIFAT sector
        0,
    )
    header += struct.pack("<109I", 0, *([_FREE] * 108))
    directory = (
        _dir_entry("Root Entry", 5, child=1, right=_FREE, start=_END, size=0)
        + _dir_entry("EncryptionInfo", 2, child=_FREE, right=2, start=info_start, size=4096)
        + _dir_entry(
            "EncryptedPackage", 2, child=_FREE, right=_FREE, start=package_start, size=4096
        )
        + _dir_entry("", 0, child=_FREE, right=_FREE, start=0, size=0)
    )
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"  # agile encryption header
    package = struct.pack("<Q", 12345) + b"\x8f" * 100
    return (
        header
        + struct.pack(f"<{_SECTOR // 4}I", *fat)
        + directory
        + info.ljust(4096, b"\0")
        + package.ljust(4096, b"\0")
    )
