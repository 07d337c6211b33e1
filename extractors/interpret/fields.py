"""Part A and sign-off values as written -> canonical fields.

Each function takes the text the return wrote against a label and gives the canonical
value, or None when the return did not fill it (never a guess).
"""

from __future__ import annotations

import re

from extractors.interpret.matching import Vocabulary, key
from extractors.interpret.text import collapse

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_TICKED = r"☒|☑|✓|✔|✗|✘|■|⊠|\[\s*[xX✓✔]\s*\]|\(\s*[xX✓✔]\s*\)|(?:(?<=\s)|^)[xX](?=\s+[A-Za-z])"
_UNTICKED = r"☐|□|▢|\[\s*\]|\(\s*\)"
_BOX = re.compile(rf"({_TICKED})|({_UNTICKED})")
_YES = {"yes", "y", "x", "ticked", "provided", "true", "1"}
_ALL = re.compile(r"^all(?: three| 3)?(?: of)?(?: the above| these| them| services| three services)?$")
# "Community care: Yes", "Criminal justice - No", "Children and families  yes"
_ANSWERED = re.compile(r"^(.+?)\s*(?:[:=\-–—]\s*|\s)(yes|no|y|n|not provided|provided|[xX✓✔])\.?$", re.IGNORECASE)
_ANSWER_RUN = re.compile(r"\s*(.+?)\s*[:=\-–—]\s*(yes|no)\b[.;,]?", re.IGNORECASE)
# A sector word beats a legal form: a "charitable company limited by guarantee" is a
# voluntary organisation, whatever "company" suggests.
_LEGAL_FORMS = {"company", "limited company", "ltd", "limited", "private company limited by guarantee"}
_ORG_WORDS = re.compile(
    r"\b(council|comhairle|trust|ltd|limited|plc|llp|cic|services?|partnership|network|project|"
    r"alliance|scotland|scottish|housing|care|association|society|foundation|group|centre|"
    r"charity|carers|advocacy|fostering|recovery|homecare|befriending|throughcare|authority|"
    r"agency|enterprises?|support|federation|org(?:anisation)?)\b",
    re.IGNORECASE,
)
_SMALL_WORDS = {"and", "of", "the", "for", "in", "on", "at", "nan", "na", "an", "le", "a", "to", "&"}
_KEEP_UPPER = {"ltd", "plc", "llp", "cic", "uk", "nhs", "cswo", "cnes", "lfst", "yjp", "fv"}


def clean_value(text: str | None, vocab: Vocabulary) -> str | None:
    """The value as written, or None when blank, a placeholder or form text."""
    if text is None:
        return None
    value = collapse(text)
    if not value or vocab.is_empty_answer(value) or vocab.is_template(value, fragments=False):
        return None
    if set(value) <= set("_.-– "):
        return None
    return value


def smart_title(name: str) -> str:
    """Title-case an all-capitals name ("FIFE COUNCIL" -> "Fife Council")."""
    if not name.isupper():
        return name
    words = name.split()
    out = []
    for i, word in enumerate(words):
        low = word.lower()
        if low in _KEEP_UPPER and low not in {"ltd"}:
            out.append(word)
        elif i and low in _SMALL_WORDS:
            out.append(low)
        else:
            out.append("-".join(part.capitalize() for part in low.split("-")))
    return " ".join(out)


def organisation_name(text: str | None, vocab: Vocabulary) -> str | None:
    value = clean_value(text, vocab)
    return smart_title(value) if value else None


def looks_like_org_name(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 10 and bool(_ORG_WORDS.search(line)) and not _EMAIL.search(line)


def organisation_type(text: str | None, vocab: Vocabulary) -> str | None:
    """Map what Part A says ("Voluntary organisation", "Council", "☒ Private sector")
    to local_authority / voluntary / private; None when silent or ambiguous."""
    value = clean_value(text, vocab)
    if value is None:
        return None
    segments = ticked_segments(value)
    candidates = segments if segments is not None else [value]
    found: dict[str, set[str]] = {}
    for segment in candidates:
        k = f" {key(segment)} "
        for org_type, variants in vocab.collection.organisation_types.items():
            for v in variants:
                if f" {key(v)} " in k:
                    found.setdefault(org_type, set()).add(key(v))
    if len(found) > 1 and "voluntary" in found and found.get("private", set()) <= _LEGAL_FORMS:
        found.pop("private", None)
    return next(iter(found)) if len(found) == 1 else None


def ticked_segments(value: str) -> list[str] | None:
    """The option texts that carry a tick, when the value is a row of tick boxes;
    None when it has no tick boxes at all."""
    marks = list(_BOX.finditer(value))  # a typed "X" before an option counts as a tick
    if not marks:
        return None
    out: list[str] = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(value)
        if m.group(1):
            out.append(value[m.end() : end].strip())
    return out


def services(text: str | None, vocab: Vocabulary) -> list[str] | None:
    """Service section keys that Part A ticks; None when Part A is silent."""
    value = collapse(text or "")
    if not value or vocab.is_template(value):
        return None
    service_keys = vocab.collection.service_keys
    segments = ticked_segments(value)
    if segments is None:
        # No tick boxes: a plain list ("Community care, criminal justice"), "All", or
        # an answer per service ("Children and families: Yes; Community care: No").
        if _ALL.match(key(value)):
            return list(service_keys)
        lines = "\n".join(collapse(line) for line in (text or "").splitlines())  # keep line breaks
        segments = re.split(r"[,;/\n]|\band\b(?=\s+(?:community|criminal|children))", lines)
        answered = [_ANSWERED.match(s.strip()) for s in segments]
        if len(segments) == 1 and len(pairs := _ANSWER_RUN.findall(value)) >= 2:
            # The answers run together on one line (a PDF joins the lines).
            segments = [name for name, answer in pairs if is_yes(answer)]
        elif any(answered):
            segments = [m.group(1) for m in answered if m and is_yes(m.group(2))]
    found: list[str] = []
    for segment in segments:
        hit = vocab.section(segment.strip(" .:-"))
        if hit is not None and hit.key in service_keys and hit.key not in found:
            found.append(hit.key)
    if not found:
        return None
    return [k for k in service_keys if k in found]


def is_yes(text: str) -> bool:
    """A "Yes", an "X" or a ticked box written against one option."""
    whole = _BOX.fullmatch(text.strip())
    return key(text) in _YES or bool(whole and whole.group(1))


def email(text: str | None, ocr: bool = False) -> str | None:
    """The e-mail address written; from a scan (`ocr`), a comma or colon that OCR read
    for a dot between the parts of the domain is a dot ("housing.org,example")."""
    value = text or ""
    if ocr:
        value = _OCR_DOMAIN_DOT.sub(lambda m: m.group(1) + _DOMAIN_SLIP.sub(".", m.group(2)), value)
    m = _EMAIL.search(value)
    return m.group(0).rstrip(".'") if m else None


_OCR_DOMAIN_DOT = re.compile(r"(@)([\w.,:;-]+)(?![\w@])")
_DOMAIN_SLIP = re.compile(r"(?<=\w)[,:;](?=\w)")


def signature_present(text: str | None, has_figure: bool, vocab: Vocabulary) -> bool:
    if has_figure:
        return True
    value = clean_value(text, vocab)
    if value is None:
        return False
    return key(value) not in {"signature", "signed", "sign here", "signature of officer"}


def signatory_name(text: str | None, vocab: Vocabulary) -> str | None:
    value = clean_value(text, vocab)
    if value is None:
        return None
    value = re.sub(r"^/s/\s*", "", value, flags=re.IGNORECASE).strip()
    return value or None


# Marks OCR leaves at the ends of a short field: dust read as a quote or full stop.
_STRAY_LEAD = "‘’'\"“”`´.,:;|_~*!¢•·-–—"
_STRAY_TRAIL = "‘’'\"“”`´.,:;|_~*!¢•·-–—"
_INITIAL_END = re.compile(r"(?:^|\s)[A-Z]\.$")


def strip_stray_marks(text: str | None) -> str | None:
    """A name or position read by OCR without stray marks at its ends.

    "Catriona Drummond." -> "Catriona Drummond", "‘Head of Social Work" -> "Head of
    Social Work". Punctuation inside the value stays ("J. Smith", "O'Neil"), and so
    does a full stop that ends an initial ("Smith J."). None when nothing is left.
    """
    if text is None:
        return None
    value = text.strip().lstrip(_STRAY_LEAD).lstrip()
    while value and value[-1] in _STRAY_TRAIL:
        if value[-1] == "." and _INITIAL_END.search(value):
            break
        value = value[:-1].rstrip()
    return value or None
