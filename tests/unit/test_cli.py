"""The `returns` command line: the stable extraction hook and the everyday commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.factories.forms import FormFiller, freeform_docx

runner = CliRunner()


def test_extract_prints_the_canonical_json_and_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "fife.docx"
    path.write_bytes(FormFiller().part_a("Fife Council", "Local authority")
                     .strengths("community_care", ["Re-ablement for everyone (R3)."])
                     .sign("J Smith", "J Smith", "CSWO", "20 October 2006").bytes())
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["organisation"] == {"name": "Fife Council", "type": "local_authority"}
    assert record["sections"]["community_care"]["strengths"] == [
        {"text": "Re-ablement for everyone (R3).", "recommendations": [3]}]
    assert record["source"]["filename"] == "fife.docx"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("letter.docx", freeform_docx([("Dear Jane", None), ("Our return is attached.", None)]),
         "letter.docx: this is a letter (a covering letter?), not a self assessment return"),
        ("empty.pdf", b"", "empty.pdf: the file is empty"),
        ("noise.docx", b"\x00\x01 not a document at all", "noise.docx: a file of unknown type"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj <<", "broken.pdf:"),
    ],
)
def test_extract_refuses_with_one_line_on_stderr_and_exit_1(tmp_path: Path, name: str, data: bytes,
                                                            message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert "Traceback" not in result.stderr


def test_extract_of_a_missing_file_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.pdf")])
    assert (result.exit_code, result.stderr.strip()) == (1, f"{tmp_path / 'nope.pdf'}: cannot read the file: "
                                                            "No such file or directory")


def test_schema_names_every_section_of_the_collection() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["properties"]["sections"]["required"] == [
        "children_families", "community_care", "criminal_justice", "whole_service", "national_priorities"]
    assert schema["properties"]["collection"] == {"const": "changing-lives-2006", "title": "Collection"}


def test_the_exported_json_schema_file_is_current() -> None:
    exported = Path(__file__).resolve().parents[2] / "schemas" / "return.schema.json"
    result = runner.invoke(app, ["schema"])
    assert json.loads(exported.read_text(encoding="utf-8")) == json.loads(result.stdout), (
        "schemas/return.schema.json is stale: run `returns schema > schemas/return.schema.json`")
