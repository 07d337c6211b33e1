"""The intake flow under Prefect: same result as the plain steps, plus dashboard artifacts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from core.settings import Settings
from flows.config import using
from flows.intake import intake_flow
from pipeline.checking import CheckRun
from pipeline.runtime import Runtime
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, report

pytestmark = pytest.mark.flow


async def _artifact(key: str) -> object:
    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return found[0].data if found else None


def test_intake_flow_processes_the_mailbox_and_publishes_the_report(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    deliver(MessageBuilder(sender="cswo@fife.council.example", message_id="<flow@fife>")
            .attach("fife.docx", return_docx("Fife Council", ["Joint working."], "CSWO"), DOCX).build())
    deliver(MessageBuilder(sender="someone@mail.example", message_id="<empty@x>").text("Hello").build())
    with using(maildir_settings):
        summary = intake_flow()
    # A stranger's email with nothing in it is kept and listed, never answered (no backscatter).
    assert summary == {"emails": 2, "new": 2, "status extracted": 1, "status unknown_sender": 1, "acknowledged": 1,
                       "checked": 1}
    assert [(r["message_id"], r["status"]) for r in report(maildir_settings)] == [
        ("<flow@fife>", "extracted"), ("<empty@x>", "unknown_sender")]
    assert len(outbox_messages(maildir_settings)) == 1

    import asyncio

    markdown = asyncio.run(_artifact("intake-summary"))
    assert isinstance(markdown, str)
    assert "| emails | 2 |" in markdown
    assert "submission 2 from someone@mail.example: **unknown_sender**" in markdown
    table = asyncio.run(_artifact("intake-emails"))
    assert isinstance(table, str) and "fife" in table

    with using(maildir_settings):
        again = intake_flow()
    assert again == {"emails": 0, "acknowledged": 0, "checked": 0}


def test_intake_flow_checks_by_the_cadence_not_by_claim_batch(
        maildir_settings: Settings, deliver: Callable[[bytes], None], monkeypatch: pytest.MonkeyPatch) -> None:
    """Five emails in claim batches of 1 with a check batch of 2: three validations
    (2, 2, then the run's last 1), each before the replies of what it checked."""
    for i, council in enumerate(["Fife Council", "Angus Council", "Moray Council", "Falkirk Council",
                                 "Highland Council"]):
        deliver(MessageBuilder(sender=f"cswo@c{i}.council.example", message_id=f"<cad{i}@x>")
                .attach(f"r{i}.docx", return_docx(council, ["Joint working."], "CSWO"), DOCX).build())
    settings = maildir_settings.model_copy(update={"batch_size": 1, "check_batch_size": 2,
                                                   "check_interval_s": 3600.0})
    runs: list[int] = []
    import flows.tasks as tasks

    real = tasks.check_pending

    def counting(rt: Runtime) -> CheckRun:  # a spy: the real checks run
        found = real(rt)
        runs.append(found.checked)
        return found

    monkeypatch.setattr(tasks, "check_pending", counting)
    with using(settings):
        summary = intake_flow()
    assert runs == [2, 2, 1]
    assert summary["checked"] == 5 and summary["acknowledged"] == 5
    # every reply was written after its return's check: each says accepted or names a check
    assert all("check" in m.get_content().lower() or "accepted" in m.get_content().lower()
               for m in outbox_messages(settings))


def test_intake_run_logs_what_each_email_became_and_is_named_after_it(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    deliver(MessageBuilder(sender="cswo@fife.council.example", message_id="<log@fife>")
            .attach("fife.docx", return_docx("Fife Council", ["Joint working."], "CSWO"), DOCX).build())
    with using(maildir_settings):
        state = intake_flow(return_state=True)
    import asyncio

    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    async def run_and_logs() -> tuple[object, list[str]]:
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
            logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
        return run, [log.message for log in logs]

    import time

    for _ in range(40):  # logs reach the server in batches
        run, messages = asyncio.run(run_and_logs())
        if any(m.startswith("email ") for m in messages):
            break
        time.sleep(0.5)
    assert any(m.startswith("email INBOX/") and "new -> submission 1 extracted (fife)" in m for m in messages), messages
    assert not any("cswo@fife" in m for m in messages)  # no sender addresses in the run's log
    assert run.name.endswith(": 1 emails, 1 returns checked")  # type: ignore[attr-defined]
    assert run.state.message == "nothing needs a person"  # type: ignore[attr-defined]
