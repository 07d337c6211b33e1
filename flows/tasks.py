"""Prefect tasks: thin wrappers over the plain intake steps.

Tasks receive the `Settings` model and plain values (refs, outcomes) and build their
live handles with `pipeline.runtime.runtime(settings)` (the composition root). Transient errors (mailbox,
SMTP, database unavailable) are retried; terminal ones fail the task at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from core.errors import is_transient
from core.settings import Settings
from pipeline.acknowledge import acknowledge
from pipeline.receive import receive
from pipeline.record import record
from pipeline.runtime import open_mailbox, open_outbox, prepare, runtime
from pipeline.settle import settle
from schemas.intake import MessageRef, Outcome


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
    rt = runtime(settings)
    return [record(rt, ref) for ref in refs]


@task(name="acknowledge senders", **RETRIES)
def acknowledge_all(settings: Settings, outcomes: Sequence[Outcome]) -> int:
    rt = runtime(settings)
    outbox = open_outbox(settings)
    return sum(acknowledge(rt, outbox, o) for o in outcomes)


@task(name="move processed mail", **RETRIES)
def settle_all(settings: Settings, outcomes: Sequence[Outcome]) -> None:
    rt = runtime(settings)
    with open_mailbox(settings) as mailbox:
        for outcome in outcomes:
            settle(rt, mailbox, outcome)
