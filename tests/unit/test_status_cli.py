"""`returns status`, `returns accept` and `returns recheck` on the command line: the
stable JSON of section 10, CSV and XLSX for analysts, the board for people."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.app import app
from core.settings import Settings
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, run_plain, with_received

RUNNER = CliRunner()


def _seed(settings: Settings, deliver: Callable[[bytes], None]) -> None:
    raw = (MessageBuilder(sender="director@forth-valley-advocacy.org.example", subject="Return", message_id="<c1@fv>")
           .attach("fv.docx", return_docx("Forth Valley Advocacy Network", ["Carers' centre (R2)"], position="Director",
                                             org_type="Voluntary sector"), DOCX).build())
    deliver(with_received(raw, "Mon, 30 Oct 2006 16:00:00 +0000"))
    run_plain(settings)


def _run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, list(args), env={"RETURNS_CHECK_ENGINE": "plain"})
    return result.exit_code, result.output


def test_status_json_is_one_object_per_register_organisation_as_of_a_date(
        maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    _seed(maildir_settings, deliver)
    code, out = _run("status", "--home", str(maildir_settings.home), "--as-of", "2006-10-30", "--format", "json")
    assert code == 0, out
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 44
    by_id = {r["org_id"]: r for r in rows}
    assert by_id["forth-valley-advocacy"] == {
        "org_id": "forth-valley-advocacy", "status": "accepted", "problems": [], "late": False, "escalated": False,
        "current": {"version": 1, "received": "2006-10-30", "message_id": "<c1@fv>"}}
    assert by_id["fife"] == {"org_id": "fife", "status": "missing", "problems": [], "late": False,
                             "escalated": False, "current": None}
    code, out = _run("status", "--home", str(maildir_settings.home), "--as-of", "2006-10-29", "--format", "json")
    assert {json.loads(line)["org_id"]: json.loads(line)["status"] for line in out.splitlines()}[
        "forth-valley-advocacy"] == "missing"


def test_status_csv_and_xlsx_for_analysts(maildir_settings: Settings, deliver: Callable[[bytes], None],
                                          tmp_path: Path) -> None:
    _seed(maildir_settings, deliver)
    code, out = _run("status", "--home", str(maildir_settings.home), "--as-of", "2006-11-01", "--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    fv = next(r for r in rows if r["org_id"] == "forth-valley-advocacy")
    assert (fv["status"], fv["late"], fv["version"], fv["received"]) == ("accepted", "no", "1", "2006-10-30")
    fife = next(r for r in rows if r["org_id"] == "fife")
    assert (fife["status"], fife["late"]) == ("no return received", "yes")
    target = tmp_path / "board.xlsx"
    code, out = _run("status", "--home", str(maildir_settings.home), "--as-of", "2006-11-01", "--format", "xlsx",
                     "--out", str(target))
    assert code == 0, out
    sheet = load_workbook(target).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["org_id", "organisation", "type", "status"]
    assert sheet.max_row == 45


def test_status_refuses_a_mistyped_home_instead_of_making_an_empty_warehouse(tmp_path: Path) -> None:
    code, out = _run("status", "--home", str(tmp_path / "typo"))
    assert code == 1
    assert out.strip() == f"no warehouse at {tmp_path / 'typo' / 'returns.db'}: check --database or --home"
    assert not (tmp_path / "typo" / "returns.db").exists()


def test_accept_and_recheck_commands(maildir_settings: Settings, deliver: Callable[[bytes], None]) -> None:
    _seed(maildir_settings, deliver)
    home = str(maildir_settings.home)
    code, out = _run("accept", "1", "--home", home, "--by", "J Hughes", "--reason", "checked by phone")
    assert (code, out.strip()) == (0, "return 1 (forth-valley-advocacy v1): accepted despite its checks, "
                                      "by J Hughes: checked by phone")
    code, out = _run("accept", "99", "--home", home, "--by", "J Hughes", "--reason", "x")
    assert code == 1
    assert out.strip().startswith("accept: return 99: no such return")
    code, out = _run("recheck", "--home", home)
    assert (code, out.strip()) == (0, "recheck: 1 return(s) checked under suite 2026.11.1; 0 changed")
