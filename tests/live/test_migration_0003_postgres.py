"""Migration 0003 on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.migration_0003_behaviours import MigrationFactsBehaviours

pytestmark = pytest.mark.live


class TestPostgres(MigrationFactsBehaviours):
    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        return postgres_url
