"""The document model every reader produces and the interpreter consumes.

Readers differ (Word XML, PDF layout, AcroForm fields, OCR) but all of them reduce a
file to the same small tree: a flow of `Paragraph`, `Table` and `Figure` blocks, a
table being rows of cells that hold blocks again. `extractors.interpret` then reads
the form from that tree once, for every format.

Readers keep text as written (soft line breaks become "\n"); the interpreter
normalises whitespace, strips bullets and numbering and decides what is an item.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A run of text the author typed as one paragraph (one line of a list, one box line).

    `heading` is the outline level when the reader knows it (Word heading styles,
    larger/bold type in a PDF), else None. `list_item` is True when the paragraph was
    a bullet or numbered item by formatting (Word numbering), so the interpreter
    treats it as an item even with no visible bullet character.
    `bold` is True when the whole paragraph is bold (a likely label or heading).
    """

    text: str
    heading: int | None = None
    list_item: bool = False
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Figure:
    """A picture or handwriting (signature image, scanned ink) with no text."""

    description: str = "image"


@dataclass(frozen=True, slots=True)
class Cell:
    blocks: tuple[Block, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks if isinstance(b, Paragraph))

    @property
    def has_figure(self) -> bool:
        return any(isinstance(b, Figure) for b in self.blocks)


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...] = ()


Block = Paragraph | Table | Figure


@dataclass(frozen=True, slots=True)
class Document:
    """A whole file as blocks, with what the reader knows about its source."""

    blocks: tuple[Block, ...]
    media_type: str
    pages: int | None = None
    ocr: bool = False
    # Values read from named form fields (fillable PDF), field name -> value.
    fields: dict[str, str] = field(default_factory=dict)


def iter_paragraphs(blocks: tuple[Block, ...]) -> list[Paragraph]:
    """Every paragraph in reading order, tables flattened row by row."""
    out: list[Paragraph] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(block)
        elif isinstance(block, Table):
            for row in block.rows:
                for cell in row:
                    out.extend(iter_paragraphs(cell.blocks))
    return out
