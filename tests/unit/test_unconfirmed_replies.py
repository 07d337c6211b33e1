"""A reply that may or may not have gone (pending long after its claim) is shown to a
person on the status board, and never sent again by the intake."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import select, update
from typer.testing import CliRunner

from cli.app import app
from core.settings import Settings
from pipeline.board import board_markdown, unconfirmed, waiting_for_a_person
from pipeline.checking import statuses
from pipeline.runtime import runtime
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, run_plain
from warehouse import session_scope
from warehouse.models import AuditEntry, OutboxMessage


def test_a_reply_left_pending_is_listed_for_a_person_and_not_sent_again(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    raw = (MessageBuilder(sender="cswo.office@fife.council.example", message_id="<fife@x>")
           .attach("fife.docx", return_docx("Fife Council", ["Strength."], "CSWO"), DOCX).build())
    deliver(raw)
    run_plain(maildir_settings)
    assert len(outbox_messages(maildir_settings)) == 1
    rt = runtime(maildir_settings)
    assert unconfirmed(rt) == []
    with session_scope(rt.engine) as session:  # as a run killed between handing it over and marking it sent
        session.execute(update(OutboxMessage).values(status="pending", sent_at=None,
                                                     updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    [row] = unconfirmed(rt)
    assert (row["what"], row["org_id"], row["why"]) == ("acknowledgement of submission 1", "fife",
                                                        "the run stopped while sending it")
    day = dt.date(2006, 11, 1)
    board = board_markdown(statuses(rt, day), waiting_for_a_person(rt), rt.collection, day, [row])
    assert "## Replies not confirmed (1)" in board and "| acknowledgement of submission 1 | fife |" in board
    assert "returns replies --confirm ack:1 --by NAME" in board
    deliver(raw)
    run_plain(maildir_settings)  # the same email delivered again: nothing more is sent
    assert len(outbox_messages(maildir_settings)) == 1


def test_a_person_confirms_an_unconfirmed_reply_and_the_board_stops_listing_it(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    deliver(MessageBuilder(sender="cswo.office@fife.council.example", message_id="<fife@x>")
            .attach("fife.docx", return_docx("Fife Council", ["Strength."], "CSWO"), DOCX).build())
    run_plain(maildir_settings)
    rt = runtime(maildir_settings)
    with session_scope(rt.engine) as session:
        session.execute(update(OutboxMessage).values(status="pending", sent_at=None))
    home = ["--home", str(maildir_settings.home)]
    listed = CliRunner().invoke(app, ["replies", "--format", "json", *home])
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["ref"] for line in listed.output.splitlines()] == ["ack:1"]
    refused = CliRunner().invoke(app, ["replies", "--confirm", "ack:1", *home])
    assert refused.exit_code == 1 and "--by NAME" in refused.output
    done = CliRunner().invoke(app, ["replies", "--confirm", "ack:1", "--by", "J Smith", "--note", "arrived", *home])
    assert done.exit_code == 0 and "acknowledgement of submission 1 marked sent" in done.output
    again = CliRunner().invoke(app, ["replies", "--confirm", "ack:1", "--by", "J Smith", *home])
    assert again.exit_code == 1 and "is sent, not waiting to be confirmed" in again.output
    assert unconfirmed(rt, grace=dt.timedelta(0)) == []
    with session_scope(rt.engine) as session:
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "reply_confirmed")).all()
        assert (entry.actor, entry.detail) == ("J Smith", "acknowledgement of submission 1: arrived")
