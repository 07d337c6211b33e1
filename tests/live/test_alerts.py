"""Alerts are Prefect automations on a real Prefect server, emailing the operator through
a real SMTP server (aiosmtpd): a failed run, a run that left work for a person, and an
intake that has gone quiet (an absence, fired by Prefect's proactive trigger)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.settings import Settings
from flows.alerts import PREFIX, apprise_url, install_alerts, remove_alerts
from flows.config import using
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, settings_for
from tests.mail_fixtures import SmtpCapture

pytestmark = [pytest.mark.live, pytest.mark.slow]
OPERATOR = "ops@policy-division.example"


def _wait_for(smtp: SmtpCapture, words: str, timeout_s: float = 90.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for m in smtp.messages:
            if m.rcpt_tos == [OPERATOR] and words in str(m.message["Subject"]):
                return str(m.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        time.sleep(0.5)
    seen = [str(m.message["Subject"]) for m in smtp.messages if m.rcpt_tos == [OPERATOR]]
    raise AssertionError(f"no alert with {words!r} within {timeout_s:.0f} s; alerts seen: {seen}")


def _automations() -> list[str]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return sorted(a.name for a in client.read_automations() if a.name.startswith(PREFIX))


def test_apprise_url_from_the_outbox_keeps_the_password_out_of_sight() -> None:
    base = Settings(home=Path("/tmp/x"), alert_to=OPERATOR, outbox_url="smtp+starttls://alerts@mail.example:587",
                    smtp_password="s3cret")
    assert apprise_url(base).startswith("mailtos://alerts:s3cret@mail.example:587?")
    assert "s3cret" not in repr(base)
    with pytest.raises(ConfigurationError, match="RETURNS_SMTP_PASSWORD"):  # not inside a remote URL
        apprise_url(base.model_copy(update={"outbox_url": "smtp://alerts:s3cret@mail.example:587"}))
    with pytest.raises(Exception, match="local Maildir"):
        apprise_url(Settings(home=Path("/tmp/x"), alert_to=OPERATOR))


def test_failed_runs_work_for_a_person_and_a_quiet_intake_each_email_the_operator(
        prefect_server: str, smtp_server: SmtpCapture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)
    settings = settings_for(tmp_path / "home").model_copy(update={
        "outbox_url": f"smtp://{smtp_server.host}:{smtp_server.port}", "alert_to": OPERATOR,
        "alert_quiet_hours": 20 / 3600})  # 20 seconds without a completed intake is "quiet" here
    try:
        install_alerts(settings)
        install_alerts(settings)  # again: replaced, not doubled
        assert _automations() == [f"{PREFIX}a run failed", f"{PREFIX}intake is quiet", f"{PREFIX}work for a person"]

        from flows.chase import chase_flow
        from flows.intake import intake_flow

        # A run that fails: the chase flow with a collection file that does not load.
        broken = settings.model_copy(update={"collection": str(tmp_path / "missing.toml")})
        with using(broken):
            state = chase_flow(return_state=True)
        assert state.is_failed()
        body = _wait_for(smtp_server, "Failed")
        assert "chase" in body and "missing.toml" in body

        # A run that leaves work for a person: a return from an organisation no one knows.
        box = settings.home / "mail" / "submissions"
        box.parent.mkdir(parents=True, exist_ok=True)
        import mailbox

        md = mailbox.Maildir(str(box), create=True)
        md.add(MessageBuilder(sender="someone@unknown.example", message_id="<who@alerts>")
               .attach("ours.docx", return_docx("Nobody We Know Trust", ["Something (R1)"]), DOCX).build())
        md.close()
        with using(settings):
            intake_flow()
        body = _wait_for(smtp_server, "intake")
        assert "needs a person: 1 unmatched submissions" in body

        # Then nothing: after 20 s with no completed intake, Prefect fires on the absence.
        assert "has completed in the last" in _wait_for(smtp_server, "no intake run has completed lately", 120.0)
    finally:
        remove_alerts()
    assert _automations() == []
