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
from extractors.ocr.glyphs import first_glyph, first_glyph_span, is_bullet, trimmed
from extractors.ocr.image import Ink, ink_regions
from extractors.ocr.words import (
    BULLET,
    DASHES,
    EMPTY,
    EMPTY_TOKENS,
    GOOD_CONFIDENCE,
    NOISE_CONFIDENCE,
    OPTION_WORDS,
    TICK_TOKENS,
    TICKED,
    OcrWord,
)

_OPENING = "(:,'‘\"“|[]"
FLAT_WORD = 0.38  # a word of letters or digits is taller than this share of a line (x-height ~0.5)
def box_glyph(patch: Ink) -> str | None:
    """The tick-box glyph (☒ or ☐) when the ink patch is a square outline, else None.

    The patch is trimmed to its main run of inked rows and columns (a speck of dust
    a row or two off does not count); a box is about square, has ink along most of
    each of its four edges (letters such as O, D, H, U lack at least one edge or the
    corners), and is ticked when its inside holds ink.
    """
    rows = _main_run(np.asarray(patch.any(axis=1)).tolist())
    if rows is None:
        return None
    band = patch[rows[0] : rows[1]]
    cols = _main_run(np.asarray(band.any(axis=0)).tolist())
    if cols is None:
        return None
    box = band[:, cols[0] : cols[1]]
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


def _main_run(filled: list[bool]) -> tuple[int, int] | None:
    """(start, end) of the longest run of True, bridging single gaps; None when none."""
    best: tuple[int, int] | None = None
    start: int | None = None
    gap = 0
    for i, value in enumerate([*filled, False, False]):
        if value:
            start = i if start is None else start
            gap = 0
            continue
        gap += 1
        if start is not None and gap == 2:
            end = i - 1
            if best is None or end - start > best[1] - best[0]:
                best = (start, end)
            start = None
    return best


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
            nxt = line[k + 1] if k + 1 < len(line) else None
            next_is_service = nxt is not None and nxt.text.lower().strip(_OPENING) in OPTION_WORDS
            # A box Tesseract did not read at all sits in the gap before this word.
            if word.left - prev_right >= min_gap:
                out.extend(_boxes_in_gap(ink, prev_right, word.left, top, bottom, word.line))
            prev_right = word.right
            glued = _glued_box(ink, word, line[k - 1].right + 1 if k else 0)
            if glued is not None:
                out.extend(glued)  # "[Community": the box Tesseract read into the option's word
                continue
            glyph = None
            if len(word.text) <= 3:
                # Tesseract's box may run into the option's first letter: test the
                # first glyph, left of the next word.
                right = min(word.right, nxt.left) if nxt is not None else word.right
                patch = ink[word.top : word.bottom, word.left : right]
                glyph = box_glyph(patch) if patch.size else None
                first = first_glyph(patch) if glyph is None and patch.size else None
                glyph = glyph or (box_glyph(first) if first is not None else None)
                if glyph is None and next_is_service and nxt is not None:
                    # The box itself, wherever it sits between the word before and the option.
                    start = max(0, line[k - 1].right + 1 if k else word.left - height)
                    found = _boxes_in_gap(ink, start, nxt.left, top, bottom, word.line)
                    glyph = found[0].text if found else None
                token = word.text.strip("'‘’`\"")
                if glyph is None and next_is_service:
                    if token in TICK_TOKENS:
                        glyph = TICKED
                    elif token in EMPTY_TOKENS:
                        glyph = EMPTY
            out.append(replace(word, text=glyph, conf=max(word.conf, 90.0)) if glyph else word)
    return out


def _glued_box(ink: Ink, word: OcrWord, floor: int) -> list[OcrWord] | None:
    """A tick box read as a bracket or bar glued to an option ("[Community", "|Local"),
    as the box glyph and the word; None when the token is no such thing. Tesseract's
    box may start inside the tick box: the ink is looked at from half a line height
    further left (but right of `floor`, the word before)."""
    bare = word.text.lstrip(_OPENING)
    if bare == word.text or bare.lower().rstrip(".,:;") not in OPTION_WORDS:
        return None
    left = max(0, floor, word.left - word.height // 2)
    patch = ink[max(0, word.top) : word.bottom, left : word.right]
    span = first_glyph_span(patch) if patch.size else None
    glyph = box_glyph(patch[:, span[0] : span[1]]) if span else None
    if span is None or glyph is None:
        return None
    start, end = span
    return [
        replace(word, text=glyph, conf=90.0, left=left + start, width=end - start),
        replace(word, text=bare, left=left + end + 1, width=max(1, word.right - left - end - 1)),
    ]


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
        if w.text in (TICKED, EMPTY, BULLET):
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
        if box_glyph(patch) is not None or is_bullet(trimmed(patch), typical):
            continue  # a tick box or a bullet: `mark_tick_boxes` / `mark_bullets` read it from the pixels
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


def drop_flat_words(words: Sequence[OcrWord]) -> list[OcrWord]:
    """Words without "letters" lower than any letter is: specks in a row along a frayed
    rule or in a shaded cell read as "es", "i". Run after `fit_to_ink`, so the height
    is the ink's, not the box Tesseract drew."""
    heights = sorted(w.height for w in words if w.conf >= GOOD_CONFIDENCE)
    typical = heights[len(heights) // 2] if heights else 0
    return [w for w in words if not (any(ch.isalnum() for ch in w.text) and w.height < FLAT_WORD * typical)]
