"""Backup and restore, round trip: a warehouse with returns, checks and chases on SQLite
-> archive -> PostgreSQL -> archive -> a fresh SQLite; each says the same, holds the same
raw files, and keeps working (new mail gets new ids)."""

from __future__ import annotations

import datetime as dt
import mailbox
import stat
from pathlib import Path

import pytest

from core.errors import RefusedChange
from core.settings import Settings
from pipeline.chasing import send_due
from pipeline.checking import statuses
from pipeline.runtime import open_outbox, runtime
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, report, run_plain, settings_for, with_received
from warehouse.backup import backup, restore
from warehouse.blobstore import BlobStore

pytestmark = pytest.mark.live


def _deliver(settings: Settings, *raws: bytes) -> None:
    root = settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    for raw in raws:
        box.add(raw)
    box.close()


def _email(org: str, name: str, position: str, mid: str, when: str) -> bytes:
    raw = (MessageBuilder(sender=f"director@{org}.org.example", message_id=mid)
           .attach(f"{org}.docx", return_docx(name, ["Carers' centre (R2)"], position=position,
                                              org_type="Voluntary sector"), DOCX).build())
    return with_received(raw, when)


def _picture(settings: Settings) -> tuple[object, ...]:
    rt = runtime(settings)
    status = [s.as_json(rt.collection) for s in statuses(rt, dt.date(2006, 11, 2))]
    blobs = sorted(p.name for p in settings.blobs.rglob("*") if p.is_file())
    return report(settings), status, blobs


def test_backup_restores_across_databases_and_the_restored_warehouse_goes_on(
        tmp_path: Path, postgres_url: str) -> None:
    source = settings_for(tmp_path / "source")
    _deliver(source, _email("forth-valley-advocacy", "Forth Valley Advocacy Network", "Head of Finance",
                            "<a@x>", "Mon, 23 Oct 2006 10:00:00 +0100"),
             _email("clyde-carers-alliance", "Clyde Carers Alliance", "Director", "<b@x>",
                    "Tue, 24 Oct 2006 10:00:00 +0100"))
    run_plain(source)
    send_due(runtime(source), open_outbox(source), dt.date(2006, 11, 1))
    before = _picture(source)
    archive = tmp_path / "one.tar.gz"
    manifest = backup(runtime(source).engine, BlobStore(source.blobs), archive)
    assert manifest.rows["chases"] == 44 and manifest.rows["submissions"] == 2 and manifest.blobs == 4
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # personal data: owner only

    on_pg = settings_for(tmp_path / "pg", database_url=postgres_url)
    restore(archive, on_pg.database_url, BlobStore(on_pg.blobs))
    assert _picture(on_pg) == before
    with pytest.raises(RefusedChange, match="already holds rows"):
        restore(archive, on_pg.database_url, BlobStore(on_pg.blobs))

    # The restored warehouse goes on: a corrected return gets the next ids, chases are not repeated.
    _deliver(on_pg, _email("forth-valley-advocacy", "Forth Valley Advocacy Network", "Director", "<c@x>",
                           "Thu, 02 Nov 2006 10:00:00 +0000"))
    run_plain(on_pg)
    assert [r["submission_id"] for r in report(on_pg)] == [1, 2, 3]
    again = send_due(runtime(on_pg), open_outbox(on_pg), dt.date(2006, 11, 1))
    assert {s.outcome for s in again} == {"already sent"}

    second = tmp_path / "two.tar.gz"
    backup(runtime(on_pg).engine, BlobStore(on_pg.blobs), second)
    back = settings_for(tmp_path / "back")
    restore(second, back.database_url, BlobStore(back.blobs))
    assert _picture(back) == _picture(on_pg)
