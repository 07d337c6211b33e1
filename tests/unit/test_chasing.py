"""Chasing rules (RETURN-FORM.md section 9) on the plain steps: who is due on a day and
what each email says. The whole season, against a real SMTP server and the chase flow,
is tests/live/test_chasing_season.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from core.settings import Settings
from pipeline.chasing import due, send_due
from pipeline.runtime import open_outbox, runtime
from schemas import load_collection
from schemas.collection import ChaseEvent, Chasing
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, run_plain, with_received


def test_the_collection_dates_its_events_and_nothing_is_due_after_closing() -> None:
    chasing = load_collection().chasing
    assert [(e.kind, e.date.isoformat()) for e in chasing.events] == [
        ("reminder", "2006-10-24"), ("chase", "2006-11-01"), ("chase", "2006-11-08"), ("chase", "2006-11-15"),
        ("chase", "2006-11-22"), ("chase", "2006-11-29")]
    late = Chasing(events=(ChaseEvent(kind="chase", date=dt.date(2006, 12, 6)),), closing=dt.date(2006, 11, 30))
    assert late.due_on(dt.date(2006, 12, 6)) == ()
    assert chasing.due_on(dt.date(2006, 11, 2)) == ()


def test_a_defective_return_is_chased_with_each_problem_in_words(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    raw = (MessageBuilder(sender="director@tay-care-partnership.org.example", subject="Return", message_id="<t@x>")
           .attach("tay.docx", return_docx("Tay Care Partnership Ltd", ["Carers' centre (R2)"],
                                           position="Head of Finance", org_type="Private sector"), DOCX).build())
    deliver(with_received(raw, "Mon, 23 Oct 2006 11:00:00 +0100"))
    run_plain(maildir_settings)
    rt = runtime(maildir_settings)
    assert due(rt, dt.date(2006, 10, 25)) == []  # no event that day
    reminders = {n.org_id: n for n in due(rt, dt.date(2006, 10, 24))}
    assert len(reminders) == 43 and "tay-care-partnership" not in reminders  # a return is in: not missing
    assert reminders["fife"].problems == ("missing",)
    assert reminders["fife"].to == "cswo.office@fife.council.example"
    fife_text = reminders["fife"].message.get_content()
    assert "Fife Council" in fife_text and "31 October 2006" in fife_text

    chases = {n.org_id: n for n in due(rt, dt.date(2006, 11, 1))}
    tay = chases["tay-care-partnership"]
    assert tay.problems == ("wrong_signatory",)
    text = tay.message.get_content()
    assert "received on 23 October 2006" in text and "Head of Finance" in text
    assert str(tay.message["Auto-Submitted"]) == "auto-generated"
    assert str(tay.message["Message-ID"]) == (
        "<chase.2006-11-01.tay-care-partnership.changing-lives-2006@policy-division.example>")


def test_the_same_event_run_again_sends_nothing(maildir_settings: Settings) -> None:
    run_plain(maildir_settings)
    rt, outbox = runtime(maildir_settings), open_outbox(maildir_settings)
    first = send_due(rt, outbox, dt.date(2006, 10, 24))
    again = send_due(rt, outbox, dt.date(2006, 10, 24))
    assert [s.outcome for s in first] == ["sent"] * 44
    assert [s.outcome for s in again] == ["already sent"] * 44
    assert len(outbox_messages(maildir_settings)) == 44
