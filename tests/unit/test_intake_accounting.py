"""Every email accounted for (RETURN-FORM.md section 7), on Maildir, SQLite and a Maildir outbox.

Re-deliveries, reused Message-IDs, repeats, automatic replies, strangers, refused
attachments and the received time: each kept, listed with a true reason, and answered
only when it should be.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from core.settings import Settings
from mail.mime import parse_message
from pipeline.record import received_time
from tests.factories import poison
from tests.factories.emails import MessageBuilder
from tests.factories.forms import freeform_docx, return_docx
from tests.intake_fixtures import DOCX, outbox_messages, report, run_plain, with_received
from warehouse import make_engine, session_scope
from warehouse.models import ReturnVersion, Submission

Deliver = Callable[[bytes], None]
UTC = dt.UTC


def rows(settings: Settings) -> list[tuple[Any, ...]]:
    return [(r["message_id"], r["status"], r["reason"]) for r in report(settings)]


def acks(settings: Settings) -> dict[str, tuple[str, str, str]]:
    """In-Reply-To -> (To, Subject, body with whitespace collapsed)."""
    return {str(m["In-Reply-To"]): (str(m["To"]), str(m["Subject"]), " ".join(m.get_content().split()))
            for m in outbox_messages(settings)}


def fife(message_id: str, doc: bytes, received: str = "Tue, 10 Oct 2006 09:00:00 +0100",
         sender: str = "cswo.office@fife.council.example", **attachments: bytes) -> bytes:
    builder = MessageBuilder(sender=sender, message_id=message_id).attach("fife.docx", doc, DOCX)
    for name, data in attachments.items():
        builder.attach(f"{name}.docx", data, DOCX)
    return with_received(builder.build(), received)


FIFE = return_docx("Fife Council", ["Integrated assessment (R1)."], "CSWO")


# -- one email, one submission ------------------------------------------------------------


def test_the_same_email_delivered_twice_is_one_submission_answered_once(
        maildir_settings: Settings, deliver: Deliver) -> None:
    raw = MessageBuilder(sender="cswo.office@fife.council.example", message_id="<same@fife>") \
        .attach("fife.docx", FIFE, DOCX).build()
    deliver(with_received(raw, "Tue, 10 Oct 2006 09:00:00 +0100", by="mx1.example"))
    deliver(with_received(raw, "Tue, 10 Oct 2006 09:05:00 +0100", by="mx2.example"))  # other trace headers
    assert [o.kind for o in run_plain(maildir_settings)] == ["new", "redelivery"]
    assert [(r["message_id"], r["status"]) for r in report(maildir_settings)] == [("<same@fife>", "extracted")]
    assert list(acks(maildir_settings)) == ["<same@fife>"]


def test_a_reused_message_id_with_other_content_is_a_new_submission_never_dropped(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(fife("<reused@mail.example>", FIFE))
    angus = return_docx("Angus Council", ["Angus strength."], "CSWO")
    deliver(with_received(MessageBuilder(sender="cswo.office@angus.council.example", message_id="<reused@mail.example>")
                          .attach("angus.docx", angus, DOCX).build(), "Wed, 11 Oct 2006 09:00:00 +0100"))
    assert [(o.kind, o.status) for o in run_plain(maildir_settings)] == [("new", "extracted"), ("new", "extracted")]
    assert [(r["submission_id"], r["org_id"], r["reason"], r["returns"]) for r in report(maildir_settings)] == [
        (1, "fife", "fife.docx: return of fife (version 1)", [{"version": 1, "current": True, "org_id": "fife"}]),
        (2, "angus", "this email reuses the Message-ID of submission 1 but its content is different: recorded as a "
                     "submission of its own; angus.docx: return of angus (version 1)",
         [{"version": 1, "current": True, "org_id": "angus"}]),
    ]
    assert sorted(str(m["To"]) for m in outbox_messages(maildir_settings)) == [
        "cswo.office@angus.council.example", "cswo.office@fife.council.example"]


def test_the_same_file_with_a_new_letter_is_a_repeat_answered_with_the_first_date(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(fife("<first@fife>", FIFE))
    run_plain(maildir_settings)
    letter = freeform_docx([("Fife Council", None), ("Dear Jane", None),
                            ("Did you get our email of 10 October? Our return is attached again.", None),
                            ("Yours sincerely", None)])
    deliver(fife("<again@fife>", FIFE, received="Mon, 16 Oct 2006 09:00:00 +0100", letter=letter))
    [outcome] = run_plain(maildir_settings)
    assert (outcome.status, outcome.repeat_of) == ("repeat", 1)
    [first, again] = report(maildir_settings)
    assert (again["status"], again["repeat_of"], again["org_id"], again["returns"]) == (
        "repeat", 1, "fife", [{"version": 1, "current": True, "org_id": "fife"}])
    assert again["reason"] == ("fife.docx: the same file(s) as submission 1, received on 10 October 2006: "
                               "already recorded, nothing new")
    assert first["returns"] == again["returns"]  # one return, not two
    body = acks(maildir_settings)["<again@fife>"][2]
    assert ("fife.docx: we already have this file, received on 10 October 2006 (our reference: submission 1); "
            "nothing more is needed.") in body
    assert "letter.docx: a covering letter, kept with your submission." in body


def test_a_file_recorded_from_a_later_email_first_counts_from_the_earlier_one(
        maildir_settings: Settings, deliver: Deliver) -> None:
    """Two workers may take the emails out of order: the return belongs to the email that
    was received first, whichever was recorded first, and the other is the repeat."""
    deliver(fife("<later@fife>", FIFE, received="Wed, 01 Nov 2006 09:00:00 +0000"))  # after the deadline
    run_plain(maildir_settings)
    deliver(fife("<earlier@fife>", FIFE, received="Mon, 30 Oct 2006 09:00:00 +0000"))
    run_plain(maildir_settings)
    by_id = {r["message_id"]: r for r in report(maildir_settings)}
    assert (by_id["<earlier@fife>"]["status"], by_id["<earlier@fife>"]["returns"]) == (
        "extracted", [{"version": 1, "current": True, "org_id": "fife"}])
    assert (by_id["<later@fife>"]["status"], by_id["<later@fife>"]["repeat_of"]) == ("repeat", 2)
    engine = make_engine(maildir_settings.database_url)
    with session_scope(engine) as session:
        [ret] = session.scalars(select(ReturnVersion)).all()
        assert (ret.submission_id, ret.received_at) == (2, dt.datetime(2006, 10, 30, 9, tzinfo=UTC))
    engine.dispose()


# -- who is answered ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "why"), [
    ("auto-submitted", "Auto-Submitted: auto-replied"),
    ("x-autoreply", "X-Autoreply: yes"),
    ("precedence", "Precedence: bulk"),
    ("null-return-path", "a null Return-Path (<>): sent by a mail system, not a person"),
    ("report", "a delivery or read report (multipart/report)"),
])
def test_automatic_replies_are_kept_and_never_answered(
        maildir_settings: Settings, deliver: Deliver, kind: str, why: str) -> None:
    deliver(poison.auto_reply("<auto@fife>", kind))  # from Fife's own register address
    [outcome] = run_plain(maildir_settings)
    assert rows(maildir_settings) == [
        ("<auto@fife>", "auto_reply", f"an automatic reply ({why}): kept, never answered")]
    assert (outcome.status, outcome.quarantine) == ("auto_reply", False)
    assert outbox_messages(maildir_settings) == []


def test_no_backscatter_a_stranger_without_a_return_is_kept_listed_and_never_answered(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(poison.spam("<spam@loans>"))
    deliver(MessageBuilder(sender="someone@gmail.com", message_id="<public@gmail>").text("Hello").build())
    run_plain(maildir_settings)
    assert rows(maildir_settings) == [
        ("<spam@loans>", "unknown_sender", "no attachment: the email has no return attached; not answered: "
                                           "loans@refinance.example is not on the register and the email holds "
                                           "no return"),
        ("<public@gmail>", "unknown_sender", "no attachment: the email has no return attached; not answered: "
                                             "someone@gmail.com is not on the register and the email holds no return"),
    ]
    engine = make_engine(maildir_settings.database_url)
    with session_scope(engine) as session:
        subject = session.scalars(select(Submission.subject).where(Submission.message_id == "<spam@loans>")).one()
    engine.dispose()
    assert subject == "Re: We will help you refinance your home"
    assert outbox_messages(maildir_settings) == []


def test_register_senders_and_anyone_who_sent_a_return_are_answered(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="director@tay-care-partnership.org.example", message_id="<contact@tay>")
            .text("Our return will follow.").build())  # the register's contact address
    deliver(MessageBuilder(sender="pa.to.cswo@fife.council.example", message_id="<domain@fife>")
            .text("Our return will follow.").build())  # an address at a register contact's domain
    deliver(MessageBuilder(sender="someone@mail.example", message_id="<stranger@return>")
            .attach("r.docx", return_docx("Kingdom Care Collective", ["A strength."], "Director",
                                          "Voluntary sector"), DOCX).build())  # a stranger, with a return
    run_plain(maildir_settings)
    assert [(m, s) for m, s, _ in rows(maildir_settings)] == [
        ("<contact@tay>", "no_return"), ("<domain@fife>", "no_return"), ("<stranger@return>", "unmatched")]
    assert sorted(to for to, _, _ in acks(maildir_settings).values()) == [
        "director@tay-care-partnership.org.example", "pa.to.cswo@fife.council.example", "someone@mail.example"]


@pytest.mark.parametrize(("raw_subject", "shown"), [
    ("=?utf-8?b?V2Ugd2lsbCBoZWxwIHlvdSByZWZpbmFuY2UgeW91ciBob21l?=", "We will help you refinance your home"),
    ("=?utf-8?q?Our_return?attached?=", "Our return?attached"),  # "?" inside Q text: malformed
    ("=?utf-8?b?PT91dGYtOD9iP1VtVjBkWEp1Pz0=?=", "Return"),  # encoded twice
    ("=?utf-8?b?Q29taGFpcmxl?= =?utf-8?b?IG5hbiBFaWxlYW4gU2lhcg?=", "Comhairle nan Eilean Siar"),  # no padding
])
def test_subjects_are_decoded_before_use_and_never_answered_raw(
        maildir_settings: Settings, deliver: Deliver, raw_subject: str, shown: str) -> None:
    built = MessageBuilder(sender="cswo.office@fife.council.example", message_id="<subject@fife>",
                           subject="SUBJECT").text("Our return will follow.").build()
    deliver(built.replace(b"Subject: SUBJECT", b"Subject: " + raw_subject.encode(), 1))  # bytes as sent
    run_plain(maildir_settings)
    [(_, subject, body)] = acks(maildir_settings).values()
    assert subject == f"Received: {shown}"
    assert "=?" not in subject and "=?" not in body
    assert body.startswith(f'Thank you for your email "{shown}".')


# -- refused attachments name the real problem --------------------------------------------

REFUSED = [
    (poison.zip_bomb, "the zip file returns.zip expands past the limit: its files would take 2861.0 MB unpacked, "
                      "over the 200.0 MB allowed for one email (a zip bomb?): not opened"),
    (poison.many_entries_zip, "the zip file files.zip holds 10,000 files, over the limit of 500 for one email: "
                              "not opened"),
    (poison.deep_forward, "forwarded 50 levels deep, over the limit of 5: the forwarded emails below forwarded:1/"
                          "forwarded:2/forwarded:3/forwarded:4/forwarded:5/forwarded:6 were not opened"),
]


@pytest.mark.parametrize(("build", "problem"), REFUSED)
def test_a_refused_attachment_is_named_not_called_no_attachment(
        maildir_settings: Settings, deliver: Deliver, build: Callable[..., bytes], problem: str) -> None:
    deliver(build("<refused@fife>", sender="cswo.office@fife.council.example"))
    [outcome] = run_plain(maildir_settings)
    assert rows(maildir_settings) == [("<refused@fife>", "quarantined", f"no return could be read; {problem}")]
    assert outcome.quarantine
    body = acks(maildir_settings)["<refused@fife>"][2]
    assert f"What we found: no return could be read; {problem}." in body
    assert "no attachment" not in body


def test_a_refused_attachment_from_a_stranger_is_quarantined_and_not_answered(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(poison.zip_bomb("<bomb@stranger>"))
    run_plain(maildir_settings)
    [(_, status, reason)] = rows(maildir_settings)
    assert status == "quarantined"
    assert reason.endswith("not answered: offers@stranger.example is not on the register and the email holds "
                           "no return")
    assert outbox_messages(maildir_settings) == []


# -- received time ------------------------------------------------------------------------


def test_received_is_the_topmost_received_header_and_the_date_header_is_kept_as_sent(
        maildir_settings: Settings, deliver: Deliver) -> None:
    raw = MessageBuilder(sender="cswo.office@fife.council.example", message_id="<when@fife>",
                         date="Mon, 30 Oct 2006 23:59:00 +0000").attach("fife.docx", FIFE, DOCX).build()
    raw = with_received(with_received(raw, "Tue, 31 Oct 2006 23:50:00 +0000", by="relay.fife.example"),
                        "Wed, 1 Nov 2006 00:10:00 +0000")  # our server's header is the topmost
    deliver(raw)
    run_plain(maildir_settings)
    assert times(maildir_settings) == [(dt.datetime(2006, 11, 1, 0, 10, tzinfo=UTC),
                                        dt.datetime(2006, 10, 30, 23, 59, tzinfo=UTC),
                                        dt.datetime(2006, 11, 1, 0, 10, tzinfo=UTC))]


def test_without_a_received_header_the_mailbox_arrival_time_counts(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="cswo.office@fife.council.example", message_id="<mtime@fife>",
                           date="Mon, 30 Oct 2006 12:00:00 +0000").attach("fife.docx", FIFE, DOCX).build())
    arrived = dt.datetime(2006, 10, 31, 8, 30, tzinfo=UTC)
    [path] = (maildir_settings.home / "mail" / "submissions" / "new").iterdir()
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))  # what Dovecot reports as INTERNALDATE
    run_plain(maildir_settings)
    assert times(maildir_settings) == [(arrived, dt.datetime(2006, 10, 30, 12, 0, tzinfo=UTC), arrived)]


def test_received_time_falls_back_to_the_internal_date_then_the_date_header() -> None:
    dated = MessageBuilder(date="Mon, 30 Oct 2006 12:00:00 +0000").build()
    internal = dt.datetime(2006, 10, 31, 8, 30, tzinfo=UTC)
    bad_received = b"Received: from x by y; not a date\r\n" + dated
    assert received_time(parse_message(bad_received), internal) == internal
    assert received_time(parse_message(dated), None) == dt.datetime(2006, 10, 30, 12, 0, tzinfo=UTC)


def times(settings: Settings) -> list[tuple[dt.datetime, dt.datetime | None, dt.datetime]]:
    """(submission received_at, sent_at, its return's received_at) per submission."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            return [(s.received_at, s.sent_at, r.received_at) for s, r in session.execute(
                select(Submission, ReturnVersion).join(ReturnVersion, ReturnVersion.submission_id == Submission.id))]
    finally:
        engine.dispose()
