"""Positioned page content: what the PDF text reader and the OCR reader both produce.

`extractors.layout.engine.blocks_from_pages` turns a sequence of `PageLayout` (words with
boxes, ruling lines, image boxes) into the block model of `extractors.document`:
tables from ruling lines, columns, paragraphs, headings, with running headers and
footers removed and items joined across page breaks. Coordinates are in points (PDF)
or pixels (OCR) with the origin at the top left; only ratios matter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # font size (PDF) or glyph height (OCR)
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A ruling line segment (table border): horizontal when top == bottom (about)."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass(frozen=True, slots=True)
class Box:
    """An image or ink region with no text (signature image, handwriting)."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True, slots=True)
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    words: tuple[Word, ...]
    rules: tuple[Rule, ...] = ()
    images: tuple[Box, ...] = ()
    # "text" (a PDF text layer: exact font sizes) or "ocr" (measured glyph heights and
    # boxes that jitter by a pixel or two; list markers and dashes may be lost).
    source: str = "text"

    @property
    def ocr(self) -> bool:
        return self.source == "ocr"
