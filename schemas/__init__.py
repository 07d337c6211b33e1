"""The canonical return and the collection definition (the domain contract as code)."""

from schemas.canonical import (
    BoxedSection,
    Contact,
    Item,
    ItemsSection,
    Organisation,
    Return,
    SignOff,
    Source,
)
from schemas.collection import Collection, SectionDef, load_collection

__all__ = [
    "BoxedSection",
    "Collection",
    "Contact",
    "Item",
    "ItemsSection",
    "Organisation",
    "Return",
    "SectionDef",
    "SignOff",
    "Source",
    "load_collection",
]
