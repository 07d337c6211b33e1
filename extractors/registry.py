"""Which reader reads which media type: a small protocol and a registry keyed on it.

    Reader: (data: bytes, ctx: ExtractContext) -> Document

Readers are imported on first use, so `returns --help` does not pay for pdfplumber and
one format's missing dependency never breaks another.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from extractors import detect
from extractors.context import ExtractContext
from extractors.document import Document


class Reader(Protocol):
    def __call__(self, data: bytes, ctx: ExtractContext, /) -> Document: ...


# media type -> "module:function"
READERS: dict[str, str] = {
    detect.DOCX: "extractors.word.reader:read_docx",
    detect.DOCM: "extractors.word.reader:read_docx",
    detect.DOC: "extractors.word.legacy:read_legacy",
    detect.RTF: "extractors.word.legacy:read_legacy",
    detect.PDF: "extractors.pdf.reader:read_pdf",
}


def reader_for(media_type: str) -> Reader | None:
    target = READERS.get(media_type)
    if target is None:
        return None
    module, func = target.split(":")
    reader: Reader = getattr(importlib.import_module(module), func)
    return reader
