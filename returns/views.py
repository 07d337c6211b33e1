"""What people see of the warehouse on the command line: submissions, assignments."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

from returns.settings import Settings
from warehouse import assign_submission, make_engine, session_scope, submissions_report
from warehouse.db import upgrade
from warehouse.models import Submission
from warehouse.statuses import SubmissionStatus


def print_submissions(settings: Settings, fmt: str) -> None:
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            rows = submissions_report(session)
    finally:
        engine.dispose()
    if fmt == "json":
        for row in rows:
            sys.stdout.write(json.dumps({
                "submission": row["submission_id"],
                "message_id": row["message_id"],
                "org_id": row["org_id"],
                "status": row["status"],
                "reason": row["reason"],
                "returns": [{"org_id": r["org_id"], "version": r["version"], "current": r["current"]}
                            for r in row["returns"]],
            }) + "\n")
        return
    table = Table(title="Submissions")
    for col in ("#", "Message-ID", "organisation", "status", "returns", "reason"):
        table.add_column(col, overflow="fold")
    for row in rows:
        versions = ", ".join(
            f"{r['org_id'] or '?'} v{r['version'] or '-'}{' (current)' if r['current'] else ''}" for r in row["returns"]
        )
        table.add_row(str(row["submission_id"]), row["message_id"] or "-", row["org_id"] or "-",
                      row["status"], versions or "-", row["reason"] or "")
    Console(width=160).print(table)


def assign_submission_to(settings: Settings, submission_id: int, org_id: str, by: str) -> str:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            results = assign_submission(session, submission_id, org_id, by)
            sub = session.get(Submission, submission_id)
            assert sub is not None
            if sub.status == SubmissionStatus.UNMATCHED:
                sub.status = SubmissionStatus.EXTRACTED
                sub.org_id = org_id
                sub.reason = f"assigned to {org_id} by {by}"
            return (f"submission {submission_id}: {len(results)} return(s) recorded for {org_id}: "
                    + ", ".join(f"version {row.version} ({outcome})" for row, outcome in results))
    finally:
        engine.dispose()
