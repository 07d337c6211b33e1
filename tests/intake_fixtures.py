"""Fixtures for intake tests: settings on a private home, returns as emails, a plain run."""

from __future__ import annotations

import email
import email.policy
import mailbox
from collections.abc import Callable
from pathlib import Path

import pytest

from core.settings import Settings
from pipeline.acknowledge import acknowledge
from pipeline.checking import check_pending
from pipeline.failures import record_isolated
from pipeline.fanout import ReadAhead
from pipeline.receive import receive
from pipeline.runtime import Runtime, open_mailbox, open_outbox, prepare, runtime
from pipeline.settle import settle
from schemas.intake import Outcome
from warehouse import make_engine, session_scope
from warehouse.reports import submissions_report

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Register entries used by the tests (org id -> name as written on the form).
ORGS = {
    "fife": ("Fife Council", "local_authority", "Chief Social Work Officer"),
    "angus": ("Angus Council", "local_authority", "CSWO"),
    "tay-care-partnership": ("Tay Care Partnership Ltd", "private", "Managing Director"),
    "clyde-carers-alliance": ("Clyde Carers Alliance", "voluntary", "Director"),
    "highland": ("The Highland Council", "local_authority", "Chief Social Work Officer"),
}


def with_received(raw: bytes, when: str, by: str = "mx.policy-division.example") -> bytes:
    """`raw` as our mail server stores it: a topmost Received: header dated `when`
    (RFC 5322 date), the time the return counts as received."""
    return f"Received: from relay.example by {by}; {when}\r\n".encode() + raw


def settings_for(home: Path, mailbox_url: str | None = None, database_url: str | None = None,
                 check_engine: str = "plain") -> Settings:
    """Settings on a private home. Checks run with the plain-Python rules here (GX's
    start-up would dominate every test); tests/unit/test_checks.py shows both engines
    agree, and the flow and live tiers run Great Expectations itself."""
    return Settings(home=home, mailbox_url=mailbox_url or "", database_url=database_url or "",
                    claim_lease_s=0.0, check_engine=check_engine)


def run_plain(settings: Settings, rt: Runtime | None = None) -> list[Outcome]:
    """What the intake flow does, step by step, without Prefect (the flow only wires these).
    `rt` replaces the runtime built from `settings` (e.g. with tighter limits)."""
    prepare(settings)
    rt = rt or runtime(settings)
    with open_mailbox(settings) as box:
        refs = [receive(rt, msg, durable=False) for msg in box.fetch_new()]
    rt.blobs.sync()
    with ReadAhead(rt, refs) as ahead:  # as the flow's recording step does
        outcomes = [record_isolated(rt, ref, ahead.get(ref)) for ref in refs]
    check_pending(rt)  # one validation for the batch, before the replies
    outbox = open_outbox(settings)
    for outcome in outcomes:
        acknowledge(rt, outbox, outcome)
    with open_mailbox(settings) as box:
        for outcome in outcomes:
            settle(rt, box, outcome)
    return outcomes


def report(settings: Settings) -> list[dict[str, object]]:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            return submissions_report(session)
    finally:
        engine.dispose()


def outbox_messages(settings: Settings) -> list[email.message.EmailMessage]:
    root = settings.home / "mail" / "outbox"
    if not root.exists():
        return []
    box = mailbox.Maildir(str(root), create=False)
    return sorted(
        (email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in box.keys()),  # type: ignore[misc]  # noqa: SIM118
        key=lambda m: str(m["To"]) + str(m["Subject"]),
    )


@pytest.fixture
def maildir_settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "home")


@pytest.fixture
def deliver(maildir_settings: Settings) -> Callable[[bytes], None]:
    root = maildir_settings.home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)

    def put(raw: bytes) -> None:
        box = mailbox.Maildir(str(root), create=True)
        box.add(raw)
        box.close()

    return put
