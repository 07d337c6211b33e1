"""`returns assign`: a person moves a submission to an organisation and the warehouse stays true.

Versions and "current" are recomputed for both organisations in one transaction, the
intake's reason is kept, every decision is in the audit log, and what cannot be done
is refused in words (with the register id when a name was typed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.app import app
from core.errors import RefusedChange, UnknownOrganisation
from core.settings import Settings
from pipeline.assign import assign_submission_to
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, report, run_plain, with_received
from warehouse import make_engine, session_scope
from warehouse.audit import audit_entries
from warehouse.models import ReturnVersion

Deliver = Callable[[bytes], None]


def fife_return(message_id: str, day: int, strength: str, sender: str = "cswo.office@fife.council.example") -> bytes:
    return with_received(
        MessageBuilder(sender=sender, message_id=message_id)
        .attach("return.docx", return_docx("Fife Council", [strength], "CSWO"), DOCX).build(),
        f"{day} Oct 2006 10:00:00 +0100")


def versions(settings: Settings) -> list[tuple[int, str | None, int | None, bool, int | None]]:
    """(submission, org, version, current, superseded_by as a submission) per return."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            rets = session.scalars(select(ReturnVersion).order_by(ReturnVersion.submission_id)).all()
            sub_of = {r.id: r.submission_id for r in rets}
            return [(r.submission_id, r.org_id, r.version, r.is_current,
                     sub_of.get(r.superseded_by) if r.superseded_by else None) for r in rets]
    finally:
        engine.dispose()


def audit(settings: Settings) -> list[tuple[Any, ...]]:
    """The people's decisions in the audit log (the intake's own entries - recorded,
    checked, acknowledged - are left out here)."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            return [(a.actor, a.action, a.submission_id, a.from_value, a.to_value, a.detail)
                    for a in audit_entries(session) if a.action.startswith("assign")]
    finally:
        engine.dispose()


@pytest.fixture
def three_fife_returns(maildir_settings: Settings, deliver: Deliver) -> Settings:
    """Fife's versions 1, 2, 3 (received 10, 12 and 14 October); the second was really Angus's."""
    deliver(fife_return("<v1@fife>", 10, "First."))
    deliver(fife_return("<v2@fife>", 12, "Second (really Angus's)."))
    deliver(fife_return("<v3@fife>", 14, "Third."))
    run_plain(maildir_settings)
    assert versions(maildir_settings) == [
        (1, "fife", 1, False, 2), (2, "fife", 2, False, 3), (3, "fife", 3, True, None)]
    return maildir_settings


def test_an_already_matched_submission_moves_with_its_return_and_both_organisations_recomputed(
        three_fife_returns: Settings) -> None:
    settings = three_fife_returns
    assert assign_submission_to(settings, 2, "angus", "J Hughes") == (
        "submission 2: 1 return(s) recorded for angus: version 1 (new)")
    assert versions(settings) == [
        (1, "fife", 1, False, 3), (2, "angus", 1, True, None), (3, "fife", 2, True, None)]  # fife closes up: v3 -> v2
    row = report(settings)[1]
    assert (row["org_id"], row["status"], row["assigned_by"], row["reason"]) == (
        "angus", "extracted", "J Hughes", "return.docx: return of fife (version 2)")  # the intake's reason, kept
    assert audit(settings) == [
        ("J Hughes", "assign_return", 2, "fife version 2", "angus version 1",
         "new; fife's current return is now version 2"),
        ("J Hughes", "assign_submission", 2, "fife", "angus",
         "status extracted; the reason recorded by the intake: return.docx: return of fife (version 2)"),
    ]


def test_moving_the_current_return_away_makes_the_previous_one_current_again(three_fife_returns: Settings) -> None:
    settings = three_fife_returns
    assign_submission_to(settings, 3, "angus", "J Hughes")
    assert versions(settings) == [(1, "fife", 1, False, 2), (2, "fife", 2, True, None), (3, "angus", 1, True, None)]
    assert audit(settings)[0][5] == "new; fife's current return is now version 2"


def test_a_return_older_than_the_new_organisations_current_one_is_kept_but_not_current(
        three_fife_returns: Settings, deliver: Deliver) -> None:
    settings = three_fife_returns
    deliver(with_received(MessageBuilder(sender="cswo.office@angus.council.example", message_id="<a1@angus>")
                          .attach("angus.docx", return_docx("Angus Council", ["Angus."], "CSWO"), DOCX).build(),
                          "13 Oct 2006 10:00:00 +0100"))
    run_plain(settings)
    assert assign_submission_to(settings, 1, "angus", "J Hughes") == (
        "submission 1: 1 return(s) recorded for angus: version 2 (older than current)")
    assert [v for v in versions(settings) if v[1] == "angus"] == [
        (1, "angus", 2, False, 4), (4, "angus", 1, True, None)]
    assert [v for v in versions(settings) if v[1] == "fife"] == [(2, "fife", 1, False, 3), (3, "fife", 2, True, None)]


def test_assigning_again_to_the_same_organisation_changes_nothing(three_fife_returns: Settings) -> None:
    settings = three_fife_returns
    assign_submission_to(settings, 2, "angus", "J Hughes")
    before = (versions(settings), audit(settings))
    assert assign_submission_to(settings, 2, "angus", "J Hughes") == (
        "submission 2: already recorded for angus; nothing changed")
    assert (versions(settings), audit(settings)) == before


def test_an_unmatched_submission_is_assigned_and_the_decision_audited(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="someone@mail.example", message_id="<who@x>")
            .attach("r.docx", return_docx("Kingdom Care Collective", ["A strength."], "Director",
                                          "Voluntary sector"), DOCX).build())
    run_plain(maildir_settings)
    assign_submission_to(maildir_settings, 1, "clyde-carers-alliance", "J Hughes")
    assert versions(maildir_settings) == [(1, "clyde-carers-alliance", 1, True, None)]
    assert [(a[1], a[3], a[4]) for a in audit(maildir_settings)] == [
        ("assign_return", "unmatched", "clyde-carers-alliance version 1"),
        ("assign_submission", "unmatched", "clyde-carers-alliance")]


def test_what_cannot_be_assigned_is_refused_in_words(maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(MessageBuilder(sender="cswo.office@fife.council.example", message_id="<letter@fife>")
            .text("Our return will follow next week.").build())
    deliver(fife_return("<v1@fife>", 10, "First."))
    run_plain(maildir_settings)
    with pytest.raises(RefusedChange) as no_return:
        assign_submission_to(maildir_settings, 1, "fife", "J Hughes")
    assert str(no_return.value) == (
        "submission 1 holds no return to assign (no_return: no attachment: the email has no return attached)")
    with pytest.raises(UnknownOrganisation) as unknown:
        assign_submission_to(maildir_settings, 2, "atlantis", "J Hughes")
    assert str(unknown.value) == '"atlantis" is not a register id (ids look like "fife" or "tay-care-partnership")'
    with pytest.raises(RefusedChange, match=r"say who is deciding \(--by NAME\)"):
        assign_submission_to(maildir_settings, 2, "angus", " ")
    assert audit(maildir_settings) == []


def test_a_repeat_points_to_the_submission_that_holds_the_return(
        maildir_settings: Settings, deliver: Deliver) -> None:
    doc = return_docx("Fife Council", ["Same."], "CSWO")
    for mid, day in (("<first@fife>", 10), ("<again@fife>", 16)):
        deliver(with_received(MessageBuilder(sender="cswo.office@fife.council.example", message_id=mid)
                              .attach("return.docx", doc, DOCX).build(), f"{day} Oct 2006 10:00:00 +0100"))
    run_plain(maildir_settings)
    with pytest.raises(RefusedChange) as repeat:
        assign_submission_to(maildir_settings, 2, "angus", "J Hughes")
    assert str(repeat.value) == (
        "submission 2 repeats submission 1, which holds its return: assign submission 1 instead")


def test_the_command_refuses_a_name_and_suggests_the_register_id(three_fife_returns: Settings) -> None:
    settings = three_fife_returns
    runner = CliRunner()
    args = ["assign", "2", "Angus Council", "--by", "J Hughes", "--home", str(settings.home)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert refused.stderr == ('assign: "Angus Council" is not a register id: did you mean angus? '
                              '(returns assign 2 angus --by "J Hughes")\n')
    done = runner.invoke(app, ["assign", "2", "angus", "--by", "J Hughes", "--home", str(settings.home)])
    assert (done.exit_code, done.stdout) == (0, "submission 2: 1 return(s) recorded for angus: version 1 (new)\n")
    missing_by = runner.invoke(app, ["assign", "2", "angus", "--home", str(settings.home)])
    assert missing_by.exit_code == 2  # --by is required: every decision has a name on it
