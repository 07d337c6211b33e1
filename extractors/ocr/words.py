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

from extractors.layout.types import Word

TICKED = "☒"
EMPTY = "☐"
BULLET = "•"
SERVICE_WORDS = frozenset({"children", "community", "criminal"})
# The first words of Part A's options (services and organisation types): a tick-like
# token just before one of them is its tick box.
OPTION_WORDS = SERVICE_WORDS | {"local", "voluntary", "private"}
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


