"""Prefect tasks: thin wrappers over the plain intake steps.

Tasks receive the `Settings` model and plain values (refs, outcomes) and build their
live handles with `pipeline.runtime.runtime(settings)` (the composition root).

A failure belongs to one email. Recording catches everything about one email at the
email boundary (`pipeline.failures.record_isolated`: retried across runs, then
quarantined); acknowledging and moving do the same per email (logged, the rest go
on). Only an outside system being down for everyone - the warehouse, the mailbox, the
SMTP server (TransientError) - fails a task, which Prefect then retries; a task's
retry redoes only what is not yet done, since every step is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.errors import TransientError, is_transient
from core.settings import Settings
from flows.mode import run_logger
from pipeline.acknowledge import acknowledge
from pipeline.chasing import Sent, send_due
from pipeline.checking import check_pending, refresh_status_board
from pipeline.failures import record_isolated
from pipeline.fanout import ReadAhead
from pipeline.receive import receive
from pipeline.runtime import open_mailbox, open_outbox, prepare, runtime
from pipeline.settle import settle
from pipeline.status import OrgStatus
from schemas.intake import MessageRef, Outcome

log = logging.getLogger(__name__)


def outcome_line(o: Outcome) -> str:
    """What one email became and why, for the run's log (no sender address: the
    submission number finds it for those who may see it)."""
    where = f"email {o.ref.folder}/{o.ref.uid}"
    sub = f"submission {o.submission_id}" if o.submission_id is not None else "no submission"
    orgs = ", ".join(sorted({d.org_id for d in o.documents if d.org_id}))
    return f"{where}: {o.kind} -> {sub} {o.status}" + (f" ({orgs})" if orgs else "") + (
        f": {o.reason}" if o.reason else "")


def sent_row(s: Sent) -> dict[str, Any]:
    n = s.notice
    return {"organisation": n.organisation, "org_id": n.org_id, "event": n.event.value, "date": n.date.isoformat(),
            "to": n.to, "problems": ", ".join(n.problems), "outcome": s.outcome, "message_id": n.message_id}


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry_condition_fn: retry only errors that may pass (TransientError)."""
    try:
        state.result()
    except Exception as err:
        return is_transient(err)
    return False


RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": [2, 10, 30],
    "retry_condition_fn": _retry_transient,
    "cache_policy": NO_CACHE,
}


@task(name="prepare warehouse", **RETRIES)
def prepare_warehouse(settings: Settings) -> None:
    prepare(settings)


@task(name="receive waiting mail", **RETRIES)
def receive_waiting(settings: Settings, limit: int | None = None) -> list[MessageRef]:
    """Store every waiting email (raw bytes + ledger) before anything else happens."""
    rt = runtime(settings)
    with open_mailbox(settings) as mailbox:
        refs = [receive(rt, msg, durable=False) for msg in mailbox.fetch_new(limit)]
    rt.blobs.sync()  # one flush for the whole batch (group commit)
    return refs


@task(name="extract and record", **RETRIES)
def process_batch(settings: Settings, refs: Sequence[MessageRef]) -> list[Outcome]:
    """Each email recorded on its own: a failed or poison email becomes its outcome
    (failed: tried again next run; error: quarantined), never the batch's failure."""
    rt = runtime(settings)
    logger = run_logger()
    outcomes = []
    with ReadAhead(rt, refs) as ahead:  # the next emails read while this one is recorded
        for ref in refs:
            outcome = record_isolated(rt, ref, ahead.get(ref))
            logger.info("%s", outcome_line(outcome))
            outcomes.append(outcome)
    return outcomes


@task(name="check returns", **RETRIES)
def check_returns(settings: Settings) -> int:
    """Run the checks on every matched return not yet checked under this suite version
    (this batch's, and any a person assigned since): one GX validation."""
    return check_pending(runtime(settings)).checked


@task(name="acknowledge senders", **RETRIES)
def acknowledge_all(settings: Settings, outcomes: Sequence[Outcome]) -> int:
    rt = runtime(settings)
    outbox = open_outbox(settings)
    sent = 0
    for outcome in outcomes:
        try:
            sent += acknowledge(rt, outbox, outcome)
        except TransientError:
            raise  # the SMTP server or the warehouse is down for everyone: retry the task
        except Exception:  # one email's reply failing never stops the others'
            log.exception("submission %s: the acknowledgement could not be sent", outcome.submission_id)
    return sent


@task(name="move processed mail", **RETRIES)
def settle_all(settings: Settings, outcomes: Sequence[Outcome]) -> None:
    rt = runtime(settings)
    with open_mailbox(settings) as mailbox:
        for outcome in outcomes:
            try:
                settle(rt, mailbox, outcome)
            except TransientError:
                raise  # the mailbox or the warehouse is down: retry the task
            except Exception:  # one email that cannot be moved never keeps the others in place
                log.exception("email %s/%s could not be moved", outcome.ref.folder, outcome.ref.uid)


@task(name="send reminders and chases", **RETRIES)
def send_chases(settings: Settings, day: dt.date) -> list[dict[str, Any]]:
    """The events dated `day`: each organisation written to at most once (see
    pipeline.chasing); what happened to each, as plain rows."""
    rt = runtime(settings)
    outbox = open_outbox(settings)
    return [sent_row(s) for s in send_due(rt, outbox, day)]


@task(name="status board", **RETRIES)
def status_board(settings: Settings, day: dt.date | None = None) -> list[OrgStatus]:
    """Every organisation's status today (or `day`), stored for the board."""
    return refresh_status_board(runtime(settings), day)
