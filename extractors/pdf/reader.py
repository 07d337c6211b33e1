"""PDF returns: AcroForm fields, else the text layer (pdfplumber), else OCR.

    read_pdf(data, ctx)
      guard.check_kids             a page-tree node listing thousands of pages is refused
                                   in the raw bytes, before pdfminer parses it
      open with pdfplumber         damaged -> UnreadableDocument, password -> EncryptedDocument
      guard.check_structure        page tree walked with bounds, before any page is parsed:
                                   loops -> UnreadableDocument; over the page limit (real
                                   pages, whatever /Count says), a content stream bomb,
                                   a giant image -> DocumentTooLarge
      acroform.read_acroform       a filled fillable form is read from its fields
      per page, one at a time      extract_words once (size, fontname), lines, rects,
                                   images -> PageLayout; page.close() frees its cache
      pages with no text layer     handed to extractors.ocr.reader in runs -> PageLayout
      layout.blocks_from_pages     tables, paragraphs, headings, page-break joins

Pages are produced by a generator and consumed by the layout as they come, so memory
stays flat with the page count. pdfminer raises many kinds of exception on damaged
files (its own, and ValueError, KeyError... from deep inside); they are converted to
`UnreadableDocument` here, around the pdfplumber calls only, so a bug in the layout
code is not mistaken for a damaged file. Importing this module bounds pdfminer's
reference resolution for the whole process (`guard.install_reference_loop_guard`).
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException

from core.errors import EncryptedDocument, UnreadableDocument
from extractors.context import ExtractContext
from extractors.document import Document
from extractors.layout.engine import blocks_from_pages
from extractors.layout.types import Box, PageLayout, Rule, Word
from extractors.limits import Limits
from extractors.pdf.guard import check_kids, check_structure, install_reference_loop_guard, quiet_pdf_libraries

__all__ = ["read_pdf"]

MEDIA_TYPE = "application/pdf"
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_PARSE_ERRORS: tuple[type[BaseException], ...] = (
    PdfminerException, PSException, ValueError, KeyError, TypeError, AttributeError,
    IndexError, AssertionError, RecursionError, OverflowError, struct.error, zlib.error,
    UnicodeError, OSError,
)
install_reference_loop_guard()  # before any PDF is opened: resolve1 can then never spin
quiet_pdf_libraries()  # a bad PDF gives one line on stderr, not the libraries' warnings
_CID = re.compile(r"^\(cid:\d+\)$")
_THIN = 2.0  # points: a rule is thinner than this across its length
ScannedLayouts = Callable[[bytes, list[int], Limits], Iterator[PageLayout]]


@dataclass
class _Progress:
    text_pages: int = 0
    ocr_pages: int = 0
    ocr_words: int = 0


def read_pdf(data: bytes, ctx: ExtractContext) -> Document:
    """Read a PDF return into the block model (see module docstring)."""
    limits = ctx.limits
    check_kids(data, limits)
    pdf = _open(data)
    try:
        pages = _page_count(pdf, limits)
        from extractors.pdf.acroform import read_acroform

        form = read_acroform(data, ctx.collection)
        if form is not None:
            return form
        progress = _Progress()
        blocks = blocks_from_pages(_layouts(pdf, data, limits, progress))
    finally:
        _close(pdf)
    if progress.text_pages == 0 and progress.ocr_words == 0:
        raise UnreadableDocument("image-only PDF with no readable text")
    return Document(blocks, MEDIA_TYPE, pages=pages, ocr=progress.ocr_pages > 0)


def _open(data: bytes) -> Any:
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as err:
        cause = err.args[0] if err.args else err
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise EncryptedDocument("the PDF is encrypted and needs a password to open") from err
        raise UnreadableDocument(f"the PDF could not be opened: {cause}") from err
    except (PDFPasswordIncorrect, PDFEncryptionError) as err:
        raise EncryptedDocument("the PDF is encrypted and needs a password to open") from err
    except _PARSE_ERRORS as err:
        raise UnreadableDocument(f"the PDF could not be opened: {err}") from err


def _close(pdf: Any) -> None:
    """Close `pdf`; pdfplumber's own close() first builds every page object (it closes
    them one by one), which would undo `_page_count`'s bounded walk for a refused file."""
    if hasattr(pdf, "_pages"):  # pdfplumber's page list, built on first use of .pages
        pdf.close()
    else:
        pdf.flush_cache()


def _page_count(pdf: Any, limits: Limits) -> int:
    """The page count, from a bounded walk of the page tree (`guard.check_structure`):
    reference loops, a lying /Count, too many pages and decompression bombs are refused
    there, before pdfplumber builds a page object per page (~0.5 ms each: 100,000
    pages would take a minute)."""
    try:
        return check_structure(pdf.doc, limits)
    except _PARSE_ERRORS as err:
        raise UnreadableDocument(f"the PDF page tree could not be read: {err}") from err


def _layouts(pdf: Any, data: bytes, limits: Limits, progress: _Progress) -> Iterator[PageLayout]:
    """PageLayouts in page order; runs of pages without a text layer go to OCR."""
    scanned: list[int] = []
    for index, page in enumerate(pdf.pages):
        number = index + 1
        try:
            layout, has_ink = _page_layout(page, number)
        except _PARSE_ERRORS as err:
            raise UnreadableDocument(f"page {number} could not be read: {err}") from err
        finally:
            page.close()
        if layout.words:
            yield from _ocr(data, scanned, limits, progress)
            scanned = []
            progress.text_pages += 1
            yield layout
        elif has_ink:
            scanned.append(number)
        else:
            yield from _ocr(data, scanned, limits, progress)
            scanned = []
            yield layout  # a blank page
    yield from _ocr(data, scanned, limits, progress)


def _ocr(
    data: bytes, numbers: list[int], limits: Limits, progress: _Progress
) -> Iterator[PageLayout]:
    if not numbers:
        return
    for layout in _scanned_page_layouts()(data, list(numbers), limits):
        progress.ocr_pages += 1
        progress.ocr_words += len(layout.words)
        yield layout


def _scanned_page_layouts() -> ScannedLayouts:
    """The OCR reader, imported only when a page has no text layer (Tesseract is slow
    to load and optional in a build without OCR)."""
    try:
        from extractors.ocr.reader import scanned_page_layouts
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith(("extractors.ocr", "pytesseract", "pypdfium2")):
            raise
        raise UnreadableDocument(
            "the PDF has pages with no text layer and OCR is not available in this build"
        ) from err
    return scanned_page_layouts


def _page_layout(page: Any, number: int) -> tuple[PageLayout, bool]:
    """One page's words, rules and images; True when it shows something besides text."""
    words = tuple(
        Word(
            text=_glyph(w),
            x0=float(w["x0"]),
            x1=float(w["x1"]),
            top=float(w["top"]),
            bottom=float(w["bottom"]),
            size=float(w["size"]),
            bold=bool(_BOLD.search(w["fontname"] or "")),
        )
        for w in page.extract_words(extra_attrs=["size", "fontname"])
        if w["text"].strip()
    )
    rules: list[Rule] = []
    for line in page.lines:
        r = Rule(float(line["x0"]), float(line["top"]), float(line["x1"]), float(line["bottom"]))
        if min(r.x1 - r.x0, r.bottom - r.top) <= _THIN:  # skip diagonals
            rules.append(r)
    for rect in page.rects:
        if rect.get("stroke") or (rect.get("fill") and not _white(rect.get("non_stroking_color"))):
            rules.append(Rule(*_bbox(rect)))
    images = tuple(Box(*_bbox(image)) for image in page.images)
    has_ink = bool(images or page.curves or rules)
    layout = PageLayout(number, float(page.width), float(page.height), words, tuple(rules), images)
    return layout, has_ink


def _glyph(word: dict[str, Any]) -> str:
    """The word's text; one unmapped glyph ("(cid:127)", a symbol-font bullet) as "•"."""
    text = str(word["text"])
    if _CID.match(text) and float(word["x1"]) - float(word["x0"]) <= float(word["size"]):
        return "•"
    return text


def _bbox(obj: dict[str, Any]) -> tuple[float, float, float, float]:
    return float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"])


def _white(color: Any) -> bool:
    """True for a white fill in gray, RGB or CMYK (a blank box, not a shaded cell)."""
    if isinstance(color, int | float):
        return float(color) >= 0.99
    if isinstance(color, list | tuple) and color and all(isinstance(c, int | float) for c in color):
        values = [float(c) for c in color]
        if len(values) == 4:
            return all(v <= 0.01 for v in values)
        return all(v >= 0.99 for v in values)
    return False
