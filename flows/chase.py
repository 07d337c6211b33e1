"""The chase flow (RETURN-FORM.md section 9), run every morning.

    prepare warehouse           migrations + register (idempotent)
    send reminders and chases   the collection's events dated today (none on other days):
                                each organisation at most once per event
    status board                every organisation's status, stored and published

The run is named after its day and what it sent; a run that leaves escalations for a
person says so in its state message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow

from core.settings import Settings
from flows.config import active_settings
from flows.mode import PLAIN, PREFECT, Mode
from flows.report import finish_run, publish_chase_report, publish_status_board
from flows.tasks import prepare_warehouse, send_chases, status_board
from pipeline.checking import today
from pipeline.runtime import runtime


def _run_name() -> str:
    from prefect.runtime import flow_run

    day = flow_run.parameters.get("as_of") or "today"
    return f"chase {day}"


@flow(name="chase", flow_run_name=_run_name, log_prints=False)
def chase_flow(as_of: dt.date | None = None) -> dict[str, Any]:
    """Send the reminders and chases dated `as_of` (default today, Europe/London).
    Configuration from the environment, or `flows.config.using` (never a parameter)."""
    name, needs, data = run_chase(active_settings(), as_of, PREFECT)
    return finish_run(name, needs, data)  # type: ignore[no-any-return]  # the caller gets the data


def run_chase(settings: Settings, as_of: dt.date | None = None, mode: Mode = PLAIN
              ) -> tuple[str, dict[str, int], dict[str, Any]]:
    """The chase's body: (run name, what needs a person, summary with each email's outcome)."""
    step = mode.step
    logger = mode.logger()
    step(prepare_warehouse)(settings)
    day = as_of or today(runtime(settings))
    rows = step(send_chases)(settings, day)
    board = step(status_board)(settings, day)
    waiting: dict[str, int] = {}
    if mode.prefect:
        publish_chase_report(day, rows)
        waiting = publish_status_board(settings, board, day)
    outcomes = [r["outcome"] for r in rows]
    summary: dict[str, Any] = {"date": day.isoformat(), "due": len(rows), "sent": outcomes.count("sent"),
                               "already sent": outcomes.count("already sent"),
                               "failed": sum(o.startswith("failed") for o in outcomes),
                               "escalated": sum(s.escalated for s in board)}
    logger.info("chase: %s", ", ".join(f"{k} {v}" for k, v in summary.items()))
    for row in rows:
        logger.info("%s %s to %s (%s): %s", row["event"], row["date"], row["organisation"], row["problems"],
                    row["outcome"])
    needs = {"escalated organisations to telephone": summary["escalated"],
             "chases that failed": summary["failed"], **waiting}
    return f"chase {day:%d %b %Y}: {summary['sent']} sent", needs, {**summary, "results": rows}
