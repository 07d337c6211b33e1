"""Warehouse behaviours on the running PostgreSQL: a fresh database per test.

Concurrency tests here are really concurrent: each worker thread has its own engine
and connection, and they start together at a barrier.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.warehouse_behaviours import WarehouseBehaviours
from warehouse.db import make_engine


@pytest.mark.live
class TestPostgres(WarehouseBehaviours):
    concurrent_workers = 8

    @pytest.fixture
    def url(self, postgres_url: str) -> str:
        return postgres_url


@pytest.mark.live
def test_postgres_url_without_driver_uses_psycopg3(postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    engine = make_engine(plain)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version_num")).scalar_one()
        index = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_returns_one_current'")
        ).scalar_one()
    engine.dispose()
    assert engine.dialect.driver == "psycopg"
    assert int(version) >= 150000
    assert index == (
        "CREATE UNIQUE INDEX uq_returns_one_current ON public.returns"
        " USING btree (org_id, collection) WHERE is_current"
    )
