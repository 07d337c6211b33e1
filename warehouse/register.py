"""Load the register of expected organisations (RETURN-FORM.md section 6).

    register.csv ──load_register──► organisations (upsert on org_id)

Columns: `org_id, name, aliases, type, services, contact_email`; aliases and services
are semicolon-separated. Loading is idempotent: a row is inserted when new, updated
when any field changed, and left alone otherwise. Organisations missing from the CSV
are kept (returns may refer to them) and counted as `not_in_file`.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returns.errors import ConfigurationError
from warehouse.columns import utcnow
from warehouse.models import Organisation
from warehouse.statuses import OrgType
from warehouse.upsert import insert_ignore

REGISTER_COLUMNS = ("org_id", "name", "aliases", "type", "services", "contact_email")
BUNDLED_REGISTER = Path(str(files("returns").joinpath("data/register.csv")))


@dataclass(frozen=True)
class RegisterEntry:
    org_id: str
    name: str
    aliases: tuple[str, ...]
    type: OrgType
    services: tuple[str, ...]
    contact_email: str | None


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


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(";") if part.strip())


def read_register(
    csv_path: Path, service_keys: Collection[str] | None = None
) -> list[RegisterEntry]:
    """Parse and validate a register CSV; ConfigurationError names the bad line."""
    try:
        with Path(csv_path).open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = set(REGISTER_COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise ConfigurationError(
                    f"register {csv_path}: missing columns {', '.join(sorted(missing))}"
                )
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise ConfigurationError(f"register {csv_path}: cannot read: {err}") from err

    entries: list[RegisterEntry] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        where = f"register {csv_path} line {line}"
        org_id = (row["org_id"] or "").strip()
        name = (row["name"] or "").strip()
        if not org_id or not name:
            raise ConfigurationError(f"{where}: org_id and name are required")
        if org_id in seen:
            raise ConfigurationError(f"{where}: org_id {org_id!r} appears twice")
        seen.add(org_id)
        try:
            org_type = OrgType((row["type"] or "").strip())
        except ValueError as err:
            allowed = ", ".join(t.value for t in OrgType)
            raise ConfigurationError(
                f"{where}: type {row['type']!r} is not one of {allowed}"
            ) from err
        services = _split(row["services"] or "")
        if service_keys is not None:
            unknown = sorted(set(services) - set(service_keys))
            if unknown:
                raise ConfigurationError(f"{where}: unknown services {', '.join(unknown)}")
        email = (row["contact_email"] or "").strip() or None
        entries.append(
            RegisterEntry(org_id, name, _split(row["aliases"] or ""), org_type, services, email)
        )
    return entries


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
