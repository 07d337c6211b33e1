"""Warehouse fixtures: a migrated SQLite file per test, a fresh PostgreSQL database per test.

    sqlite_url      sqlite:///<tmp>/warehouse.db, migrated to head
    postgres_url    postgresql+psycopg://.../returns_test_<random>, migrated, dropped after
    make_return     builds a canonical schemas.Return for an organisation

The PostgreSQL is `postgres_server` (tests/pg_fixtures.py): a private throwaway cluster
started once per session, or the server named by RETURNS_TEST_POSTGRES (a libpq URL to
an admin database, e.g. postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from schemas import Return
from tests.factories.returns import canonical_return
from warehouse.db import upgrade

pytest_plugins = ["tests.pg_fixtures"]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    return url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    name = f"returns_test_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(postgres_server).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade(rendered)
        yield rendered
    finally:
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def make_return() -> Callable[..., Return]:
    return canonical_return
