"""Detect a document's type from its bytes (the file name only breaks ties)."""

from __future__ import annotations

import io
import zipfile

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
    UNKNOWN: "a file of unknown type",
}


def describe(media_type: str) -> str:
    return _DESCRIPTIONS.get(media_type, media_type)


def sniff(data: bytes, filename: str | None = None) -> str:
    """The media type of `data`, decided by its content."""
    head = data[:8]
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return PDF
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(data)
    if head.startswith(b"PK"):
        return _sniff_zip(data)
    return UNKNOWN


def _sniff_ole(data: bytes) -> str:
    # An OLE2 compound file: Word 97-2003 has a "WordDocument" stream; encrypted
    # OOXML (password-protected .docx) has "EncryptionInfo". Stream names are UTF-16.
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return ENCRYPTED_OOXML
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    return OLE


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
                return ODT if mimetype == ODT else mimetype or ZIP
            if "[Content_Types].xml" in names:
                types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
                if "macroEnabled.main" in types and "wordprocessingml" in types.lower():
                    return DOCM
                if "wordprocessingml.document.main" in types or "word/document.xml" in names:
                    return DOCX
                if "spreadsheetml" in types:
                    return XLSX
                if "presentationml" in types:
                    return PPTX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        # A truncated .docx is still recognisably one by its first entry name.
        if b"[Content_Types].xml" in data[:200] or b"word/" in data[:2000]:
            return DOCX
        return ZIP
    return ZIP
