"""`returns chase` and `returns chases` (RETURN-FORM.md section 10) through the chase
flow under Prefect, with the status board and chase run published as artifacts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from typer.testing import CliRunner

from cli.app import app
from core.settings import Settings
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, run_plain, with_received

pytestmark = pytest.mark.flow
RUNNER = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args), env={"RETURNS_CHECK_ENGINE": "plain"})
    return result.exit_code, result.output


async def _artifact(key: str) -> str:
    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                                            sort=ArtifactSort.CREATED_DESC, limit=1)
    return str(found[0].data) if found else ""


def _chase_mail(settings: Settings) -> list[str]:
    return [str(m["To"]) for m in outbox_messages(settings) if m["Auto-Submitted"] == "auto-generated"]


def test_chase_sends_the_days_events_once_and_chases_lists_them(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    raw = (MessageBuilder(sender="director@forth-valley-advocacy.org.example", subject="Return", message_id="<fv@x>")
           .attach("fv.docx", return_docx("Forth Valley Advocacy Network", ["Carers' centre (R2)"],
                                          position="Director", org_type="Voluntary sector"), DOCX).build())
    deliver(with_received(raw, "Fri, 20 Oct 2006 10:00:00 +0100"))
    run_plain(maildir_settings)
    home = str(maildir_settings.home)

    code, out = _run("chase", "--home", home, "--as-of", "2006-10-24", "--dry-run")
    assert code == 0, out
    assert "43 email(s) would be sent" in out and "Subject: Reminder:" in out
    assert _chase_mail(maildir_settings) == []  # a dry run sends nothing

    code, out = _run("chase", "--home", home, "--as-of", "2006-10-24")
    assert code == 0, out
    printed = [line for line in out.splitlines() if line.startswith("2006-10-24 reminder ")]
    assert len(printed) == 43 and not any("forth-valley-advocacy" in line for line in printed)
    assert "sent=43" in out
    assert len(_chase_mail(maildir_settings)) == 43

    code, out = _run("chase", "--home", home, "--as-of", "2006-10-24")  # again: nothing more
    assert code == 0 and "sent=0" in out and "already sent=43" in out
    code, out = _run("chase", "--home", home, "--as-of", "2006-10-25")  # no event that day
    assert code == 0 and "due=0" in out
    assert len(_chase_mail(maildir_settings)) == 43

    code, out = _run("chases", "--home", home, "--format", "json")
    assert code == 0, out
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 43
    angus = next(r for r in rows if r["org_id"] == "angus")
    assert angus == {"org_id": "angus", "event": "reminder", "date": "2006-10-24", "problems": ["missing"],
                     "to": "cswo.office@angus.council.example",
                     "message_id": "<reminder.2006-10-24.angus.changing-lives-2006@policy-division.example>"}
    sent_ids = {str(m["Message-ID"]) for m in outbox_messages(maildir_settings)}
    assert {r["message_id"] for r in rows} <= sent_ids

    board = asyncio.run(_artifact("status-board"))
    assert "Angus Council" in board and "no return received" in board
    assert "Forth Valley Advocacy Network" in board.split("## Accepted")[1]
    chase_run = asyncio.run(_artifact("chase-run"))
    assert "Chasing on 25 October 2006" in chase_run  # the latest run's report
