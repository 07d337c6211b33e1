"""Positioned words, rules and images -> the block model (`extractors.document`).

Used by the PDF text-layer reader and by the OCR reader, so every threshold is
relative to the font size (points) or glyph height (pixels) and the page size.

Per page (`_analyse`, `_finish`):

1. Grids are found from the ruling lines (`layout_tables`), widened by the values
   standing beside a drawn label column, and label | value tables drawn without
   rules are found among the free words (`layout_forms`); each word goes to the
   cell holding its centre, every other word to the free flow.
2. Words become lines and lines paragraphs (`layout_lines`), per cell and for the
   free flow; an image box becomes a `Figure` in its cell (a signature) or in the flow.
   Tiny images (picture bullets) and page-sized ones (a scan behind an OCR text layer)
   are ignored.
3. Running headers and footers go: free lines in the top or bottom tenth of the page
   whose text (digits normalised) is also in that band on another page, or that read
   like a page number ("Page 2", "Page 2 of 3", "2 / 3", "- 2 -").
4. Free paragraphs that are short and in larger type, or all bold, become headings.
   On OCR pages (`PageLayout.source`) glyph heights are measured, not set: paragraphs
   use the OCR tests of `layout_lines` and a heading is a short paragraph of words
   clearly taller than the page's body text.
5. The flow is ordered top to bottom: free paragraphs, tables and figures.

Across pages (`_Stitcher`): only the last block of the previous page is held open.
A table at the top of a page with the same column positions as a table that ended
the previous page is the same table: a repeated header row is dropped, and when the
first row carries on the last row (see `_row_continues`) their cells are joined,
each cell's first paragraph joining the previous paragraph when it carries on
(`layout_lines.continues`). A free paragraph carries on across a page break by the
same test. Pages are read one at a time with one page of look-ahead (for the running
header test), so the input can be a generator over a long PDF.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from rapidfuzz import fuzz

from extractors.document import Block, Cell, Figure, Paragraph, Table
from extractors.layout.forms import Measures, form_grids, widen_grids
from extractors.layout.lines import (
    NOISY_SIZE_RATIO,
    OCR_HEADING_RATIO,
    OCR_STYLE_LETTERS,
    Line,
    Para,
    build_paragraphs,
    continues,
    group_lines,
    size_ratio,
)
from extractors.layout.tables import Grid, detect_grids
from extractors.layout.types import Box, PageLayout, Word

__all__ = ["blocks_from_pages", "iter_blocks"]

MARGIN_BAND = 0.1  # share of the page height at top and bottom where running lines sit
HEADING_MAX_WORDS = 20
_PAGE_NUMBER = re.compile(r"^(?:(?:page|p)?#+(?:of#+)?)$")  # "Page 2 of 3", "2 / 3", "- 2 -"
_CLAUSE_PUNCT = re.compile(r"[.,;]$")


@dataclass(slots=True)
class _CellB:
    items: list[Para | Figure]
    full: bool  # its text reaches the bottom of the cell (the row may go on next page)


@dataclass(slots=True)
class _TableB:
    rows: list[list[_CellB]]
    first_cols: list[float]
    last_cols: list[float]
    tol: float


_Item = Para | _TableB | Figure
_T = TypeVar("_T", bound=_Item)


@dataclass(slots=True)
class _Page:
    """One page analysed: tables built, free lines not yet made into paragraphs."""

    number: int
    size: float  # median size of the words outside the running lines
    ratio: float  # size ratio that marks another style (see layout_lines.size_ratio)
    body: list[Line]
    margin: list[tuple[str, Line]]  # candidate running lines with their keys
    anchored: list[tuple[float, _TableB | Figure]]  # tables and free figures by top
    right: float
    ocr: bool = False

    @property
    def ocr_body(self) -> float | None:
        """The body glyph height that OCR paragraph tests measure against; None for text."""
        return self.size if self.ocr else None

    @property
    def margin_keys(self) -> set[str]:
        return {key for key, _ in self.margin}


def _key(text: str) -> str:
    """Text compared across pages: digits as "#", letters only (OCR drops and adds commas)."""
    return re.sub(r"[^\w#]+|_", "", re.sub(r"\d+", "#", text.lower()))


def _repeats(key: str, keys: set[str]) -> bool:
    """Is `key` among `keys`, allowing an OCR misreading or two in a long line?"""
    if key in keys:
        return True
    return len(key) >= 20 and any(fuzz.ratio(key, other) >= 92 for other in keys)


def _analyse(page: PageLayout) -> _Page:
    sizes = sorted(w.size for w in page.words)
    size = sizes[len(sizes) // 2] if sizes else 0.012 * page.height
    # OCR heights are rounded pixels: many repeat, which does not make them exact sizes.
    ratio = NOISY_SIZE_RATIO if page.ocr else size_ratio(page.words)
    ocr_body = size if page.ocr else None
    images = [box for box in page.images if not _ignored_image(box, size, page)]
    measures = Measures(size, ratio, ocr_body, max((w.x1 for w in page.words), default=0.0))
    grids = detect_grids(page.rules, page.words, page.width, page.height, size)
    grids = widen_grids(grids, page.words, images, measures)
    outside = [w for w in page.words if not _in_grid(grids, w)]
    loose = [box for box in images if not _in_grid(grids, box)]
    grids = sorted(grids + form_grids(outside, loose, measures, page.width), key=lambda g: g.top)
    cell_words: list[list[list[list[Word]]]] = [
        [[[] for _ in range(len(cols) - 1)] for cols in g.cols] for g in grids
    ]
    free: list[Word] = []
    for word in page.words:
        x, y = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
        for gi, grid in enumerate(grids):
            if grid.contains(x, y):
                row, col = grid.locate(x, y)
                cell_words[gi][row][col].append(word)
                break
        else:
            free.append(word)
    cell_figs: dict[tuple[int, int, int], list[Box]] = {}
    anchored: list[tuple[float, _TableB | Figure]] = []
    for box in images:
        x, y = (box.x0 + box.x1) / 2, (box.top + box.bottom) / 2
        hit = next((gi for gi, g in enumerate(grids) if g.contains(x, y)), None)
        if hit is None:
            anchored.append((box.top, Figure()))
        else:
            cell_figs.setdefault((hit, *grids[hit].locate(x, y)), []).append(box)
    for gi, grid in enumerate(grids):
        table = _table(grid, gi, cell_words[gi], cell_figs, ratio, page.width, ocr_body)
        anchored.append((grid.top, table))
    body: list[Line] = []
    margin: list[tuple[str, Line]] = []
    band = MARGIN_BAND * page.height
    for line in group_lines(free):
        if line.bottom <= band or line.top >= page.height - band:
            margin.append((_key(line.text), line))
        else:
            body.append(line)
    right = max((line.x1 for line in body), default=0.0)
    anchored.sort(key=lambda pair: pair[0])
    # The body size that headings are measured against leaves running lines out.
    running = {id(w) for _, line in margin for w in line.words}
    body_sizes = sorted(w.size for w in page.words if id(w) not in running)
    body_size = body_sizes[len(body_sizes) // 2] if body_sizes else size
    return _Page(page.number, body_size, ratio, body, margin, anchored, right, page.ocr)


def _in_grid(grids: list[Grid], thing: Word | Box) -> bool:
    x, y = (thing.x0 + thing.x1) / 2, (thing.top + thing.bottom) / 2
    return any(g.contains(x, y) for g in grids)


def _ignored_image(box: Box, size: float, page: PageLayout) -> bool:
    w, h = box.x1 - box.x0, box.bottom - box.top
    tiny = w < 1.5 * size and h < 1.5 * size
    return tiny or w * h > 0.5 * page.width * page.height


def _table(
    grid: Grid,
    gi: int,
    words: list[list[list[Word]]],
    figs: dict[tuple[int, int, int], list[Box]],
    ratio: float,
    width: float,
    ocr_body: float | None = None,
) -> _TableB:
    rows: list[list[_CellB]] = []
    for r, cols in enumerate(grid.cols):
        bottom = grid.ys[r + 1]
        row: list[_CellB] = []
        for c in range(len(cols) - 1):
            lines = group_lines(words[r][c])
            pad = min((ln.x0 for ln in lines), default=cols[c]) - cols[c]
            right = max(cols[c + 1] - max(pad, 0.0), max((ln.x1 for ln in lines), default=0.0))
            paras = build_paragraphs(lines, right, ratio, ocr_body)
            items: list[tuple[float, Para | Figure]] = [(p.top, p) for p in paras]
            items += [(b.top, Figure()) for b in figs.get((gi, r, c), [])]
            items.sort(key=lambda pair: pair[0])
            full = bool(lines) and bottom - lines[-1].bottom < 1.5 * lines[-1].size
            row.append(_CellB([item for _, item in items], full))
        rows.append(row)
    return _TableB(rows, grid.cols[0], grid.cols[-1], 0.01 * width)


def _finish(page: _Page, repeated: set[str], right: float) -> list[_Item]:
    """Drop running lines, build the free paragraphs and order the page's items."""
    lines = list(page.body)
    for key, line in page.margin:
        if not _repeats(key, repeated) and not _PAGE_NUMBER.match(key):
            lines.append(line)
    lines.sort(key=lambda ln: ln.top)
    items: list[_Item] = []
    run: list[Line] = []
    anchored = iter(page.anchored)
    nxt = next(anchored, None)
    for line in lines:
        while nxt is not None and nxt[0] <= line.top:
            items += build_paragraphs(run, right, page.ratio, page.ocr_body)
            run = []
            items.append(nxt[1])
            nxt = next(anchored, None)
        run.append(line)
    items += build_paragraphs(run, right, page.ratio, page.ocr_body)
    items += [thing for _, thing in ([nxt] if nxt is not None else [])]
    items += [thing for _, thing in anchored]
    for item in items:
        if isinstance(item, Para):
            item.heading = _heading(item, page.size, page.ratio, page.ocr)
    return items


def _heading(para: Para, body: float, style: float, ocr: bool = False) -> int | None:
    """1 for much larger type, 2 for larger type or all bold; short paragraphs only.

    OCR: 2 for words clearly taller than the body (measured heights carry no levels).
    """
    if sum(len(ln.words) for ln in para.lines) > HEADING_MAX_WORDS or len(para.lines) > 3:
        return None
    ratio = para.size / body if body else 1.0
    if ocr:
        letters = sum(ch.isalpha() for ch in para.text)
        return 2 if ratio >= OCR_HEADING_RATIO and letters >= OCR_STYLE_LETTERS else None
    if ratio >= 1.2 * style:
        return 1
    if ratio >= style or (para.bold and not _CLAUSE_PUNCT.search(para.text)):
        return 2
    return None


def _paragraph(para: Para) -> Paragraph:
    return Paragraph(para.text, heading=para.heading, list_item=para.list_item, bold=para.bold)


def _block(item: _Item) -> Block:
    if isinstance(item, Para):
        return _paragraph(item)
    if isinstance(item, Figure):
        return item
    return Table(
        tuple(
            tuple(
                Cell(tuple(_paragraph(x) if isinstance(x, Para) else x for x in cell.items))
                for cell in row
            )
            for row in item.rows
        )
    )


def _same_columns(a: list[float], b: list[float], tol: float) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def _texts(row: list[_CellB]) -> list[str]:
    return [" ".join(x.text for x in c.items if isinstance(x, Para)) for c in row]


def _row_continues(last: list[_CellB], first: list[_CellB]) -> bool:
    """Is `first` (top of the new page) the rest of `last` (a row split by the page break)?

    Yes when some cell's first paragraph carries on the text of its cell above; or
    when a cell above holding several paragraphs ran to the bottom of the page (a
    box of items that broke between two items).
    """
    for above, below in zip(last, first, strict=True):
        a, b = above.items[-1:], below.items[:1]
        if a and b and isinstance(a[0], Para) and isinstance(b[0], Para) and continues(a[0], b[0]):
            return True
    return any(c.full and sum(isinstance(x, Para) for x in c.items) >= 2 for c in last)


def _carry_on(held: Para, items: list[_T]) -> list[_T] | None:
    """Join the paragraphs of `items` that carry on `held`; None when the first does not.

    Inside a list item, the paragraphs that follow the carried-on one and began only
    at a hard line end (no marker, gap or style change) belong to the item as well.
    """
    first = items[0] if items else None
    if not isinstance(first, Para) or first.heading is not None or not continues(held, first):
        return None
    held.lines.extend(first.lines)
    index = 1
    while held.list_item and index < len(items):
        item = items[index]
        if not isinstance(item, Para) or item.start != "hard":
            break
        held.lines.extend(item.lines)
        index += 1
    return items[index:]


def _merge_tables(prev: _TableB, nxt: _TableB) -> None:
    rows = nxt.rows
    if rows and any(_texts(rows[0])) and _texts(rows[0]) == _texts(prev.rows[0]):
        rows = rows[1:]  # header row repeated on the new page
    last = prev.rows[-1]
    if rows and len(rows[0]) == len(last) and _row_continues(last, rows[0]):
        for above, below in zip(last, rows[0], strict=True):
            held = above.items[-1] if above.items else None
            rest = _carry_on(held, below.items) if isinstance(held, Para) else None
            above.items.extend(below.items if rest is None else rest)
            above.full = below.full
        rows = rows[1:]
    prev.rows.extend(rows)
    prev.last_cols = nxt.last_cols


@dataclass(slots=True)
class _Stitcher:
    """Holds the last block of the page before, to join what a page break split."""

    pending: _Item | None = None
    right: float = 0.0
    seen: set[str] = field(default_factory=set)

    def feed(self, items: list[_Item]) -> Iterator[Block]:
        if items and self.pending is not None:
            held, first = self.pending, items[0]
            if (
                isinstance(held, _TableB)
                and isinstance(first, _TableB)
                and _same_columns(held.last_cols, first.first_cols, held.tol)
            ):
                _merge_tables(held, first)
                items = items[1:]
            elif isinstance(held, Para) and held.heading is None:
                rest = _carry_on(held, items)
                items = items if rest is None else rest
        for item in items:
            if self.pending is not None:
                yield _block(self.pending)
            self.pending = item

    def close(self) -> Iterator[Block]:
        if self.pending is not None:
            yield _block(self.pending)
            self.pending = None


def iter_blocks(pages: Iterable[PageLayout]) -> Iterator[Block]:
    """Blocks of the pages in reading order, reading one page ahead (see module docstring)."""
    stitcher = _Stitcher()
    source = iter(pages)
    first = next(source, None)
    current = _analyse(first) if first is not None else None
    while current is not None:
        following = next(source, None)
        ahead = _analyse(following) if following is not None else None
        repeated = stitcher.seen | (ahead.margin_keys if ahead is not None else set())
        stitcher.right = max(stitcher.right, current.right)
        items = _finish(current, repeated, stitcher.right)
        stitcher.seen |= current.margin_keys
        yield from stitcher.feed(items)
        current = ahead
    yield from stitcher.close()


def blocks_from_pages(pages: Iterable[PageLayout]) -> tuple[Block, ...]:
    """All blocks of `pages` (a list or a generator of `PageLayout`), in reading order."""
    return tuple(iter_blocks(pages))
