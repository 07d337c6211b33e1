"""Intake results as Prefect artifacts: what the dashboard shows staff after each run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.states import Completed

from core.settings import Settings
from pipeline.board import board_markdown, chase_markdown, unconfirmed, waiting_for_a_person
from pipeline.checking import today
from pipeline.markdown import md
from pipeline.runtime import runtime
from pipeline.status import OrgStatus
from schemas.intake import Outcome


def intake_rows(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    return [
        {
            "submission": o.submission_id,
            "from": o.sender or "",
            "subject": o.subject,
            "what happened": o.kind.replace("_", " "),
            "status": str(o.status),
            "organisations": ", ".join(sorted({d.org_id for d in o.documents if d.org_id})),
            "reason": o.reason or "",
        }
        for o in outcomes
    ]


def publish_intake_report(outcomes: list[Outcome], summary: dict[str, Any]) -> None:
    lines = ["# Intake run", "", "| | count |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items()]
    attention = [o for o in outcomes if o.kind in ("error", "failed") or (
        o.kind == "new" and str(o.status) in ("unmatched", "no_return", "quarantined", "unknown_sender"))]
    if attention:
        lines += ["", "## Needs a person", ""]
        lines += [f"- submission {o.submission_id} from {md(o.sender)}: **{o.status}** - {md(o.reason)}"
                  for o in attention]
    create_markdown_artifact(key="intake-summary", markdown="\n".join(lines), description="Latest intake run")
    if outcomes:
        create_table_artifact(key="intake-emails", table=intake_rows(outcomes), description="Emails in this run")


def publish_checks_link(settings: Settings) -> None:
    """A link to the Great Expectations Data Docs: every validation of the checks, browsable."""
    found = sorted((settings.home / "gx").rglob("data_docs/local_site/index.html"))
    if found:
        create_link_artifact(key="checks-data-docs", link=found[0].resolve().as_uri(),
                             link_text="Checks: validation history (Great Expectations Data Docs)",
                             description="Every validation of the returns' checks, with the rows that failed")


def publish_status_board(settings: Settings, found: list[OrgStatus], day: dt.date | None = None) -> dict[str, int]:
    """The status board (stable key `status-board`): the dashboard always shows the latest.
    Returns what waits for a person on it: unmatched submissions, unconfirmed replies."""
    rt = runtime(settings)
    waiting, unsure = waiting_for_a_person(rt), unconfirmed(rt)
    markdown = board_markdown(found, waiting, rt.collection, day or today(rt), unsure)
    create_markdown_artifact(key="status-board", markdown=markdown,
                             description="Who has returned what: status of every expected organisation")
    return {"unmatched submissions": len(waiting), "unconfirmed replies": len(unsure)}


def publish_chase_report(day: dt.date, rows: list[dict[str, Any]]) -> None:
    create_markdown_artifact(key="chase-run", markdown=chase_markdown(day, rows),
                             description=f"Reminders and chases of {day.isoformat()}")


def publish_insights(settings: Settings) -> None:
    """What the returns say, as artifacts (stable keys `report-networks`, `report-themes`,
    `report-national`): the same tables as `returns report`, the top rows of each."""
    from pipeline import insights
    from warehouse.db import session_scope
    from warehouse.insights import current_items

    rt = runtime(settings)
    with session_scope(rt.engine) as session:
        items = current_items(session, rt.collection.id)
    for kind, build in (("networks", insights.networks), ("themes", insights.themes),
                        ("national", insights.national)):
        markdown = insights.report_markdown(kind, build(items, rt.collection))
        create_markdown_artifact(key=f"report-{kind}", markdown=markdown, description=insights.KINDS[kind])


def run_name(kind: str) -> str:
    """A flow run's name while it runs: what and when (renamed with counts at the end)."""
    import datetime as _dt

    return f"{kind} {_dt.datetime.now().astimezone():%d %b %H:%M}"


def finish_run(name: str, needs_person: dict[str, int], data: dict[str, Any]) -> Any:
    """Rename the run after what it did and end it Completed, its state message saying
    what waits for a person, so the runs list shows it without opening the run.

    The flow returns this Completed state; whoever called the flow gets `data` back."""
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    waiting = ", ".join(f"{n} {what}" for what, n in needs_person.items() if n)
    full = f"{name}; needs a person: {waiting}" if waiting else name
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(flow_run.id, name=full[:200])
    except Exception:  # a name is a convenience: never fail a run over it
        pass
    return Completed(message=f"needs a person: {waiting}" if waiting else "nothing needs a person", data=data)


class Progress:
    """A progress artifact for a large batch (shown while the run goes on)."""

    def __init__(self, total: int, description: str, *, threshold: int) -> None:
        self.total = total
        self.id: Any = (create_progress_artifact(progress=0.0, key="intake-progress", description=description)
                        if total > threshold else None)

    def update(self, done: int) -> None:
        if self.id is not None and self.total:
            update_progress_artifact(self.id, progress=round(100.0 * done / self.total, 1))
