"""No email can stop the intake: a failure belongs to one email (Maildir, SQLite, Maildir outbox).

Each poison email is followed by a good return; the good ones are recorded and
answered, the poison ones kept with a true reason, and a second run changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import mailbox as stdlib_mailbox
import socket
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from core.settings import Settings
from extractors.limits import Limits
from pipeline.receive import receive
from pipeline.runtime import Runtime, open_mailbox, prepare, runtime
from tests.factories import poison
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, report, run_plain, with_received
from warehouse import make_engine, session_scope
from warehouse.models import MailLedgerEntry

Deliver = Callable[[bytes], None]
NAMES = {"falkirk": "Falkirk Council", "stirling": "Stirling Council", "orkney": "Orkney Islands Council",
         "angus": "Angus Council", "moray": "The Moray Council"}


def good(org: str, day: int = 20) -> bytes:
    """A good return from the organisation's own address, received on October `day`."""
    return with_received(
        MessageBuilder(sender=f"cswo.office@{org}.council.example", message_id=f"<{org}@good>")
        .attach(f"{org}.docx", return_docx(NAMES[org], [f"{NAMES[org]} strength."], "CSWO"), DOCX).build(),
        f"{day} Oct 2006 10:00:00 +0100")


def folders(settings: Settings) -> dict[str, int]:
    box = stdlib_mailbox.Maildir(str(settings.home / "mail" / "submissions"), create=False)
    found = {"INBOX": len(box.keys())}
    for name in ("Processed", "Quarantine"):
        found[name] = len(box.get_folder(name).keys()) if name in box.list_folders() else 0
    return found


def ledger(settings: Settings) -> list[tuple[str, int, str | None]]:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            rows = session.scalars(select(MailLedgerEntry).order_by(MailLedgerEntry.id)).all()
            return [(r.status, r.attempts, r.error) for r in rows]
    finally:
        engine.dispose()


def by_message(settings: Settings) -> dict[str | None, tuple[Any, ...]]:
    return {str(r["message_id"]): (r["status"], r["reason"]) for r in report(settings)}


def acked(settings: Settings) -> list[str]:
    return sorted(str(m["To"]) for m in outbox_messages(settings))


def test_each_poison_email_is_kept_with_its_reason_and_the_good_return_after_it_is_recorded(
        maildir_settings: Settings, deliver: Deliver) -> None:
    for raw in (poison.deep_mime("<deep@x>"), good("falkirk"),
                poison.eight_bit_from("<8bit@x>"), good("stirling"),
                poison.surrogate_headers("<sur@x>"), good("orkney")):
        deliver(raw)
    outcomes = run_plain(maildir_settings)
    assert [(o.kind, o.status) for o in outcomes] == [
        ("new", "quarantined"), ("new", "extracted"), ("new", "unknown_sender"), ("new", "extracted"),
        ("new", "unknown_sender"), ("new", "extracted")]
    rows = by_message(maildir_settings)
    assert rows["<deep@x>"] == ("quarantined", (
        "no return could be read; the email's MIME parts are nested too deeply to be read (about 3,000 levels): "
        "nothing in it was opened; not answered: offers@stranger.example is not on the register and the email "
        "holds no return"))
    assert rows["<8bit@x>"] == ("unknown_sender", (
        "no attachment: the email has no return attached; not answered: jérôme@stranger.example is not on the "
        "register and the email holds no return"))
    assert rows["<sur@xé>"] == ("unknown_sender", (
        "no self assessment return among the attachments: list\ufffd\ufffd.txt (list\ufffd\ufffd.txt: "
        "a file of unknown type is not a format returns are read from); not answered: caféÿ@stranger.example "
        "is not on the "
        "register and the email holds no return"))
    assert [rows[f"<{org}@good>"][0] for org in ("falkirk", "stirling", "orkney")] == ["extracted"] * 3
    assert acked(maildir_settings) == ["cswo.office@falkirk.council.example", "cswo.office@orkney.council.example",
                                       "cswo.office@stirling.council.example"]
    assert folders(maildir_settings) == {"INBOX": 0, "Processed": 3, "Quarantine": 3}
    assert {status for status, _, _ in ledger(maildir_settings)} == {"processed", "quarantined"}

    before = report(maildir_settings)
    assert run_plain(maildir_settings) == []
    assert report(maildir_settings) == before
    assert len(outbox_messages(maildir_settings)) == 3


def _slow_converter(settings: Settings) -> Runtime:
    """The runtime with a conversion time limit no LibreOffice can meet: a real
    ConversionTimeout (transient) for any .rtf attachment."""
    return dataclasses.replace(runtime(settings), limits=Limits(convert_timeout_s=0.01))


def rtf_email() -> bytes:
    return (MessageBuilder(sender="cswo.office@fife.council.example", message_id="<rtf@fife>")
            .attach("fife-return.rtf", poison.minimal_rtf(), "application/rtf").build())


def test_a_transient_failure_is_tried_again_on_later_runs_then_quarantined_with_its_reason(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(rtf_email())
    deliver(good("angus"))
    prepare(maildir_settings)
    rt = _slow_converter(maildir_settings)
    timeout = "LibreOffice did not convert this .rtf file within 0.01 s"

    first = run_plain(maildir_settings, rt)
    assert [(o.kind, o.status) for o in first] == [("failed", "failed"), ("new", "extracted")]
    assert ledger(maildir_settings) == [
        ("failed", 1, f"attempt 1 of 3 failed: {timeout}; it is tried again on the next run"),
        ("processed", 1, None)]
    assert by_message(maildir_settings)["<rtf@fife>"] == (
        "received", f"attempt 1 of 3 failed: {timeout}; it is tried again on the next run")
    assert folders(maildir_settings) == {"INBOX": 1, "Processed": 1, "Quarantine": 0}
    assert acked(maildir_settings) == ["cswo.office@angus.council.example"]

    second = run_plain(maildir_settings, rt)
    assert [(o.kind, o.reason) for o in second] == [
        ("failed", f"attempt 2 of 3 failed: {timeout}; it is tried again on the next run")]

    third = run_plain(maildir_settings, rt)
    assert [(o.kind, o.status) for o in third] == [("error", "quarantined")]
    assert by_message(maildir_settings)["<rtf@fife>"] == ("quarantined", f"gave up after 3 attempts: {timeout}")
    assert ledger(maildir_settings)[0] == ("quarantined", 3, f"gave up after 3 attempts: {timeout}")
    assert folders(maildir_settings) == {"INBOX": 0, "Processed": 1, "Quarantine": 1}
    [ack] = [m for m in outbox_messages(maildir_settings) if str(m["In-Reply-To"]) == "<rtf@fife>"]
    assert "We could not process your email automatically." in ack.get_content()
    assert "LibreOffice" not in ack.get_content()

    assert run_plain(maildir_settings, rt) == []


@pytest.mark.slow
def test_a_transient_failure_that_clears_is_recorded_on_the_next_run(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(rtf_email())
    prepare(maildir_settings)
    assert [o.kind for o in run_plain(maildir_settings, _slow_converter(maildir_settings))] == ["failed"]
    [outcome] = run_plain(maildir_settings)  # LibreOffice has its normal time now
    assert (outcome.kind, outcome.status) == ("new", "no_return")  # read: a file, but not a return
    assert [(status, attempts) for status, attempts, _ in ledger(maildir_settings)] == [("quarantined", 2)]


def test_an_unexpected_error_quarantines_that_email_at_once_with_the_traceback_in_the_log_only(
        maildir_settings: Settings, deliver: Deliver, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import pipeline.fanout

    real = pipeline.fanout.extract_document

    def buggy(rt: Runtime, attachment: Any) -> Any:  # a bug that only this file triggers
        if attachment.filename == "boom.docx":
            raise KeyError("sections")
        return real(rt, attachment)

    monkeypatch.setattr(pipeline.fanout, "extract_document", buggy)
    deliver(MessageBuilder(sender="cswo.office@fife.council.example", message_id="<boom@fife>")
            .attach("boom.docx", return_docx("Fife Council", ["Strength."], "CSWO"), DOCX).build())
    deliver(good("moray"))
    with caplog.at_level(logging.ERROR, logger="pipeline.failures"):
        outcomes = run_plain(maildir_settings)
    assert [(o.kind, o.status) for o in outcomes] == [("error", "quarantined"), ("new", "extracted")]
    reason = "could not be processed: KeyError: 'sections'; the email is kept for a person to look at"
    assert by_message(maildir_settings)["<boom@fife>"] == ("quarantined", reason)
    assert ledger(maildir_settings) == [("quarantined", 1, reason), ("processed", 1, None)]
    assert "Traceback" in caplog.text and "KeyError: 'sections'" in caplog.text
    [ack] = [m for m in outbox_messages(maildir_settings) if str(m["In-Reply-To"]) == "<boom@fife>"]
    assert "Traceback" not in ack.get_content() and "KeyError" not in ack.get_content()
    assert folders(maildir_settings) == {"INBOX": 0, "Processed": 1, "Quarantine": 1}


def test_an_email_that_kills_the_worker_every_time_is_quarantined_after_the_last_attempt(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="cswo.office@fife.council.example", message_id="<killer@fife>")
            .attach("fife.docx", return_docx("Fife Council", ["Strength."], "CSWO"), DOCX).build())
    prepare(maildir_settings)
    rt = runtime(maildir_settings)
    with open_mailbox(maildir_settings) as box:
        [ref] = [receive(rt, msg) for msg in box.fetch_new()]
    dead = f"{socket.gethostname()}:{2**22 + 12345}"  # no such process: the worker was killed
    with session_scope(rt.engine) as session:  # as three killed workers would have left it
        session.execute(update(MailLedgerEntry).values(status="processing", attempts=3, claimed_by=dead,
                                                       claimed_at=dt.datetime.now(dt.UTC)))
    [outcome] = run_plain(maildir_settings)
    assert (outcome.kind, outcome.status, outcome.reason) == (
        "error", "quarantined",
        "could not be processed: the intake stopped 3 times while processing this email; "
        "the email is kept for a person to look at")
    assert ledger(maildir_settings)[0][:2] == ("quarantined", 4)
    assert folders(maildir_settings)["Quarantine"] == 1
    assert ref.uid == outcome.ref.uid
