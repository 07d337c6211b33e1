"""Extractors: bytes in, canonical `Return` out. No I/O beyond sandboxed converters.

    extract(data, ctx)                 -> schemas.Return  (raises core.errors.DocumentError)
      detect.sniff(data, filename)     -> media type, from the bytes first
      registry.reader_for(media type)  -> Reader: (data, ctx) -> document.Document
      interpret.interpret(document)    -> schemas.Return

`ctx` is an `ExtractContext` (collection, limits, filename) built at the edge.

Sub-packages, one per family:
    word/       .docx / .docm (reader, zip guard) and .doc / .rtf (legacy: LibreOffice)
    pdf/        .pdf: fillable forms (acroform), the text layer (reader)
    layout/     positioned words and rules -> paragraphs and tables (text PDFs and scans)
    ocr/        scanned pages: image clean-up, Tesseract words, tick boxes
    interpret/  the form read from blocks, the same for every format
"""

from __future__ import annotations

from core.errors import DocumentError, DocumentTooLarge, UnreadableDocument, UnsupportedDocument
from extractors import detect
from extractors.context import ExtractContext
from extractors.document import Document
from extractors.limits import Limits
from extractors.registry import reader_for
from schemas import Return


def read(data: bytes, ctx: ExtractContext | None = None) -> Document:
    """Detect the type of `data` and read it into the document model."""
    ctx = ctx or ExtractContext.build()
    name = ctx.name
    if not data:
        raise UnreadableDocument(f"{name}: the file is empty")
    if len(data) > ctx.limits.max_bytes:
        raise DocumentTooLarge(
            f"{name}: {len(data):,} bytes is over the {ctx.limits.max_bytes:,}-byte limit for a return"
        )
    media_type = detect.sniff(data, ctx.filename)
    reader = reader_for(media_type)
    if reader is None:
        raise UnsupportedDocument(f"{name}: {detect.describe(media_type)} is not a format returns are read from")
    try:
        return reader(data, ctx)
    except DocumentError as err:
        if str(err).startswith(name):
            raise
        raise type(err)(f"{name}: {err}") from err


def extract(data: bytes, ctx: ExtractContext | None = None) -> Return:
    """Read one document and return its canonical record."""
    from extractors.interpret import interpret

    ctx = ctx or ExtractContext.build()
    document = read(data, ctx)
    try:
        return interpret(document, ctx.collection, ctx.filename)
    except DocumentError as err:
        if str(err).startswith(ctx.name):
            raise
        raise type(err)(f"{ctx.name}: {err}") from err


__all__ = ["ExtractContext", "Limits", "extract", "read"]
