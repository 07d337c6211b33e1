"""Replies the system is not sure went out (acknowledgements and chases left `pending`).

    returns replies [--format table|json|csv|xlsx]          list them (oldest first)
    returns replies --confirm ack:12 --by NAME --note TEXT   a person checked: it arrived,
                                                            or they sent it by hand

The system never sends such a reply again by itself (the mail server may have taken it):
a person asks the organisation, sends it by hand if it did not arrive, and confirms it
here, so the status board stops listing it. Each confirmation is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated

import typer

from cli.boundary import fail
from cli.collection import DatabaseOpt, FormatOpt, HomeOpt, OutOpt, open_runtime
from cli.common import settings_from_options
from cli.export import require_format, write_rows
from core.errors import ReturnsError


def register_replies_commands(app: typer.Typer) -> None:
    app.command()(replies)


def replies(
    confirm: Annotated[str | None, typer.Option(help="ack:SUBMISSION or chase:ID, as listed: mark it sent.")] = None,
    by: Annotated[str | None, typer.Option(help="Who checked it (with --confirm).")] = None,
    note: Annotated[str, typer.Option(help="What they found, e.g. 'arrived; phoned J Smith'.")] = "",
    format: FormatOpt = "table",
    out: OutOpt = None,
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Acknowledgements and chases that may or may not have gone out; --confirm one once checked."""
    from pipeline.board import unconfirmed
    from warehouse.db import session_scope
    from warehouse.outbox import settle_reply

    require_format(format, "replies")
    if confirm is not None and not (by and by.strip()):
        fail("replies: --confirm needs --by NAME (who checked it)")
    settings = settings_from_options(database_url=database, home=home)
    try:
        rt = open_runtime(settings)
        if confirm is not None:
            with session_scope(rt.engine) as session:
                what = settle_reply(session, confirm, by=(by or "").strip(), note=note.strip() or "confirmed")
            sys.stdout.write(f"replies: {what} marked sent\n")
            return
        rows = unconfirmed(rt, grace=dt.timedelta(0))
    except ReturnsError as err:
        fail(f"replies: {err}")
        return
    if not rows and format == "table":
        sys.stdout.write("replies: every reply was confirmed sent (or failed with its reason)\n")
        return
    shown = [{**r, "since": f"{r['since']:%Y-%m-%d %H:%M}"} for r in rows]
    written = write_rows(shown, format, title="Unconfirmed replies", out=out)
    if written is not None:
        sys.stdout.write(f"replies: {len(rows)} written to {written}\n")
