"""The collection definition: one exercise's form, deadline and rules, as data.

A collection is loaded from a TOML file in `schemas/collections/` (or any path), so
a later exercise is a new file, not a code change. Everything the extractors and
checks need to know about *this* form - section headings and their variants, box
labels, Part A labels, template text that is never an answer, sign-off rules - lives
in that file.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.errors import ConfigurationError
from core.paths import COLLECTIONS_DIR

DEFAULT_COLLECTION = "changing-lives-2006"


class _Conf(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Recommendation(_Conf):
    number: int
    theme: str


class SectionDef(_Conf):
    """One numbered section of the form."""

    key: str
    number: int
    title: str
    kind: Literal["boxes", "items"]
    service: bool = Field(description="True when the section is for one service (Part A tick).")
    headings: tuple[str, ...] = Field(description="Ways returns name the section (lower case).")


class Boxes(_Conf):
    strengths: tuple[str, ...]
    priorities: tuple[str, ...]


class Labels(_Conf):
    """Labels of Part A and sign-off fields, each with the variants returns use."""

    organisation_name: tuple[str, ...]
    organisation_type: tuple[str, ...]
    services: tuple[str, ...]
    contact_name: tuple[str, ...]
    contact_email: tuple[str, ...]
    contact_phone: tuple[str, ...]
    signature: tuple[str, ...]
    sign_name: tuple[str, ...]
    position: tuple[str, ...]
    date: tuple[str, ...]


class SignOffRule(_Conf):
    org_type: str
    positions: tuple[str, ...]
    description: str


class ChaseEvent(_Conf):
    """A dated chasing event (RETURN-FORM.md section 9): who is written to on `date`.

    `reminder`: organisations whose status at the start of the day is `missing`;
    `chase`: those whose status at the start of the day is not `accepted`.
    """

    kind: Literal["reminder", "chase"]
    date: dt.date


class Chasing(_Conf):
    events: tuple[ChaseEvent, ...] = ()
    closing: dt.date | None = Field(None, description="Nobody is chased after this date.")
    escalate_after: int = Field(3, ge=1, description="Chases (not reminders) before a person telephones.")

    def due_on(self, day: dt.date) -> tuple[ChaseEvent, ...]:
        """The events dated `day` (none after the closing date)."""
        if self.closing is not None and day > self.closing:
            return ()
        return tuple(e for e in self.events if e.date == day)


class Collection(_Conf):
    id: str
    title: str
    published: dt.date
    deadline: dt.date
    timezone: str
    max_pages: int = 60
    recommendations: tuple[Recommendation, ...]
    sections: tuple[SectionDef, ...]
    boxes: Boxes
    labels: Labels
    organisation_types: dict[str, tuple[str, ...]]
    sign_off: tuple[SignOffRule, ...]
    empty_answers: tuple[str, ...] = Field(description="Box contents that mean 'nothing'.")
    template_text: tuple[str, ...] = Field(description="Form text that is never an answer.")
    form_markers: tuple[str, ...] = Field(description="Phrases that identify the form itself.")
    acroform_fields: dict[str, str] = Field(
        description="Fillable-form field name -> target (label name or SECTION.box)."
    )
    chasing: Chasing = Chasing()

    @property
    def recommendation_numbers(self) -> frozenset[int]:
        return frozenset(r.number for r in self.recommendations)

    @property
    def service_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections if s.service)

    def section(self, key: str) -> SectionDef:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


def load_collection_file(path: Path) -> Collection:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Collection.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValueError) as err:
        raise ConfigurationError(f"collection {path}: cannot load: {err}") from err


@cache
def load_collection(name_or_path: str = DEFAULT_COLLECTION) -> Collection:
    """Load a bundled collection by id, or any collection TOML by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = COLLECTIONS_DIR / f"{name_or_path}.toml"
    return load_collection_file(path)
