"""Outside text in terminal tables prints as it is: rich markup ("[bold red]", "[link=...]")
shows literally, and control characters (terminal escapes, carriage returns, bells) are
made visible, never sent to the terminal. Every table goes through cli.export.table_cell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from cli.app import app
from cli.export import write_rows
from core.settings import Settings
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, run_plain, with_received
from warehouse import make_engine, session_scope
from warehouse.models import Submission

runner = CliRunner()
Deliver = Callable[[bytes], None]
CONTROLS = ("\x1b", "\r", "\x07", "\x9b")
FILE_NAME = "[red]x[/].docx"
MESSAGE_ID = "<[link=https://evil.example]m[/link]@x>"


def _hostile_email() -> bytes:
    raw = (MessageBuilder(sender="cswo@fife.council.example", message_id="<placeholder@x>",
                          subject="[bold]Our return[/bold]")
           .text("Our return is attached.")
           .attach(FILE_NAME, return_docx("Fife Council", ["Integrated assessment (R1)."],
                                          "Chief Social Work Officer"), DOCX)
           .build())
    return with_received(raw.replace(b"<placeholder@x>", MESSAGE_ID.encode()), "Fri, 20 Oct 2006 10:16:00 +0100")


def _table(settings: Settings) -> str:
    result = runner.invoke(app, ["submissions", "--home", str(settings.home)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_markup_in_a_file_name_and_a_message_id_prints_literally(
        maildir_settings: Settings, deliver: Deliver) -> None:
    deliver(_hostile_email())
    run_plain(maildir_settings)
    out = _table(maildir_settings)
    assert f"{FILE_NAME}:" in out  # not "x.docx" in red
    assert MESSAGE_ID in out  # not a hyperlink labelled "m"


def test_control_characters_in_a_stored_value_are_shown_not_sent_to_the_terminal(
        maildir_settings: Settings, deliver: Deliver) -> None:
    """The intake already drops control characters from file names and Message-IDs;
    the table does not rely on that (an older row, another path in)."""
    deliver(_hostile_email())
    run_plain(maildir_settings)
    engine = make_engine(maildir_settings.database_url)
    try:
        with session_scope(engine) as session:
            session.execute(update(Submission).values(
                message_id="<\x1b[31mred\x1b[0m@x>", reason="\x1b]8;;https://evil.example\x07click\r\x9bJ ok"))
    finally:
        engine.dispose()
    out = _table(maildir_settings)
    assert [c for c in CONTROLS if c in out] == []
    assert r"<\x1b[31mred\x1b[0m@x>" in out
    assert r"\x1b]8;;https://evil.example\x07click \x9bJ ok" in out  # the CR became a space


def test_every_table_of_rows_takes_its_cells_literally(capsys: pytest.CaptureFixture[str]) -> None:
    """write_rows draws `status`, `chases` and `report` tables: senders and reasons there."""
    write_rows([{"from": "[bold]evil[/bold] :skull:", "reason": "\x1b[2Jcleared\x07"}], "table", title="Queue")
    out = capsys.readouterr().out
    assert "[bold]evil[/bold] :skull:" in out
    assert r"\x1b[2Jcleared\x07" in out
    assert [c for c in CONTROLS if c in out] == []


def test_a_file_name_in_the_folder_summary_prints_literally(tmp_path: Path) -> None:
    (tmp_path / "[reverse]fife\x1b[31m.pdf").write_bytes(b"")
    result = runner.invoke(app, ["folder", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert r"[reverse]fife\x1b[31m.pdf" in result.stdout
    assert [c for c in CONTROLS if c in result.stdout] == []


def test_a_cell_that_starts_like_a_formula_is_made_inert_in_csv_and_xlsx(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows = [{"subject": '=HYPERLINK("http://evil.example","x")', "org": "+44 131", "n": -3, "none": "-"},
            {"subject": "@SUM(A1)", "org": "Fife Council", "n": 2, "none": ""}]
    out = write_rows(rows, "csv", title="t", out=tmp_path / "t.csv")
    assert out is not None
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and "'+44 131" in text and "'@SUM(A1)" in text and ",-3," in text
    book = write_rows(rows, "xlsx", title="t", out=tmp_path / "t.xlsx")
    assert book is not None
    sheet = load_workbook(book).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ['\'=HYPERLINK("http://evil.example","x")', "'+44 131", -3, "-"]
    assert sheet["A2"].data_type == "s"  # a string, not a formula
