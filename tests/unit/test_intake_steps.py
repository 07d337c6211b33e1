"""The intake steps on the embedded defaults (Maildir, SQLite, Maildir outbox)."""

from __future__ import annotations

import mailbox as stdlib_mailbox
from collections.abc import Callable
from pathlib import Path

from core.settings import Settings
from pipeline.assign import assign_submission_to
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, report, run_plain, with_received

Deliver = Callable[[bytes], None]


def folder_count(settings: Settings, folder: str) -> int:
    root = settings.home / "mail" / "submissions"
    box = stdlib_mailbox.Maildir(str(root), create=False)
    sub = box if folder == "INBOX" else box.get_folder(folder)
    return len(sub.keys())


def fife_email(message_id: str, strengths: list[str], sender: str = "cswo@fife.council.example",
               received: str = "Fri, 20 Oct 2006 10:16:00 +0100") -> bytes:
    return with_received(
        MessageBuilder(sender=sender, message_id=message_id)
        .text("Our return is attached.")
        .attach("fife-return.docx", return_docx("Fife Council", strengths, "Chief Social Work Officer"), DOCX)
        .build(), received)


def test_a_return_is_stored_extracted_recorded_acknowledged_and_moved(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(fife_email("<r1@fife>", ["Integrated assessment is routine (R1)."]))
    outcomes = run_plain(maildir_settings)
    assert [(o.kind, o.status) for o in outcomes] == [("new", "extracted")]
    assert report(maildir_settings) == [{
        "submission_id": 1, "message_id": "<r1@fife>", "sender": "cswo@fife.council.example", "org_id": "fife",
        "status": "extracted",
        "reason": "fife-return.docx: return of fife (version 1)", "received_at": "2006-10-20T09:16:00+00:00",
        "repeat_of": None, "assigned_by": None,
        "returns": [{"version": 1, "current": True, "org_id": "fife"}],
    }]
    acks = outbox_messages(maildir_settings)
    assert [str(m["To"]) for m in acks] == ["cswo@fife.council.example"]
    assert "fife-return.docx: your self assessment return, recorded for Fife Council." in acks[0].get_content()
    assert (folder_count(maildir_settings, "INBOX"), folder_count(maildir_settings, "Processed")) == (0, 1)
    raw_blobs = list((maildir_settings.blobs).rglob("*"))
    assert sum(p.is_file() for p in raw_blobs) == 2  # the raw email and its attachment


def test_rerunning_changes_nothing(maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(fife_email("<r1@fife>", ["Integrated assessment is routine (R1)."]))
    run_plain(maildir_settings)
    before = report(maildir_settings)
    assert run_plain(maildir_settings) == []
    assert report(maildir_settings) == before
    assert len(outbox_messages(maildir_settings)) == 1


def test_the_same_email_delivered_twice_is_one_submission(maildir_settings: Settings, deliver: Deliver) -> None:
    raw = fife_email("<same@fife>", ["Integrated assessment is routine (R1)."])
    deliver(raw)
    deliver(raw.replace(b"Subject:", b"X-Redelivered: yes\r\nSubject:", 1))
    outcomes = run_plain(maildir_settings)
    assert sorted(o.kind for o in outcomes) == ["new", "redelivery"]
    assert [r["submission_id"] for r in report(maildir_settings)] == [1]
    assert len(outbox_messages(maildir_settings)) == 1
    assert folder_count(maildir_settings, "Processed") == 2


def test_the_same_file_in_a_new_email_is_its_own_submission_recorded_as_a_repeat(
        maildir_settings: Settings, deliver: Deliver) -> None:
    doc = return_docx("Fife Council", ["Integrated assessment is routine (R1)."], "Chief Social Work Officer")
    for mid, when in (("<first@fife>", "Tue, 10 Oct 2006 09:00:00 +0100"),
                      ("<second@fife>", "Mon, 16 Oct 2006 09:00:00 +0100")):
        deliver(with_received(MessageBuilder(sender="cswo@fife.council.example", message_id=mid)
                              .attach("return.docx", doc, DOCX).build(), when))
    outcomes = run_plain(maildir_settings)
    assert [(o.kind, o.status) for o in outcomes] == [("new", "extracted"), ("new", "repeat")]
    assert [(r["message_id"], r["status"], r["repeat_of"], r["returns"]) for r in report(maildir_settings)] == [
        ("<first@fife>", "extracted", None, [{"version": 1, "current": True, "org_id": "fife"}]),
        ("<second@fife>", "repeat", 1, [{"version": 1, "current": True, "org_id": "fife"}]),
    ]
    acks = {str(m["In-Reply-To"]): " ".join(m.get_content().split()) for m in outbox_messages(maildir_settings)}
    assert sorted(acks) == ["<first@fife>", "<second@fife>"]
    assert "return.docx: your self assessment return, recorded for Fife Council." in acks["<first@fife>"]
    assert ("return.docx: we already have this file, received on 10 October 2006 (our reference: submission 1); "
            "nothing more is needed.") in acks["<second@fife>"]


def test_a_corrected_return_supersedes_the_earlier_and_both_are_kept(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(fife_email("<v1@fife>", ["First version of our strengths."]))
    run_plain(maildir_settings)
    deliver(fife_email("<v2@fife>", ["Corrected version of our strengths."]))
    run_plain(maildir_settings)
    assert [(r["message_id"], r["returns"]) for r in report(maildir_settings)] == [
        ("<v1@fife>", [{"version": 1, "current": False, "org_id": "fife"}]),
        ("<v2@fife>", [{"version": 2, "current": True, "org_id": "fife"}]),
    ]


def test_an_email_with_no_attachment_is_kept_quarantined_with_a_reason(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="cswo@fife.council.example", message_id="<body@fife>").text(
        "Strengths: good joint working.\nPriorities for change: recruitment.").build())
    run_plain(maildir_settings)
    [row] = report(maildir_settings)
    assert (row["status"], row["reason"]) == (
        "no_return", "no attachment: the return seems to be pasted into the email body; please attach the form")
    assert folder_count(maildir_settings, "Quarantine") == 1
    [ack] = outbox_messages(maildir_settings)
    assert "please attach the form instead" in ack.get_content()


def test_a_covering_letter_beside_the_return_is_kept_not_taken_for_it(
        maildir_settings: Settings, deliver: Deliver) -> None:
    from tests.factories.forms import freeform_docx

    letter = freeform_docx([("Fife Council", None), ("Dear Jane", None),
                            ("Please find attached our self assessment return.", None),
                            ("Yours sincerely", None), ("Margaret Kennedy", None)])
    deliver(MessageBuilder(sender="cswo@fife.council.example", message_id="<pair@fife>")
            .attach("covering letter.docx", letter, DOCX)
            .attach("return.docx", return_docx("Fife Council", ["Joint working."], "CSWO"), DOCX).build())
    [outcome] = run_plain(maildir_settings)
    assert [(d.filename, d.role) for d in outcome.documents] == [
        ("covering letter.docx", "covering_letter"), ("return.docx", "return")]
    assert outcome.status == "extracted"


def test_an_unreadable_attachment_is_quarantined_with_its_reason(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(message_id="<bad@fife>").attach("return.pdf", b"%PDF-1.4 truncated", "application/pdf")
            .build())
    [outcome] = run_plain(maildir_settings)
    assert outcome.status == "quarantined"
    assert outcome.reason is not None and outcome.reason.startswith("no return could be read; return.pdf: return.pdf:")
    assert folder_count(maildir_settings, "Quarantine") == 1


def test_two_organisations_returns_in_one_email_are_each_recorded(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="office@partnership.example", message_id="<two@x>")
            .attach("fife.docx", return_docx("Fife Council", ["Fife strength."], "CSWO"), DOCX)
            .attach("angus.docx", return_docx("Angus Council", ["Angus strength."], "CSWO"), DOCX).build())
    run_plain(maildir_settings)
    [row] = report(maildir_settings)
    assert (row["org_id"], row["status"]) == (None, "extracted")
    assert row["returns"] == [{"version": 1, "current": True, "org_id": "angus"},
                              {"version": 1, "current": True, "org_id": "fife"}]


def test_an_unknown_name_is_held_unmatched_until_a_person_assigns_it(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="someone@mail.example", message_id="<who@x>")
            .attach("r.docx", return_docx("Kingdom Care Collective", ["A strength."], "Director",
                                          "Voluntary sector"), DOCX).build())
    run_plain(maildir_settings)
    [row] = report(maildir_settings)
    assert (row["status"], row["returns"]) == ("unmatched", [{"version": None, "current": False, "org_id": None}])
    assert row["reason"] == (
        'organisation not certain - r.docx: the name "Kingdom Care Collective" is not on the register')
    assert assign_submission_to(maildir_settings, 1, "clyde-carers-alliance", "J Hughes").startswith(
        "submission 1: 1 return(s) recorded for clyde-carers-alliance")
    [row] = report(maildir_settings)
    assert (row["status"], row["org_id"], row["returns"], row["assigned_by"]) == (
        "extracted", "clyde-carers-alliance", [{"version": 1, "current": True, "org_id": "clyde-carers-alliance"}],
        "J Hughes")
    assert row["reason"] == (  # the intake's reason is kept; the decision is in the audit log
        'organisation not certain - r.docx: the name "Kingdom Care Collective" is not on the register')


def test_name_and_sender_disagreeing_is_never_guessed(maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(fife_email("<conflict@x>", ["A strength."], sender="cswo.office@angus.council.example"))
    run_plain(maildir_settings)
    [row] = report(maildir_settings)
    assert row["status"] == "unmatched"
    assert "but the sender cswo.office@angus.council.example is from Angus Council" in str(row["reason"])


def test_returns_in_a_zip_and_in_a_forwarded_email_are_found(maildir_settings: Settings, deliver: Deliver) -> None:
    inner = (MessageBuilder(sender="cswo@fife.council.example", message_id="<inner@fife>")
             .attach("fife.docx", return_docx("Fife Council", ["Forwarded strength."], "CSWO"), DOCX))
    deliver(MessageBuilder(sender="pa@partnership.example", message_id="<fwd@fife>")
            .text("Forwarding the return.").forward(inner)
            .attach_zip("returns.zip", {"angus/return.docx": return_docx("Angus Council", ["Zipped."], "CSWO")})
            .build())
    [outcome] = run_plain(maildir_settings)
    assert sorted((d.filename, d.org_id) for d in outcome.documents) == [
        ("fife.docx", "fife"), ("return.docx", "angus")]


def test_processed_and_quarantine_folders_are_configurable(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", processed_folder="Done", quarantine_folder="Held")
    root = settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True)
    box = stdlib_mailbox.Maildir(str(root), create=True)
    box.add(MessageBuilder(message_id="<plain@x>").text("Hello").build())
    box.add(fife_email("<ok@fife>", ["A strength."]))
    box.close()
    run_plain(settings)
    counts = [folder_count(settings, f) for f in ("Done", "Held", "INBOX")]
    assert counts == [1, 1, 0]
