"""What the returns say, for analysts: `returns report KIND`.

    returns report networks|themes|national|counts [--by-section]
                   [--format table|csv|xlsx|json] [--out FILE] [--database URL] [--home PATH]

    networks  per recommendation: who names it a priority, who names it a strength
              (--by-section: per section and recommendation)
    themes    strengths and priorities citing no recommendation, grouped by their text
    national  section 5's issues for the national change programmes, grouped
    counts    strengths and priorities per recommendation, section and organisation type

Only each organisation's current return counts (`warehouse.insights`); the reports
themselves are `pipeline.insights`. Lists in a cell are joined with "; " (csv, xlsx,
table) and stay lists in JSON (one object per line).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.boundary import fail
from cli.collection import open_runtime
from cli.common import settings_from_options
from cli.export import require_format, write_rows
from core.errors import ReturnsError

if TYPE_CHECKING:
    from schemas import Collection
    from warehouse.insights import ItemRow

REPORTS = ("networks", "themes", "national", "counts")


def register_report_commands(app: typer.Typer) -> None:
    app.command()(report)


def _build(kind: str, by_section: bool) -> Callable[[list[ItemRow], Collection], list[dict[str, Any]]]:
    from pipeline import insights

    if kind == "networks":
        return lambda rows, collection: insights.networks(rows, collection, by_section=by_section)
    builders: dict[str, Callable[[list[ItemRow], Collection], list[dict[str, Any]]]] = {
        "themes": insights.themes, "national": insights.national, "counts": insights.counts}
    return builders[kind]


def report(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="networks, themes, national or counts.")],
    by_section: Annotated[bool, typer.Option("--by-section", help="networks: one row per section and "
                                                                  "recommendation.")] = False,
    format: Annotated[str, typer.Option("--format", help="table, csv, xlsx or json (one object per line).")] = "table",
    out: Annotated[Path | None, typer.Option(help="File for csv or xlsx (xlsx default: report-KIND.xlsx).")] = None,
    database: Annotated[str | None, typer.Option("--database", help="SQLAlchemy URL.")] = None,
    home: Annotated[Path | None, typer.Option(help="Working folder for the embedded defaults.")] = None,
) -> None:
    """What the returns say: networks, themes, national issues or counts (current returns only)."""
    from pipeline.insights import KINDS
    from warehouse.db import session_scope
    from warehouse.insights import current_items

    if kind not in REPORTS:
        fail(f"report: KIND must be one of {', '.join(REPORTS)} (not {kind!r})")
    require_format(format, "report")
    if by_section and kind != "networks":
        fail("report: --by-section goes with networks only")
    settings = settings_from_options(database_url=database, home=home)
    try:
        rt = open_runtime(settings)
        with session_scope(rt.engine) as session:
            items = current_items(session, rt.collection.id)
        rows = _build(kind, by_section)(items, rt.collection)
    except ReturnsError as err:
        fail(f"report {kind}: {err}")
        return
    if format == "table" and not rows:
        sys.stdout.write(f"report {kind}: nothing to show yet (no current return has such items)\n")
        return
    target = out or (Path(f"report-{kind}.xlsx") if format == "xlsx" else None)
    written = write_rows(rows, format, title=KINDS[kind], out=target if format in ("csv", "xlsx") else None)
    if written is not None:
        sys.stdout.write(f"report {kind}: {len(rows)} rows written to {written}\n")
