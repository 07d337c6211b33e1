"""Flows people start from the dashboard (or a daily schedule) besides intake and chase.

    status board   every organisation's status today, stored and published (daily)
    recheck        the checks again on every return of the collection (after the rules
                   or the register change), then the board
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from core.settings import Settings
from flows.config import active_settings
from flows.report import finish_run, publish_status_board, run_name
from flows.tasks import RETRIES, prepare_warehouse, status_board
from pipeline.checking import check_pending
from pipeline.runtime import runtime


@flow(name="status board", flow_run_name=lambda: run_name("status board"), log_prints=False)
def board_flow() -> dict[str, Any]:
    """Refresh and publish the status board (organisations, the unmatched queue)."""
    settings = active_settings()
    prepare_warehouse(settings)
    board = status_board(settings)
    waiting = publish_status_board(settings, board)
    counts: dict[str, int] = {}
    for s in board:
        counts[s.status] = counts.get(s.status, 0) + 1
    needs = {**waiting, "escalated organisations": sum(s.escalated for s in board)}
    summary = {**counts, "escalated": needs["escalated organisations"], "unmatched": waiting["unmatched submissions"]}
    return finish_run(f"status board: {counts.get('accepted', 0)} of {len(board)} accepted", needs,  # type: ignore[no-any-return]
                      summary)


@task(name="recheck every return", **RETRIES)
def _recheck(settings: Settings) -> int:
    return check_pending(runtime(settings), force=True).checked


@flow(name="recheck", flow_run_name=lambda: run_name("recheck"), log_prints=False)
def recheck_flow(collection: str | None = None) -> dict[str, Any]:
    """Run the checks again on every return of `collection` (default: the configured one)."""
    settings = active_settings()
    if collection:
        settings = settings.model_copy(update={"collection": collection})
    prepare_warehouse(settings)
    checked = _recheck(settings)
    board = status_board(settings)
    publish_status_board(settings, board)
    return {"checked": checked, "accepted": sum(s.status == "accepted" for s in board)}
