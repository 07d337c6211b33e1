"""Tables from ruling lines: rules -> merged segments -> connected grids -> cells.

1. Every rule becomes horizontal or vertical segments: a thin rule is one segment, a
   rectangle (a cell border or a shaded cell drawn as a filled rectangle) gives its
   four edges. Collinear pieces that touch are merged (LibreOffice and Word draw a
   border per cell).
2. Horizontal and vertical segments that touch are joined into connected components
   (union-find). A component with at least two distinct rows of horizontals and two
   distinct columns of verticals is a grid. Its row boundaries are the distinct
   horizontal positions; the column boundaries of each row band are the verticals
   that span the whole band, plus the grid's outer edges - so a header cell that
   spans two columns stays one cell.
3. Stacks of three or more horizontal rules of the same extent with no verticals
   (tables drawn with row rules only) become a grid whose columns are the vertical
   gaps that no word crosses in any row; a stack with no such gap is not a table.

A single-cell box covering most of the page is a page frame, not a table. All
tolerances are relative to the body font size and the page width.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.layout.types import Rule, Word

MAX_PAIRS = 250_000  # horizontal x vertical pairs; more is a drawing, not a form
FRAME_AREA = 0.5  # a one-cell box over this share of the page is a page frame
GUTTER_EM = 0.8  # a column gutter between rule-less columns is at least this wide
RUN_SIZE_RATIO = 1.25  # a one-column band in type this much larger ends a ruled table


@dataclass(frozen=True, slots=True)
class Seg:
    """A merged ruling segment: horizontal at `pos` from a to b, or vertical."""

    pos: float
    a: float
    b: float


@dataclass(slots=True)
class Grid:
    x0: float
    top: float
    x1: float
    bottom: float
    ys: list[float]  # row boundaries, top to bottom
    cols: list[list[float]]  # per row band: column boundaries, left to right

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.top <= y <= self.bottom

    def locate(self, x: float, y: float) -> tuple[int, int]:
        row = min(max(bisect_right(self.ys, y) - 1, 0), len(self.cols) - 1)
        bounds = self.cols[row]
        col = min(max(bisect_right(bounds, x) - 1, 0), len(bounds) - 2)
        return row, col


def _split(rules: Sequence[Rule], tol: float) -> tuple[list[Seg], list[Seg]]:
    hs: list[Seg] = []
    vs: list[Seg] = []
    for r in rules:
        w, h = r.x1 - r.x0, r.bottom - r.top
        if h <= tol and w > tol:
            hs.append(Seg((r.top + r.bottom) / 2, r.x0, r.x1))
        elif w <= tol and h > tol:
            vs.append(Seg((r.x0 + r.x1) / 2, r.top, r.bottom))
        elif w > tol and h > tol:
            hs += [Seg(r.top, r.x0, r.x1), Seg(r.bottom, r.x0, r.x1)]
            vs += [Seg(r.x0, r.top, r.bottom), Seg(r.x1, r.top, r.bottom)]
    return _merge(hs, tol), _merge(vs, tol)


def _merge(segs: list[Seg], tol: float) -> list[Seg]:
    """Merge segments on one line (positions within tol) whose extents touch."""
    out: list[Seg] = []
    group: list[Seg] = []
    for seg in sorted(segs, key=lambda s: s.pos):
        if group and seg.pos - group[0].pos > tol:
            out += _merge_line(group, tol)
            group = []
        group.append(seg)
    if group:
        out += _merge_line(group, tol)
    return out


def _merge_line(group: list[Seg], tol: float) -> list[Seg]:
    pos = sum(s.pos for s in group) / len(group)
    out: list[Seg] = []
    for seg in sorted(group, key=lambda s: s.a):
        if out and seg.a <= out[-1].b + tol:
            last = out[-1]
            out[-1] = Seg(pos, last.a, max(last.b, seg.b))
        else:
            out.append(Seg(pos, seg.a, seg.b))
    return out


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _components(hs: list[Seg], vs: list[Seg], tol: float) -> list[tuple[list[Seg], list[Seg]]]:
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.a - tol <= v.pos <= h.b + tol and v.a - tol <= h.pos <= v.b + tol:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[Seg], list[Seg]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    return list(groups.values())


def detect_grids(
    rules: Sequence[Rule], words: Sequence[Word], width: float, height: float, size: float
) -> list[Grid]:
    """The tables drawn on one page, as grids (see module docstring)."""
    tol = max(0.25 * size, 0.003 * width)
    hs, vs = _split(rules, tol)
    if not hs or len(hs) * max(len(vs), 1) > MAX_PAIRS:
        return []
    grids: list[Grid] = []
    loose: list[Seg] = []
    for chs, cvs in _components(hs, vs, tol):
        grid = _grid(chs, cvs, tol, size) if chs and cvs else None
        if grid is None:
            loose += chs
        elif not _is_frame(grid, width, height):
            grids.append(grid)
    grids += _ruled_rows(loose, words, grids, tol, size, width)
    return sorted(grids, key=lambda g: g.top)


def _grid(hs: list[Seg], vs: list[Seg], tol: float, size: float) -> Grid | None:
    ys = _cluster([h.pos for h in hs], tol)
    xs = _cluster([v.pos for v in vs], tol)
    if len(ys) < 2 or len(xs) < 2:
        return None
    x0 = min(min(h.a for h in hs), xs[0])
    x1 = max(max(h.b for h in hs), xs[-1])
    rows: list[float] = [ys[0]]
    cols: list[list[float]] = []
    for top, bottom in itertools.pairwise(ys):
        if bottom - top < 0.6 * size:
            continue  # a double rule, not a row
        spanning = (v for v in vs if v.a <= top + tol and v.b >= bottom - tol)
        inner = [v.pos for v in spanning if x0 + tol < v.pos < x1 - tol]
        cols.append([x0, *_cluster(inner, tol), x1])
        rows.append(bottom)
    if not cols:
        return None
    return Grid(x0, ys[0], x1, ys[-1], rows, cols)


def _is_frame(grid: Grid, width: float, height: float) -> bool:
    one_cell = len(grid.cols) == 1 and len(grid.cols[0]) == 2
    area = (grid.x1 - grid.x0) * (grid.bottom - grid.top)
    return one_cell and area > FRAME_AREA * width * height


def _ruled_rows(
    hs: list[Seg], words: Sequence[Word], grids: list[Grid], tol: float, size: float, width: float
) -> list[Grid]:
    """Grids from stacks of horizontal rules of one extent (no vertical rules).

    The bands between consecutive rules are read top to bottom; a run of bands whose
    words all leave one vertical gutter free is a table (see `_runs`). One stack can
    hold several tables one above another (the same width, with a heading between
    them that is not part of either).
    """
    out: list[Grid] = []
    stacks: list[list[Seg]] = []
    for h in sorted(hs, key=lambda s: (s.a, s.b)):
        for stack in stacks:
            if abs(stack[0].a - h.a) <= 2 * tol and abs(stack[0].b - h.b) <= 2 * tol:
                stack.append(h)
                break
        else:
            stacks.append([h])
    min_gap = max(GUTTER_EM * size, 0.01 * width)
    for stack in stacks:
        ys = _cluster([h.pos for h in stack], tol)
        x0, x1 = min(h.a for h in stack), max(h.b for h in stack)
        bands = [(a, b) for a, b in itertools.pairwise(ys) if b - a >= 0.6 * size]
        inside = [w for w in words if x0 <= (w.x0 + w.x1) / 2 <= x1]
        for run in _runs(bands, inside, x0, x1, min_gap, lone=len(ys) >= 3):
            top, bottom = run[0][0], run[-1][1]
            if any(g.contains((x0 + x1) / 2, (top + bottom) / 2) for g in grids):
                continue
            run_words = [w for w in inside if top <= (w.top + w.bottom) / 2 <= bottom]
            bounds = _column_gaps(run_words, x0, x1, top, bottom, min_gap, inset=True)
            rows = [top] + [b for _, b in run]
            out.append(Grid(x0, top, x1, bottom, rows, [bounds] * len(run)))
    return out


def _runs(
    bands: list[tuple[float, float]],
    words: Sequence[Word],
    x0: float,
    x1: float,
    min_gap: float,
    lone: bool,
) -> list[list[tuple[float, float]]]:
    """Runs of consecutive bands that read as one table of two or more columns.

    A run starts at a band whose words stand in two or more columns (a wide gap no
    word crosses, with words on both sides) and takes in the bands below while the
    words of all of them still leave a common gutter. A band with words on one side
    only (an empty cell) joins when its type is the run's size; a heading in larger
    type or a line across the gutter ends the run. A run of a single line (a header
    row of two labels) counts only when the stack has three or more rules (`lone`).
    """
    out: list[list[tuple[float, float]]] = []
    run: list[tuple[float, float]] = []
    taken: list[Word] = []

    def close() -> None:
        lines = len({round(w.top) for w in taken})
        if run and (lines >= 2 or lone):
            out.append(list(run))

    for top, bottom in bands:
        mine = [w for w in words if top <= (w.top + w.bottom) / 2 <= bottom]
        split = len(_column_gaps(mine, x0, x1, top, bottom, min_gap)) >= 3
        joined = taken + mine
        common = bool(run and mine) and len(_column_gaps(joined, x0, x1, -1e9, 1e9, min_gap)) >= 3
        if common and (split or _same_size(mine, taken)):
            run.append((top, bottom))
            taken = joined
            continue
        close()
        run, taken = ([(top, bottom)], mine) if split else ([], [])
    close()
    return out


def _same_size(a: Sequence[Word], b: Sequence[Word]) -> bool:
    """Are the median sizes of `a` and `b` within RUN_SIZE_RATIO of each other?"""
    sa, sb = (sorted(w.size for w in ws)[len(ws) // 2] for ws in (a, b))
    return max(sa, sb) <= RUN_SIZE_RATIO * min(sa, sb)


def _column_gaps(
    words: Sequence[Word],
    x0: float,
    x1: float,
    top: float,
    bottom: float,
    min_gap: float,
    inset: bool = False,
) -> list[float]:
    """Column boundaries: wide x-gaps that no word inside the box crosses.

    A boundary is the middle of its gap; with `inset`, it sits as far left of the words
    after it as the leftmost words sit from `x0` (the cell padding), so it keeps its
    place when the words before it change (the same table on the next page).
    """
    spans = sorted(
        (w.x0, w.x1)
        for w in words
        if top <= (w.top + w.bottom) / 2 <= bottom and x0 <= (w.x0 + w.x1) / 2 <= x1
    )
    if not spans:
        return []
    pad = max(spans[0][0] - x0, 0.0)
    bounds = [x0]
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a - reach >= min_gap:
            bounds.append(max(a - pad, (a + reach) / 2) if inset else (a + reach) / 2)
        reach = max(reach, b)
    return [*bounds, x1]
