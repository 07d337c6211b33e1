"""Race-free "insert unless it exists" for SQLite and PostgreSQL.

    insert_ignore(session, Model, values, key)  INSERT ... ON CONFLICT DO NOTHING
        └─ True when this call inserted the row, False when a row with that key was
           already there (possibly inserted a moment ago by another worker)

Never check-then-insert: the database's unique constraints decide, so two workers
racing on the same key end with one row. On PostgreSQL at READ COMMITTED the losing
INSERT waits for the winner's transaction and then does nothing; a following SELECT
sees the winner's row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session


def dialect_insert(session: Session, model: type[DeclarativeBase]) -> Any:
    """The dialect's own INSERT construct (it has `on_conflict_do_nothing`)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"no upsert for the {name} dialect")


def insert_ignore(
    session: Session,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    key: Sequence[str] | None = None,
    where: ColumnElement[bool] | None = None,
) -> bool:
    """Insert one row unless it conflicts with a unique key; True when inserted.

    `key` names the conflict target's columns (None: any unique constraint);
    `where` is the predicate of a partial unique index used as the target.
    """
    stmt: Insert = dialect_insert(session, model).values(**values)
    if key is None:
        stmt = stmt.on_conflict_do_nothing()  # type: ignore[attr-defined]
    else:
        stmt = stmt.on_conflict_do_nothing(  # type: ignore[attr-defined]
            index_elements=list(key), index_where=where
        )
    pk = next(iter(model.__table__.primary_key.columns))  # type: ignore[attr-defined]
    inserted = session.execute(stmt.returning(pk)).first()
    return inserted is not None
