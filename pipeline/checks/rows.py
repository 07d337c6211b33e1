"""Returns flattened into rows: one per return version, what the checks read.

    CheckInput(return_id, org_id, org_type, register_services, record, received_at)
        │ flatten(inputs, collection)
        ▼
    return_id  org_id  org_type  req_<s> / n_<s> per service section  n_items
    signed  signature  sign_name  position  position_text  sign_date  received_date
    cite_min  cite_max  cited (all numbers, for the reasons)

Great Expectations validates tables, not nested records, hence this flat shape. Which
sections are required comes from the register's services; Part A's ticks only where the
register is silent (RETURN-FORM.md section 5). Dates are calendar days in the
collection's time zone (Europe/London): the received day is the day the division's own
mail server accepted the email.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from schemas import Collection, Return


@dataclass(frozen=True)
class CheckInput:
    """One return version to check, with what the register says of its organisation."""

    return_id: int
    org_id: str
    org_type: str | None
    register_services: tuple[str, ...]
    record: Return
    received_at: dt.datetime


SIGN_OFF_FIELDS = ("signature", "sign_name", "position", "sign_date")


def required_sections(item: CheckInput, collection: Collection) -> tuple[str, ...]:
    """The service sections this organisation must complete, in form order."""
    provided = set(item.register_services) or set(item.record.services)
    return tuple(k for k in collection.service_keys if k in provided)


def received_day(received_at: dt.datetime, collection: Collection) -> dt.date:
    return received_at.astimezone(ZoneInfo(collection.timezone)).date()


def flatten(inputs: list[CheckInput], collection: Collection) -> list[dict[str, Any]]:
    """One plain dict per return version (the DataFrame's rows)."""
    rows = []
    for item in inputs:
        r = item.record
        required = set(required_sections(item, collection))
        cited = sorted({n for s in r.sections.values() for i in s.all_items for n in i.recommendations})
        row: dict[str, Any] = {
            "return_id": item.return_id,
            "org_id": item.org_id,
            "org_type": item.org_type or "",
            "n_items": r.item_count(),
            "signed": bool(r.sign_off.signed),
            # the signature itself: a typed name, "/s/ Name" or an image in the box
            "signature": "yes" if r.sign_off.signed else None,
            "sign_name": r.sign_off.name,
            "position": r.sign_off.position,
            "position_text": r.sign_off.position or "",
            "sign_date": r.sign_off.date,
            "received_date": received_day(item.received_at, collection),
            "cite_min": cited[0] if cited else None,
            "cite_max": cited[-1] if cited else None,
            "cited": tuple(cited),
        }
        for key in collection.service_keys:
            section = r.sections.get(key)
            row[f"req_{key}"] = key in required
            row[f"n_{key}"] = len(section.all_items) if section is not None else 0
        rows.append(row)
    return rows
