"""The organisations table: the register loaded into the warehouse (its one writer).

    register.csv ──schemas.register.read_register──► load_register ──► organisations

Loading is idempotent: a row is inserted when new, updated when any field changed, and
left alone otherwise. Organisations missing from the CSV are kept (returns may refer to
them) and counted as `not_in_file`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.paths import BUNDLED_REGISTER
from schemas.register import read_register
from warehouse.columns import utcnow
from warehouse.models import Organisation
from warehouse.upsert import insert_ignore


@dataclass(frozen=True)
class RegisterLoad:
    """What one load changed."""

    inserted: int
    updated: int
    unchanged: int
    not_in_file: int

    @property
    def total_in_file(self) -> int:
        return self.inserted + self.updated + self.unchanged



def load_register(
    session: Session,
    csv_path: Path = BUNDLED_REGISTER,
    *,
    service_keys: Collection[str] | None = None,
) -> RegisterLoad:
    """Upsert every organisation in the CSV; idempotent. The caller commits.

    New organisations go in with INSERT ... ON CONFLICT DO NOTHING, so two loads
    racing on an empty table do not fail; changed ones are updated in place.
    """
    entries = read_register(csv_path, service_keys)
    existing = {o.org_id: o for o in session.scalars(select(Organisation))}
    inserted = updated = unchanged = 0
    now = utcnow()
    for entry in entries:
        values: dict[str, Any] = {
            "name": entry.name,
            "type": entry.type.value,
            "services": list(entry.services),
            "aliases": list(entry.aliases),
            "contact_email": entry.contact_email,
        }
        org = existing.get(entry.org_id)
        if org is None:
            row = {"org_id": entry.org_id, **values, "created_at": now, "updated_at": now}
            if insert_ignore(session, Organisation, row, key=["org_id"]):
                inserted += 1
            else:
                unchanged += 1  # another loader inserted it a moment ago
        elif any(getattr(org, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(org, key, value)
            updated += 1
        else:
            unchanged += 1
    session.flush()
    not_in_file = len(set(existing) - {e.org_id for e in entries})
    return RegisterLoad(inserted, updated, unchanged, not_in_file)
