"""Pure image functions behind the OCR reader: binarise, deskew, ruling lines, ink.

Everything here works on numpy arrays (or a Pillow image in, Pillow image out) and
knows nothing about PDF or Tesseract, so it is unit-tested on synthetic images.

Conventions: a *gray* image is ``uint8`` with 0 = black; an *ink* image is ``bool``
with True = dark pixel. Angles follow Pillow: positive = counter-clockwise as the
page is viewed, so ``image.rotate(-estimate_skew(ink))`` straightens a page.

Approach, chosen for scans of printed forms at 150-300 dpi:

* `otsu_threshold` / `binarise`: one global Otsu threshold. Scanned forms are
  evenly lit; the light dither of shaded table cells stays above the threshold.
* `estimate_skew`: projection profile. The ink pixels (subsampled, on a
  downscaled image) are projected on the vertical axis for each candidate angle;
  text lines and rules give the sharpest profile (largest sum of squared row
  counts) when they are level. A coarse 0.5-degree search over -5..+5 is refined
  at 0.05 degrees, so the whole search costs a few dozen ``np.bincount`` calls.
* `find_rules`: ruling lines are long runs of ink along a row (or column). Each
  row is OR-ed with its neighbours (a 1 px line that wanders by a pixel after
  deskew stays one run), gaps of a few pixels are bridged (scanner dropouts), and
  runs at least `min_length` long on nearby rows are merged into one `Rule`.
* `speck_mask`: dust and speckle, found before Tesseract reads the page. A speck
  is a blob of at most a dpi-relative area (2 px at 150 dpi, 8 at 300) with no
  other ink within a dpi-relative radius (3 px at 150 dpi), or, that small, not
  touching any ink at all. Both are tested with summed-area tables (a small
  window holding a little ink whose surrounding window holds no more), numpy
  only, ~0.1 s a page. A full stop, comma or the dot of an "i" is larger (4+ px
  at 150 dpi) and sits by its letter, so it stays; a speck that touches a letter
  stays too (the word clean-up in `extractors.ocr.words` deals with what
  Tesseract makes of it).
* `ink_regions`: connected regions of ink on a coarse grid (cells of a few pixels,
  so nearby strokes of handwriting join), found by a flood fill over the occupied
  cells only; used for signatures and other non-text ink.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from extractors.layout.types import Box, Rule

Gray = NDArray[np.uint8]
Ink = NDArray[np.bool_]

MAX_SKEW_DEGREES = 5.0


def to_gray(image: Image.Image) -> Image.Image:
    """The image as 8-bit grayscale (transparency composited on white)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image if image.mode == "L" else image.convert("L")


def otsu_threshold(gray: Gray) -> int:
    """The Otsu threshold of a grayscale image: pixels <= threshold are ink."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 127
    levels = np.arange(256, dtype=np.float64)
    weight_dark = np.cumsum(hist)
    sum_dark = np.cumsum(hist * levels)
    weight_light = total - weight_dark
    mean_dark = np.divide(sum_dark, weight_dark, out=np.zeros(256), where=weight_dark > 0)
    mean_light = np.divide(
        sum_dark[-1] - sum_dark, weight_light, out=np.zeros(256), where=weight_light > 0
    )
    between = weight_dark * weight_light * (mean_dark - mean_light) ** 2
    threshold = int(np.argmax(between))
    # A blank or nearly blank page has no real second class: keep a sane middle.
    return min(max(threshold, 64), 200)


def binarise(gray: Gray, threshold: int | None = None) -> Ink:
    """True where the pixel is ink (at or below the Otsu threshold unless given)."""
    level = otsu_threshold(gray) if threshold is None else threshold
    return np.asarray(gray <= level)


def _profile_score(ys: NDArray[np.float64], xs: NDArray[np.float64], angle: float) -> float:
    radians = np.deg2rad(angle)
    # Row each point lands on once the page is rotated by -angle (Pillow convention).
    rows = ys * np.cos(radians) + xs * np.sin(radians)
    rows = np.rint(rows - rows.min()).astype(np.int64)
    counts = np.bincount(rows).astype(np.float64)
    return float(np.dot(counts, counts))


def estimate_skew(
    ink: Ink, max_angle: float = MAX_SKEW_DEGREES, working_width: int = 1000
) -> float:
    """The page's skew in degrees (Pillow convention), 0.0 when it cannot tell.

    Rotating the page by the negative of the result levels its text lines.
    """
    width = ink.shape[1]
    if not ink.any():
        return 0.0
    step = max(1, round(width / working_width))
    small = ink[::step, ::step] if step > 1 else ink
    ys_i, xs_i = np.nonzero(small)
    if ys_i.size < 50:
        return 0.0
    stride = max(1, ys_i.size // 60000)
    ys = ys_i[::stride].astype(np.float64)
    xs = xs_i[::stride].astype(np.float64)

    def best(candidates: Iterable[float]) -> float:
        scored = [(_profile_score(ys, xs, a), -abs(a), a) for a in candidates]
        return max(scored)[2]

    coarse = best(np.arange(-max_angle, max_angle + 1e-9, 0.5).tolist())
    fine = best(np.arange(coarse - 0.5, coarse + 0.5 + 1e-9, 0.05).tolist())
    fine = float(min(max(fine, -max_angle), max_angle))
    return round(fine, 2)


def deskew(image: Image.Image, angle: float) -> Image.Image:
    """`image` rotated by -angle about its centre, same size, new corners white."""
    if abs(angle) < 0.05:
        return image
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)


@dataclass(frozen=True, slots=True)
class _Run:
    line: int  # row (horizontal rules) or column (vertical rules)
    start: int
    end: int  # exclusive


def _long_runs(ink: Ink, min_length: int, max_gap: int, min_fill: float) -> list[_Run]:
    """Runs of ink along each row at least min_length long, gaps <= max_gap bridged.

    A bridged run must be at least `min_fill` ink: a ruling line has only a few
    dropouts, while the strokes of a line of text bridged together leave many gaps.
    """
    rows, cols = ink.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = ink
    edges = np.diff(padded, axis=1)
    start_r, start_c = np.nonzero(edges == 1)
    _, end_c = np.nonzero(edges == -1)
    if start_r.size == 0:
        return []
    # Bridge short gaps: a run continues the previous one on the same row when the gap
    # between them is small. Group ids change wherever a run starts a new segment.
    new_segment = np.ones(start_r.size, dtype=bool)
    same_row = start_r[1:] == start_r[:-1]
    small_gap = (start_c[1:] - end_c[:-1]) <= max_gap
    new_segment[1:] = ~(same_row & small_gap)
    group = np.cumsum(new_segment) - 1
    seg_start = start_c[new_segment]
    seg_row = start_r[new_segment]
    seg_end = np.zeros(seg_start.size, dtype=np.int64)
    np.maximum.at(seg_end, group, end_c)
    filled = np.zeros(seg_start.size, dtype=np.int64)
    np.add.at(filled, group, end_c - start_c)
    length = seg_end - seg_start
    keep = (length >= min_length) & (filled >= min_fill * length)
    return [
        _Run(int(r), int(s), int(e))
        for r, s, e in zip(seg_row[keep], seg_start[keep], seg_end[keep], strict=True)
    ]


def _merge_runs(runs: Sequence[_Run], max_line_gap: int) -> list[tuple[int, int, int, int]]:
    """Runs on nearby lines that overlap merged into (start, first_line, end, last_line)."""
    merged: list[list[int]] = []  # [start, first, end, last]
    for run in sorted(runs, key=lambda r: (r.line, r.start)):
        for seg in reversed(merged):
            if run.line - seg[3] > max_line_gap:
                continue
            overlap = min(run.end, seg[2]) - max(run.start, seg[0])
            if overlap > 0.5 * min(run.end - run.start, seg[2] - seg[0]):
                seg[0] = min(seg[0], run.start)
                seg[2] = max(seg[2], run.end)
                seg[3] = max(seg[3], run.line)
                break
        else:
            merged.append([run.start, run.line, run.end, run.line])
    return [(s[0], s[1], s[2], s[3]) for s in merged]


def _thicken(ink: Ink) -> Ink:
    """Each row OR-ed with the rows above and below it."""
    out = ink.copy()
    out[1:] |= ink[:-1]
    out[:-1] |= ink[1:]
    return out


def find_rules(
    ink: Ink,
    min_horizontal: int | None = None,
    min_vertical: int | None = None,
    max_gap: int = 3,
    max_thickness: int = 8,
    min_fill: float = 0.9,
) -> tuple[Rule, ...]:
    """Horizontal and vertical ruling lines in a (deskewed) ink image, in pixels.

    Defaults: a horizontal rule is at least 8% of the page width long, a vertical one
    at least 2.2% of the page height (taller than any glyph, shorter than the
    smallest table row pair). A vertical segment shorter than four times that must
    meet horizontal rules at both ends (a table border), else it is a pen stroke.
    Thick dark bands (more than `max_thickness` rows) are not rules: they are solid
    blocks, photographs or black borders. A bridged run must be `min_fill` ink.
    """
    height, width = ink.shape
    min_h = min_horizontal if min_horizontal is not None else max(20, int(width * 0.08))
    min_v = min_vertical if min_vertical is not None else max(15, int(height * 0.022))
    rules: list[Rule] = []
    for x0, first, x1, last in _merge_runs(_long_runs(_thicken(ink), min_h, max_gap, min_fill), 2):
        if last - first + 1 <= max_thickness + 2:
            # The thickened image widens a line by one row each side.
            top, bottom = min(first + 1, last), max(last - 1, first + 1)
            rules.append(Rule(float(x0), float(top), float(x1), float(bottom)))
    horizontals = list(rules)
    transposed = np.ascontiguousarray(ink.T)
    runs = _long_runs(_thicken(transposed), min_v, max_gap, min_fill)
    for y0, first, y1, last in _merge_runs(runs, 2):
        if last - first + 1 <= max_thickness + 2:
            left, right = min(first + 1, last), max(last - 1, first + 1)
            rule = Rule(float(left), float(y0), float(right), float(y1))
            if y1 - y0 >= 4 * min_v or _joins_horizontals(rule, horizontals, max_gap + 3):
                rules.append(rule)
    return tuple(sorted(rules, key=lambda r: (not r.horizontal, r.top, r.x0)))


def _joins_horizontals(vertical: Rule, horizontals: Sequence[Rule], slack: float) -> bool:
    """True when both ends of a vertical segment meet a horizontal rule (a table edge).

    Short vertical strokes that meet no horizontal rule are handwriting or large
    glyphs, not table borders.
    """

    def meets(y: float) -> bool:
        return any(
            abs(h.top - y) <= slack + (h.bottom - h.top)
            and h.x0 - slack <= vertical.x0
            and vertical.x1 <= h.x1 + slack
            for h in horizontals
        )

    return meets(vertical.top) and meets(vertical.bottom)


def rule_mask(shape: tuple[int, int], rules: Iterable[Rule], margin: int = 2) -> Ink:
    """True on and `margin` pixels around each rule (to erase lines before OCR)."""
    mask = np.zeros(shape, dtype=bool)
    height, width = shape
    for rule in rules:
        x0 = max(0, int(rule.x0) - margin)
        x1 = min(width, int(rule.x1) + margin + 1)
        top = max(0, int(rule.top) - margin)
        bottom = min(height, int(rule.bottom) + margin + 1)
        mask[top:bottom, x0:x1] = True
    return mask


def _window_sums(
    table: NDArray[np.int32], size: int, shape: tuple[int, int]
) -> NDArray[np.int32]:
    """Sums of the size x size windows at each (y, x) of `shape`.

    `table` is an inclusive summed-area table whose row (column) ``y`` holds the ink
    above (left of) and including the window's first row (column) minus one.
    """
    rows, cols = shape
    return np.asarray(
        table[size : size + rows, size : size + cols]
        - table[:rows, size : size + cols]
        - table[size : size + rows, :cols]
        + table[:rows, :cols]
    )


def speck_mask(ink: Ink, dpi: float) -> Ink:
    """True on isolated specks of ink (module docstring) and the white just round them.

    Two tests, dpi-relative (pixel figures at 150 dpi / 300 dpi):

    * far from any ink: at most ``(dpi / 100) ** 2`` pixels (2 / 8) in a
      ``dpi / 75`` square (2 / 4) with no other ink within ``dpi / 50`` (3 / 6);
    * touching no ink: at most ``2 * (dpi / 150) ** 2`` pixels (2 / 8) in the same
      square with no ink in the pixels around it. A full stop is 4+ pixels at
      150 dpi and a light one is still joined to its letter's anti-aliasing.

    The mask also covers the white pixels next to each speck (the gray halo a
    scanner or JPEG leaves), so painting it white leaves nothing for Tesseract.
    """
    square = max(2, round(dpi / 75.0))
    far = _isolated_blobs(ink, max(2, int((dpi / 100.0) ** 2 - 1e-9)), square, max(2, round(dpi / 50.0)))
    tiny = _isolated_blobs(ink, max(2, int(2 * (dpi / 150.0) ** 2)), square, 1)
    return far | tiny


def _isolated_blobs(ink: Ink, area: int, size: int, radius: int) -> Ink:
    """True on ink of at most `area` pixels inside a size x size square with no other
    ink within `radius` of the square, plus a one-pixel margin round the square
    (for each square that holds the blob: up to `size` pixels of white round it)."""
    height, width = ink.shape
    if height == 0 or width == 0:
        return np.zeros(ink.shape, dtype=bool)
    pad = radius + 1
    tail = radius + size + 1
    # int32 sums: a page of 40 megapixels (the rendering bound) still fits.
    padded = np.zeros((height + pad + tail, width + pad + tail), dtype=np.int32)
    padded[pad : pad + height, pad : pad + width] = ink
    table = padded.cumsum(axis=0, dtype=np.int32)
    table = table.cumsum(axis=1, dtype=np.int32)
    del padded
    # Windows anchored at (y, x) of the ink image: inner [y, y + size), outer the same
    # grown by `radius` on every side. Offsets are into the padded table.
    shape = (height, width)
    inner = _window_sums(table[pad - 1 :, pad - 1 :], size, shape)
    outer = _window_sums(table[pad - 1 - radius :, pad - 1 - radius :], size + 2 * radius, shape)
    anchors = (inner > 0) & (inner <= area) & (inner == outer)
    if not anchors.any():
        return np.zeros(ink.shape, dtype=bool)
    mask = np.zeros((height + size + 2, width + size + 2), dtype=bool)
    ys, xs = np.nonzero(anchors)
    for dy in range(size + 2):
        for dx in range(size + 2):
            mask[ys + dy, xs + dx] = True
    # mask is offset by one pixel (the halo above and left of the window).
    return np.asarray(mask[1 : height + 1, 1 : width + 1])


def ink_regions(ink: Ink, cell: int = 6, min_cells: int = 1) -> list[Box]:
    """Bounding boxes of connected ink regions, found on a grid of cell x cell pixels.

    A grid cell is occupied when any pixel in it is ink; occupied cells that touch
    (8-neighbourhood) form one region, so strokes up to about `cell` pixels apart
    join. Boxes are in pixel coordinates of `ink`, clipped to the inked cells.
    """
    height, width = ink.shape
    rows, cols = -(-height // cell), -(-width // cell)
    padded = np.zeros((rows * cell, cols * cell), dtype=bool)
    padded[:height, :width] = ink
    grid: Ink = np.asarray(padded.reshape(rows, cell, cols, cell).any(axis=(1, 3)))
    seen = np.zeros_like(grid)
    boxes: list[Box] = []
    occupied = np.argwhere(grid)
    for r0, c0 in occupied:
        if seen[r0, c0]:
            continue
        seen[r0, c0] = True
        stack = [(int(r0), int(c0))]
        top, bottom, left, right, count = int(r0), int(r0), int(c0), int(c0), 0
        while stack:
            r, c = stack.pop()
            count += 1
            top, bottom = min(top, r), max(bottom, r)
            left, right = min(left, c), max(right, c)
            for nr in (r - 1, r, r + 1):
                if nr < 0 or nr >= rows:
                    continue
                for nc in (c - 1, c, c + 1):
                    if 0 <= nc < cols and grid[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        stack.append((nr, nc))
        if count < min_cells:
            continue
        # Tighten the box to the ink pixels inside the cells.
        y0, y1 = top * cell, min(height, (bottom + 1) * cell)
        x0, x1 = left * cell, min(width, (right + 1) * cell)
        patch = ink[y0:y1, x0:x1]
        ys = np.nonzero(patch.any(axis=1))[0]
        xs = np.nonzero(patch.any(axis=0))[0]
        boxes.append(
            Box(
                float(x0 + xs[0]), float(y0 + ys[0]), float(x0 + xs[-1] + 1), float(y0 + ys[-1] + 1)
            )
        )
    return boxes
