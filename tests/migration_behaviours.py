"""Migration 0002 on a warehouse made by the previous code: SQLite (tests/unit) and PostgreSQL (tests/live).

A subclass supplies `url`: an empty database at any revision. Each test takes it back
to 0001, writes rows the way the 0001 code did (received_at = the sender's Date:
header), stores the raw emails in a blob store, and upgrades.

    sub 1  Fife   Date: 20 Oct   Received: 25 Oct   (its return was current: Date later)
    sub 2  Fife   Date: 22 Oct   Received: 21 Oct   (-> sub 1's return becomes current)
    sub 3  Angus  Date: 23 Oct   raw email missing from the blob store (keeps its time)
    sub 4  -      status 'duplicate' (0001's word)  -> 'repeat'
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from warehouse.db import downgrade, head_revision, make_engine, upgrade
from warehouse.models import Base

UTC = dt.UTC
T = dt.datetime(2006, 10, 1, tzinfo=UTC)


def raw_email(message_id: str, date: str, received: str | None) -> bytes:
    trace = (f"Received: from relay.example by mx.policy-division.example; {received}\r\n"
             "Received: from laptop by relay.example; Mon, 2 Oct 2006 09:00:00 +0000\r\n") if received else ""
    return (f"{trace}From: cswo.office@fife.council.example\r\nMessage-ID: {message_id}\r\nDate: {date}\r\n"
            "Subject: Return\r\n\r\nAttached.\r\n").encode()


EMAILS = {
    1: raw_email("<s1@fife>", "Fri, 20 Oct 2006 10:00:00 +0000", "Wed, 25 Oct 2006 10:00:00 +0000"),
    2: raw_email("<s2@fife>", "Sun, 22 Oct 2006 10:00:00 +0000", "Sat, 21 Oct 2006 10:00:00 +0000"),
    3: raw_email("<s3@angus>", "Mon, 23 Oct 2006 10:00:00 +0000", "Mon, 23 Oct 2006 11:00:00 +0000"),
    4: raw_email("<s4@fife>", "Tue, 24 Oct 2006 10:00:00 +0000", None),
}
DATES = {1: dt.datetime(2006, 10, 20, 10, tzinfo=UTC), 2: dt.datetime(2006, 10, 22, 10, tzinfo=UTC),
         3: dt.datetime(2006, 10, 23, 10, tzinfo=UTC), 4: dt.datetime(2006, 10, 24, 10, tzinfo=UTC)}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(root: Path, data: bytes) -> None:
    digest = sha(data)
    path = root / digest[:2] / digest[2:4] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def seed_0001(engine: Engine) -> None:
    """Rows as the 0001 code wrote them (plain SQL: the models are at the newer revision)."""
    meta = sa.MetaData()
    meta.reflect(engine)
    t = meta.tables
    with engine.begin() as conn:
        for org, name in (("fife", "Fife Council"), ("angus", "Angus Council")):
            conn.execute(t["organisations"].insert().values(
                org_id=org, name=name, type="local_authority", services=["community_care"], aliases=[],
                contact_email=f"cswo.office@{org}.council.example", created_at=T, updated_at=T))
        for n, raw in EMAILS.items():
            conn.execute(t["submissions"].insert().values(
                id=n, dedup_key=f"mid:<s{n}>", raw_sha256=sha(raw), message_id=f"<s{n}>", sender="x@y.example",
                subject="Return", received_at=DATES[n], status="duplicate" if n == 4 else "extracted",
                reason=f"reason {n}", org_id=None if n == 4 else ("angus" if n == 3 else "fife"),
                created_at=T, updated_at=T))
            conn.execute(t["mail_ledger"].insert().values(
                mailbox="maildir:/m", folder="INBOX", uidvalidity=0, uid=f"u{n}", raw_sha256=sha(raw),
                submission_id=n, status="processed", first_seen=T, updated_at=T))
        rows = [(1, 1, "fife", 1, False, 2), (2, 2, "fife", 2, True, None), (3, 3, "angus", 1, True, None)]
        for rid, sub, org, version, current, _ in rows:
            conn.execute(t["returns"].insert().values(
                id=rid, document_sha256=f"{rid:064x}", submission_id=sub, org_id=org, collection="changing-lives-2006",
                version=version, is_current=current, received_at=DATES[sub], record={"n": rid},
                created_at=T, updated_at=T))
        conn.execute(t["returns"].update().where(t["returns"].c.id == 1).values(superseded_by=2))
        conn.execute(t["outbox"].insert().values(submission_id=1, kind="ack", to_address="x@y.example",
                                                 subject="Received: Return", status="sent", created_at=T, updated_at=T))


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def as_utc(value: Any) -> Any:
    if isinstance(value, str):  # SQLite hands back text for raw SQL
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if isinstance(value, dt.datetime) and value.tzinfo is None else value


class MigrationBehaviours:
    @pytest.fixture
    def old(self, url: str, tmp_path: Path) -> tuple[str, Path]:
        """A warehouse at 0001 with data, and its blob store (sub 3's raw email missing)."""
        downgrade(url, "0001")
        engine = make_engine(url)
        seed_0001(engine)
        engine.dispose()
        root = tmp_path / "blobs"
        for n, raw in EMAILS.items():
            if n != 3:
                store(root, raw)
        return url, root

    def test_upgrade_keeps_the_data_and_backfills_received_from_the_stored_emails(
            self, old: tuple[str, Path]) -> None:
        url, root = old
        upgrade(url, blob_root=root)
        engine = make_engine(url)
        try:
            subs = [(n, as_utc(r), as_utc(s), st) for n, r, s, st in rows(
                engine, "SELECT id, received_at, sent_at, status FROM submissions ORDER BY id")]
            assert subs == [
                (1, dt.datetime(2006, 10, 25, 10, tzinfo=UTC), DATES[1], "extracted"),
                (2, dt.datetime(2006, 10, 21, 10, tzinfo=UTC), DATES[2], "extracted"),
                (3, DATES[3], DATES[3], "extracted"),  # raw email not in the store: keeps its time
                (4, DATES[4], DATES[4], "repeat"),  # no Received: header: keeps its time
            ]
            rets = [(i, as_utc(r), bool(c), s) for i, r, c, s in rows(
                engine, "SELECT id, received_at, is_current, superseded_by FROM returns ORDER BY id")]
            assert rets == [(1, dt.datetime(2006, 10, 25, 10, tzinfo=UTC), True, None),  # received last: current
                            (2, dt.datetime(2006, 10, 21, 10, tzinfo=UTC), False, 1),
                            (3, DATES[3], True, None)]
            assert rows(engine, "SELECT count(*) FROM organisations") == [(2,)]
            assert rows(engine, "SELECT uid, status, attempts, submission_id FROM mail_ledger ORDER BY id") == [
                (f"u{n}", "processed", 0, n) for n in (1, 2, 3, 4)]
            assert rows(engine, "SELECT submission_id, status FROM outbox") == [(1, "sent")]
            assert [r[0] for r in rows(engine, "SELECT reason FROM submissions ORDER BY id")] == [
                f"reason {n}" for n in (1, 2, 3, 4)]
            assert rows(engine, "SELECT actor, action, detail FROM audit_log") == [
                ("migration 0002", "migration_note",
                 "received_at was not backfilled for 1 submission(s): their raw email is not in the blob store "
                 f"{root}; "
                 "they keep the sender's Date: header as their received time")]
            with engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True})
                assert ctx.get_current_revision() == head_revision()
                assert compare_metadata(ctx, Base.metadata) == []
        finally:
            engine.dispose()

    def test_without_the_blob_store_rows_keep_their_time_with_a_note(self, old: tuple[str, Path]) -> None:
        url, _ = old
        upgrade(url)  # no blob root given (and none in the environment)
        engine = make_engine(url)
        try:
            assert [(n, as_utc(r), as_utc(s)) for n, r, s in rows(
                engine, "SELECT id, received_at, sent_at FROM submissions ORDER BY id")] == [
                (n, DATES[n], DATES[n]) for n in (1, 2, 3, 4)]
            assert rows(engine, "SELECT detail FROM audit_log") == [(
                "received_at was not backfilled for 4 submission(s): no blob root was given; they keep the "
                "sender's Date: header as their received time, and sent_at is the same",)]
        finally:
            engine.dispose()

    def test_downgrade_restores_the_old_schema_and_meaning_then_upgrade_again(self, old: tuple[str, Path]) -> None:
        url, root = old
        upgrade(url, blob_root=root)
        downgrade(url, "0001")
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                tables = sa.inspect(conn).get_table_names()
                columns = {c["name"] for c in sa.inspect(conn).get_columns("submissions")}
            assert "audit_log" not in tables
            assert {"sent_at", "fingerprint", "repeat_of"} & columns == set()
            assert [(n, as_utc(r), st) for n, r, st in rows(
                engine, "SELECT id, received_at, status FROM submissions ORDER BY id")] == [
                (1, DATES[1], "extracted"), (2, DATES[2], "extracted"), (3, DATES[3], "extracted"),
                (4, DATES[4], "duplicate")]
            assert [(i, bool(c)) for i, c in rows(engine, "SELECT id, is_current FROM returns ORDER BY id")] == [
                (1, False), (2, True), (3, True)]
        finally:
            engine.dispose()
        upgrade(url, blob_root=root)
        engine = make_engine(url)
        try:
            assert rows(engine, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
            assert [st for (st,) in rows(engine, "SELECT status FROM submissions ORDER BY id")][-1] == "repeat"
        finally:
            engine.dispose()
