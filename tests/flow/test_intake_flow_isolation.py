"""Under Prefect: a poison email is that email's outcome, never the flow run's failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from core.settings import Settings
from flows.config import using
from flows.intake import intake_flow
from tests.factories import poison
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, report
from warehouse import make_engine, session_scope
from warehouse.models import MailLedgerEntry

pytestmark = pytest.mark.flow


def test_the_flow_run_completes_when_emails_are_quarantined_and_no_sibling_is_left_processing(
        maildir_settings: Settings, deliver: Callable[[bytes], None], monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.fanout

    real = pipeline.fanout.extract_document

    def buggy(rt: Any, attachment: Any) -> Any:  # a bug only this file triggers
        if attachment.filename == "boom.docx":
            raise ZeroDivisionError("division by zero")
        return real(rt, attachment)

    monkeypatch.setattr(pipeline.fanout, "extract_document", buggy)
    deliver(poison.deep_mime("<deep@x>"))
    deliver(MessageBuilder(sender="cswo.office@fife.council.example", message_id="<boom@fife>")
            .attach("boom.docx", return_docx("Fife Council", ["Strength."], "CSWO"), DOCX).build())
    deliver(MessageBuilder(sender="cswo.office@angus.council.example", message_id="<good@angus>")
            .attach("angus.docx", return_docx("Angus Council", ["Strength."], "CSWO"), DOCX).build())

    with using(maildir_settings):
        state = intake_flow(return_state=True)
    assert state.is_completed()
    assert state.result() == {"emails": 3, "error": 1, "new": 2, "status extracted": 1, "status quarantined": 1,
                              "acknowledged": 2, "checked": 1}
    assert [(r["message_id"], r["status"]) for r in report(maildir_settings)] == [
        ("<deep@x>", "quarantined"), ("<boom@fife>", "quarantined"), ("<good@angus>", "extracted")]
    engine = make_engine(maildir_settings.database_url)
    with session_scope(engine) as session:
        statuses = session.scalars(select(MailLedgerEntry.status).order_by(MailLedgerEntry.id)).all()
    engine.dispose()
    assert statuses == ["quarantined", "quarantined", "processed"]
