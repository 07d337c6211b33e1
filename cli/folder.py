"""A readable summary table of the returns in a folder (the first-run demo)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from core.errors import DocumentError

SUFFIXES = {".docx", ".docm", ".doc", ".rtf", ".pdf"}


def summarise_folder(folder: Path) -> int:
    """Extract every document in `folder`; print one row each. Returns the count read."""
    from extractors import ExtractContext, extract

    console = Console()
    table = Table(title=f"Returns in {folder}", show_lines=False)
    for column in ("file", "organisation", "type", "services", "items", "signed by", "date", "note"):
        table.add_column(column, overflow="fold")
    read = 0
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
    for path in files:
        try:
            r = extract(path.read_bytes(), ExtractContext.build(path.name))
        except DocumentError as err:
            table.add_row(path.name, "-", "-", "-", "-", "-", "-", f"[red]{err}[/red]")
            continue
        read += 1
        note = "OCR" if r.source.ocr else ""
        signer = r.sign_off.name or ("(signed)" if r.sign_off.signed else "[yellow]unsigned[/yellow]")
        table.add_row(
            path.name,
            r.organisation.name or "[yellow]?[/yellow]",
            r.organisation.type or "-",
            ", ".join(s.replace("_", " ") for s in r.services) or "-",
            str(r.item_count()),
            f"{signer}" + (f", {r.sign_off.position}" if r.sign_off.position else ""),
            r.sign_off.date.isoformat() if r.sign_off.date else "-",
            note,
        )
    console.print(table)
    console.print(f"{read} of {len(files)} documents read as returns.")
    sys.stdout.flush()
    return read
