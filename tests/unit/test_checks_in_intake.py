"""Checks in the intake (RETURN-FORM.md sections 5-7): run for each batch, stored per
return version, told to the sender, rerun on assignment and on demand; overrides."""

from __future__ import annotations

import datetime as dt
import mailbox
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import RefusedChange
from core.settings import Settings
from pipeline.checking import accept, check_pending, statuses
from pipeline.runtime import runtime
from tests.factories.emails import MessageBuilder
from tests.factories.forms import FormFiller
from tests.intake_fixtures import DOCX, outbox_messages, run_plain, settings_for, with_received
from warehouse.db import session_scope
from warehouse.models import AuditEntry, CheckResultRow, Item


def fife_return(position: str = "Chief Social Work Officer", criminal_justice: bool = True) -> bytes:
    form = (FormFiller()
            .part_a("Fife Council", "Local authority", "☒ Children and families ☒ Community care ☒ Criminal justice",
                    "A Person", "a.person@fife.example", "01592 000000")
            .strengths("children_families", ["Kinship care team (R2)"])
            .priorities("community_care", ["Reduce waiting times (R3)"]))
    if criminal_justice:
        form = form.strengths("criminal_justice", ["Unpaid work schemes (R4)"])
    return form.sign("J. Smith", "J. Smith", position, "20/10/2006").bytes()


def delivered(deliver: Callable[[bytes], None], data: bytes, mid: str, received: str) -> None:
    raw = (MessageBuilder(sender="returns@fife.example", subject="Fife return", message_id=mid,
                          date="Mon, 16 Oct 2006 09:00:00 +0100")
           .attach("fife.docx", data, DOCX).build())
    deliver(with_received(raw, received))


def test_each_batch_is_checked_every_failure_stored_and_told_to_the_sender(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    delivered(deliver, fife_return(position="Head of Finance", criminal_justice=False), "<f1@fife>",
              "Tue, 24 Oct 2006 10:00:00 +0100")
    run_plain(maildir_settings)
    rt = runtime(maildir_settings)
    with session_scope(rt.engine) as session:
        failed = sorted(session.scalars(select(CheckResultRow.check_name).where(CheckResultRow.outcome == "failed")))
        items = session.scalars(select(Item.text).order_by(Item.id)).all()
    assert failed == ["right_signatory", "sections_complete"]
    assert items == ["Kinship care team (R2)", "Reduce waiting times (R3)"]
    [ack] = outbox_messages(maildir_settings)
    body = ack.get_content()
    assert "It cannot be accepted yet:" in body
    assert ("Section 3, Criminal justice, has no strengths or priorities, but your organisation provides criminal "
            "justice services.") in " ".join(body.split())
    assert "The return is signed by the Head of Finance; it must be signed off by your Chief Social Work Officer." \
        in " ".join(body.split())
    fife = {s.org_id: s for s in statuses(rt, dt.date(2006, 10, 24))}["fife"]
    assert (fife.status, fife.problems, fife.late) == ("incomplete", ("incomplete", "wrong_signatory"), False)


def test_an_accepted_late_return_is_told_so_and_checking_twice_changes_nothing(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    delivered(deliver, fife_return(), "<f2@fife>", "Wed, 01 Nov 2006 09:30:00 +0000")
    run_plain(maildir_settings)
    [ack] = outbox_messages(maildir_settings)
    assert ("It is complete and properly signed off: your return is accepted. It arrived after the deadline of "
            "31 October 2006, so it is marked late.") in " ".join(ack.get_content().split())
    rt = runtime(maildir_settings)
    assert check_pending(rt).checked == 0  # nothing pending
    again = check_pending(rt, force=True)
    assert (again.checked, again.changed) == (1, 0)
    fife = {s.org_id: s.as_json(rt.collection) for s in statuses(rt, dt.date(2006, 11, 1))}["fife"]
    assert fife == {"org_id": "fife", "status": "accepted", "problems": [], "late": True, "escalated": False,
                    "current": {"version": 1, "received": "2006-11-01", "message_id": "<f2@fife>"}}


def test_an_override_accepts_with_who_and_why_and_can_be_withdrawn(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    delivered(deliver, fife_return(position="Head of Finance"), "<f3@fife>", "Tue, 24 Oct 2006 10:00:00 +0100")
    run_plain(maildir_settings)
    rt = runtime(maildir_settings)
    today = dt.date.today()
    assert {s.org_id: s.status for s in statuses(rt, today)}["fife"] == "wrong_signatory"
    with pytest.raises(RefusedChange, match="nothing to withdraw"):
        accept(rt, 1, by="J Hughes", reason="x", withdraw=True)
    said = accept(rt, 1, by="J Hughes", reason="the CSWO was on leave; the deputy signed")
    assert said == ("return 1 (fife v1): accepted despite its checks, by J Hughes: "
                    "the CSWO was on leave; the deputy signed")
    fife = {s.org_id: s for s in statuses(rt, today)}["fife"]
    assert (fife.status, fife.override and fife.override.by) == ("accepted", "J Hughes")
    accept(rt, 1, by="J Hughes", reason="deputy not authorised", withdraw=True)
    assert {s.org_id: s.status for s in statuses(rt, today)}["fife"] == "wrong_signatory"
    with session_scope(rt.engine) as session:
        actions = [(a.action, a.to_value) for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                   if a.action == "overridden"]
    assert actions == [("overridden", "accepted"), ("overridden", "checks")]


def test_great_expectations_runs_the_intakes_checks_and_builds_data_docs(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, check_engine="gx")
    root = settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    box.add(with_received(MessageBuilder(sender="returns@fife.example", subject="Fife return", message_id="<g1@fife>")
                          .attach("fife.docx", fife_return(criminal_justice=False), DOCX).build(),
                          "Wed, 01 Nov 2006 09:30:00 +0000"))
    box.close()
    run_plain(settings)
    rt = runtime(settings)
    with session_scope(rt.engine) as session:
        failed = sorted(session.scalars(select(CheckResultRow.check_name).where(CheckResultRow.outcome == "failed")))
    assert failed == ["on_time", "sections_complete"]
    assert sorted(p.name for p in (tmp_path / "gx").rglob("index.html"))[:1] == ["index.html"]
