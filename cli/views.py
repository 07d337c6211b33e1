"""What people see of the warehouse on the command line: the submissions table and JSON lines."""

from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.table import Table

from cli.export import table_cell
from core.settings import Settings
from warehouse.db import make_engine, session_scope, upgrade
from warehouse.reports import submissions_report


def print_submissions(settings: Settings, fmt: str) -> None:
    upgrade(settings.database_url, blob_root=settings.blobs)
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
                "received": row["received_at"],
                "repeat_of": row["repeat_of"],
                "assigned_by": row["assigned_by"],
                "returns": [{"org_id": r["org_id"], "version": r["version"], "current": r["current"]}
                            for r in row["returns"]],
            }) + "\n")
        return
    table = Table(title="Submissions")
    for col in ("#", "received", "Message-ID", "organisation", "status", "returns", "reason"):
        table.add_column(col, overflow="fold")
    for row in rows:
        versions = ", ".join(
            f"{r['org_id'] or '?'} v{r['version'] or '-'}{' (current)' if r['current'] else ''}" for r in row["returns"]
        )
        table.add_row(*(table_cell(value) for value in (
            row["submission_id"], row["received_at"][:16].replace("T", " "), row["message_id"] or "-",
            row["org_id"] or "-", row["status"], versions or "-", row["reason"] or "")))
    Console(width=160).print(table)
