"""Recognising the form's own words: section headings, box labels, field labels,
template text and empty answers, allowing for the variants and OCR slips returns use.

All comparisons run on `key()` of the text: lower case, "&" as "and", parentheticals,
numbering and punctuation removed. The vocabularies come from the collection file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz import fuzz, process

from schemas import Collection

_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SECTION_WORD = re.compile(r"^\s*(?:section|part|sect\.?)\s*(\d{1,2})?\s*[:.\-–—)]?\s*", re.IGNORECASE)
_LEAD_NUMBER = re.compile(r"^\s*\(?(\d{1,2})\s*[.:)\-–—]?\s+")
_NON_WORD = re.compile(r"[^a-z0-9@/ ]+")
_SPACES = re.compile(r"\s+")
FUZZY_TEMPLATE_SCORE = 85.0  # rapidfuzz partial_ratio of an OCR'd line against form text
FUZZY_TEMPLATE_SLACK = 8  # characters a misread line may run longer than the sentence
_QUALIFIERS = {"for", "in", "and", "over", "during", "this", "next", "we", "to", "identified", "at", "from"}
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@lru_cache(maxsize=8192)
def key(text: str, keep_parens: bool = False) -> str:
    """Comparable form of a label or heading (cached: the walk keys a line several times)."""
    t = text.translate(_QUOTES).lower().replace("&", " and ").replace("'", "")
    if not keep_parens:
        t = _PAREN.sub(" ", t)
    t = _NON_WORD.sub(" ", t)
    return _SPACES.sub(" ", t).strip()


@dataclass(frozen=True)
class SectionHit:
    key: str
    rest: str  # what follows the heading on the same line ("Strengths", or "")
    # True when the heading's words name the section ("Community care", "Adult
    # services"); False when only its number does ("Section 2", "2. Budget 2019"),
    # which any numbered report also has.
    by_name: bool = True


class Vocabulary:
    """The collection's words, prepared once for fast matching."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    @cached_property
    def _headings(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for s in self.collection.sections:
            for h in (s.title, *s.headings):
                out[key(h)] = s.key
        return out

    @cached_property
    def _numbers(self) -> dict[int, str]:
        return {s.number: s.key for s in self.collection.sections}

    @cached_property
    def _boxes(self) -> dict[str, str]:
        out = {key(b): "strengths" for b in self.collection.boxes.strengths}
        out.update({key(b): "priorities" for b in self.collection.boxes.priorities})
        return out

    @cached_property
    def _labels(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, variants in self.collection.labels:
            for v in variants:
                out.setdefault(key(v), name)
        return out

    @cached_property
    def _empty(self) -> frozenset[str]:
        return frozenset(key(e) or e for e in self.collection.empty_answers)

    @cached_property
    def _template(self) -> tuple[str, ...]:
        return tuple(key(t, keep_parens=True) for t in self.collection.template_text)

    @cached_property
    def _template_start(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(t) for t in sorted(self._template, key=len, reverse=True)))

    def template_tail(self, text: str) -> str | None:
        """The words before form text that `text` runs into ("Section 2: Community care
        Relevant recommendations ..." -> "section 2 community care"), else None."""
        k = key(text, keep_parens=True)
        found = self._template_start.search(k)
        if found is None or found.start() == 0 or k[found.start() - 1] != " ":
            return None
        return k[: found.start()].strip()

    # -- sections -------------------------------------------------------------------

    def section(self, text: str, numbered_heading: bool = False) -> SectionHit | None:
        """The section a heading names ("Section 2: Community care", "1. Children &
        Families", "SECTION 4 - SOCIAL WORK SERVICES AS A WHOLE"), or None.

        With `numbered_heading` (the line is styled as a heading), "4. Workforce and
        leadership" names section 4 by its number, as "Section 4: ..." always does.
        """
        raw = text.strip()
        if not raw or len(raw) > 160 or raw.count(" ") > 20:
            return None
        number: int | None = None
        m = _SECTION_WORD.match(raw)
        had_section_word = bool(m and raw[: m.end()].strip())
        if m and had_section_word:
            number = int(m.group(1)) if m.group(1) else None
            raw = raw[m.end():]
        else:
            n = _LEAD_NUMBER.match(raw)
            if n:
                number = int(n.group(1))
                raw = raw[n.end():]
        k = key(raw)
        if not k:
            if had_section_word and number in self._numbers:
                return SectionHit(self._numbers[number], "", by_name=False)
            return None
        hit = self._heading_key(k)
        if hit is not None:
            return SectionHit(hit, "")
        # The heading may carry a box name after it ("Community care - strengths").
        words = k.split()
        for cut in range(len(words) - 1, 0, -1):
            head, tail = " ".join(words[:cut]), " ".join(words[cut:])
            hit = self._heading_key(head)
            if hit is not None and self.box(tail) is not None:
                return SectionHit(hit, tail)
        # Two names for one section: "Adult Services / Community Care".
        if "/" in raw:
            parts = [h for part in raw.split("/") if key(part) and (h := self.section(part)) is not None]
            if len({h.key for h in parts}) == 1:
                return SectionHit(parts[0].key, "", by_name=any(h.by_name for h in parts))
        if (had_section_word or numbered_heading) and number in self._numbers and len(words) <= 12:
            return SectionHit(self._numbers[number], "", by_name=False)
        return None

    def _heading_key(self, k: str) -> str | None:
        if k in self._headings:
            return self._headings[k]
        if len(k) >= 10:
            best = process.extractOne(k, self._headings.keys(), scorer=fuzz.ratio, score_cutoff=88)
            if best is not None:
                return self._headings[best[0]]
        return None

    # -- boxes ----------------------------------------------------------------------

    def box(self, text: str) -> str | None:
        """'strengths' or 'priorities' when `text` is a box label, else None."""
        k = key(text)
        if not k or len(k) > 60:
            return None
        if k in self._boxes:
            return self._boxes[k]
        if len(k) >= 8:
            best = process.extractOne(k, self._boxes.keys(), scorer=fuzz.ratio, score_cutoff=88)
            if best is not None:
                return self._boxes[best[0]]
        # A short heading that starts with a box name and qualifies it ("Priorities for
        # the coming year", "Strengths and achievements"); a sentence is no heading.
        words = k.split()
        if 2 <= len(words) <= 6 and not text.rstrip().endswith((".", ";", ",")):
            for cut in range(min(len(words) - 1, 4), 0, -1):
                head = " ".join(words[:cut])
                if head in self._boxes and words[cut] in _QUALIFIERS:
                    return self._boxes[head]
        return None

    # -- field labels -----------------------------------------------------------------

    def label(self, text: str) -> str | None:
        """The field a label names (see [labels] in the collection), or None."""
        k = key(text)
        if not k or len(k) > 80:
            return None
        if k in self._labels:
            return self._labels[k]
        if len(k) >= 10:
            best = process.extractOne(k, self._labels.keys(), scorer=fuzz.ratio, score_cutoff=90)
            if best is not None:
                return self._labels[best[0]]
        return None

    def exact_label(self, text: str) -> str | None:
        """The field a label names, with no allowance for slips (for labels found inside
        running text, where a fuzzy match would swallow the value's last word)."""
        return self._labels.get(key(text))

    def label_prefix(self, text: str, min_words: int = 2) -> tuple[str, str] | None:
        """A label at the start of a line with its value after it, no colon needed
        ("Name of organisation Pentland Recovery Trust"). Longest label wins."""
        words = text.split()
        for cut in range(min(len(words) - 1, 8), 0, -1):
            head = " ".join(words[:cut])
            if len(key(head).split()) < min_words:
                continue
            k = key(head)
            if k in self._labels:
                return self._labels[k], " ".join(words[cut:])
        return None

    # -- the form's own name ---------------------------------------------------------

    @cached_property
    def _form_names(self) -> tuple[str, ...]:
        # The collection's form markers that name the form ("changing lives", "annex c"),
        # not those that are also box labels ("strengths"): any report has those.
        return tuple(k for m in self.collection.form_markers if (k := key(m)) and self.box(m) is None)

    def names_form(self, text: str) -> bool:
        """True when the line names the form itself ("Changing Lives - Self Assessment Return")."""
        k = f" {key(text)} "
        return any(f" {name} " in k for name in self._form_names)

    # -- what is not an answer ----------------------------------------------------------

    def is_empty_answer(self, text: str) -> bool:
        k = key(text) or text.strip().lower()
        return k in self._empty or not any(ch.isalnum() for ch in text)

    def is_template(self, text: str, fragments: bool = True, ocr: bool = False) -> bool:
        """Guidance, placeholders and reference lines printed on the form.

        A line that starts with form text is form text; with `fragments`, so is a
        piece of a form sentence (4+ words: a PDF or scan may split a sentence), but
        never a box or section heading, which the form also prints. With `ocr` (the
        line was read from a scan) a line of 6+ words that is close to form text,
        allowing for misread words (`fuzzy_template`), is form text as well.
        """
        k = key(text, keep_parens=True)
        if not k:
            return False
        if self._template_start.match(k):
            return True
        if fragments and len(k) >= 20 and k.count(" ") >= 3 and any(k in t for t in self._template):
            return self.box(text) is None and self.section(text) is None
        if ocr and fragments and self.fuzzy_template(k):
            return self.box(text) is None and self.section(text) is None
        return False

    def fuzzy_template(self, k: str) -> bool:
        """True when the keyed line `k` (6+ words) is form text with OCR damage.

        The line must score `FUZZY_TEMPLATE_SCORE` or more on rapidfuzz's
        ``partial_ratio`` against a template sentence no more than a few characters
        shorter than it (a line much longer than the sentence is an answer that
        quotes or paraphrases the form, not the form). One badly misread word in
        the ten of "Issues you would like the national change programmes to
        address" still scores 87; answers written on the form score under 60.
        """
        if len(k.split()) < 6:
            return False
        return any(
            len(k) <= len(t) + FUZZY_TEMPLATE_SLACK
            and fuzz.partial_ratio(k, t) >= FUZZY_TEMPLATE_SCORE
            for t in self._template
        )
