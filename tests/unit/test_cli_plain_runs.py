"""Commands with no Prefect server to report to run the flows' steps plainly (flows.mode):
the same warehouse, outbox and output, without starting a temporary server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.common import reports_to_a_dashboard
from core.settings import Settings
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, report, with_received

RUNNER = CliRunner()


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server to report to (whatever this test process's Prefect holds), and any
    attempt to run a flow under Prefect fails the test."""
    import cli.app
    import cli.chasing
    import flows.chase
    import flows.intake

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a flow ran under Prefect with no server to report to")

    for module in (cli.app, cli.chasing):
        monkeypatch.setattr(module, "reports_to_a_dashboard", lambda home: False)
    monkeypatch.setattr(flows.intake, "intake_flow", refuse)
    monkeypatch.setattr(flows.chase, "chase_flow", refuse)


def test_intake_and_chase_without_a_server_run_the_same_steps_plainly(
        maildir_settings: Settings, deliver: Callable[[bytes], None], no_server: None) -> None:
    raw = (MessageBuilder(sender="director@forth-valley-advocacy.org.example", message_id="<p@x>")
           .attach("fv.docx", return_docx("Forth Valley Advocacy Network", ["Carers' centre (R2)"],
                                          position="Director", org_type="Voluntary sector"), DOCX).build())
    deliver(with_received(raw, "Fri, 20 Oct 2006 10:00:00 +0100"))
    home = str(maildir_settings.home)
    env = {"RETURNS_CHECK_ENGINE": "plain"}
    result = RUNNER.invoke(app, ["intake", "--once", "--home", home], env=env)
    assert result.exit_code == 0, result.output
    assert "emails=1" in result.output and "checked=1" in result.output
    assert [(r["message_id"], r["status"]) for r in report(maildir_settings)] == [("<p@x>", "extracted")]
    result = RUNNER.invoke(app, ["chase", "--home", home, "--as-of", "2006-10-24"], env=env)
    assert result.exit_code == 0, result.output
    assert "sent=43" in result.output
    chases = [m for m in outbox_messages(maildir_settings) if m["Auto-Submitted"] == "auto-generated"]
    assert len(chases) == 43
    result = RUNNER.invoke(app, ["chases", "--home", home, "--format", "json"], env=env)
    assert len([json.loads(line) for line in result.output.splitlines()]) == 43


def test_a_server_is_the_environment_the_demo_dashboard_or_the_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cli.common

    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")
    assert reports_to_a_dashboard(tmp_path / "home")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "prefect-api-url").write_text("http://127.0.0.1:9/api")  # written by make demo, but down
    assert cli.common.connect_dashboard(tmp_path / "home") is None
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    (tmp_path / "profiles.toml").write_text('active = "ops"\n[profiles.ops]\n'
                                            'PREFECT_API_URL = "http://prefect.example:4200/api"\n')
    assert cli.common._profile_api_url() == "http://prefect.example:4200/api"
    (tmp_path / "profiles.toml").write_text('active = "ephemeral"\n[profiles.ephemeral]\n')
    assert cli.common._profile_api_url() is None
