"""Detect a document's type from its bytes (the file name only breaks ties).

    sniff(data, filename, limits) -> media type (one of the constants below)

`sniff` looks only at magic numbers, the OLE2 stream names and a zip archive's table of
contents; it never inflates more than one small zip entry ([Content_Types].xml or
mimetype, capped at 1 MB). Two kinds of file are refused here, because no reader can
or should open them, with an error that names the file:

    EncryptedDocument   a password-protected Word document (an OLE2 file holding
                        EncryptionInfo / EncryptedPackage instead of a zip)
    DocumentTooLarge    a zip whose entries would inflate past the limits (zip bomb),
                        see `extractors.zipguard.check_zip`
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

from core.errors import DocumentError, EncryptedDocument
from extractors.limits import Limits
from extractors.zipguard import check_archive, read_entry

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCM = "application/vnd.ms-word.document.macroEnabled.12"
DOC = "application/msword"
RTF = "application/rtf"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
OLE = "application/x-ole-storage"
ENCRYPTED_OOXML = "application/x-encrypted-ooxml"
ZIP = "application/zip"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
TIFF = "image/tiff"
UNKNOWN = "application/octet-stream"

_DESCRIPTIONS = {
    DOCX: "a Word document (.docx)",
    DOCM: "a macro-enabled Word document (.docm)",
    DOC: "a Word 97-2003 document (.doc)",
    RTF: "a rich text document (.rtf)",
    PDF: "a PDF",
    XLSX: "an Excel spreadsheet",
    PPTX: "a PowerPoint presentation",
    ODT: "an OpenDocument text file",
    OLE: "an Office 97-2003 file that is not a Word document",
    ENCRYPTED_OOXML: "a password-protected Office document",
    ZIP: "a zip archive",
    PNG: "a PNG image",
    JPEG: "a JPEG image",
    GIF: "a GIF image",
    TIFF: "a TIFF image",
    UNKNOWN: "a file of unknown type",
}


# Magic numbers of the image types people attach instead of a document.
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_SNIFF_ENTRY = 1024 * 1024  # [Content_Types].xml is a few KB


def describe(media_type: str) -> str:
    """A phrase for messages: "a Word document (.docx)", "a PNG image"..."""
    if media_type in _DESCRIPTIONS:
        return _DESCRIPTIONS[media_type]
    if media_type.startswith("application/vnd.oasis.opendocument."):
        return "an OpenDocument file"
    return media_type


def sniff(data: bytes, filename: str | None = None, limits: Limits | None = None) -> str:
    """The media type of `data`, decided by its content.

    Raises EncryptedDocument for a password-protected Office file and
    DocumentTooLarge for a zip bomb (messages start with `filename`).
    """
    name = filename or "document"
    try:
        return _sniff(data, limits or Limits())
    except DocumentError as err:
        raise type(err)(f"{name}: {err}") from err


def _sniff(data: bytes, limits: Limits) -> str:
    head = data[:8]
    for magic, media_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return media_type
    if b"%PDF-" in data[:1024]:
        return PDF
    if data[:16].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return RTF
    if head.startswith(_OLE_MAGIC):
        media_type = _sniff_ole(data)
        if media_type == ENCRYPTED_OOXML:
            raise EncryptedDocument(
                "the document is password-protected; please send it again without a password"
            )
        return media_type
    if head.startswith(b"PK"):
        return _sniff_zip(data, limits)
    return UNKNOWN


def _sniff_ole(data: bytes) -> str:
    # An OLE2 compound file: Word 97-2003 has a "WordDocument" stream; encrypted
    # OOXML (password-protected .docx) has "EncryptionInfo". Stream names are UTF-16.
    if any(stream.encode("utf-16-le") in data for stream in ("EncryptionInfo", "EncryptedPackage")):
        return ENCRYPTED_OOXML
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    return OLE


def _sniff_zip(data: bytes, limits: Limits) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_archive(zf, limits)  # before any entry is inflated
            names = set(zf.namelist())
            if "mimetype" in names:
                raw = read_entry(zf, "mimetype", _MAX_SNIFF_ENTRY)
                mimetype = raw.decode("ascii", "replace").strip()
                if mimetype.startswith("application/vnd.oasis.opendocument."):
                    return mimetype
                return ZIP
            if "[Content_Types].xml" in names:
                raw = read_entry(zf, "[Content_Types].xml", _MAX_SNIFF_ENTRY)
                types = raw.decode("utf-8", "replace")
                if "macroEnabled.main" in types and "wordprocessingml" in types.lower():
                    return DOCM
                if "wordprocessingml.document.main" in types or "word/document.xml" in names:
                    return DOCX
                if "spreadsheetml" in types:
                    return XLSX
                if "presentationml" in types:
                    return PPTX
    except (
        zipfile.BadZipFile,
        OSError,
        KeyError,
        ValueError,
        EOFError,
        RuntimeError,
        zlib.error,
        lzma.LZMAError,
    ):
        # A truncated .docx is still recognisably one by its first entry name.
        if b"[Content_Types].xml" in data[:200] or b"word/" in data[:2000]:
            return DOCX
        return ZIP
    return ZIP
