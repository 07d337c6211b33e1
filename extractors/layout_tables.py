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

from extractors.layout_types import Rule, Word

MAX_PAIRS = 250_000  # horizontal x vertical pairs; more is a drawing, not a form
FRAME_AREA = 0.5  # a one-cell box over this share of the page is a page frame


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
    """Grids from stacks of horizontal rules of one extent (no vertical rules)."""
    out: list[Grid] = []
    stacks: list[list[Seg]] = []
    for h in sorted(hs, key=lambda s: (s.a, s.b)):
        for stack in stacks:
            if abs(stack[0].a - h.a) <= 2 * tol and abs(stack[0].b - h.b) <= 2 * tol:
                stack.append(h)
                break
        else:
            stacks.append([h])
    for stack in stacks:
        ys = _cluster([h.pos for h in stack], tol)
        if len(ys) < 3:
            continue
        x0, x1 = min(h.a for h in stack), max(h.b for h in stack)
        if any(g.contains((x0 + x1) / 2, (ys[0] + ys[-1]) / 2) for g in grids):
            continue
        bounds = _column_gaps(words, x0, x1, ys[0], ys[-1], max(1.2 * size, 0.02 * width))
        if len(bounds) < 3:
            continue
        rows = [ys[0]] + [b for a, b in itertools.pairwise(ys) if b - a >= 0.6 * size]
        out.append(Grid(x0, ys[0], x1, ys[-1], rows, [bounds] * (len(rows) - 1)))
    return out


def _column_gaps(
    words: Sequence[Word], x0: float, x1: float, top: float, bottom: float, min_gap: float
) -> list[float]:
    """Column boundaries: the middles of wide x-gaps that no word inside the box crosses."""
    spans = sorted(
        (w.x0, w.x1) for w in words if top <= (w.top + w.bottom) / 2 <= bottom and x0 <= w.x0 <= x1
    )
    if not spans:
        return []
    bounds = [x0]
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a - reach >= min_gap:
            bounds.append((a + reach) / 2)
        reach = max(reach, b)
    return [*bounds, x1]
