"""Which part of the form a fillable-PDF field fills in, from its name and tooltip.

    FieldMapper(collection).target(field) -> "organisation_name", "services.community_care",
                                             "community_care.strengths",
                                             "national_priorities.items"... or None
    FieldMapper(collection).value(field, target) -> the text to put in that place

Targets use the vocabulary of the collection's `[acroform_fields]` table: a `[labels]`
key, "services.SECTION" for a service tick, or "SECTION.box". The official form's
field names are looked up in that table; any other field is matched, in this order,
on its full name, partial name and tooltip (each normalised: camelCase and
underscores split, "&" as "and", punctuation dropped, "org" as "organisation"):

  1. the whole text is a label variant               "Organisation Name", "E-mail"
  2. it names a section (number or heading) and, for
     a two-box section, a box                        "Section 2 Community care - Strengths",
                                                     "CommunityCare_Priorities", "s5"
  3. sign-off words followed by a label              "Signatory name", "Sign-off date"
  4. it starts with a label variant (longest wins)   "Type of organisation (local ...)"

Tooltips that are the form's own guidance ("Type here. Put each point ...") are not
matched. Checkboxes map only to service ticks (a section's heading) or to an
organisation type; radio groups for the organisation type give their selected option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas import Collection

__all__ = ["FieldMapper", "FormField", "normalise"]


@dataclass(frozen=True, slots=True)
class FormField:
    """One terminal form field.

    `kind` is "text", "checkbox", "radio", "choice", "signature" or "other"; `value`
    is the text, the selected export value of a button without its slash
    ("Yes", "Off", "Voluntary") or "" when unset.
    """

    name: str
    partial: str
    tooltip: str
    kind: str
    value: str

    @property
    def filled(self) -> bool:
        if self.kind in ("checkbox", "radio"):
            return self.value.strip().lower() not in ("", "off")
        return bool(self.value.strip())

_ABBREVIATIONS = {"org": "organisation", "orgs": "organisation", "organization": "organisation",
                  "sect": "section", "sec": "section", "tel": "telephone", "no": "number",
                  "num": "number", "pos": "position", "sig": "signature", "q": "section"}
# Widget-name prefixes tools put in front of a field name ("txtOrgName", "chkCC").
_NOISE = {"txt", "text", "fld", "field", "tb", "tbx", "chk", "cb", "cbx", "check", "box",
          "rb", "radio", "opt", "frm", "form", "ff", "dd", "combo", "lst", "list"}
_SIGN_WORDS = {"sign", "signed", "signatory", "signoff", "signer", "off", "by"}
_SECTION_NUMBER = re.compile(r"\b(?:section|s|part)\s*(\d{1,2})\b")


def normalise(text: str) -> str:
    """Lower-case words for matching: "CommunityCare_Priorities" -> "community care priorities"."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    text = re.sub(r"([A-Za-z])(\d)|(\d)([A-Za-z])", _space_digits, text)
    text = text.replace("&", " and ").lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while words and words[0] in _NOISE and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def _space_digits(match: re.Match[str]) -> str:
    return " ".join(g for g in match.groups() if g)


def _expand(text: str) -> str:
    return " ".join(_ABBREVIATIONS.get(w, w) for w in text.split())


def _contains(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


class FieldMapper:
    """Maps fields of any fillable version of the form to the collection's targets."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self._exact = {name.lower(): target for name, target in collection.acroform_fields.items()}
        self._labels: list[tuple[str, str]] = []  # (normalised variant, label key)
        for key, variants in collection.labels.model_dump().items():
            for variant in variants:
                self._labels.append((_expand(normalise(variant)), key))
        self._labels.sort(key=lambda kv: -len(kv[0]))
        self._headings: list[tuple[str, str]] = sorted(
            (
                (_expand(normalise(h)), s.key)
                for s in collection.sections
                for h in (*s.headings, s.title)
            ),
            key=lambda kv: -len(kv[0]),
        )
        self._boxes: list[tuple[str, str]] = sorted(
            [(normalise(v), "strengths") for v in collection.boxes.strengths]
            + [(normalise(v), "priorities") for v in collection.boxes.priorities],
            key=lambda kv: -len(kv[0]),
        )
        self._org_types: list[tuple[str, str]] = sorted(
            (
                (normalise(v), key)
                for key, variants in collection.organisation_types.items()
                for v in (*variants, key.replace("_", " "))
            ),
            key=lambda kv: -len(kv[0]),
        )
        self._template = tuple(normalise(t) for t in collection.template_text)

    # -- targets -------------------------------------------------------------

    def target(self, field: FormField) -> str | None:
        """Where `field` goes on the form, or None when nothing matches."""
        for name in (field.name, field.partial):
            exact = self._exact.get(name.lower())
            if exact is not None:
                return exact
        texts = self._candidates(field)
        if field.kind == "checkbox":
            return self._checkbox_target(texts)
        if field.kind == "radio":
            label = self._label_target(texts)
            if label is not None:
                return label
            return "organisation_type" if self._org_type(normalise(field.value)) else None
        if field.kind not in ("text", "choice", "signature"):
            return None
        return self._label_target(texts)

    def _candidates(self, field: FormField) -> list[str]:
        out: list[str] = []
        for raw in (field.name, field.partial, field.tooltip):
            text = _expand(normalise(raw))
            if text and text not in out and not any(text.startswith(t) for t in self._template):
                out.append(text)
        return out

    def _label_target(self, texts: list[str]) -> str | None:
        for text in texts:  # 1. the whole text is a label
            for variant, key in self._labels:
                if text == variant:
                    return key
        for text in texts:  # 2. a section and a box
            place = self._section_box(text)
            if place is not None:
                return place
        for text in texts:  # 3. sign-off words, then a label
            words = text.split()
            if words and words[0] in _SIGN_WORDS:
                rest = " ".join(w for w in words if w not in _SIGN_WORDS) or "signature"
                for variant, key in self._labels:
                    if rest == variant and key in ("sign_name", "position", "date", "signature"):
                        return key
        for text in texts:  # 4. starts with a label
            for variant, key in self._labels:
                if text.startswith(variant + " "):
                    return key
        return None

    def _section(self, text: str) -> str | None:
        numbers = {s.number: s.key for s in self.collection.sections}
        match = _SECTION_NUMBER.search(text)
        if match and int(match.group(1)) in numbers:
            return numbers[int(match.group(1))]
        for heading, key in self._headings:
            if _contains(text, heading):
                return key
        return None

    def _section_box(self, text: str) -> str | None:
        key = self._section(text)
        if key is None:
            return None
        if self.collection.section(key).kind == "items":
            return f"{key}.items"
        for variant, box in self._boxes:
            if _contains(text, variant):
                return f"{key}.{box}"
        return None

    def _checkbox_target(self, texts: list[str]) -> str | None:
        for text in texts:
            key = self._section(text)
            if key is not None and self.collection.section(key).service:
                return f"services.{key}"
        for text in texts:
            if self._org_type(text):
                return "organisation_type"
        return None

    def _org_type(self, text: str) -> str | None:
        for variant, key in self._org_types:
            if _contains(text, variant):
                return key
        return None

    # -- values --------------------------------------------------------------

    def value(self, field: FormField, target: str) -> str:
        """The text `field` contributes to `target` ("" when it contributes nothing)."""
        if not field.filled:
            return ""
        if field.kind == "checkbox":
            # A ticked "Voluntary sector" box: the type is the box's own label.
            for text in self._candidates(field):
                key = self._org_type(text)
                if key is not None:
                    return key.replace("_", " ").capitalize()
            return ""
        if field.kind == "radio":
            return " ".join(normalise(field.value).split()).capitalize()
        return field.value
