"""Alembic environment for the warehouse.

Run through `warehouse.db.upgrade(url)`, which builds the Alembic `Config` in code and
hands over an open connection in `config.attributes["connection"]` (and the blob
store's root in `config.attributes["blob_root"]`); a URL in `sqlalchemy.url` works too
(the `alembic` command line: `-x blob_root=PATH` or RETURNS_BLOB_ROOT for the root).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from warehouse.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from warehouse.db import make_engine, migration_connection

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with migration_connection(engine) as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
