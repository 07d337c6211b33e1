"""The `returns` command line. Each command is a thin wrapper: parse, call, print.

    returns extract FILE            canonical JSON of one document (RETURN-FORM.md s.8)
    returns demo [FOLDER]           extract every return in a folder, print a summary
    returns schema                  the canonical return's JSON Schema
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from returns.errors import DocumentError, ReturnsError

app = typer.Typer(
    help="Intake pipeline for Changing Lives self assessment returns.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

DEMO_DIR = Path(__file__).parent / "data" / "demo"


def _fail(message: str) -> None:
    """One clear line on stderr, exit status 1 (no traceback for any input)."""
    sys.stderr.write(message.replace("\n", " ").strip() + "\n")
    raise typer.Exit(1)


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A .docx, .doc, .docm, .rtf or .pdf return.")],
    collection: Annotated[str, typer.Option(help="Collection id or TOML path.")] = "changing-lives-2006",
) -> None:
    """Print the canonical return of FILE as JSON (exit 1 with a reason if it is not one)."""
    from extractors import extract as run_extract
    from schemas import load_collection

    try:
        data = file.read_bytes()
    except OSError as err:
        _fail(f"{file}: cannot read the file: {err.strerror or err}")
        return
    try:
        record = run_extract(data, file.name, load_collection(collection))
    except DocumentError as err:
        _fail(str(err))
        return
    except ReturnsError as err:
        _fail(f"{file.name}: {err}")
        return
    except Exception as err:  # the boundary: never a traceback for a bad file
        _fail(f"{file.name}: could not be read ({type(err).__name__}: {err})")
        return
    sys.stdout.write(record.to_json() + "\n")


@app.command()
def demo(
    folder: Annotated[Path | None, typer.Argument(help="Folder of returns (default: bundled demo).")] = None,
) -> None:
    """Extract every return in FOLDER and print a summary table."""
    from returns.summary import summarise_folder

    summarise_folder(folder or DEMO_DIR)


@app.command()
def schema(
    collection: Annotated[str, typer.Option(help="Collection id or TOML path.")] = "changing-lives-2006",
) -> None:
    """Print the JSON Schema of the canonical return for a collection."""
    from schemas.export import json_schema
    from schemas import load_collection

    import json

    sys.stdout.write(json.dumps(json_schema(load_collection(collection)), indent=2) + "\n")


if __name__ == "__main__":  # pragma: no cover
    app()
