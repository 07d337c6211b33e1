"""Label | value form tables that ruling lines do not fully draw.

A form's label column is often the only thing drawn: shaded label cells (filled
rectangles) or boxes around the labels, with the values standing free beside them;
or the table has no borders and no shading at all. Both are found here, so that a
value read beside its label stays a cell of the label's row, however its lines wrap
and wherever the label sits in the row (top, centre or bottom aligned):

      shaded label column            no rules at all (labels vertically centred)
    +-----------+                      Name        J. Smith
    | Name      |  J. Smith                        Director of Social Work and
    +-----------+  Director of ...     Position    Chief Social Work Officer
    | Position  |  ... Officer         Date        20/10/2006
    +-----------+
    | Date      |  20/10/2006

* **Widened grids** (`widen_grids`). A grid whose cells hold words and that has
  free words just beside its right edge, within its height, gets one more column
  reaching to those words. Its rows are the drawn ones, so each value line goes to
  the row of the label drawn beside it.
* **Rule-less forms** (`form_grids`). Free lines are swept top to bottom: a run
  starts at a line with a wide gap between its words (a label and its value) and
  goes on while some gutter stays free of words in every line of the run (lines
  with words on one side only, the wrapped lines of a value, join). A run that
  has at least two lines with words on both sides of its gutter, a narrow first
  column of short labels (not list numbers or bullets), is a form table. Rows are
  its labels (the first column's paragraphs); each value line goes to one label's
  row, the assignment that best fits one alignment (top, centre or bottom) for the
  whole table, rows never overlapping (`_assign`).

Measures are relative to the body font size (points) or glyph height (pixels).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from extractors.layout.lines import (
    STYLE_SIZE_RATIO,
    Line,
    build_paragraphs,
    clean,
    group_lines,
    is_marker,
)
from extractors.layout.tables import GUTTER_EM, RUN_SIZE_RATIO, Grid
from extractors.layout.types import Box, Word

BESIDE_EM = 3.0  # a value starts at most this far right of the drawn label column
RUN_GAP_EM = 4.0  # a vertical gap this large ends a rule-less form
LABEL_SHARE = 0.6  # the label column is at most this share of the table's width
LABEL_MAX_LINES = 4
LABEL_MAX_WORDS = 12
SPLIT_EM = 2.0  # cost of a row boundary inside a value paragraph, in font sizes
MAX_RUN_LINES = 120  # longer runs are not forms (and bound the row assignment)
_IMAGE = "\x00"  # text of the stand-in word for an image box (geometry only)
_NO_EDGE = 1e12
_TICK_BOXES = frozenset("☐☒□■")
_Span = tuple[float, float]


# -- widened grids ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measures:
    """The page's measures: body size, style ratio and OCR body height (`layout_lines`)."""

    size: float
    ratio: float = STYLE_SIZE_RATIO
    body: float | None = None
    right: float = 0.0  # right edge of the page's text: where a value column may reach


def widen_grids(grids: list[Grid], words: Sequence[Word], images: Sequence[Box], m: Measures) -> list[Grid]:
    """Grids with a value column added where free words stand beside them (see module).

    A row band of the grid whose first cell holds several labels (one shaded
    rectangle behind the whole label column) is split into one row per label.
    """
    out: list[Grid] = []
    things = [*words, *_image_words(images, m.size)]
    for grid in grids:
        if not _holds_words(grid, words) or grid.x1 - grid.x0 < 3 * m.size:
            out.append(grid)
            continue
        beside = [
            w
            for w in things
            if grid.top <= _cy(w) <= grid.bottom
            and grid.x1 < _cx(w)
            and not any(g.contains(_cx(w), _cy(w)) for g in grids)
        ]
        if not beside or min(w.x0 for w in beside) - grid.x1 > BESIDE_EM * m.size:
            out.append(grid)
            continue
        right = max(max(w.x1 for w in beside) + 0.5 * m.size, m.right)
        ys = [grid.ys[0]]
        cols: list[list[float]] = []
        for r, bounds in enumerate(grid.cols):
            top, bottom = grid.ys[r], grid.ys[r + 1]
            left = [w for w in words if top <= _cy(w) <= bottom and bounds[0] <= _cx(w) <= bounds[1]]
            values = [w for w in beside if top <= _cy(w) <= bottom]
            rows = _rows(left, values, m) if len(bounds) == 2 else None
            cuts = [(a[1] + b[0]) / 2 for a, b in itertools.pairwise(rows)] if rows else []
            ys += [*cuts, bottom]
            cols += [[*bounds[:-1], grid.x1, right]] * (len(cuts) + 1)
        out.append(Grid(grid.x0, grid.top, right, grid.bottom, ys, cols))
    return out


def _cx(w: Word) -> float:
    return (w.x0 + w.x1) / 2


def _cy(w: Word) -> float:
    return (w.top + w.bottom) / 2


def _holds_words(grid: Grid, words: Sequence[Word]) -> bool:
    return any(grid.contains(_cx(w), _cy(w)) for w in words)


def _image_words(images: Sequence[Box], size: float) -> list[Word]:
    return [Word(_IMAGE, b.x0, b.x1, b.top, b.bottom, size) for b in images]


# -- rule-less forms --------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    lines: list[Line]
    gutters: list[_Span]  # x intervals no word of the run's lines crosses


def form_grids(words: Sequence[Word], images: Sequence[Box], m: Measures, width: float) -> list[Grid]:
    """Label | value tables drawn without rules among the free words (see module)."""
    size = m.size
    lines = group_lines([*words, *_image_words(images, size)])
    min_gap = max(GUTTER_EM * size, 0.01 * width)
    index = {id(line): k for k, line in enumerate(lines)}
    grids: list[Grid] = []
    start = 0
    for run in _runs(lines, min_gap, size):
        _extend_up(run, lines[start : index[id(run.lines[0])]], min_gap, size)
        grid = _form(run, m)
        if grid is not None:
            grids.append(grid)
            start = index[id(run.lines[-1])] + 1
    return grids


def _spans(line: Line) -> list[_Span]:
    return sorted((w.x0, w.x1) for w in line.words)


def _cut(gutters: list[_Span], line: Line, min_gap: float) -> list[_Span]:
    """The parts of `gutters` that `line`'s words leave free, `min_gap` wide or more."""
    out: list[_Span] = []
    for a, b in gutters:
        pieces = [(a, b)]
        for x0, x1 in _spans(line):
            pieces = [p for lo, hi in pieces for p in ((lo, min(hi, x0)), (max(lo, x1), hi)) if p[1] > p[0]]
        out += [p for p in pieces if p[1] - p[0] >= min_gap]
    return out


def _inner_gaps(line: Line, min_gap: float) -> list[_Span]:
    spans = _spans(line)
    out: list[_Span] = []
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a - reach >= min_gap:
            out.append((reach, a))
        reach = max(reach, b)
    return out


def _fits(run: _Run, line: Line, size: float) -> bool:
    """Does `line` sit close enough below the run, in the run's type size?"""
    prev = run.lines[-1]
    near = line.top - prev.bottom <= RUN_GAP_EM * size
    return near and _similar(line, run.lines)


def _similar(line: Line, lines: Sequence[Line]) -> bool:
    if all(w.text == _IMAGE for w in line.words):
        return True
    sizes = sorted(ln.size for ln in lines)
    median = sizes[len(sizes) // 2]
    return max(line.size, median) <= RUN_SIZE_RATIO * min(line.size, median)


def _runs(lines: Sequence[Line], min_gap: float, size: float) -> list[_Run]:
    out: list[_Run] = []
    run: _Run | None = None
    for line in lines:
        if run is not None:
            kept = _cut(run.gutters, line, min_gap)
            if kept and _fits(run, line, size) and len(run.lines) < MAX_RUN_LINES:
                run.lines.append(line)
                run.gutters = kept
                continue
            out.append(run)
            run = None
        gaps = _inner_gaps(line, min_gap)
        if gaps:
            run = _Run([line], gaps)
    if run is not None:
        out.append(run)
    return out


def _extend_up(run: _Run, before: Sequence[Line], min_gap: float, size: float) -> None:
    """Take in the lines just above the run that keep its gutter: the first lines of a
    value (or of a label) that wrapped above the first line holding both."""
    for line in reversed(before):
        kept = _cut(run.gutters, line, min_gap)
        first = run.lines[0]
        if not kept or first.top - line.bottom > 1.0 * size or not _similar(line, run.lines):
            return
        run.lines.insert(0, line)
        run.gutters = kept


def _side_words(run: _Run, gutter: _Span) -> tuple[list[Word], list[Word], int]:
    left: list[Word] = []
    right: list[Word] = []
    both = 0
    for line in run.lines:
        mine_left = [w for w in line.words if w.x1 <= gutter[0] + 0.01]
        mine_right = [w for w in line.words if w.x0 >= gutter[1] - 0.01]
        left += mine_left
        right += mine_right
        both += bool(mine_left and mine_right)
    return left, right, both


def _form(run: _Run, m: Measures) -> Grid | None:
    """The run as a label | value grid, or None when it does not read as a form."""
    found = next(
        ((g, *_side_words(run, g)) for g in sorted(run.gutters) if _side_words(run, g)[2] >= 2), None
    )
    if found is None:
        return None
    gutter, left, right, _ = found
    x0 = min(w.x0 for w in left)
    x1 = max(w.x1 for w in right)
    if gutter[0] - x0 > LABEL_SHARE * (x1 - x0):
        return None
    rows = _rows(left, right, m, least=2)
    if rows is None:
        return None
    cuts = [(a[1] + b[0]) / 2 for a, b in itertools.pairwise(rows)]
    top, bottom = rows[0][0] - 0.25 * m.size, rows[-1][1] + 0.25 * m.size
    bounds = [x0 - 0.25 * m.size, (gutter[0] + gutter[1]) / 2, max(x1 + 0.25 * m.size, m.right)]
    return Grid(bounds[0], top, bounds[-1], bottom, [top, *cuts, bottom], [bounds] * len(rows))


def _rows(left: Sequence[Word], right: Sequence[Word], m: Measures, least: int = 2) -> list[_Span] | None:
    """The rows of a label column (`left`) and its values (`right`): each row's extent.

    None unless the column holds at least `least` labels (see `_is_label`) and the
    values can be shared out among them (`_assign`).
    """
    # A label's lines are one label unless the break was typed: measured against no
    # right edge, every line "fits", so only the text (a capital after a full end),
    # a gap or a change of type separates two labels (see `layout_lines.hard_end`).
    label_lines = group_lines([w for w in left if w.text != _IMAGE])
    labels = build_paragraphs(label_lines, _NO_EDGE, m.ratio, m.body)
    if len(labels) < least or not all(_is_label(p.lines) for p in labels):
        return None
    value_lines = group_lines(right)
    if not value_lines:
        return [(p.top, p.bottom) for p in labels]
    edge = max(max(line.x1 for line in value_lines), m.right)
    paras = build_paragraphs([ln for ln in value_lines if ln.text != _IMAGE], edge, m.ratio, m.body)
    starts = {id(p.lines[0]) for p in paras}
    joined = [ln.text != _IMAGE and id(ln) not in starts for ln in value_lines]
    spans = [(v.top, v.bottom) for v in value_lines]
    return _assign([(p.top, p.bottom) for p in labels], spans, joined, m.size)


def _is_label(lines: Sequence[Line]) -> bool:
    """A short text with letters, not a list marker ("1.", "•", "(a)") or a tick box."""
    words = [w for line in lines for w in line.words]
    text = clean(" ".join(w.text for w in words))
    letters = sum(ch.isalpha() for ch in text)
    if len(lines) > LABEL_MAX_LINES or len(words) > LABEL_MAX_WORDS or letters < 2:
        return False
    head = text.split()[0]
    return not is_marker(head) and head[:1] not in _TICK_BOXES


def _assign(
    labels: list[_Span], values: list[_Span], joined: list[bool], size: float
) -> list[_Span] | None:
    """Each row's vertical extent, its label's and its value lines' together.

    Value lines (top to bottom) go to rows in order; a line may join a row only when it
    ends above the next label and starts below the label before. Among the orders that
    allow, the one whose rows best keep one alignment of label against value (top,
    centre or bottom, the same for the whole table) wins; a row boundary inside a
    paragraph (`joined[j]`: line j carries on the line before it) costs as much as
    two lines out of alignment. None when no order fits.
    """
    tol = 0.25 * size
    n = len(labels)

    def allowed(i: int, j: int) -> bool:
        top, bottom = values[j]
        above = i == 0 or top >= labels[i - 1][1] - tol
        below = i == n - 1 or bottom <= labels[i + 1][0] + tol
        return above and below

    best: tuple[float, list[int]] | None = None
    for anchor in (_centre, _top, _bottom):
        found = _partition(labels, values, allowed, anchor, [SPLIT_EM * size * j for j in joined])
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is None:
        return None
    ends = best[1]
    rows: list[_Span] = []
    start = 0
    for i, end in enumerate(ends):
        group = values[start:end]
        tops = [labels[i][0], *(t for t, _ in group)]
        bottoms = [labels[i][1], *(b for _, b in group)]
        rows.append((min(tops), max(bottoms)))
        start = end
    return rows


def _centre(span: _Span) -> float:
    return (span[0] + span[1]) / 2


def _top(span: _Span) -> float:
    return span[0]


def _bottom(span: _Span) -> float:
    return span[1]


def _partition(
    labels: list[_Span],
    values: list[_Span],
    allowed: Callable[[int, int], bool],
    anchor: Callable[[_Span], float],
    split_cost: list[float],
) -> tuple[float, list[int]] | None:
    """Cheapest split of `values` into len(labels) consecutive groups (dynamic programme).

    Returns (cost, ends) where ends[i] is one past the last value of row i.
    """
    n, m = len(labels), len(values)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back = [[0] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            for k in range(j, m + 1):
                if k > j and not allowed(i, k - 1):
                    break
                if k > j:
                    span = (values[j][0], max(b for _, b in values[j:k]))
                    c = abs(anchor(labels[i]) - anchor(span)) + (split_cost[k] if k < m else 0.0)
                else:
                    c = 0.0
                if cost[i][j] + c < cost[i + 1][k]:
                    cost[i + 1][k] = cost[i][j] + c
                    back[i + 1][k] = j
    if cost[n][m] == inf:
        return None
    ends = [m]
    for i in range(n, 1, -1):
        ends.append(back[i][ends[-1]])
    return cost[n][m], ends[::-1]
