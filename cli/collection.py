"""Commands about the collection as a whole: status, overrides, rechecks.

    returns status [--as-of DATE] [--format table|json|csv|xlsx] [--out FILE]
    returns accept RETURN --reason "..." --by NAME [--withdraw]
    returns recheck [--collection ID]

`status --format json` prints one object per line per register organisation, exactly
as RETURN-FORM.md section 10 says; the table shows counts first, then every
organisation, then the submissions waiting for a person.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.boundary import fail
from cli.common import settings_from_options
from cli.export import require_format, write_rows
from core.errors import ReturnsError

if TYPE_CHECKING:
    from core.settings import Settings
    from pipeline.runtime import Runtime
    from pipeline.status import OrgStatus
    from schemas import Collection

DatabaseOpt = Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL.")]
HomeOpt = Annotated[Path | None, typer.Option(help="Working folder for the embedded defaults.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, json (one object per line), csv or xlsx.")]
OutOpt = Annotated[Path | None, typer.Option(help="File for csv or xlsx.")]


def open_runtime(settings: Settings) -> Runtime:
    """The warehouse of these settings, refusing a mistyped SQLite path (never a new, empty one)."""
    from pipeline.runtime import prepare, runtime

    url = settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        fail(f"no warehouse at {url.removeprefix('sqlite:///')}: check --database or --home")
    prepare(settings)
    return runtime(settings)


def register_collection_commands(app: typer.Typer) -> None:
    app.command()(status)
    app.command()(accept)
    app.command()(recheck)


def status(
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today, Europe/London).")] = None,
    format: FormatOpt = "table",
    out: Annotated[Path | None, typer.Option(help="File for csv or xlsx (xlsx default: status-DATE.xlsx).")] = None,
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Where every expected organisation stands at the end of a day: status, problems, late."""
    from pipeline.checking import check_pending, statuses, today

    require_format(format, "status")
    settings = settings_from_options(database_url=database, home=home)
    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"status: --as-of {as_of!r} is not a date (YYYY-MM-DD)")
        return
    try:
        rt = open_runtime(settings)
        day = day or today(rt)
        check_pending(rt)  # a return recorded but not yet checked must not pass for accepted
        found = statuses(rt, day)
    except ReturnsError as err:
        fail(f"status: {err}")
        return
    collection = rt.collection
    if format == "json":
        write_rows([], "json", title="status", json_rows=[s.as_json(collection) for s in found])
        return
    rows = [_row(s, collection) for s in found]
    if format in ("csv", "xlsx"):
        target = out or (Path(f"status-{day.isoformat()}.xlsx") if format == "xlsx" else None)
        written = write_rows(rows, format, title=f"Status {day.isoformat()}", out=target)
        if written is not None:
            sys.stdout.write(f"status as of {day.isoformat()}: {len(rows)} organisations written to {written}\n")
        return
    _print_board(rt, found, rows, day)


def _row(s: OrgStatus, collection: Collection) -> dict[str, Any]:
    from pipeline.board import STATUS_WORDS
    from pipeline.status import local_day

    received = local_day(s.current.received_at, collection).isoformat() if s.current else None
    return {
        "org_id": s.org_id, "organisation": s.name, "type": s.org_type.replace("_", " "),
        "status": STATUS_WORDS.get(s.status, s.status), "problems": ", ".join(s.problems),
        "what is wrong": " ".join(s.reasons), "late": s.late, "escalated": s.escalated,
        "chases": s.chases, "last chase": s.last_chase.isoformat() if s.last_chase else None,
        "return": s.current.return_id if s.current else None,
        "version": s.current.version if s.current else None, "received": received,
        "accepted by": f"{s.override.by}: {s.override.reason}" if s.override else None,
    }


def _print_board(rt: Runtime, found: list[OrgStatus], rows: list[dict[str, Any]], day: dt.date) -> None:
    from rich.console import Console

    from pipeline.board import STATUS_WORDS, waiting_for_a_person

    console = Console(width=160)
    counts = Counter(s.status for s in found)
    late = sum(s.late for s in found)
    escalated = sum(s.escalated for s in found)
    console.print(f"[bold]{rt.collection.title}[/bold] - status at the end of {day:%d %B %Y} "
                  f"(deadline {rt.collection.deadline:%d %B %Y})")
    summary = [{"status": STATUS_WORDS.get(k, k), "organisations": v} for k, v in counts.most_common()]
    summary += [{"status": "late", "organisations": late}, {"status": "escalated", "organisations": escalated}]
    write_rows(summary, "table", title="Counts")
    board = [{k: r[k] for k in ("organisation", "status", "what is wrong", "late", "escalated", "last chase",
                                "return", "version", "received")} for r in rows]
    write_rows(board, "table", title="Organisations")
    waiting = waiting_for_a_person(rt)
    if waiting:
        queue = [{"submission": r["submission_id"], "from": r.get("sender") or "", "reason": r["reason"] or "",
                  "to do": f"returns assign {r['submission_id']} ORG --by NAME"} for r in waiting]
        write_rows(queue, "table", title="Waiting for a person: whose return is it?")
    else:
        console.print("No submission is waiting for a person.")


def accept(
    return_id: Annotated[int, typer.Argument(metavar="RETURN", help="Return number (the `return` column of status).")],
    reason: Annotated[str, typer.Option(help="Why it is accepted despite its checks (kept with it).")],
    by: Annotated[str, typer.Option(help="Who is deciding (kept in the audit log).")],
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Withdraw an earlier acceptance.")] = False,
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Accept a return despite failed checks (recorded with who, when and why; reversible)."""
    from pipeline.checking import accept as accept_return

    settings = settings_from_options(database_url=database, home=home)
    try:
        rt = open_runtime(settings)
        sys.stdout.write(accept_return(rt, return_id, by=by, reason=reason, withdraw=withdraw) + "\n")
    except ReturnsError as err:
        fail(f"accept: {err}")


def recheck(
    collection: Annotated[str | None, typer.Option(help="Collection id or TOML path (default: settings).")] = None,
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Run the checks again on every return of the collection (after the rules or the register change)."""
    from pipeline.checking import check_pending

    settings = settings_from_options(database_url=database, home=home, collection=collection)
    try:
        run = check_pending(open_runtime(settings), force=True)
    except ReturnsError as err:
        fail(f"recheck: {err}")
        return
    sys.stdout.write(f"recheck: {run.checked} return(s) checked under suite {run.suite_version}; "
                     f"{run.changed} changed\n")
