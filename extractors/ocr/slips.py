"""OCR slips that the words around them give away, fixed on a page's words.

Tesseract reads most of a 150-200 dpi scan right, but a few slips recur, and each
changes an item's text or the recommendations it cites:

* **Quotes** (`settle_quotes`). A typed document uses one kind of quote: straight
  (' ") or curly (‘ ’ “ ”). Tesseract reads a straight quote as curly now and then;
  when the page's apostrophes inside words ("people's") are mostly straight (or,
  with none to tell, its quotes are at least as often straight), the curly ones are
  made straight too.
* **Citations** (`fix_citations`). In "R5", "R1" a digit read as a letter ("RS",
  "RI", "Rl") is put back, and "Rees 6, 10" (for "Recs") is mended before a number;
  a comma between two numbers with no space after it ("1, 2,5") gets its space.
* **Stray full stops** (`drop_stray_stops`). Dust at the end of a word reads as a
  full stop: "take this. forward". A full stop on a word of three or more letters,
  followed by a word in lower case (the next on its line, or the first of the line
  below), goes, unless the word is a known abbreviation ("etc.", "approx.").
* **Junk** (`drop_junk`). A token of "_", "|", "\\", "=", "}"... alone is a speck or
  a stroke of a border, never typed text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import replace

from extractors.ocr.words import OcrWord

_CURLY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_STRAIGHT = frozenset("'\"")
_CURLY_MARKS = frozenset("‘’“”")
_INNER_STRAIGHT = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")
_INNER_CURLY = re.compile(r"(?<=[A-Za-z])[‘’](?=[A-Za-z])")
# "RS", "(RI", "Rl)," : R and one misread digit, with the brackets and punctuation around it.
_CITATION = re.compile(r"^([(\[]?R)([SIlZBG])([)\].,;]*)$")
_DIGIT_FOR = {"S": "5", "I": "1", "l": "1", "Z": "2", "B": "8", "G": "6"}
_RECS = re.compile(r"^([(\[]?)Re[eo]s$")
_NUMBER_RUN = re.compile(r"^(\(?\d{1,2},)(\d{1,2}\)?[.,;]?)$")
# Three letters or more with no dots inside, or a number ("supported 14. staff").
_WORD = re.compile(r"^(?:[A-Za-z][A-Za-z'’-]*[a-z]{2}|\d+)$")
_GOES_ON = re.compile(r"^[a-z]{2,}")  # a word in lower case (not a one-letter "o" bullet)
_STUCK = "}|\\_"
_JUNK = re.compile(r"^[_|\\=~^{}¦]+[.,;:]?$")
_ABBREVIATIONS = frozenset({"etc", "approx", "incl", "excl", "esp", "viz", "nos", "vol", "dept", "govt"})


def fix_slips(words: Sequence[OcrWord]) -> list[OcrWord]:
    """All the fixes of this module, in order (see module docstring)."""
    return drop_stray_stops(fix_citations(settle_quotes(drop_junk(words))))


def settle_quotes(words: Sequence[OcrWord]) -> list[OcrWord]:
    inner_straight = sum(len(_INNER_STRAIGHT.findall(w.text)) for w in words)
    inner_curly = sum(len(_INNER_CURLY.findall(w.text)) for w in words)
    straight = sum(ch in _STRAIGHT for w in words for ch in w.text)
    curly = sum(ch in _CURLY_MARKS for w in words for ch in w.text)
    # Apostrophes inside words ("people's") show the convention best; Tesseract reads
    # a straight quote opening a word as "‘" more often than the other way round.
    settle = inner_straight > inner_curly if inner_straight != inner_curly else straight >= curly
    if not curly or not settle:
        return list(words)
    return [replace(w, text=w.text.translate(_CURLY)) if any(ch in _CURLY_MARKS for ch in w.text) else w
            for w in words]


def _lines(words: Sequence[OcrWord]) -> list[list[int]]:
    """Indexes of `words` per Tesseract line, left to right."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, w in enumerate(words):
        lines.setdefault(w.line, []).append(i)
    return [sorted(members, key=lambda i: words[i].left) for members in lines.values()]


def fix_citations(words: Sequence[OcrWord]) -> list[OcrWord]:
    out = list(words)
    split: dict[int, list[OcrWord]] = {}
    for members in _lines(words):
        for k, i in enumerate(members):
            w = words[i]
            after = words[members[k + 1]].text if k + 1 < len(members) else ""
            m = _CITATION.match(w.text)
            if m:
                out[i] = replace(w, text=m.group(1) + _DIGIT_FOR[m.group(2)] + m.group(3))
            m = _RECS.match(w.text)
            if m and after[:1].isdigit():
                out[i] = replace(w, text=m.group(1) + "Recs")
            m = _NUMBER_RUN.match(w.text)
            if m:
                cut = len(m.group(1))
                per_char = w.width / max(1, len(w.text))
                right = round(cut * per_char)
                split[i] = [
                    replace(w, text=m.group(1), width=max(1, right)),
                    replace(w, text=m.group(2), left=w.left + right, width=max(1, w.width - right)),
                ]
    return [piece for i, w in enumerate(out) for piece in split.get(i, [w])]


def drop_stray_stops(words: Sequence[OcrWord]) -> list[OcrWord]:
    out = list(words)
    starts = _segment_starts(words)
    for members in _lines(words):
        # The word after each word: the next on its line, or the first of the line below.
        pairs: list[tuple[int, int | None]] = [*itertools.pairwise(members), (members[-1], None)]
        for i, j in pairs:
            if j is not None and words[j].left - words[i].right > words[i].height:
                j = None  # not the next word of the sentence: a column or a table cell away
            if j is None:
                j = _below(words, i, starts)
            if j is None:
                continue
            text, after = words[i].text, words[j].text
            stem = text[:-1]
            if not (text.endswith(".") and _WORD.match(stem)):
                continue
            if stem.lower() in _ABBREVIATIONS or not _GOES_ON.match(after):
                continue
            out[i] = replace(words[i], text=stem)
    return out


def _segment_starts(words: Sequence[OcrWord]) -> dict[int, int]:
    """For each word, the first word of its run on the line (a line may cross columns:
    a gap wider than the words are high ends a run)."""
    starts: dict[int, int] = {}
    for members in _lines(words):
        head = members[0]
        for prev, cur in itertools.pairwise(members):
            starts.setdefault(prev, head)
            if words[cur].left - words[prev].right > 1.5 * words[cur].height:
                head = cur
        starts[members[-1]] = head
    return starts


def _below(words: Sequence[OcrWord], i: int, starts: dict[int, int]) -> int | None:
    """The word that opens the line right below word `i`'s run, where that run starts."""
    start, word = words[starts[i]], words[i]
    best: tuple[float, int] | None = None
    for k, other in enumerate(words):
        drop = other.top - word.bottom
        if starts.get(k) != k or abs(other.left - start.left) > 2 * word.height:
            continue
        if -0.3 * word.height <= drop <= word.height and (best is None or drop < best[0]):
            best = (drop, k)
    return best[1] if best else None


def drop_junk(words: Sequence[OcrWord]) -> list[OcrWord]:
    """Words without tokens of characters no typed text uses on its own ("_", "|", "\\",
    "=,", "}"), and without such a character stuck to a word's end ("individual}",
    "with a_ joint", "_for"):
    a speck or a stroke of a cell border read as text."""
    out: list[OcrWord] = []
    for w in words:
        if _JUNK.match(w.text):
            continue
        text = w.text
        if any(ch.isalpha() for ch in text) and "{" not in text:
            text = text.rstrip(_STUCK).lstrip("_")
        out.append(replace(w, text=text) if text != w.text else w)
    return out
