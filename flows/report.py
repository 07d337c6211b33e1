"""Intake results as Prefect artifacts: what the dashboard shows staff after each run."""

from __future__ import annotations

from typing import Any

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from core.settings import Settings
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
        lines += [f"- submission {o.submission_id} from {o.sender}: **{o.status}** - {o.reason}" for o in attention]
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
