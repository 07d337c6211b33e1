"""Extractors: bytes in, canonical `Return` out. No I/O beyond sandboxed converters.

    extract(data, filename)            -> schemas.Return  (raises returns.errors.DocumentError)
      detect.sniff(data, filename)     -> media type, from the bytes first
      READERS[media type](data, limits) -> extractors.document.Document
      interpret.interpret(document)    -> schemas.Return

Readers (one module per format):
    docx_reader   .docx / .docm      python-docx + the XML it does not expose
    legacy        .doc / .rtf        headless LibreOffice -> .docx -> docx_reader
    pdf_reader    .pdf               AcroForm fields, text layer (pdfplumber) or OCR
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from extractors import detect
from extractors.document import Document
from extractors.limits import Limits
from returns.errors import DocumentError, UnreadableDocument, UnsupportedDocument
from schemas import Collection, Return, load_collection

Reader = Callable[[bytes, Limits], Document]


# media type -> "module:function"; imported on first use so `returns --help` does not
# pay for pdfplumber, and one format's missing dependency never breaks another.
READERS: dict[str, str] = {
    detect.DOCX: "extractors.docx_reader:read_docx",
    detect.DOCM: "extractors.docx_reader:read_docx",
    detect.DOC: "extractors.legacy:read_legacy",
    detect.RTF: "extractors.legacy:read_legacy",
    detect.PDF: "extractors.pdf_reader:read_pdf",
}


def reader_for(media_type: str) -> Reader | None:
    target = READERS.get(media_type)
    if target is None:
        return None
    module, func = target.split(":")
    reader: Reader = getattr(importlib.import_module(module), func)
    return reader


@dataclass(frozen=True)
class Extraction:
    """A document read into the block model, before interpretation (for debugging)."""

    media_type: str
    document: Document


def read(data: bytes, filename: str | None = None, limits: Limits | None = None) -> Document:
    """Detect the type of `data` and read it into the document model."""
    limits = limits or Limits()
    name = filename or "document"
    if not data:
        raise UnreadableDocument(f"{name}: the file is empty")
    if len(data) > limits.max_bytes:
        from returns.errors import DocumentTooLarge

        raise DocumentTooLarge(
            f"{name}: {len(data):,} bytes is over the {limits.max_bytes:,}-byte limit for a return"
        )
    media_type = detect.sniff(data, filename)
    reader = reader_for(media_type)
    if reader is None:
        raise UnsupportedDocument(f"{name}: {detect.describe(media_type)} is not a format returns are read from")
    try:
        return reader(data, limits)
    except DocumentError as err:
        if str(err).startswith(name):
            raise
        raise type(err)(f"{name}: {err}") from err


def extract(
    data: bytes,
    filename: str | None = None,
    collection: Collection | None = None,
    limits: Limits | None = None,
) -> Return:
    """Read one document and return its canonical record."""
    from extractors.interpret import interpret

    collection = collection or load_collection()
    document = read(data, filename, limits or Limits(max_pages=collection.max_pages))
    try:
        return interpret(document, collection, filename)
    except DocumentError as err:
        name = filename or "document"
        if str(err).startswith(name):
            raise
        raise type(err)(f"{name}: {err}") from err


__all__ = ["Extraction", "Limits", "extract", "read"]
