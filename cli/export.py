"""Rows out for people and analysts: a terminal table, JSON lines, CSV or XLSX.

    write_rows(rows, fmt, title=..., out=None)

JSON is one object per line on standard output (the stable form of section 10); CSV
goes to standard output or `out`; XLSX is written to `out` (a file is needed: a
spreadsheet is binary). Column order is the order of the first row's keys.

    table_cell(value, style=None)   the one way outside text enters a terminal table

Cells hold outside text (subjects, file names, Message-IDs, names read from forms), so
every table cell goes through `table_cell`: one line with control characters made
visible (`one_line`: an escape sequence shows as "\\x1b[31m", never colours or moves
the cursor) as a rich `Text`, which rich never reads as markup ("[bold]", "[link=...]")
or emoji codes.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.boundary import fail, one_line

if TYPE_CHECKING:
    from rich.text import Text

FORMATS = ("table", "json", "csv", "xlsx")


def require_format(fmt: str, command: str) -> None:
    """Exit 1 with one line unless `fmt` is one of FORMATS."""
    if fmt not in FORMATS:
        fail(f"{command}: --format must be one of {', '.join(FORMATS)}")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    return str(value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sheet_cell(value: Any) -> str:
    """`cell`, made inert for a spreadsheet: text an outside sender wrote that starts like
    a formula ("=HYPERLINK(...)", "+1", "@SUM") gets a leading apostrophe (OWASP's CSV
    injection advice), so Excel or LibreOffice shows it instead of running it."""
    text = cell(value)
    if isinstance(value, int | float) or len(text) < 2:  # numbers, and a lone "-", stay as they are
        return text
    return "'" + text if text.startswith(FORMULA_START) else text


def table_cell(value: Any, style: str = "") -> Text:
    """`value` as a terminal table shows it: one safe line, taken literally (see module)."""
    from rich.text import Text

    return Text(one_line(cell(value)), style=style)


def write_rows(rows: Sequence[dict[str, Any]], fmt: str, *, title: str, out: Path | None = None,
               json_rows: Sequence[dict[str, Any]] | None = None) -> Path | None:
    """Write `rows` in `fmt`; `json_rows` (when given) is what JSON lines print instead."""
    if fmt == "json":
        for row in json_rows if json_rows is not None else rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return None
    columns = list(rows[0].keys()) if rows else []
    if fmt == "csv":
        handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
        try:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([sheet_cell(row[c]) for c in columns])
        finally:
            if out:
                handle.close()
        return out
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        target = out or Path(f"{title.lower().replace(' ', '-')}.xlsx")
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = title[:31]
        sheet.append(columns)
        for row in rows:
            sheet.append([sheet_cell(row[c]) if not isinstance(row[c], int | float) or isinstance(row[c], bool)
                          else row[c] for c in columns])
        for i, col in enumerate(columns, start=1):
            width = max([len(col)] + [len(cell(r[col])) for r in rows[:500]])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"
        book.save(target)
        return target
    from rich.console import Console  # only a terminal table needs rich
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(table_cell(row[c]) for c in columns))
    Console(width=160).print(table)
    return None
