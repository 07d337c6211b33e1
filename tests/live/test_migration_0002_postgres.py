"""Migration 0002 on PostgreSQL: a warehouse made by the previous code, upgraded and downgraded."""

from __future__ import annotations

import pytest

from tests.migration_behaviours import MigrationBehaviours


@pytest.mark.live
class TestPostgres(MigrationBehaviours):
    @pytest.fixture
    def url(self, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
        monkeypatch.delenv("RETURNS_BLOB_ROOT", raising=False)
        return postgres_url
