"""Words to lines to paragraphs, for one region of a page (a table cell or the free flow).

Lines: words are sorted by top and a word joins the current line when its box overlaps
the line's vertically by at least half the smaller height (so a 7.5 pt "Page" and a
10 pt "1" on one baseline are one line); each line is then sorted left to right.

Paragraphs: a new paragraph starts at

* a change of style (font size, or all-bold against not all-bold);
* a vertical gap clearly larger than the region's usual line gap;
* a list marker: a bullet glyph always; a dash, "*", "o" or a list number ("1.",
  "2)", "(a)", "iv.") only when another word follows it on the line and the line
  break before it was a deliberate one (see below) - so "... recommendation" /
  "1." wrapped onto its own line stays in its sentence;
* a hard line end: the previous line ends a sentence (". ! ?", optionally closed by a
  bracket or quote, or a closing bracket such as "[5]" or "(R3)") and the first word
  of this line would have fitted in the space left at the end of the previous line.
  Word processors wrap a word only when it does not fit, so a word that would have
  fitted proves a typed line break. This separates "items as paragraphs" typed with
  no spacing between them. Inside a list item (a paragraph that began with a marker)
  the test is not applied: items of a list begin with markers, and a typed break
  inside one is a soft line break of the same item.

Every measure is relative to the font size (PDF points) or glyph height (OCR pixels).

OCR regions (`body` given: the page's body glyph height) differ in two tests, as
measured heights jitter from line to line (a line of digits or capitals, a tall
bracket) and boxes shift by a pixel or two: a style change is only a line of words in
clearly larger type than both its neighbour and the body (a heading), or two lines of
words in very different sizes; a gap must also show in the line pitch (top to top),
which descenders do not disturb.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.layout.types import Word

SPACE_EM = 0.25  # width of a space as a fraction of the font size (Times .25, Arial .28)
STYLE_SIZE_RATIO = 1.12  # lines this much larger or smaller are another style (PDF sizes)
NOISY_SIZE_RATIO = 1.6  # the same when sizes are measured glyph heights (OCR)
GAP_EXTRA_EM = 0.4  # a paragraph gap exceeds the usual line gap by this much
OCR_HEADING_RATIO = 1.15  # OCR: a line this much larger than its neighbour and the body
OCR_SIZE_RATIO = 1.3  # OCR: lines of words differing this much in size are two styles
OCR_PITCH_RATIO = 1.45  # OCR: a line pitch this much over the usual one is a gap
OCR_STYLE_LETTERS = 6  # OCR: letters a line needs for its measured size to count

# Private-use code points that Symbol / Wingdings bullets come out as, mapped to "•".
_PUA_BULLETS = dict.fromkeys(
    map(ord, "\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf0a8\uf0e8\uf06e\uf0b2"), "•"
)
_STRONG_BULLETS = frozenset("•●◦▪■□➢►▶✓✔❖◆○·∙➤")
_WEAK_MARKERS = frozenset({"-", "–", "—", "*", "o", ">"})
_BULLET_LIKE = frozenset({"*", "o", ">"})  # typed stand-ins for a bullet (dashes may open a citation)
_NUMBER_MARKER = re.compile(
    r"^(?:\(?\d{1,3}[.)]|\d{1,3}\.\d{1,2}\.?|\(?[a-z][.)]|\([a-z]\)|\(?[ivx]{1,5}[.)])$"
)
_SENTENCE_END = re.compile(r"(?:[.!?][\"'’”)\]]*|[)\]])$")
# A line that ends with a reference: "(Recommendations 1 and 3)", "(R6, R10).", "[4]".
_BRACKET_REF_END = re.compile(r"[(\[][^()\[\]]*\d[^()\[\]]*[)\]][.;]?$")
_NUMBER_END = re.compile(r"\d$")
_CLAUSE_END = re.compile(r"[:;][\"'’”)\]]*$")
# A word broken at its hyphen: "front-" / "line", "24-" / "hour", "(R1-" / "R3)".
_LETTER_HYPHEN = re.compile(r"[^\W_]-$")
_OPENERS = "([\"'‘“"


def clean(text: str) -> str:
    """Map private-use bullet glyphs to "•"; otherwise the text as written."""
    return text.translate(_PUA_BULLETS)


def ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


@dataclass(slots=True)
class Line:
    words: list[Word]
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def size(self) -> float:
        sizes = sorted(w.size for w in self.words)
        return sizes[len(sizes) // 2]

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)

    @property
    def first(self) -> Word:
        return self.words[0]


def group_lines(words: Sequence[Word]) -> list[Line]:
    """Cluster words into lines (see module docstring); lines come out top to bottom."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if lines:
            line = lines[-1]
            overlap = min(line.bottom, word.bottom) - max(line.top, word.top)
            smaller = min(line.bottom - line.top, word.bottom - word.top)
            if overlap >= 0.5 * smaller:
                line.words.append(word)
                line.x0 = min(line.x0, word.x0)
                line.x1 = max(line.x1, word.x1)
                line.top = min(line.top, word.top)
                line.bottom = max(line.bottom, word.bottom)
                continue
        lines.append(Line([word], word.x0, word.x1, word.top, word.bottom))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


@dataclass(slots=True)
class Para:
    """A paragraph under construction: its lines and the right edge of its region."""

    lines: list[Line]
    right: float
    list_item: bool = False
    heading: int | None = None
    style_ratio: float = STYLE_SIZE_RATIO
    start: str = "first"  # why it began: first, marker, style, gap or hard (line end)
    body: float | None = None  # OCR: the page's body glyph height (see module docstring)

    @property
    def text(self) -> str:
        out = ""
        for line in self.lines:
            piece = clean(line.text)
            if not out:
                out = piece
            elif _LETTER_HYPHEN.search(out) and piece[:1].isalnum():
                out += piece  # "front-" + "line": a word broken at its hyphen
            else:
                out += " " + piece
        return out

    @property
    def top(self) -> float:
        return self.lines[0].top

    @property
    def bottom(self) -> float:
        return self.lines[-1].bottom

    @property
    def bold(self) -> bool:
        return all(line.bold for line in self.lines)

    @property
    def size(self) -> float:
        sizes = sorted(line.size for line in self.lines)
        return sizes[len(sizes) // 2]


def would_fit(prev: Line, word: Word, right: float) -> bool:
    """True when `word` would have fitted at the end of `prev` (its line break was typed)."""
    space = SPACE_EM * prev.words[-1].size
    return prev.x1 + space + (word.x1 - word.x0) <= right + 0.05 * word.size


def is_marker(text: str) -> bool:
    """Is `text` (one word) a list marker: a bullet, a dash-like mark or a list number?"""
    first = clean(text)
    return first[:1] in _STRONG_BULLETS or first in _WEAK_MARKERS or bool(_NUMBER_MARKER.match(first))


def marker_kind(line: Line) -> str | None:
    """"strong" (bullet glyph), "weak" (dash-like), "number", or None."""
    first = clean(line.first.text)
    if first[:1] in _STRONG_BULLETS:
        return "strong"
    if len(line.words) < 2:
        return None
    if first in _WEAK_MARKERS:
        return "weak"
    if _NUMBER_MARKER.match(first):
        return "number"
    return None


def _marker_shape(text: str) -> str:
    """A marker with its number or letter generalised: "2." and "3." are both "#.".

    Bullet glyphs and the marks typed for them ("*", "o", ">") are one shape: OCR reads
    one bullet of a list as "•" and the next as "*".
    """
    first = clean(text)
    if first[:1] in _STRONG_BULLETS or first in _BULLET_LIKE:
        return "•"
    return re.sub(r"[0-9]+|[a-z]+", "#", first.lower())


def _opens_bracket(text: str) -> bool:
    return text.count("(") > text.count(")") or text.count("[") > text.count("]")


def starts_item(
    prev: Line | None, line: Line, right: float, current: Para | None = None
) -> bool:
    """Does `line` begin a bullet or numbered item (see module docstring)?

    `current` is the paragraph `prev` belongs to: a line that starts with the same
    kind of marker as the list item `current`, at the same indent, is its next sibling
    even when the item before filled its last line.
    """
    kind = marker_kind(line)
    if kind is None:
        return False
    if kind == "strong" or prev is None:
        return True
    if kind == "number" and _opens_bracket(prev.text) and ")" in line.first.text:
        return False  # "(Rec." / "4) ...": the number closes a citation the line opened
    if would_fit(prev, line.first, right) or _sibling(current, line):
        return True
    if kind == "number":
        text = prev.text
        return ends_sentence(text) or bool(_CLAUSE_END.search(text))
    return False


def _sibling(current: Para | None, line: Line) -> bool:
    if current is None or not current.list_item:
        return False
    head = current.lines[0]
    same_indent = abs(head.x0 - line.x0) <= 0.5 * line.first.size
    return same_indent and _marker_shape(head.first.text) == _marker_shape(line.first.text)


def size_ratio(words: Sequence[Word]) -> float:
    """The size ratio that marks a change of style on a page of these words.

    Font sizes from a PDF repeat exactly (most words share one size); glyph heights
    measured by OCR vary from line to line, so they need a wider margin.
    """
    if not words:
        return STYLE_SIZE_RATIO
    counts: dict[float, int] = {}
    for w in words:
        counts[round(w.size, 1)] = counts.get(round(w.size, 1), 0) + 1
    exact = max(counts.values()) >= 0.5 * len(words)
    return STYLE_SIZE_RATIO if exact else NOISY_SIZE_RATIO


def _letters(line: Line) -> int:
    return sum(ch.isalpha() for w in line.words for ch in w.text)


def _ocr_style_changed(prev: Line, line: Line, body: float) -> bool:
    """OCR: a heading-sized line of words next to body text, or two very different sizes."""
    small, big = sorted((prev, line), key=lambda ln: ln.size)
    if _letters(big) < OCR_STYLE_LETTERS:
        return False  # "3).", "(R4).", "2007.": a few glyphs do not measure the type size
    if big.size >= OCR_HEADING_RATIO * max(small.size, body):
        return True
    wordy = min(len(small.words), len(big.words)) >= 3 and _letters(small) >= OCR_STYLE_LETTERS
    return wordy and big.size >= OCR_SIZE_RATIO * small.size


def _style_changed(prev: Line, line: Line, ratio: float, body: float | None = None) -> bool:
    if body is not None:
        return _ocr_style_changed(prev, line, body) or prev.bold != line.bold
    a, b = prev.size, line.size
    # A measured height of one or two words ("3)") says little about the type size.
    measured = ratio > STYLE_SIZE_RATIO and min(len(prev.words), len(line.words)) < 3
    if not measured and max(a, b) > ratio * min(a, b):
        return True
    return prev.bold != line.bold


def _gap_limit(lines: Sequence[Line]) -> float:
    """The vertical gap above which lines belong to different paragraphs."""
    gaps = sorted(b.top - a.bottom for a, b in itertools.pairwise(lines))
    size = sorted(line.size for line in lines)[len(lines) // 2]
    usual = gaps[len(gaps) // 4] if len(gaps) >= 3 else 0.2 * size
    return max(usual, 0.0) + GAP_EXTRA_EM * size


def _pitch_limit(lines: Sequence[Line]) -> float:
    """OCR: the top-to-top distance above which lines are apart (0: too few to tell)."""
    pitches = sorted(b.top - a.top for a, b in itertools.pairwise(lines))
    if len(pitches) < 3:
        return 0.0
    return OCR_PITCH_RATIO * pitches[len(pitches) // 2]


def build_paragraphs(
    lines: Sequence[Line],
    right: float,
    ratio: float = STYLE_SIZE_RATIO,
    body: float | None = None,
) -> list[Para]:
    """Split the lines of one region (top to bottom) into paragraphs.

    `body` is the page's body glyph height for OCR regions (see module docstring).
    """
    if not lines:
        return []
    limit = _gap_limit(lines)
    pitch = _pitch_limit(lines) if body is not None else 0.0
    paras: list[Para] = []
    prev: Line | None = None
    for line in lines:
        current = paras[-1] if paras else None
        item = starts_item(prev, line, right, current)
        if current is None or prev is None:
            paras.append(Para([line], right, list_item=item, style_ratio=ratio, body=body))
        else:
            cause = "marker" if item else _break(prev, line, current, right, (limit, pitch))
            if cause:
                paras.append(Para([line], right, item, style_ratio=ratio, start=cause, body=body))
            else:
                current.lines.append(line)
        prev = line
    return paras


def _break(
    prev: Line, line: Line, current: Para, right: float, limits: tuple[float, float]
) -> str:
    """Why `line` starts a new paragraph after `prev`, or "" when it does not."""
    if _style_changed(prev, line, current.style_ratio, current.body):
        return "style"
    gap, pitch = limits
    if line.top - prev.bottom > gap and line.top - prev.top > pitch:
        return "gap"
    if not current.list_item and hard_end(prev, line, right):
        return "hard"
    return ""


_TICK_BOXES = "☐☒☑"


def _capital(word: str) -> bool:
    """Does `word` begin with a capital, perhaps after a bracket or quote ("(Recs")?

    A tick box counts as one: an option of a list of tick boxes starts its own line.
    """
    return word.lstrip(_OPENERS)[:1].isupper() or word[:1] in _TICK_BOXES


def _item_start(text: str, first: str) -> bool:
    """Could `first` begin a new item after a line ending in `text` (see `hard_end`)?

    A capital, unless the line ends loosely (a comma, a hyphen, a short lower-case word
    such as "the"); or a digit after a line that does not end in a lower-case word
    ("in spring" / "2007." is one sentence, "KA7 1XX" / "10/07/2006" two lines).
    """
    last = text.rsplit(" ", 1)[-1]
    lower = last.isalpha() and last.islower()
    if _capital(first):
        return last[-1:] not in ",-–&/" and not (lower and len(last) <= 3)
    return first[:1].isdigit() and not lower


def hard_end(prev: Line, line: Line, right: float) -> bool:
    """Was the break between `prev` and `line` typed at the end of an item?

    A sentence end (or a number before a capital: "- R8" / "Improve") where the next
    word would have fitted; or a bracketed reference with a number ("(R6, R10).")
    followed by a capital: items of a return end in such references, and a wrapped
    sentence rarely ends in one exactly at a line end. Also any line the next word
    would have fitted on, when that word could start an item (`_item_start`): an item
    typed without a full stop, or an address line before a date.
    """
    text = prev.text
    first = line.first.text
    if _opens_bracket(text) and ")" in first:
        return False  # "(Rec." / "4) ...": the line closes a citation the line above opened
    fits = would_fit(prev, line.first, right)
    number_end = bool(_NUMBER_END.search(text)) and _capital(first)
    if (ends_sentence(text) or number_end) and fits:
        return True
    if fits and _item_start(text, first):
        return True
    return bool(_BRACKET_REF_END.search(text)) and _capital(first)


def continues(prev: Para, nxt: Para) -> bool:
    """Does `nxt` (first paragraph after a page break) carry on `prev`?

    Not when it starts a list item; yes when it starts in lower case, or when `prev`
    did not end a sentence and its last line was full (the first word did not fit).
    """
    if nxt.list_item or _style_changed(prev.lines[-1], nxt.lines[0], prev.style_ratio, prev.body):
        return False
    first = nxt.lines[0].first
    if first.text[:1].islower():
        return True
    last = prev.lines[-1]
    return not ends_sentence(last.text) and not would_fit(last, first, prev.right)
