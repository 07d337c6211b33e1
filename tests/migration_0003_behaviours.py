"""Migration 0003 (facts) on a warehouse holding returns made by earlier code: items
and citations backfilled from the canonical JSON, the analysts' view, and back down."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.factories.returns import canonical_return
from warehouse.db import downgrade, make_engine, upgrade

UTC = dt.UTC


def _seed_0002(url: str) -> None:
    upgrade(url)
    downgrade(url, "0002")  # the fixtures give a warehouse at head: take it back to 0002
    engine = make_engine(url)
    record = canonical_return("Fife Council").model_dump(mode="json")
    when = dt.datetime(2006, 10, 20, 9, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO organisations (org_id, name, type, services, aliases, contact_email, "
                                 "created_at, updated_at) VALUES ('fife', 'Fife Council', 'local_authority', "
                                 "'[\"children_families\"]', '[]', 'r@fife.example', :t, :t)"), {"t": when})
            conn.execute(sa.text("INSERT INTO submissions (id, dedup_key, raw_sha256, received_at, status, "
                                 "created_at, updated_at) VALUES (1, 'mid:<a@b>', :sha, :t, 'extracted', :t, :t)"),
                         {"sha": "a" * 64, "t": when})
            returns = sa.table("returns", *(sa.column(c) for c in (
                "id", "document_sha256", "submission_id", "org_id", "collection", "version", "is_current",
                "received_at", "record", "created_at", "updated_at")), sa.column("record", sa.JSON))
            conn.execute(sa.insert(returns).values(
                id=1, document_sha256="b" * 64, submission_id=1, org_id="fife", collection="changing-lives-2006",
                version=1, is_current=True, received_at=when, record=record, created_at=when, updated_at=when))
    finally:
        engine.dispose()


class MigrationFactsBehaviours:
    """Subclasses provide a fresh, empty warehouse URL as the `url` fixture."""

    def test_upgrade_backfills_items_and_citations_and_the_view_reads_them(self, url: str) -> None:
        _seed_0002(url)
        upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                items = conn.execute(sa.text(
                    "SELECT section, box, position, text FROM items ORDER BY id")).all()
                view = conn.execute(sa.text(
                    "SELECT org_id, organisation, section, box, text, recommendation FROM current_items "
                    "ORDER BY recommendation")).all()
        finally:
            engine.dispose()
        assert [tuple(r) for r in items] == [
            ("children_families", "strengths", 1, "Integrated assessment with health visitors")]
        assert [tuple(r) for r in view] == [
            ("fife", "Fife Council", "children_families", "strengths", "Integrated assessment with health visitors", 1),
            ("fife", "Fife Council", "children_families", "strengths", "Integrated assessment with health visitors", 3),
        ]

    def test_downgrade_removes_the_facts_and_keeps_the_returns(self, url: str) -> None:
        _seed_0002(url)
        upgrade(url)
        downgrade(url, "0002")
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                tables = set(sa.inspect(conn).get_table_names())
                kept = conn.execute(sa.text("SELECT count(*) FROM returns")).scalar_one()
        finally:
            engine.dispose()
        assert {"items", "item_recommendations", "check_results", "overrides", "org_status"} & tables == set()
        assert kept == 1
        upgrade(url)  # and up again: the backfill runs again from the JSON
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM items")).scalar_one() == 1
        finally:
            engine.dispose()
