"""Item text: whitespace, bullets and numbering, and recommendation citations.

Item text is the item as written with whitespace collapsed and any bullet or list
numbering removed (RETURN-FORM.md section 4); a citation written in the item stays in
the text and its numbers are also listed, sorted, in `recommendations`.
"""

from __future__ import annotations

import re

_WS = re.compile(r"\s+")

# A bullet glyph, or list numbering ("1.", "2)", "(3)", "a.", "(iv)"), at the start.
_BULLET = r"[•·▪▫‣◦●○■□◆◇►▶➢➤➔→✓✔❖⁃∙\-–—*~>]"
_NUMBERING = r"(?:\(?(?:\d{1,2}|[a-z]|[ivx]{1,5})[.)]|\((?:\d{1,2}|[a-z]|[ivx]{1,5})\))"
_MARKER = re.compile(rf"^\s*(?:{_BULLET}+|{_NUMBERING}|o(?=\s+[A-Z(\[]))\s*", re.IGNORECASE)
# Numbering must be followed by space to count ("12-week" and "2006." are text).
_NUMBERED = re.compile(rf"^\s*{_NUMBERING}\s+\S", re.IGNORECASE)
# "o" is the glyph Word's second-level bullet (Courier New "o") prints as; an item may
# open with its citation: "o (R1, R3) Family centres ...".
_BULLETED = re.compile(rf"^\s*(?:{_BULLET}+\s*\S|o\s+[A-Z(\[])")

# Prefixed citations: R3, R 3, Rec 3, Rec. 3, Recs 1, 2, Recommendation(s) 1 and 3,
# R1-R3, R2/R3, (R2, R4).
_NUM_LIST = r"\d{1,2}(?:\s*(?:,|/|&|-|–|and|or|to)\s*(?:R|Rec\.?\s*)?\d{1,2})*"
_PREFIXED = re.compile(
    rf"\b(?:recommendations?|recs?\.?|R)\s*\.?\s*(?:nos?\.?\s*)?({_NUM_LIST})(?![\d%])",
    re.IGNORECASE,
)
# Bare bracketed numbers: (3), (1, 3), [12], [4, 5] - only when every number is a
# recommendation number, since "(2006)" or "(50)" are not citations.
_BRACKETED = re.compile(r"[(\[]\s*(\d{1,2}(?:\s*(?:,|/|&|and)\s*\d{1,2})*)\s*[)\]]")
_NUMBER = re.compile(r"\d{1,2}")
_RANGE = re.compile(r"(\d{1,2})\s*(?:-|–|to)\s*(?:R|Rec\.?\s*)?(\d{1,2})", re.IGNORECASE)


def collapse(text: str) -> str:
    """Whitespace (including soft line breaks and non-breaking spaces) to single spaces."""
    return _WS.sub(" ", text.replace("\u00a0", " ").replace("\u200b", "")).strip()


def has_marker(text: str) -> bool:
    """True when the text starts with a bullet or list numbering."""
    return bool(_BULLETED.match(text) or _NUMBERED.match(text))


def strip_marker(text: str) -> str:
    """Remove one leading bullet or list number (and the space after it)."""
    if not has_marker(text):
        return text.strip()
    return _MARKER.sub("", text, count=1).strip()


def item_text(raw: str) -> str:
    return collapse(strip_marker(collapse(raw)))


def _expand(group: str) -> list[int]:
    numbers: set[int] = set()
    for m in _RANGE.finditer(group):
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo < hi <= lo + 12:
            numbers.update(range(lo, hi + 1))
    numbers.update(int(n) for n in _NUMBER.findall(group))
    return sorted(numbers)


def citations(text: str, valid: frozenset[int] = frozenset(range(1, 14))) -> tuple[int, ...]:
    """Recommendation numbers an item cites, sorted.

    Explicit citations ("R14", "Recommendation 15") are kept even when out of range,
    so the checks can report them; bare bracketed numbers count only when valid.
    """
    found: set[int] = set()
    for m in _PREFIXED.finditer(text):
        if m.group(0)[0] in "Rr" and len(m.group(0)) > 1 and m.group(0)[1].isalpha():
            word = re.sub(r"[^A-Za-z].*", "", m.group(0)).lower()
            if word not in {"rec", "recs", "recommendation", "recommendations"}:
                continue
        found.update(_expand(m.group(1)))
    for m in _BRACKETED.finditer(text):
        numbers = _expand(m.group(1))
        if numbers and all(n in valid for n in numbers):
            found.update(numbers)
    found.discard(0)
    return tuple(sorted(found))


# A citation that closes a sentence ("... (R3).", "... Links to R1 and R5.", "... [4]")
# followed by a capitalised sentence: returns put citations at the end of an item.
_CLOSING_CITATION = re.compile(
    r"(?:\((?:R|Rec\.?|Recs\.?|Recommendations?)\s*\d[^()]*\)|\[\d[^\[\]]*\]|\(\d{1,2}(?:\s*(?:,|and)\s*\d{1,2})*\)"
    r"|\b(?:R|Rec\.?|Recs\.?|[Rr]ecommendations?)\s*\d{1,2}(?:\s*(?:,|and|/|&)\s*R?\d{1,2})*)"
    r"[.)]*(?=\s+[\"“‘']?[A-Z])"
)


def split_after_citations(text: str, min_words: int = 3) -> list[str]:
    """Split text where a closing citation is followed by a new capitalised sentence:
    for layouts that cannot show where one item ends (a full last line, no spacing).
    A citation that opens an item ("(R2, R4) Local Area ...") is left alone."""
    pieces: list[str] = []
    start = 0
    for m in _CLOSING_CITATION.finditer(text):
        if len(text[start : m.start()].split()) >= min_words:
            pieces.append(text[start : m.end()].strip())
            start = m.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]
