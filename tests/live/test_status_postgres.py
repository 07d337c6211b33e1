"""Checks and status through the intake on PostgreSQL (the SQLite runs are in
tests/unit/test_checks_in_intake.py): one organisation's day-by-day status."""

from __future__ import annotations

import datetime as dt
import mailbox
from pathlib import Path

import pytest

from pipeline.checking import statuses
from pipeline.runtime import runtime
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, run_plain, settings_for, with_received

pytestmark = pytest.mark.live


def test_status_on_postgres_follows_the_received_day_in_london(tmp_path: Path, postgres_url: str) -> None:
    settings = settings_for(tmp_path, database_url=postgres_url)
    root = settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    unsigned = return_docx("Tay Care Partnership Ltd", ["Reablement at home (R3)"], position="",
                           org_type="Private sector")
    signed = return_docx("Tay Care Partnership Ltd", ["Reablement at home (R3)"], position="Managing Director",
                         org_type="Private sector")
    for mid, data, when in [("<t1@tay>", unsigned, "Mon, 30 Oct 2006 23:30:00 +0000"),
                            ("<t2@tay>", signed, "Wed, 01 Nov 2006 00:10:00 +0000")]:
        raw = MessageBuilder(sender="director@tay-care-partnership.org.example", message_id=mid) \
            .attach("tay.docx", data, DOCX).build()
        box.add(with_received(raw, when))
    box.close()
    run_plain(settings)
    rt = runtime(settings)

    def tay(day: dt.date) -> dict[str, object]:
        return {s.org_id: s.as_json(rt.collection) for s in statuses(rt, day)}["tay-care-partnership"]

    assert tay(dt.date(2006, 10, 29))["status"] == "missing"
    assert tay(dt.date(2006, 10, 31)) == {
        "org_id": "tay-care-partnership", "status": "unsigned", "problems": ["unsigned", "wrong_signatory"],
        "late": False, "escalated": False,
        "current": {"version": 1, "received": "2006-10-30", "message_id": "<t1@tay>"}}
    assert tay(dt.date(2006, 11, 1)) == {
        "org_id": "tay-care-partnership", "status": "accepted", "problems": [], "late": True, "escalated": False,
        "current": {"version": 2, "received": "2006-11-01", "message_id": "<t2@tay>"}}
