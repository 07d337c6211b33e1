"""Interpret a document's blocks as the return form -> the canonical `Return`.

One interpreter for every format: readers only produce blocks
(`extractors.document`); this package knows the form. `walker` collects what the
document says where; `fields` turns Part A and sign-off text into canonical values;
`text` makes items (bullets off, citations out); `dates` reads UK dates;
`matching` recognises the form's own words from the collection's vocabulary.
"""

from __future__ import annotations

import re

from extractors.detect import DOC, DOCM, DOCX, RTF
from extractors.document import Document
from extractors.interpret import fields as f
from extractors.interpret.dates import parse_date
from extractors.interpret.matching import Vocabulary, key
from extractors.interpret.structure import refuse_non_returns
from extractors.interpret.text import citations, collapse, split_after_citations, strip_marker
from extractors.interpret.walker import Collected, RawItem, Walker
from schemas import (
    BoxedSection,
    Collection,
    Contact,
    Item,
    ItemsSection,
    Organisation,
    Return,
    SignOff,
    Source,
)

_VOCABULARIES: dict[str, Vocabulary] = {}
# Formats whose paragraph breaks are the author's own (a PDF's or a scan's are where lines wrapped).
WORD_TYPES = frozenset({DOCX, DOCM, DOC, RTF})
_ADDRESSEE_WORDS = ("policy division", "scottish executive", "victoria quay", "social work services policy")


def vocabulary(collection: Collection) -> Vocabulary:
    vocab = _VOCABULARIES.get(collection.id)
    if vocab is None or vocab.collection is not collection:
        vocab = _VOCABULARIES[collection.id] = Vocabulary(collection)
    return vocab


def interpret(document: Document, collection: Collection, filename: str | None = None) -> Return:
    vocab = vocabulary(collection)
    found = Walker(vocab, ocr=document.ocr, explicit_paragraphs=document.media_type in WORD_TYPES).walk(document.blocks)
    # Word marks every paragraph; a PDF or a scan can run two items together when the
    # first ends a full line, so there a closing citation also ends an item.
    sections = _sections(found, collection, split_at_citations=document.media_type == "application/pdf")
    item_count = sum(len(s.all_items) for s in sections.values())
    refuse_non_returns(found, collection, item_count)

    services = f.services(found.fields.get("services"), vocab)
    if services is None and found.service_ticks:
        services = [k for k in collection.service_keys if k in found.service_ticks]
    if services is None:
        services = [k for k in collection.service_keys if sections[k].all_items]

    return Return(
        collection=collection.id,
        organisation=Organisation(
            name=_organisation_name(found, vocab),
            type=f.organisation_type(found.fields.get("organisation_type"), vocab),
        ),
        contact=Contact(
            name=_tidy(f.clean_value(found.fields.get("contact_name"), vocab), document.ocr),
            email=f.email(found.fields.get("contact_email"), ocr=document.ocr),
            phone=f.clean_value(found.fields.get("contact_phone"), vocab),
        ),
        services=tuple(services),
        sections=sections,
        sign_off=_sign_off(found, vocab, document.ocr),
        source=Source(
            filename=filename,
            media_type=document.media_type,
            pages=document.pages,
            ocr=document.ocr,
        ),
    )


def _items(raw: list[RawItem], valid: frozenset[int], split: bool) -> tuple[Item, ...]:
    out: list[Item] = []
    for i, r in enumerate(raw):
        text = strip_marker(r.text)  # r.text is already whitespace-collapsed
        # A lead-in line ("Our strengths are:") before a list is not an item.
        if text.endswith(":") and not r.marked and i + 1 < len(raw) and raw[i + 1].marked:
            continue
        for piece in split_after_citations(text) if split else [text]:
            if piece:
                out.append(Item(text=piece, recommendations=citations(piece, valid)))
    return tuple(out)


def _sections(found: Collected, collection: Collection, split_at_citations: bool
              ) -> dict[str, BoxedSection | ItemsSection]:
    valid = collection.recommendation_numbers

    def items(section: str, box: str) -> tuple[Item, ...]:
        return _items(found.items.get((section, box), []), valid, split_at_citations)

    sections: dict[str, BoxedSection | ItemsSection] = {}
    for s in collection.sections:
        if s.kind == "items":
            sections[s.key] = ItemsSection(items=items(s.key, "items"))
        else:
            sections[s.key] = BoxedSection(strengths=items(s.key, "strengths"),
                                           priorities=items(s.key, "priorities"))
    return sections


def _organisation_name(found: Collected, vocab: Vocabulary) -> str | None:
    name = f.organisation_name(found.fields.get("organisation_name"), vocab)
    if name:
        return name
    for line in found.preamble:
        text = collapse(line)
        k = key(text)
        if not k or vocab.is_template(text) or k.startswith(("dear", "our ref", "your ref", "ref")):
            continue
        for part in _title_parts(text):
            if f.looks_like_org_name(part) and not _is_addressee(part) and not _ADDRESS.search(part):
                return f.smart_title(part)
    if found.on_behalf_of:
        return f.organisation_name(found.on_behalf_of, vocab)
    # A letterhead that is just the name ("East Lothian", "Northern Lights"): the first
    # headed or bold line before the sections that is no address, date, greeting or title.
    for line in found.letterhead:
        k = key(line)
        if (k and len(line.split()) <= 8 and not vocab.is_template(line)
                and "changing lives" not in k and "self assessment" not in k and not k.startswith(("dear", "re "))
                and not parse_date(line) and not _ADDRESS.search(line) and not _is_addressee(line)
                and vocab.section(line) is None and vocab.box(line) is None and vocab.label(line) is None):
            return f.smart_title(collapse(line))
    return None


# Address lines look like org names ("Council Buildings, High Street"); org names have
# no commas, house numbers or street words.
_ADDRESS = re.compile(
    r",|\d|\b(?:street|road|house|buildings?|court|park|square|place|avenue|drive|lane|quay|crescent|terrace|"
    r"po box|floor|unit|suite|wynd|gardens)\b",
    re.IGNORECASE,
)


def _title_parts(text: str) -> list[str]:
    """'Fife Council - Changing Lives self assessment return' -> its parts."""
    parts = [p.strip() for p in re.split(r"\s[-–—:|]\s|:\s", text) if p.strip()]
    return [p for p in parts if "changing lives" not in p.lower() and "self assessment" not in p.lower()]


def _is_addressee(line: str) -> bool:
    k = key(line)
    return any(w in k for w in _ADDRESSEE_WORDS)


def _tidy(value: str | None, ocr: bool) -> str | None:
    """A name or position without the stray marks OCR leaves at its ends (OCR only)."""
    return f.strip_stray_marks(value) if ocr else value


def _sign_off(found: Collected, vocab: Vocabulary, ocr: bool = False) -> SignOff:
    fields = found.fields
    name = f.clean_value(fields.get("sign_name"), vocab)
    position = f.clean_value(fields.get("position"), vocab)
    signed = f.signature_present(fields.get("signature"), found.signature_figure, vocab)
    if not (signed or name or position) and found.closing:
        # A letter signed off under "Yours sincerely": typed name, then position.
        lines = [line for line in found.closing if len(line) <= 80]
        if lines:
            name, signed = lines[0], True
            position = lines[1] if len(lines) > 1 else None
    date = parse_date(fields.get("date"))
    if date is None and "date" not in fields and found.closing:
        # A letter signed under "Yours sincerely" is dated at its head.
        date = next((d for line in found.preamble if len(line) <= 40 and (d := parse_date(line))), None)
    return SignOff(
        signed=signed,
        name=_tidy(f.signatory_name(name, vocab) if name else None, ocr),
        position=_tidy(position, ocr),
        date=date,
    )


__all__ = ["interpret", "vocabulary"]
