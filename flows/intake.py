"""The intake flow: mailbox -> stored -> extracted -> recorded -> acknowledged -> moved.

    prepare warehouse        migrations + register (idempotent)
    receive waiting mail     raw email to the blob store and the mail ledger, first
    per claim batch of emails (each claimed in the ledger by this worker):
      extract and record     documents, returns, organisation, versions, items
    then, when the check cadence says so (pipeline.cadence: 300 emails, 60 s, or the
    run's end), for everything recorded since the last check:
      check returns          the section 5 checks: one GX validation
      acknowledge senders    one reply per submission, never two, never to strangers
      move processed mail    only now is the mailbox touched; then the ledger is final
    intake report            artifacts in the Prefect dashboard: this run, and the
                             status board (every organisation, the unmatched queue)

The body is `run_intake`: the flow runs it under Prefect (tasks, artifacts, the run's
name and state message); a command with no Prefect server to report to runs it plainly
(flows.mode). A poison email is its own outcome ("failed": tried again next run; "error":
quarantined with its reason), never the run's failure: the run ends Completed and
counts them. Only an outside system down for everyone fails it (see flows.tasks).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from prefect import flow

from core.heap import keep_heap
from core.settings import Settings
from flows.config import active_settings
from flows.mode import PLAIN, PREFECT, Mode
from flows.report import (
    Progress,
    finish_run,
    publish_checks_link,
    publish_insights,
    publish_intake_report,
    publish_status_board,
    run_name,
)
from flows.tasks import (
    acknowledge_all,
    check_returns,
    prepare_warehouse,
    process_batch,
    receive_waiting,
    settle_all,
    status_board,
)
from pipeline.cadence import Cadence
from schemas.intake import Outcome


@flow(name="intake", flow_run_name=lambda: run_name("intake"), log_prints=False)
def intake_flow(limit: int | None = None) -> dict[str, Any]:
    """Process everything waiting in the submissions mailbox once (at most `limit` emails).
    Configuration from the environment, or `flows.config.using` (never a parameter)."""
    name, needs, summary = run_intake(active_settings(), limit, PREFECT)
    return finish_run(name, needs, summary)  # type: ignore[no-any-return]  # the caller gets `summary`


def run_intake(settings: Settings, limit: int | None = None, mode: Mode = PLAIN
               ) -> tuple[str, dict[str, int], dict[str, Any]]:
    """The intake's body (see the module docstring): (run name, what needs a person, summary)."""
    keep_heap()  # this process records many documents: keep its heap (core.heap)
    step = mode.step
    step(prepare_warehouse)(settings)
    refs = step(receive_waiting)(settings, limit)
    outcomes: list[Outcome] = []
    acked = checked = 0
    if not refs:
        checked += step(check_returns)(settings)  # returns a person assigned since the last run
    cadence: Cadence[Outcome] = Cadence(settings.check_batch_size, settings.check_interval_s)
    progress = Progress(len(refs), f"{len(refs)} emails to process",
                        threshold=settings.batch_size if mode.prefect else len(refs))
    for start in range(0, len(refs), settings.batch_size):
        cadence.add(step(process_batch)(settings, refs[start : start + settings.batch_size]))
        if cadence.due(last=start + settings.batch_size >= len(refs)):
            recorded = cadence.take()
            checked += step(check_returns)(settings)  # one validation, before the replies
            acked += step(acknowledge_all)(settings, recorded)
            step(settle_all)(settings, recorded)
            outcomes += recorded
        progress.update(start + settings.batch_size)
    summary = summarise(outcomes, acked)
    summary["checked"] = checked
    board = step(status_board)(settings)
    waiting: dict[str, int] = {}
    if mode.prefect:
        publish_intake_report(outcomes, summary)
        publish_checks_link(settings)
        waiting = publish_status_board(settings, board)
        if checked:
            publish_insights(settings)  # what the returns say, when something new was checked
    mode.logger().info("intake: %s", ", ".join(f"{k} {v}" for k, v in summary.items()))
    needs = {**waiting, "quarantined emails": summary.get("error", 0),
             "escalated organisations": sum(s.escalated for s in board)}
    name = f"intake {dt.date.today():%d %b}: {len(outcomes)} emails, {checked} returns checked"
    return name, needs, summary


def summarise(outcomes: list[Outcome], acked: int) -> dict[str, Any]:
    kinds = Counter(o.kind for o in outcomes)
    statuses = Counter(o.status for o in outcomes if o.kind == "new")
    return {"emails": len(outcomes), **{f"{k}": v for k, v in sorted(kinds.items())},
            **{f"status {k}": v for k, v in sorted(statuses.items())}, "acknowledged": acked}
