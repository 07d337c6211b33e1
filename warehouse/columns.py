"""Column types that behave the same on SQLite and PostgreSQL.

- `UTCDateTime`: timezone-aware in Python, always UTC. PostgreSQL stores
  `timestamptz`; SQLite (which has no time zones) stores naive UTC text. Naive values
  are refused on the way in, so no local time ever slips into the warehouse.
- `JSONDocument`: `JSON` on SQLite, `JSONB` on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

UTC = dt.UTC


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the warehouse stores aware UTC times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_document() -> TypeEngine[Any]:
    """A JSON column: JSONB on PostgreSQL, JSON elsewhere."""
    return JSON().with_variant(JSONB(), "postgresql")


def sql_in(column: str, values: type[StrEnum]) -> str:
    """SQL text `column IN ('a', 'b')` for a CHECK constraint over an enum."""
    listed = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({listed})"
