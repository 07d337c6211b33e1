"""The register of expected organisations (RETURN-FORM.md section 6), as a contract.

    register.csv ──read_register──► [RegisterEntry, ...]

Columns: `org_id, name, aliases, type, services, contact_email`; aliases and services
are semicolon-separated. `read_register` validates every line and names the bad one.
Loading it into the warehouse is `warehouse.organisations.load_register`.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigurationError
from schemas.vocab import OrgType

REGISTER_COLUMNS = ("org_id", "name", "aliases", "type", "services", "contact_email")


@dataclass(frozen=True)
class RegisterEntry:
    org_id: str
    name: str
    aliases: tuple[str, ...]
    type: OrgType
    services: tuple[str, ...]
    contact_email: str | None


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


