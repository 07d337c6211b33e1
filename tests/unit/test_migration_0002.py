"""Migration 0002 on SQLite: a warehouse made by the previous code, upgraded and downgraded."""

from __future__ import annotations

import pytest

from tests.migration_behaviours import MigrationBehaviours


class TestSQLite(MigrationBehaviours):
    @pytest.fixture
    def url(self, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
        monkeypatch.delenv("RETURNS_BLOB_ROOT", raising=False)
        return sqlite_url
