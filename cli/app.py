"""The `returns` command line. Each command is a thin wrapper: parse, call, print.

    returns demo                    seed a local Maildir with the demo returns and run the intake
    returns intake [--once]         process the submissions mailbox (watch it with IMAP IDLE)
    returns submissions             who has sent what (--format json: one object per line)
    returns assign SUBMISSION ORG   settle (or change) whose submission this is
    returns status [--as-of DATE]   where every expected organisation stands (table, json, csv, xlsx)
    returns accept RETURN           accept a return despite failed checks (--withdraw to undo)
    returns recheck                 run the checks again on every return of the collection
    returns replies [--confirm REF]  replies that may not have gone out; confirm one once checked
    returns extract FILE            canonical JSON of one document (RETURN-FORM.md s.8)
    returns folder [PATH]           extract every return in a folder, print a summary
    returns schema                  the canonical return's JSON Schema
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from cli.backup import register_backup_commands
from cli.boundary import ReturnsTyper, fail, safe_filename
from cli.chasing import register_chasing_commands
from cli.collection import register_collection_commands
from cli.common import connect_dashboard, reports_to_a_dashboard, settings_from_options
from cli.replies import register_replies_commands
from cli.reports import register_report_commands
from core.errors import DocumentError, ReturnsError, TransientError
from core.paths import DEMO_DIR

app = ReturnsTyper(
    help="Intake pipeline for Changing Lives self assessment returns.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _fail(message: str) -> None:
    """One clear line on stderr, exit status 1 (no traceback for any input)."""
    fail(message)


_settings = settings_from_options


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A .docx, .doc, .docm, .rtf or .pdf return.")],
    collection: Annotated[str, typer.Option(help="Collection id or TOML path.")] = "changing-lives-2006",
    timeout: Annotated[
        float | None, typer.Option(help="Seconds before reading is abandoned [RETURNS_PARSE_TIMEOUT_S, 300].")
    ] = None,
    memory_mb: Annotated[
        int | None, typer.Option(help="Memory the reader may use, in MB [RETURNS_PARSE_MEMORY_MB, 1024].")
    ] = None,
) -> None:
    """Print the canonical return of FILE as JSON (exit 1 with a reason if it is not one).

    FILE must be a regular file (a pipe or a device is refused unread) within the size
    limit; it is read in a child process bounded in time and memory (pipeline.sandbox).
    """
    from cli.files import read_document
    from extractors import ExtractContext
    from pipeline.sandbox import ParseLimits, Sandbox, StartMethod

    name = safe_filename(file.name)
    settings = _settings(log=False, parse_timeout_s=timeout, parse_memory_mb=memory_mb)
    try:
        ctx = ExtractContext.build(name, collection)
        data = read_document(file, ctx.limits.max_bytes, shown=str(file), name=name)
        # fork when this process has no other thread (the command line): the worker starts
        # without a new interpreter; forkserver otherwise (fork copies other threads' locks)
        method: StartMethod = "fork" if threading.active_count() == 1 else "forkserver"
        with Sandbox(ParseLimits.from_settings(settings), start_method=method, warm=False) as sandbox:
            record = sandbox.extract(data, ctx)
    except DocumentError as err:
        _fail(str(err))
        return
    except ReturnsError as err:
        _fail(f"{name}: {err}")
        return
    sys.stdout.write(record.to_json() + "\n")


@app.command()
def intake(
    once: Annotated[bool, typer.Option("--once", help="Process what is waiting, then exit.")] = False,
    mailbox: Annotated[
        str | None, typer.Option(help="maildir:PATH, imap://USER:PASSWORD@HOST:PORT/FOLDER or imaps://...")
    ] = None,
    database: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite under --home).")] = None,
    outbox: Annotated[str | None, typer.Option(help="maildir:PATH, smtp://..., smtps://...")] = None,
    home: Annotated[Path | None, typer.Option(help="Working folder for the embedded defaults.")] = None,
    idle_timeout: Annotated[float, typer.Option(help="Seconds to wait for new mail between runs.")] = 300.0,
) -> None:
    """Process the submissions mailbox: once, or watching it (IMAP IDLE) until stopped.

    Watching, an outside system that is down (the mailbox, the warehouse, the mail
    server) is waited for - 1, 2, 4, 8, then every 15 s - and the intake carries on
    by itself when it is back; with --once the command fails (exit 1) and the next run
    picks up. Nothing is lost either way: every step is idempotent."""
    settings = _settings(mailbox_url=mailbox, database_url=database, outbox_url=outbox, home=home)
    under_prefect = reports_to_a_dashboard(settings.home)  # before Prefect is imported
    from core.backoff import Backoff
    from flows.config import using
    from flows.intake import intake_flow, run_intake
    from pipeline.runtime import open_mailbox

    backoff = Backoff()
    try:
        while True:
            try:
                if under_prefect:
                    with using(settings):
                        summary = intake_flow()
                else:  # no server to report to: the same steps, without a temporary one
                    summary = run_intake(settings)[2]
                sys.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()) + "\n")
                sys.stdout.flush()
                if once:
                    return
                with open_mailbox(settings) as box:
                    box.wait_for_new(idle_timeout)
                backoff.reset()
            except TransientError as err:
                if once:
                    raise
                delay = backoff.next()
                sys.stderr.write(f"intake: {err}; trying again in {delay:.0f} s\n")
                sys.stderr.flush()
                time.sleep(delay)
    except ReturnsError as err:
        _fail(f"intake: {err}")
    except KeyboardInterrupt:
        return


@app.command()
def serve(
    interval: Annotated[int, typer.Option(help="Seconds between scheduled intake runs.")] = 300,
    home: Annotated[Path | None, typer.Option(help="Working folder for the embedded defaults.")] = None,
) -> None:
    """Serve every deployment on this host (intake, chase, status board, recheck) on their
    schedules, run from the dashboard too (Ctrl-C stops). Configuration: RETURNS_*."""
    if home is not None:  # the runs start in child processes: they read RETURNS_* like any worker
        os.environ["RETURNS_HOME"] = str(home.resolve())
    connect_dashboard(_settings(home=home).home)  # before Prefect is imported
    from prefect import serve as prefect_serve

    from flows.deployments import deployments

    prefect_serve(*deployments(interval))


@app.command()
def alerts(
    to: Annotated[str | None, typer.Option(help="Operator's address (default RETURNS_ALERT_TO).")] = None,
    quiet_hours: Annotated[float | None, typer.Option(help="Alert when no intake completed for this long.")] = None,
    outbox: Annotated[str | None, typer.Option(help="smtp://HOST:PORT (default RETURNS_OUTBOX_URL).")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Delete the alerts instead.")] = False,
    home: Annotated[Path | None, typer.Option(help="Working folder for the embedded defaults.")] = None,
) -> None:
    """Install the Prefect automations that email the operator: a run failed, a run left
    work for a person, no intake completed lately (replaces earlier ones)."""
    settings = _settings(alert_to=to, alert_quiet_hours=quiet_hours, outbox_url=outbox, home=home)
    connect_dashboard(settings.home)
    from flows.alerts import install_alerts, remove_alerts

    try:
        if remove:
            sys.stdout.write(f"alerts: {remove_alerts()} automation(s) removed\n")
            return
        done = install_alerts(settings)
    except ReturnsError as err:
        _fail(f"alerts: {err}")
        return
    sys.stdout.write(f"alerts: to {settings.alert_to} through block {done.block}: {', '.join(done.automations)}\n")


@app.command()
def submissions(
    database: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
    home: Annotated[Path | None, typer.Option(help="Working folder for the embedded defaults.")] = None,
    format: Annotated[str, typer.Option("--format", help="json (one object per line) or table.")] = "table",
) -> None:
    """List every submission: Message-ID, organisation, status, reason, return versions."""
    from cli.views import print_submissions

    settings = _settings(database_url=database, home=home)
    try:
        print_submissions(settings, format)
    except ReturnsError as err:
        _fail(f"submissions: {err}")


@app.command()
def assign(
    submission: Annotated[int, typer.Argument(help="Submission number (see `returns submissions`).")],
    org: Annotated[str, typer.Argument(help="Register id of the organisation, e.g. fife.")],
    by: Annotated[str, typer.Option(help="Who is deciding (kept in the audit log).")],
    database: Annotated[str | None, typer.Option(help="SQLAlchemy URL.")] = None,
    home: Annotated[Path | None, typer.Option(help="Working folder for the embedded defaults.")] = None,
) -> None:
    """Settle whose submission this is: record its returns for organisation ORG.

    Works for unmatched and already-matched submissions: versions and the current
    return are recomputed for both organisations; the decision is kept in the audit log.
    """
    from pipeline.assign import assign_submission_to

    settings = _settings(database_url=database, home=home)
    try:
        sys.stdout.write(assign_submission_to(settings, submission, org, by) + "\n")
    except ReturnsError as err:
        _fail(f"assign: {err}")


@app.command()
def demo(
    home: Annotated[Path | None, typer.Option(help="Working folder (default ./var).")] = None,
) -> None:
    """Seed a local Maildir with the bundled returns, run the intake, print the result."""
    settings = _settings(home=home)
    under_prefect = reports_to_a_dashboard(settings.home)  # before Prefect is imported
    from cli.demo import seed_maildir
    from cli.views import print_submissions
    from flows.config import using
    from flows.intake import intake_flow, run_intake
    from mail.urls import maildir_path, redact_url
    from warehouse.db import mask_url

    added = seed_maildir(maildir_path(settings.mailbox_url))
    sys.stdout.write(f"demo: {added} emails delivered to {settings.mailbox_url}\n")
    if under_prefect:
        with using(settings):
            intake_flow()
    else:
        run_intake(settings)
    print_submissions(settings, "table")
    sys.stdout.write(f"acknowledgements: {redact_url(settings.outbox_url)}\n"
                     f"warehouse: {mask_url(settings.database_url)}\n")


@app.command()
def folder(
    path: Annotated[Path, typer.Argument(help="Folder of returns.")] = DEMO_DIR,
) -> None:
    """Extract every return in a folder and print a summary table (no mailbox, no database)."""
    from cli.folder import summarise_folder

    summarise_folder(path)


@app.command()
def schema(
    collection: Annotated[str, typer.Option(help="Collection id or TOML path.")] = "changing-lives-2006",
) -> None:
    """Print the JSON Schema of the canonical return for a collection."""
    import json

    from schemas import load_collection
    from schemas.export import json_schema

    sys.stdout.write(json.dumps(json_schema(load_collection(collection)), indent=2) + "\n")


register_collection_commands(app)
register_chasing_commands(app)
register_backup_commands(app)
register_report_commands(app)
register_replies_commands(app)

QUICK_EXIT = frozenset({"extract", "schema"})  # commands that leave nothing open behind them


def main() -> None:
    """The console script. The commands in QUICK_EXIT end with `os._exit` once their
    output is flushed: tearing down the interpreter's modules (~50 ms) is a sixth of
    `returns extract`, and they hold no database, log file or child to close by then."""
    quick = len(sys.argv) > 1 and sys.argv[1] in QUICK_EXIT
    try:
        app()
    except SystemExit as done:
        if not quick:
            raise
        code = done.code
        if isinstance(code, str):
            sys.stderr.write(code + "\n")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))


if __name__ == "__main__":  # pragma: no cover
    main()

