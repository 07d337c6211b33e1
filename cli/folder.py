"""A readable summary table of the returns in a folder (the first-run demo)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cli.export import table_cell
from core.errors import DocumentError

SUFFIXES = {".docx", ".docm", ".doc", ".rtf", ".pdf"}


def summarise_folder(folder: Path) -> int:
    """Extract every document in `folder`; print one row each. Returns the count read."""
    from extractors import ExtractContext, extract

    console = Console()
    table = Table(title=table_cell(f"Returns in {folder}"), show_lines=False)
    for column in ("file", "organisation", "type", "services", "items", "signed by", "date", "note"):
        table.add_column(column, overflow="fold")
    read = 0
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    for path in files:
        try:
            r = extract(path.read_bytes(), ExtractContext.build(path.name))
        except DocumentError as err:
            table.add_row(table_cell(path.name), "-", "-", "-", "-", "-", "-", table_cell(err, style="red"))
            continue
        read += 1
        note = "OCR" if r.source.ocr else ""
        signer = r.sign_off.name or ("(signed)" if r.sign_off.signed else "")
        position = f", {r.sign_off.position}" if r.sign_off.position else ""
        table.add_row(
            table_cell(path.name),
            table_cell(r.organisation.name) if r.organisation.name else table_cell("?", style="yellow"),
            table_cell(r.organisation.type or "-"),
            table_cell(", ".join(s.replace("_", " ") for s in r.services) or "-"),
            table_cell(r.item_count()),
            table_cell(signer + position) if signer else table_cell("unsigned", style="yellow") + table_cell(position),
            table_cell(r.sign_off.date.isoformat() if r.sign_off.date else "-"),
            table_cell(note),
        )
    console.print(table)
    console.print(f"{read} of {len(files)} documents read as returns.")
    sys.stdout.flush()
    return read
