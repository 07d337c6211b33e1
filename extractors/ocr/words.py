"""OCR words after Tesseract: tick boxes, handwriting, noise, e-mail "l".

Tesseract's words for a page (`OcrWord`, pixels of the deskewed page) are cleaned
here, with the page's ink image to check what a token really looks like:

* **Tick boxes.** Tesseract drops the ☒/☐ glyphs of a scanned form or reads them as
  "&", "Kl", "XI"... A short token, or an unread gap on a text line, whose pixels
  are a square outline becomes "☒" (ink inside) or "☐" (empty). Tick-like tokens
  directly before a service name ("Children", "Community", "Criminal") are mapped
  the same way even when the image test is unsure. Ordinary words are never
  changed, except "|" or "\\" for "l" inside an e-mail address.
* **Ink.** Ink that is neither a rule nor under a confidently read word, in a
  region at least signature-sized, is a `Box` (the handwritten signature).
  Low-confidence words inside such a region are the OCR of handwriting: dropped.
* **Noise.** Dot-sized "words" (dust read as "." or "5") and low-confidence
  punctuation are dropped; a confidently read dash, flat and at least 3 pixels
  wide, is kept (it separates a citation: "care. - R2"). Dust is not erased from the image beforehand: at
  150 dpi a full stop is the same 2 x 2 pixels as a speck.
* **Text slips** (`normalise_words`). Tesseract puts stray accents on English
  words ("fairér", "héalth"): acute, circumflex, diaeresis, tilde... are folded
  to the plain letter in words whose other letters are all ASCII; a word with
  another non-ASCII letter (a Gaelic grave accent: à è ì ò ù, or ß, ø...) is left
  alone, as are non-letters ("–", "’", "£"). A speck read as a quote glued
  between a letter and a digit ("recommendation’8.") is a space: the word is
  split in two, so the cited number stands on its own.
* **Boxes fitted to ink** (`fit_to_ink`). A word box Tesseract stretched over a
  speck above or below the word (34 px tall on a 19 px line) is cut back to the
  word's own rows of ink, so the layout does not pull the next line into it.
* **Stray marks** (`stray_marks`). Glyph-sized ink that no word covers, just left
  of the first word of a text line (the number column of a hanging-indent list,
  which Tesseract's page segmentation often skips once the cell borders are
  erased), is found here and read separately by `extractors.ocr.reader`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from extractors.layout.types import Box, Word
from extractors.ocr.image import Ink, ink_regions

TICKED = "☒"
EMPTY = "☐"
SERVICE_WORDS = frozenset({"children", "community", "criminal"})
# Tesseract's readings of a ticked / an empty box (checked against the image first).
TICK_TOKENS = frozenset(
    {"☒", "☑", "✓", "✔", "✗", "✘", "&", "®", "X", "x", "XI", "Xl", "Kl", "KI", "Ki", "B", "BJ"}
    | {"[x]", "[X]", "[x", "[X", "x]", "X]", "Ix]", "IX]", "|X|", "fx]", "(x]", "Bd", "Ed"}
)
EMPTY_TOKENS = frozenset({"☐", "□", "O", "0", "o", "[]", "[ ]", "LJ", "Cl", "C]", "[J"})
GOOD_CONFIDENCE = 60.0  # Tesseract confidence (0-100) of a word taken as read
NOISE_CONFIDENCE = 30.0
DASHES = frozenset({"-", "–", "—"})
# Punctuation glued between two lower-case letters ("policy.and"): a speck.
GLUED_PUNCT = re.compile(r"(?<=[a-z])[.,:;](?=[a-z])")
# Tokens whose inner punctuation is real: addresses and abbreviations ("e.g.").
_ADDRESS_LIKE = re.compile(
    r"@|://|www\.|\.(?:org|com|net|gov|scot|uk|ac|nhs|example)\b", re.IGNORECASE
)
ABBREVIATION = re.compile(r"(?:^|[^A-Za-z])[A-Za-z]\.[A-Za-z]\.")
KEPT_MARKS = frozenset({TICKED, EMPTY, "&"})
# A quote mark glued between a letter and a digit: a speck, never English.
GLUED_QUOTE = re.compile(r"(?<=[^\W\d_])['‘’`´\"“”]+(?=\d)")
# Inside a word (leading and trailing punctuation stripped): characters that are not
# part of any English word, number, address or reference - a misread speck or stroke.
GLITCH = re.compile(r"[^\w\-–’'/.,:@&%+()£$#]")
_GRAVE = "\u0300"
EMAIL = re.compile(r"^[|\\]?[\w.+-]*[|\\][\w.+|\\-]*@[\w.-]+\.[a-z]{2,}\W?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class OcrWord:
    """One word as Tesseract read it, in page pixels, with its line identity."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]  # (block, paragraph, line) numbers from Tesseract

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


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
            next_is_service = (
                k + 1 < len(line) and line[k + 1].text.lower().strip("(:,") in SERVICE_WORDS
            )
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


def _boxes_in_gap(
    ink: Ink, x0: int, x1: int, top: int, bottom: int, line: tuple[int, int, int]
) -> list[OcrWord]:
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
            remaining[
                max(0, w.top - pad) : w.bottom + pad, max(0, w.left - pad) : w.right + pad
            ] = False
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
        if (not has_alnum and (speck or w.conf < NOISE_CONFIDENCE)) or (
            speck and w.conf < NOISE_CONFIDENCE
        ):
            continue
        kept.append(w)
    return kept


def fix_email(text: str) -> str:
    """`text` with "|" or "\\" read as "l" when it is an e-mail address (sans-serif l)."""
    if "@" in text and EMAIL.match(text):
        return text.replace("|", "l").replace("\\", "l")
    return text


ASCENDERS = frozenset("bdfhiklt0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!?&%#/|\\'\"")
DESCENDERS = frozenset("gjpqy(),;[]{}|")


def font_size(word: OcrWord) -> float | None:
    """The word's font size in pixels from its box height and the letters it holds.

    A box is as tall as the tallest letters in it: "on" is x-height, "Section" cap
    height, "apply" x-height plus descender. Dividing by the share of the em those
    letters fill (Arial/Helvetica proportions) makes words of one font comparable,
    so a heading stands out from body text whatever letters it happens to use.
    None for words with no letters or digits.
    """
    if not any(ch.isalnum() for ch in word.text):
        return None
    tall = any(ch in ASCENDERS for ch in word.text)
    deep = any(ch in DESCENDERS for ch in word.text)
    share = 0.93 if tall and deep else 0.73 if tall or deep else 0.53
    return word.height / share


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def to_layout_words(words: Sequence[OcrWord]) -> tuple[Word, ...]:
    """Layout words in Tesseract's line order; `size` is the line's median font size.

    A word box much taller than its line (Tesseract joined a speck or a stroke
    from the line above) is cut back to the line's typical top and bottom, so it
    does not merge two lines in the layout engine.
    """
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    out: list[Word] = []
    for key in sorted(lines):
        line = sorted(lines[key], key=lambda w: w.left)
        sizes = [s for s in map(font_size, line) if s is not None]
        size = _median(sizes) if sizes else float(_median([w.height for w in line]))
        top = _median([float(w.top) for w in line])
        bottom = _median([float(w.bottom) for w in line])
        for w in line:
            w_top, w_bottom = float(w.top), float(w.bottom)
            if len(line) > 2 and w.height > 1.6 * (bottom - top):
                w_top, w_bottom = top, bottom
            out.append(
                Word(
                    text=fix_email(w.text),
                    x0=float(w.left),
                    x1=float(w.right),
                    top=w_top,
                    bottom=w_bottom,
                    size=round(size, 1),
                )
            )
    return tuple(out)


def fold_accents(text: str) -> str:
    """`text` with stray diacritics folded when it is otherwise an ASCII word.

    "fairér" -> "fairer". Unchanged when any letter is non-ASCII and not a plain
    letter with a non-grave accent (Gaelic "Comhairle nan Eilean Siar" spellings
    such as "Fàs", or "Straße"), so real non-English words keep their accents.
    """
    if text.isascii():
        return text
    out: list[str] = []
    for ch in text:
        if ch.isascii() or not ch.isalpha():
            out.append(ch)
            continue
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        if not marks or not (base.isascii() and base.isalpha()) or _GRAVE in marks:
            return text
        out.append(base)
    return "".join(out)


def has_glitch(text: str) -> bool:
    """A character inside the word that belongs to no word (see `GLITCH`), or a glued quote."""
    core = text.strip("\"'‘’“”()[]{}.,;:!?*")
    return bool(GLITCH.search(core) or GLUED_QUOTE.search(core))


def _cut(word: OcrWord, cuts: Sequence[tuple[int, int]]) -> list[OcrWord]:
    """`word` split at the given (start, end) character spans, the spans dropped.

    Each piece gets a share of the word's box in proportion to its characters.
    """
    if not cuts:
        return [word]
    text = word.text
    parts: list[OcrWord] = []
    per_char = word.width / max(1, len(text))
    start = 0
    for a, b in [*cuts, (len(text), len(text))]:
        piece = text[start:a]
        if piece:
            left = word.left + round(start * per_char)
            right = word.left + round(a * per_char)
            parts.append(replace(word, text=piece, left=left, width=max(1, right - left)))
        start = b
    return parts


def _split_glued(word: OcrWord) -> list[OcrWord]:
    return _cut(word, [(m.start(), m.end()) for m in GLUED_QUOTE.finditer(word.text)])


def split_glued_punctuation(word: OcrWord) -> list[OcrWord]:
    """`word` split where a full stop, comma, colon or semicolon sits between two
    lower-case letters ("policy.and" -> "policy", "and"): a speck read as punctuation.

    English puts a space after such a mark, so inside a token it is dust. E-mail
    addresses, web addresses and abbreviations ("e.g.", "i.e.", "a.m.") keep theirs.
    """
    text = word.text
    if not GLUED_PUNCT.search(text) or _ADDRESS_LIKE.search(text) or ABBREVIATION.search(text):
        return [word]
    return _cut(word, [(m.start(), m.end()) for m in GLUED_PUNCT.finditer(text)])


def drop_unsure_punctuation(words: Sequence[OcrWord]) -> list[OcrWord]:
    """Words without lone punctuation tokens read with low confidence between two words.

    "(Recommendations _ 4 and 10)": a speck in a word gap that Tesseract read as a
    token of its own. A token of punctuation only (no letter or digit) whose
    confidence is under `GOOD_CONFIDENCE` and that has a word on each side of it on
    its line is dropped. Dashes ("care. - R2"), "&" and tick glyphs are kept, as is
    any punctuation Tesseract was sure of or that starts or ends a line.
    """
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    dropped: set[int] = set()
    for line in lines.values():
        line = sorted(line, key=lambda w: w.left)
        for k in range(1, len(line) - 1):
            w = line[k]
            if (
                w.conf < GOOD_CONFIDENCE
                and not any(ch.isalnum() for ch in w.text)
                and w.text not in KEPT_MARKS
                and not any(ch in DASHES for ch in w.text)
            ):
                dropped.add(id(w))
    return [w for w in words if id(w) not in dropped]


def normalise_words(words: Sequence[OcrWord]) -> list[OcrWord]:
    """Words with stray accents folded, glued quotes and glued punctuation split,
    unsure lone punctuation dropped and misread bullets restored (module docstring)."""
    out: list[OcrWord] = []
    for word in drop_unsure_punctuation(words):
        folded = fold_accents(word.text)
        for piece in _split_glued(replace(word, text=folded) if folded != word.text else word):
            out.extend(split_glued_punctuation(piece))
    return restore_bullets(out)


# What Tesseract makes of a round bullet ("•") at 150-300 dpi.
_BULLET_MISREADS = frozenset({"¢", "e", "©", "®", "°", "«", "»", "e¢", "¢e", "«e", "oe", "eo", "*", "+"})


def restore_bullets(words: Sequence[OcrWord]) -> list[OcrWord]:
    """A line that opens with a bullet misread ("¢", "e", "©" ...) before a capitalised
    word gets its bullet back ("•"), so the item boundary survives. Only the first
    word of a line, and only when the next word on the line starts with a capital."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, w in enumerate(words):
        lines.setdefault(w.line, []).append(i)
    out = list(words)
    for members in lines.values():
        if len(members) < 2:
            continue
        first, nxt = sorted(members, key=lambda i: words[i].left)[:2]
        if words[first].text in _BULLET_MISREADS and words[nxt].text[:1].isupper():
            out[first] = replace(words[first], text="•")
    return out


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
        beside = [
            f
            for f in firsts.values()
            if f.top <= middle <= f.bottom and 0 <= f.left - box.x1 <= 3 * f.height
        ]
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
        best = max(
            range(starts.size), key=lambda k: int(counts[rows[starts[k]] : rows[ends[k]] + 1].sum())
        )
        top = max(0, w.top) + int(rows[starts[best]])
        bottom = max(0, w.top) + int(rows[ends[best]]) + 1
        if (top, bottom) != (w.top, w.bottom):
            w = replace(w, top=top, height=bottom - top)
        out.append(w)
    return out
