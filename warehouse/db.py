"""Engines, sessions and migrations for the warehouse.

    make_engine(url) ──► Engine       SQLite: WAL, foreign keys, busy timeout,
                                       BEGIN IMMEDIATE; PostgreSQL via psycopg 3
    upgrade(url, blob_root=...)  ──► alembic upgrade head (Config built in code); the
                                     blob root lets a migration read stored emails
    downgrade(url, revision)     ──► alembic downgrade
    session_scope(engine) ──► Session, committed on success, rolled back on error

SQLite transactions start with `BEGIN IMMEDIATE`, so a transaction takes the write
lock when it begins and waits (busy timeout) for another worker's transaction to
finish, instead of failing half-way with "database is locked" when a read turns into
a write. Together with the unique constraints this makes two workers on one SQLite
file safe. PostgreSQL runs at READ COMMITTED; races are settled by constraints
(`INSERT ... ON CONFLICT DO NOTHING` then re-read) and row locks.

A new SQLite file and the folders made for it are owner-only (0o600, 0o700; its -wal
and -shm files take the file's mode), whatever the umask.

A database that cannot be reached raises `WarehouseUnavailable` (transient) with the
password masked in the URL.

Migrations on SQLite run with foreign keys off (set before the transaction begins, the
only time SQLite accepts it): changing a constraint means rebuilding a table, and
dropping a table that others refer to would fail. `PRAGMA foreign_key_check` runs
before the migration commits, so a migration cannot leave a dangling reference.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import ConfigurationError, WarehouseUnavailable
from core.private import create_private_file, make_private_dirs

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def parse_url(url: str | URL) -> URL:
    """An SQLAlchemy URL, with `postgresql://` meaning psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise ConfigurationError(f"database URL {url!r}: cannot parse: {err}") from err
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"database URL {mask_url(parsed)}: only SQLite and PostgreSQL are supported"
        )
    return parsed


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for the warehouse; SQLite files get their folder created."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, **kwargs)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(parsed, **kwargs)
    return engine


def _sqlite_engine(url: URL, **kwargs: Any) -> Engine:
    database = url.database or ""
    on_disk = bool(database) and database != ":memory:" and not database.startswith("file:")
    if on_disk:
        try:
            make_private_dirs(Path(database).parent)
        except OSError as err:
            raise WarehouseUnavailable(
                f"database {mask_url(url)}: cannot create its folder: {err}"
            ) from err
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    if on_disk:
        @event.listens_for(engine, "do_connect")
        def _private_file(*_args: Any) -> None:
            """Create a new database file owner-only (0o600) before SQLite opens it:
            SQLite would make it 0o666 less the umask, and gives its -wal and -shm
            files the database file's permissions."""
            try:
                os.close(create_private_file(Path(database)))
            except FileExistsError:
                pass
            except OSError as err:
                raise WarehouseUnavailable(f"database {mask_url(url)}: cannot create it: {err}") from err

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def check_connection(engine: Engine) -> None:
    """Open and close one connection; WarehouseUnavailable when that fails."""
    try:
        with engine.connect():
            pass
    except (OperationalError, SAInterfaceError) as err:
        raise unavailable(engine.url, "cannot connect", err) from err


_SQLITE_TRANSIENT = ("locked", "busy", "unable to open", "disk i/o", "readonly database")


def is_unavailable(err: BaseException) -> bool:
    """True when a driver error means the database could not be reached or used now.

    On PostgreSQL an OperationalError is a connection or server state problem (lost
    connection, shutdown, deadlock). SQLite reports "no such table" as an
    OperationalError too: that is a schema problem, not a transient one.
    """
    if not isinstance(err, OperationalError | SAInterfaceError):
        return False
    if type(err.orig).__module__.startswith("sqlite3"):
        message = str(err.orig).lower()
        return any(word in message for word in _SQLITE_TRANSIENT)
    return True


def unavailable(url: str | URL, action: str, err: BaseException) -> WarehouseUnavailable:
    """A WarehouseUnavailable naming the (masked) database and what failed."""
    detail = str(getattr(err, "orig", None) or err).strip().splitlines()
    first = detail[0] if detail else type(err).__name__
    return WarehouseUnavailable(f"database {mask_url(url)}: {action}: {first}")


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic Config pointing into this package (works when installed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        rendered = parse_url(url).render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The latest migration's revision id (what `upgrade` brings a warehouse to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade(
    url: str | URL | Engine, revision: str = "head", *, blob_root: str | PathLike[str] | None = None
) -> None:
    """Bring the warehouse schema up to `revision` (default: the latest).

    `blob_root` is where the raw emails are stored: a migration that backfills from
    them (0002: the received time) reads it from `config.attributes["blob_root"]`.
    """
    _migrate("upgrade", url, revision, blob_root)


def downgrade(url: str | URL | Engine, revision: str) -> None:
    """Take the warehouse schema back to `revision` (data kept where it fits)."""
    _migrate("downgrade", url, revision, None)


def _migrate(
    direction: str, url: str | URL | Engine, revision: str, blob_root: str | PathLike[str] | None
) -> None:
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with migration_connection(engine) as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            if blob_root is not None:
                cfg.attributes["blob_root"] = str(blob_root)
            getattr(command, direction)(cfg, revision)
    except (OperationalError, SAInterfaceError) as err:
        if not is_unavailable(err):
            raise
        raise unavailable(engine.url, "cannot migrate", err) from err
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


MIGRATION_LOCK = 0x7265747572_6E73  # "returns": the advisory lock migrations hold on PostgreSQL


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for Alembic; on SQLite with foreign keys off for
    its length (see the module docstring) and checked before it commits."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _sqlite_pragma(conn, "PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":  # two workers starting at once migrate in turn
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                yield conn
                if sqlite:
                    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if dangling:
                        raise ConfigurationError(f"migration left dangling references: {dangling[:5]}")
        finally:
            if sqlite:
                _sqlite_pragma(conn, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(conn: Connection, pragma: str) -> None:
    """Run a PRAGMA outside any transaction (on the driver connection itself)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(pragma)


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except (OperationalError, SAInterfaceError) as err:
        if not is_unavailable(err):
            raise
        raise unavailable(engine.url, "cannot read the schema revision", err) from err


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back if it raises.

    Connection failures (at any point, including commit) become WarehouseUnavailable.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except (OperationalError, SAInterfaceError) as err:
        session.rollback()
        if not is_unavailable(err):
            raise
        raise unavailable(engine.url, "transaction failed", err) from err
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
