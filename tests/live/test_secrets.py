"""Secrets never leave the process: an intake run under a real Prefect server, reading a
real Dovecot (the password inside the mailbox URL, as a loopback server allows) and
answering through a real SMTP server that requires AUTH (the password from the settings'
SecretStr), leaves neither password in anything Prefect stores - flow runs (parameters,
names, states), task runs, log lines, artifacts, events - nor in the process's own log
records (every logger, at DEBUG), nor in any file under the home (warehouse, raw store).
The run's log names no sender address (the sender is the register's contact)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from flows.config import using
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, settings_for, with_received
from tests.mail_fixtures import DovecotServer, _smtp

pytestmark = [pytest.mark.live, pytest.mark.slow]
CONTACT = "cswo.office@fife.council.example"  # Fife's contact in the bundled register


class _Records(logging.Handler):
    """Every record as one line of text: logger, level, message, arguments, traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "aiosmtpd" in record.pathname:  # the test's own SMTP server, running in this process
            return
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()} {record.args!r} "
                          f"{logging.Formatter().formatException(record.exc_info) if record.exc_info else ''}")


@contextmanager
def _every_log_record() -> Iterator[_Records]:
    """Every record of every logger, at DEBUG: the root and each logger that does not
    propagate to it (Prefect's, ours), their levels lowered for the run."""
    handler = _Records()
    loggers = [logging.getLogger(), logging.getLogger("prefect"), logging.getLogger("returns")]
    loggers += [lg for lg in logging.Logger.manager.loggerDict.values()
                if isinstance(lg, logging.Logger) and not lg.propagate and lg not in loggers]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)


async def _stored(api_url: str, flow_run_id: Any) -> dict[str, list[str]]:
    """Everything the Prefect server holds that a run could have put a secret in, as text."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
    from prefect.events.filters import EventAnyResourceFilter, EventFilter

    ours = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    its_logs = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
    async with get_client() as client:
        assert str(client.api_url).rstrip("/") == api_url.rstrip("/")

        async def pages(read: Any, **kwargs: Any) -> list[Any]:
            found: list[Any] = []
            while batch := await read(limit=200, offset=len(found), **kwargs):
                found += batch
            return found

        flow_runs = await pages(client.read_flow_runs)  # every run on the server, not only ours
        task_runs = await pages(client.read_task_runs, flow_run_filter=ours)
        logs = await pages(client.read_logs)
        run_logs = await pages(client.read_logs, log_filter=its_logs)
        artifacts = await pages(client.read_artifacts)
        states = await client.read_flow_run_states(flow_run_id)
        page = await client.read_events(EventFilter(any_resource=EventAnyResourceFilter(
            id=[f"prefect.flow-run.{flow_run_id}"])), limit=50)
        events = list(page.events)
        while page.next_page is not None:
            page = await client.read_events_page(page.next_page)
            events += page.events
    return {
        "flow runs": [r.model_dump_json() for r in flow_runs],
        "flow run parameters": [repr(r.parameters) for r in flow_runs],
        "flow run states": [s.model_dump_json() for s in states],
        "task runs": [r.model_dump_json() for r in task_runs],
        "logs": [r.model_dump_json() for r in logs],
        "run logs": [r.message for r in run_logs],
        "artifacts": [a.model_dump_json() for a in artifacts],
        "events": [e.model_dump_json() for e in events],
    }


@dataclass(frozen=True)
class Run:
    passwords: dict[str, str]
    stored: dict[str, list[str]]  # what -> texts


@pytest.fixture(scope="module")
def intake_run(prefect_server: str, dovecot: DovecotServer, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One intake run of one return from Fife's contact; everything it could have left."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogHandler
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE, temporary_settings

    from flows.intake import intake_flow

    account = dovecot.new_account()
    dovecot.append(with_received(
        MessageBuilder(sender=CONTACT, message_id="<secrets@fife>")
        .text("Our return is attached.")
        .attach("fife-return.docx", return_docx("Fife Council", ["Integrated assessment (R1)."],
                                                "Chief Social Work Officer"), DOCX)
        .build(), "Fri, 20 Oct 2006 10:16:00 +0100"), account=account)
    home = tmp_path_factory.mktemp("secrets") / "home"
    # Prefect pointed at the live server through its settings (it reads the environment
    # once, at import), with no temporary server to fall back on.
    updates = {PREFECT_API_URL: prefect_server, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE: False}
    # Task runs and events travel through Prefect's events worker, one per process and
    # client type whatever the URL: one left by an earlier test (the flow tier's harness)
    # would send this run's to a server that is gone. Stop it; the run starts a new one.
    EventsWorker.drain_all(timeout=10, at_exit=False)
    with contextlib.contextmanager(_smtp)("acks", "ack-secret") as smtp, temporary_settings(updates=updates):
        assert smtp.user is not None and smtp.password is not None
        settings = settings_for(home, mailbox_url=dovecot.url(account)).model_copy(update={
            "outbox_url": f"smtp://{smtp.user}@{smtp.host}:{smtp.port}",
            "smtp_password": SecretStr(smtp.password)})
        assert account.password in settings.mailbox_url  # in the URL, as a loopback server allows
        with _every_log_record() as records, using(settings):
            state = intake_flow(return_state=True)
        assert state.is_completed(), state
        summary = state.result()
        assert (summary["new"], summary["acknowledged"]) == (1, 1)  # both logins worked
        assert [m.rcpt_tos for m in smtp.messages] == [[CONTACT]]
        flow_run_id = state.state_details.flow_run_id
        deadline = time.monotonic() + 60
        while True:  # log lines, task runs and events reach the server in batches, through events
            stored = asyncio.run(_stored(prefect_server, flow_run_id))
            arrived = all(stored.values()) and any(line.startswith("email ") for line in stored["run logs"])
            if arrived or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        APILogHandler().flush()  # nothing left to send once the server is gone
    assert any(line.startswith("email ") for line in stored["run logs"]), stored["run logs"]
    assert {what for what, texts in stored.items() if not texts} == set()  # every query found something
    stored["process log records"] = records.lines
    stored["files under the home"] = [
        f"{p}: {p.read_bytes().decode('latin-1')}" for p in home.rglob("*") if p.is_file()]
    assert any("returns.db" in f for f in stored["files under the home"])
    return Run({"mailbox": account.password, "smtp": smtp.password}, stored)


def test_no_password_reaches_prefect_the_logs_or_the_files(intake_run: Run) -> None:
    leaks = {(what, secret): [text[:300] for text in texts if password in text]
             for what, texts in intake_run.stored.items() for secret, password in intake_run.passwords.items()}
    assert {k: v for k, v in leaks.items() if v} == {}


def test_the_runs_log_names_no_sender_address(intake_run: Run) -> None:
    assert [line for line in intake_run.stored["run logs"] if CONTACT in line] == []


def test_no_task_run_or_flow_run_record_holds_the_sender_address(intake_run: Run) -> None:
    """Task inputs are recorded as references, not values: the outcomes handed from task
    to task (which carry the sender) stay in the worker. (The intake-emails artifact, and
    the event announcing it, show staff who sent each email: deliberately.)"""
    for what in ("task runs", "flow runs", "flow run parameters", "flow run states"):
        assert [text[:300] for text in intake_run.stored[what] if CONTACT in text] == [], what


def test_the_process_log_names_no_sender_address(intake_run: Run) -> None:
    assert [line for line in intake_run.stored["process log records"] if CONTACT in line] == []
