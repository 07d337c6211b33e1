"""Chasing commands (RETURN-FORM.md sections 9 and 10).

    returns chase [--as-of DATE] [--dry-run] [--outbox URL] [--database URL]
    returns chases [--format json|table|csv|xlsx] [--database URL]

`chase` sends the reminders and chases dated on the day (as if it were today; on a day
with no event it sends nothing), records them, and prints what it sent; run twice for
the same day it sends nothing the second time. `--dry-run` prints who would be written
to and the text, and sends nothing. `chases --format json` prints one object per line
per recorded reminder or chase, exactly as section 10 says.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.boundary import fail
from cli.collection import DatabaseOpt, FormatOpt, HomeOpt, OutOpt, open_runtime
from cli.common import reports_to_a_dashboard, settings_from_options
from cli.export import require_format, write_rows
from core.errors import ReturnsError

OutboxOpt = Annotated[str | None, typer.Option("--outbox", help="maildir:PATH, smtp://... or smtps://...")]


def register_chasing_commands(app: typer.Typer) -> None:
    app.command()(chase)
    app.command()(chases)


def _day(as_of: str | None, command: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"{command}: --as-of {as_of!r} is not a date (YYYY-MM-DD)")
        raise


def chase(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD: the day to act as (default today).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show who would be written to and the text; send nothing.")
                       ] = False,
    outbox: OutboxOpt = None,
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Send the reminders and chases dated today (or --as-of); each at most once."""
    from pipeline.checking import today

    day = _day(as_of, "chase")
    settings = settings_from_options(database_url=database, outbox_url=outbox, home=home)
    try:
        rt = open_runtime(settings)
        day = day or today(rt)
        if dry_run:
            _print_dry_run(rt, day)
            return
        under_prefect = reports_to_a_dashboard(settings.home)
        from flows.chase import chase_flow, run_chase
        from flows.config import using

        if under_prefect:
            with using(settings):
                summary = chase_flow(as_of=day)
        else:  # no server to report to: the same steps, without a temporary one
            summary = run_chase(settings, day)[2]
    except ReturnsError as err:
        fail(f"chase: {err}")
        return
    results = summary.pop("results", [])
    for row in results:
        if row["outcome"] != "already sent":
            sys.stdout.write(f"{row['date']} {row['event']} {row['org_id']} -> {row['to']}: {row['problems']}"
                             f" [{row['outcome']}]\n")
    sys.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()) + "\n")


def _print_dry_run(rt: Any, day: dt.date) -> None:
    from pipeline.chasing import due

    notices = due(rt, day)
    if not notices:
        sys.stdout.write(f"chase: nothing is due on {day.isoformat()}\n")
        return
    for n in notices:
        sys.stdout.write(f"--- {n.event.value} to {n.organisation} <{n.to}> ({', '.join(n.problems)})\n")
        sys.stdout.write(f"Subject: {n.subject}\n\n{n.message.get_content()}\n")
    sys.stdout.write(f"chase --dry-run: {len(notices)} email(s) would be sent on {day.isoformat()} "
                     "(those already sent for this event are not sent again)\n")


def _log(rt: Any) -> list[dict[str, Any]]:
    from warehouse.chases import chase_rows
    from warehouse.db import session_scope

    with session_scope(rt.engine) as session:
        return [{"org_id": r.org_id, "event": r.event, "date": r.date.isoformat(),
                 "problems": [p for p in r.problems.split(",") if p], "to": r.to_address,
                 "message_id": r.message_id, "status": r.status, "error": r.error,
                 "sent_at": r.sent_at.isoformat() if r.sent_at else None}
                for r in chase_rows(session, rt.collection.id)]


def chases(
    format: FormatOpt = "table",
    out: OutOpt = None,
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Every reminder and chase recorded: organisation, event, date, problems, address, Message-ID."""
    require_format(format, "chases")
    settings = settings_from_options(database_url=database, home=home)
    try:
        rows = _log(open_runtime(settings))
    except ReturnsError as err:
        fail(f"chases: {err}")
        return
    stable = [{k: r[k] for k in ("org_id", "event", "date", "problems", "to", "message_id")}
              for r in rows if r["status"] != "failed"]
    target = out or (Path("chases.xlsx") if format == "xlsx" else None)
    written = write_rows(rows, format, title="Reminders and chases", out=target, json_rows=stable)
    if written is not None:
        sys.stdout.write(f"chases: {len(rows)} written to {written}\n")
