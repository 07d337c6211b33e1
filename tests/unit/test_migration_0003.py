"""Migration 0003 on SQLite (the PostgreSQL run is in tests/live/test_migration_0003_postgres.py)."""

from __future__ import annotations

import pytest

from tests.migration_0003_behaviours import MigrationFactsBehaviours


class TestSQLite(MigrationFactsBehaviours):
    @pytest.fixture
    def url(self, sqlite_url: str) -> str:
        return sqlite_url
