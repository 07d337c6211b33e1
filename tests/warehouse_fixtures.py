"""Warehouse fixtures: a migrated SQLite file per test, a fresh PostgreSQL database per test.

    sqlite_url      sqlite:///<tmp>/warehouse.db, migrated to head
    postgres_url    postgresql+psycopg://.../returns_test_<random>, migrated, dropped after
    make_return     builds a canonical schemas.Return for an organisation

PostgreSQL is the one running on this machine (127.0.0.1:5432, trust auth); override
with RETURNS_TEST_POSTGRES (a libpq URL to an admin database, e.g.
postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
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

ADMIN_URL = os.environ.get("RETURNS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    upgrade(url)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"returns_test_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade(rendered)
        yield rendered
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def make_return() -> Callable[..., Return]:
    return canonical_return
