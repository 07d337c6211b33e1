"""OCR words checked against the page's ink: tick boxes, signatures, noise, stray marks.

* **Tick boxes.** A short token, or an unread gap on a text line, whose pixels are a
  square outline becomes "☒" (ink inside) or "☐" (empty) (`mark_tick_boxes`).
* **Ink.** Ink that is neither a rule nor under a confidently read word, in a region
  at least signature-sized, is a `Box` (the handwritten signature) (`signature_regions`).
* **Noise.** Dot-sized "words" and low-confidence punctuation are dropped (`drop_noise`).
* **Boxes fitted to ink** (`fit_to_ink`) and **stray marks** (`stray_marks`): see
  `extractors.ocr.words` for the whole list of clean-ups and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from extractors.layout.types import Box
from extractors.ocr.image import Ink, ink_regions
from extractors.ocr.words import (
    DASHES,
    EMPTY,
    EMPTY_TOKENS,
    GOOD_CONFIDENCE,
    NOISE_CONFIDENCE,
    SERVICE_WORDS,
    TICK_TOKENS,
    TICKED,
    OcrWord,
)


def box_glyph(patch: Ink) -> str | None:
    """The tick-box glyph (☒ or ☐) when the ink patch is a square outline, else None.

    The patch is trimmed to its ink; a box is about square, has ink along most of
    each of its four edges (letters such as O, D, H, U lack at least one edge or the
    corners), and is ticked when its inside holds ink.
    """
    ys = np.nonzero(patch.any(axis=1))[0]
    xs = np.nonzero(patch.any(axis=0))[0]
    if ys.size == 0:
        return None
    box = patch[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1]
    height, width = box.shape
    if min(height, width) < 6 or abs(height - width) > 0.3 * max(height, width):
        return None
    edge = max(1, round(min(height, width) / 8))
    sides = (
        box[:edge].any(axis=0).mean(),
        box[-edge:].any(axis=0).mean(),
        box[:, :edge].any(axis=1).mean(),
        box[:, -edge:].any(axis=1).mean(),
    )
    if min(sides) < 0.75:
        return None
    inside = box[edge + 1 : height - edge - 1, edge + 1 : width - edge - 1]
    return TICKED if inside.size and inside.mean() > 0.08 else EMPTY


def _line_height(words: Sequence[OcrWord]) -> int:
    return max(w.height for w in words)


def mark_tick_boxes(words: list[OcrWord], ink: Ink, dpi: float) -> list[OcrWord]:
    """Tick-box tokens normalised to ☒/☐, and boxes Tesseract skipped added back."""
    by_line: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        by_line.setdefault(w.line, []).append(w)
    out: list[OcrWord] = []
    min_gap = max(6, round(dpi / 25))
    for line in by_line.values():
        line.sort(key=lambda w: w.left)
        height = _line_height(line)
        top = min(w.top for w in line)
        bottom = max(w.bottom for w in line)
        prev_right = max(0, line[0].left - 3 * height)
        for k, word in enumerate(line):
            next_is_service = k + 1 < len(line) and line[k + 1].text.lower().strip("(:,") in SERVICE_WORDS
            # A box Tesseract did not read at all sits in the gap before this word.
            if word.left - prev_right >= min_gap:
                out.extend(_boxes_in_gap(ink, prev_right, word.left, top, bottom, word.line))
            prev_right = word.right
            glyph = None
            if len(word.text) <= 3:
                patch = ink[word.top : word.bottom, word.left : word.right]
                glyph = box_glyph(patch) if patch.size else None
                if glyph is None and next_is_service:
                    if word.text in TICK_TOKENS:
                        glyph = TICKED
                    elif word.text in EMPTY_TOKENS:
                        glyph = EMPTY
            out.append(replace(word, text=glyph, conf=max(word.conf, 90.0)) if glyph else word)
    return out


def _boxes_in_gap(ink: Ink, x0: int, x1: int, top: int, bottom: int, line: tuple[int, int, int]) -> list[OcrWord]:
    region = ink[top:bottom, x0:x1]
    if region.size == 0:
        return []
    columns = region.any(axis=0)
    found: list[OcrWord] = []
    start: int | None = None
    for x, filled in enumerate([*map(bool, np.asarray(columns).tolist()), False]):
        if filled and start is None:
            start = x
        elif not filled and start is not None:
            patch = region[:, start:x]
            glyph = box_glyph(patch)
            if glyph is not None:
                ys = np.nonzero(patch.any(axis=1))[0]
                found.append(
                    OcrWord(
                        text=glyph,
                        conf=90.0,
                        left=x0 + start,
                        top=top + int(ys[0]),
                        width=x - start,
                        height=int(ys[-1] - ys[0] + 1),
                        line=line,
                    )
                )
            start = None
    return found


def signature_regions(ink: Ink, words: Sequence[OcrWord], dpi: float) -> list[Box]:
    """Regions of ink not explained by confidently read words: handwriting, stamps.

    A region must be at least 0.3 x 0.12 inch with some body of ink; smaller ones
    are specks and stray marks.
    """
    remaining = ink.copy()
    pad = 2
    for w in words:
        if w.conf >= GOOD_CONFIDENCE:
            remaining[max(0, w.top - pad) : w.bottom + pad, max(0, w.left - pad) : w.right + pad] = False
    cell = max(3, round(dpi / 25))
    min_width, min_height = 0.3 * dpi, 0.12 * dpi
    min_ink = (0.02 * dpi) ** 2 * 20
    regions = []
    for box in ink_regions(remaining, cell=cell, min_cells=3):
        if box.x1 - box.x0 < min_width or box.bottom - box.top < min_height:
            continue
        amount = int(remaining[int(box.top) : int(box.bottom), int(box.x0) : int(box.x1)].sum())
        if amount >= min_ink:
            regions.append(box)
    return regions


def _inside(word: OcrWord, box: Box) -> bool:
    cx, cy = word.left + word.width / 2, word.top + word.height / 2
    return box.x0 <= cx <= box.x1 and box.top <= cy <= box.bottom


def drop_noise(words: Sequence[OcrWord], images: Sequence[Box]) -> list[OcrWord]:
    """Words without the garbage: OCR of handwriting, and low-confidence specks."""
    heights = sorted(w.height for w in words if w.conf >= GOOD_CONFIDENCE)
    typical = heights[len(heights) // 2] if heights else 0
    kept: list[OcrWord] = []
    for w in words:
        if w.text in (TICKED, EMPTY):
            kept.append(w)
            continue
        if w.conf < GOOD_CONFIDENCE and any(_inside(w, box) for box in images):
            continue
        if w.text in DASHES and w.conf >= GOOD_CONFIDENCE and w.width >= max(3, 2 * w.height):
            kept.append(w)  # a confidently read dash is flat, not a speck: "care. - R2"
            continue
        has_alnum = any(ch.isalnum() for ch in w.text)
        if w.height < 0.4 * typical and w.width < 0.4 * typical:
            continue  # a dot of dust Tesseract read as "." or "5"
        speck = w.height < 0.4 * typical
        if (not has_alnum and (speck or w.conf < NOISE_CONFIDENCE)) or (speck and w.conf < NOISE_CONFIDENCE):
            continue
        kept.append(w)
    return kept


def stray_marks(ink: Ink, words: Sequence[OcrWord]) -> list[tuple[Box, tuple[int, int, int]]]:
    """Glyph-sized ink no confident word covers, just left of a line, with that line.

    This is the number column of a hanging-indent list ("1." ... "8."): Tesseract's
    page segmentation takes each number for a separate tiny block and drops it or
    misreads it ("ue", confidence 31). A mark must be about as tall as the line's
    letters (not a speck, not handwriting), at most a few glyphs wide, not a tick
    box, overlap the line vertically and end within three line heights of the
    line's first confident word.
    """
    sure = [w for w in words if w.conf >= GOOD_CONFIDENCE]
    if not sure:
        return []
    heights = sorted(w.height for w in sure)
    typical = heights[len(heights) // 2]
    firsts: dict[tuple[int, int, int], OcrWord] = {}
    for w in sure:
        if w.line not in firsts or w.left < firsts[w.line].left:
            firsts[w.line] = w
    remaining = ink.copy()
    for w in sure:
        remaining[max(0, w.top - 1) : w.bottom + 1, max(0, w.left - 1) : w.right + 1] = False
    found: list[tuple[Box, tuple[int, int, int]]] = []
    for box in ink_regions(remaining, cell=max(2, typical // 5), min_cells=1):
        height, width = box.bottom - box.top, box.x1 - box.x0
        if not 0.5 * typical <= height <= 1.3 * typical or width > 3 * typical:
            continue
        patch = ink[int(box.top) : int(box.bottom), int(box.x0) : int(box.x1)]
        if box_glyph(patch) is not None:
            continue  # a tick box: `mark_tick_boxes` reads it from the pixels
        middle = (box.top + box.bottom) / 2
        beside = [f for f in firsts.values() if f.top <= middle <= f.bottom and 0 <= f.left - box.x1 <= 3 * f.height]
        if beside:
            nearest = min(beside, key=lambda f: f.left - box.x1)
            found.append((box, nearest.line))
    return found


def fit_to_ink(words: Sequence[OcrWord], ink: Ink) -> list[OcrWord]:
    """Word boxes cut back vertically to the word's main run of inked rows.

    Rows of ink inside the box are grouped into runs, bridging gaps of up to a
    sixth of the box height (the dot of an "i", a colon); the run holding the most
    ink is the word. Boxes are only ever shrunk; tick glyphs are left as they are.
    """
    out: list[OcrWord] = []
    for w in words:
        patch = ink[max(0, w.top) : w.bottom, max(0, w.left) : w.right]
        if w.text in (TICKED, EMPTY) or patch.size == 0:
            out.append(w)
            continue
        counts = patch.sum(axis=1)
        rows = np.nonzero(counts)[0]
        if rows.size == 0:
            out.append(w)
            continue
        bridge = max(2, w.height // 6)
        breaks = np.nonzero(np.diff(rows) > bridge + 1)[0]
        starts = np.concatenate(([0], breaks + 1))
        ends = np.concatenate((breaks, [rows.size - 1]))
        best = max(range(starts.size), key=lambda k: int(counts[rows[starts[k]] : rows[ends[k]] + 1].sum()))
        top = max(0, w.top) + int(rows[starts[best]])
        bottom = max(0, w.top) + int(rows[ends[best]]) + 1
        if (top, bottom) != (w.top, w.bottom):
            w = replace(w, top=top, height=bottom - top)
        out.append(w)
    return out
