"""Glyph shapes that OCR misreads, checked on the page's ink: bullets, dashes, run-ons.

* **Bullets** (`mark_bullets`). At 150-200 dpi Tesseract reads a list bullet ("•")
  as "¢", "e", "©", "0"..., or skips it; the item boundary it marks is then lost
  and two items run together. A short token whose first glyph is a solid blob of
  bullet size (`is_bullet`) becomes "•", and a blob just left of a line's first
  word is added as one.
* **Dashes.** A dash token over ink that is no flat stroke (a smudge, nothing at
  all) is dropped.
* **Words run together** (`split_run_together`). "A rapid response team" read as
  "Arapid", "to court on" as "tocourton": a token in no word list whose ink shows
  word spaces (much wider than its letter gaps, as wide as the line's spaces) is
  split there, when every piece is a word; without a word list, only an opening
  "A", "a" or "I" is split off.

All sizes are relative to the typical height of the page's confidently read words.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from extractors.ocr.image import Ink
from extractors.ocr.lexicon import core, is_known
from extractors.ocr.words import BULLET, DASHES, EMPTY, GOOD_CONFIDENCE, TICKED, OcrWord

BULLET_MIN = 0.25  # a bullet blob is at least this share of the line's typical word height
BULLET_MAX = 0.65  # ... and at most this share (an "a" is about 0.75)
BULLET_FILL = 0.6  # share of its box that is ink (a disc fills 0.79, an "e" about 0.5)
BULLET_CORE = 0.85  # share of the middle of its box that is ink: a blob has no hole
SEGMENT_GAP = 1.5  # a gap this many line heights wide on a Tesseract line starts another run
ARTICLES = frozenset("AaI")
MAX_CUT_TRIES = 3  # places tried for each cut, nearest first
_NARROW = frozenset("iljtfrI.,;:!'’|()")
_WIDE = frozenset("mwMW")
SPACE_SHARE = 0.6  # a word space inside a token is this share of the line's median space or more


def typical_height(words: list[OcrWord]) -> float | None:
    """The median box height of the confidently read words: the page's line height."""
    sure = sorted(w.height for w in words if w.conf >= GOOD_CONFIDENCE)
    return float(sure[len(sure) // 2]) if sure else None


def trimmed(patch: Ink) -> Ink | None:
    """`patch` cut down to the box around its ink; None when it holds none."""
    ys = np.nonzero(patch.any(axis=1))[0]
    xs = np.nonzero(patch.any(axis=0))[0]
    if ys.size == 0:
        return None
    return patch[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1]


def first_glyph_span(patch: Ink) -> tuple[int, int] | None:
    """(start, end) columns of the leftmost run of inked columns of `patch`."""
    columns = np.asarray(patch.any(axis=0)).tolist()
    if True not in columns:
        return None
    start = columns.index(True)
    end = columns.index(False, start) if False in columns[start:] else len(columns)
    return start, end


def first_glyph(patch: Ink) -> Ink | None:
    """The leftmost run of inked columns of `patch`, trimmed to its ink."""
    span = first_glyph_span(patch)
    return trimmed(patch[:, span[0] : span[1]]) if span else None


def is_bullet(glyph: Ink | None, typical: float) -> bool:
    """Is the trimmed ink `glyph` a list bullet: a solid round or square blob?

    A bullet ("•", "▪") is about a quarter to two thirds of a line's height, as wide
    as it is high, mostly ink and solid in the middle; letters and digits have holes
    or thin strokes, dashes and full stops fail on size or shape.
    """
    if glyph is None:
        return False
    height, width = glyph.shape
    if min(height, width) < max(3.0, BULLET_MIN * typical) or max(height, width) > BULLET_MAX * typical:
        return False
    if max(height, width) > 1.5 * min(height, width):
        return False
    core = glyph[height // 4 : height - height // 4, width // 4 : width - width // 4]
    return float(glyph.mean()) >= BULLET_FILL and float(core.mean()) >= BULLET_CORE


def mark_bullets(words: list[OcrWord], ink: Ink) -> list[OcrWord]:
    """Short tokens whose first glyph is a bullet blob become "•" (Tesseract reads a
    bullet at 150-200 dpi as "¢", "e", "©", "0" ...), and a bullet Tesseract did not
    read at all, just left of the first word of a run of print, is added back. A
    dash token over ink that is not a flat stroke (a speck, a tall smudge, no ink at
    all) goes.

    A Tesseract line may cross a table's columns, so each run of words on it (a gap
    wider than a glyph ends one) is looked at on its own.
    """
    typical = typical_height(words)
    if typical is None:
        return words
    by_line: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        by_line.setdefault(w.line, []).append(w)
    out: list[OcrWord] = []
    for line in by_line.values():
        line.sort(key=lambda w: w.left)
        kept: list[OcrWord] = []
        for w in line:
            if w.text in DASHES:
                dash = _dash_stroke(ink, w, typical)
                if dash is None:
                    continue  # a "dash" over ink that is no flat stroke: noise, or nothing at all
                w = dash
            kept.append(w)
        for k, w in enumerate(kept):
            prev = kept[k - 1] if k else None
            if _printed(w) and (prev is None or w.left - prev.right > SEGMENT_GAP * typical):
                lead = _lead_bullet(ink, w, typical, floor=prev.right if prev else 0)
                out += [lead] if lead is not None else []
            # A bullet opens a run of print: the next word read with confidence follows it closely.
            nxt = next((v for v in kept[k + 1 :] if _printed(v)), None)
            before_print = nxt is not None and nxt.left - w.right <= 3 * typical
            patch = ink[max(0, w.top) : w.bottom, max(0, w.left) : w.right]
            short = len(w.text) <= 3 and w.text not in (TICKED, EMPTY)
            if short and before_print and patch.size and is_bullet(first_glyph(patch), typical):
                w = replace(w, text=BULLET, conf=max(w.conf, 90.0))
            out.append(w)
    return out


def _printed(word: OcrWord) -> bool:
    """A confidently read word with letters or digits: print, not handwriting or dust."""
    return word.conf >= GOOD_CONFIDENCE and any(ch.isalnum() for ch in word.text)


def _dash_stroke(ink: Ink, word: OcrWord, typical: float) -> OcrWord | None:
    """`word` (a dash) with its box set to the flat stroke of ink under it, or None.

    Tesseract's box for a dash at 150 dpi can be a 2 x 2 pixel corner of it; the
    stroke is the run of inked columns through the box's middle, a little either side.
    """
    reach = round(typical / 2)
    top, bottom = max(0, word.top - 2), word.bottom + 2
    x0 = max(0, word.left - reach)
    rows = ink[top:bottom, x0 : word.right + reach]
    if rows.size == 0:
        return None
    columns = np.asarray(rows.any(axis=0)).tolist()
    middle = min(len(columns) - 1, word.left + word.width // 2 - x0)
    if not columns[middle]:
        return None
    start, end = middle, middle + 1
    while start > 0 and columns[start - 1]:
        start -= 1
    while end < len(columns) and columns[end]:
        end += 1
    stroke = trimmed(rows[:, start:end])
    if stroke is None:
        return None
    height, width = stroke.shape
    if width < 2 * height or height > 0.3 * typical:
        return None
    ys = np.nonzero(rows[:, start:end].any(axis=1))[0]
    return replace(word, left=x0 + start, width=end - start, top=top + int(ys[0]), height=height)


def _lead_bullet(ink: Ink, first: OcrWord, typical: float, floor: int = 0) -> OcrWord | None:
    """A bullet blob in the space just left of `first` (and right of `floor`), or None."""
    x1 = first.left
    x0 = max(0, floor + 1, x1 - round(2.5 * typical))
    top, bottom = max(0, first.top), first.bottom
    region = ink[top:bottom, x0:x1]
    if region.size == 0 or not region.any():
        return None
    columns = np.asarray(region.any(axis=0)).tolist()
    end = len(columns) - columns[::-1].index(True)  # the ink nearest the word
    start = end
    while start > 0 and columns[start - 1]:
        start -= 1
    if end >= len(columns) - 1 and start > 0:
        return None  # ink touching the word: part of it, not a mark before it
    glyph_patch = region[:, start:end]
    glyph = trimmed(glyph_patch)
    if not is_bullet(glyph, typical):
        return None
    ys = np.nonzero(glyph_patch.any(axis=1))[0]
    return OcrWord(
        text=BULLET, conf=90.0, left=x0 + start, top=top + int(ys[0]), width=end - start,
        height=int(ys[-1] - ys[0] + 1), line=first.line,
    )


def _gaps(columns: list[bool]) -> list[tuple[int, int]]:
    """(start, end) of each run of empty columns between inked ones."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    seen_ink = False
    for x, filled in enumerate(columns):
        if filled:
            if start is not None and seen_ink:
                out.append((start, x))
            start, seen_ink = None, True
        elif start is None:
            start = x
    return out


def split_run_together(words: list[OcrWord], ink: Ink, lexicon: frozenset[str] | None = None) -> list[OcrWord]:
    """Words Tesseract ran together split at the word spaces the ink shows (module).

    "Arapid" -> "A", "rapid": a token opening with "A", "a" or "I" and a clear space
    after that first glyph. With a word list (`extractors.ocr.lexicon`), also any
    token in no list whose wide gaps split it into listed words: "tocourton" -> "to",
    "court", "on"; the letters at each gap are placed by its share of the width, give
    or take two, so that every piece is a word.
    """
    spaces = _line_spaces(words)
    out: list[OcrWord] = []
    for w in words:
        space = spaces.get(w.line)
        word = core(w.text)
        if space is None or len(word) < 3 or not word.isalpha():
            out.append(w)
            continue
        patch = ink[max(0, w.top) : w.bottom, max(0, w.left) : w.right]
        found = _gaps(np.asarray(patch.any(axis=0)).tolist()) if patch.size else []
        widths = [end - start for start, end in found]
        wide = [g for g in found if g[1] - g[0] >= max(SPACE_SHARE * space, 2.0 * _others(widths, g), 3)]
        cuts = _cuts(w.text, wide, patch.shape[1], lexicon) if wide else None
        if not cuts:
            out.append(w)
            continue
        pieces = [*zip([0, *(c for c, _ in cuts)], [*(c for c, _ in cuts), len(w.text)], strict=True)]
        xs = [0, *(x for _, x in cuts), w.width]
        for (i, j), (x0, x1) in zip(pieces, itertools.pairwise(xs), strict=True):
            out.append(replace(w, text=w.text[i:j], left=w.left + x0, width=max(1, x1 - x0)))
    return out


def _line_spaces(words: list[OcrWord]) -> dict[tuple[int, int, int], float]:
    """Each Tesseract line's median space between words, in pixels."""
    by_line: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        by_line.setdefault(w.line, []).append(w)
    spaces: dict[tuple[int, int, int], float] = {}
    for key, line in by_line.items():
        line = sorted(line, key=lambda w: w.left)
        widths = sorted(b.left - a.right for a, b in itertools.pairwise(line) if b.left > a.right)
        if widths:
            spaces[key] = float(widths[len(widths) // 2])
    return spaces


def _others(widths: list[int], gap: tuple[int, int]) -> int:
    rest = sorted(widths)
    rest.remove(gap[1] - gap[0])
    return max(rest[: max(1, len(rest) - 2)], default=1)  # letter gaps, not other spaces


def _cuts(
    text: str, gaps: list[tuple[int, int]], width: int, lexicon: frozenset[str] | None
) -> list[tuple[int, int]] | None:
    """(character index, pixel x) of each cut, or None when the pieces are not words.

    Each gap's cut goes where the letters before it would end, by typical letter
    widths ("A" is wide, "i" narrow), or as near there as leaves only words.
    """
    places = _ends(text)
    total = places[-1]
    inked = width - sum(b - a for a, b in gaps)
    targets = [(a - sum(b2 - a2 for a2, b2 in gaps[:k])) / max(1, inked) * total for k, (a, b) in enumerate(gaps)]
    if lexicon is None:
        rest = text[1:]
        article = text[:1] in ARTICLES and rest.isalpha() and rest.islower()
        nearest = min(range(1, len(text)), key=lambda i: abs(places[i] - targets[0]))
        return [(1, gaps[0][1])] if article and nearest == 1 else None
    if is_known(text, lexicon):
        return None
    return _search(text, 0, [(b, t) for (_, b), t in zip(gaps, targets, strict=True)], places, lexicon)


def _ends(text: str) -> list[float]:
    """Where each letter of `text` ends, in typical letter widths (ends[0] = 0)."""
    out = [0.0]
    for ch in text:
        width = 0.3 if ch in _NARROW else 0.85 if ch in _WIDE else 0.7 if ch.isupper() else 0.55
        out.append(out[-1] + width)
    return out


def _search(
    text: str, start: int, gaps: list[tuple[int, float]], places: list[float], lexicon: frozenset[str]
) -> list[tuple[int, int]] | None:
    """Cuts (one per gap: its end pixel, its target place) from `start` on that leave
    only words, each as near its target as can be (see `_cuts`)."""
    if not gaps:
        return [] if _is_piece(text[start:], lexicon) else None
    (end, target), rest = gaps[0], gaps[1:]
    for i in sorted(range(start + 1, len(text)), key=lambda i: abs(places[i] - target))[:MAX_CUT_TRIES]:
        if _is_piece(text[start:i], lexicon):
            tail = _search(text, i, rest, places, lexicon)
            if tail is not None:
                return [(i, end), *tail]
    return None


def _is_piece(text: str, lexicon: frozenset[str]) -> bool:
    word = core(text)
    return word in ("A", "a", "I") or (len(word) >= 2 and word.isalpha() and word.lower() in lexicon)
