"""The canonical extracted return (RETURN-FORM.md section 4).

Every extractor produces a `Return`; its JSON (`Return.to_json()`) is what
`returns extract` prints and what evaluation compares. Models are frozen and reject
unknown fields so a typo can never silently become data.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from schemas.vocab import OrgType


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Frozen):
    """One strength, priority or issue: text as written, and the numbers it cites."""

    text: str = Field(min_length=1)
    recommendations: tuple[int, ...] = ()


class BoxedSection(_Frozen):
    """A section with a box of strengths and a box of priorities for change."""

    strengths: tuple[Item, ...] = ()
    priorities: tuple[Item, ...] = ()

    @property
    def all_items(self) -> tuple[Item, ...]:
        return self.strengths + self.priorities


class ItemsSection(_Frozen):
    """A section holding items only (no strengths/priorities split)."""

    items: tuple[Item, ...] = ()

    @property
    def all_items(self) -> tuple[Item, ...]:
        return self.items


class Organisation(_Frozen):
    name: str | None = None
    type: OrgType | None = None


class Contact(_Frozen):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class SignOff(_Frozen):
    signed: bool = False
    name: str | None = None
    position: str | None = None
    date: dt.date | None = None


class Source(_Frozen):
    filename: str | None = None
    media_type: str
    pages: int | None = None
    ocr: bool = False


class Return(_Frozen):
    """One extracted self assessment return."""

    collection: str
    organisation: Organisation = Organisation()
    contact: Contact = Contact()
    services: tuple[str, ...] = ()
    sections: dict[str, BoxedSection | ItemsSection]
    sign_off: SignOff = SignOff()
    source: Source

    def item_count(self) -> int:
        return sum(len(s.all_items) for s in self.sections.values())

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
