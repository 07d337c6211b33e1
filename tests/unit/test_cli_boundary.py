"""The command line's error boundary (cli.boundary): every command ends in one line on
stderr and an exit status, never a traceback; the detail goes to the log.

A small app built on the same `ReturnsTyper` stands in for commands that fail in each
way, so the boundary is tested without a mailbox or a database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.boundary import ReturnsTyper, log_to_home, one_line
from core.errors import MailboxUnavailable

demo = ReturnsTyper(add_completion=False, pretty_exceptions_enable=False)


@demo.command()
def broken(count: int = 1) -> None:
    """Fails the way a bug does."""
    raise KeyError(f"missing-{count}")


@demo.command()
def offline() -> None:
    """Fails the way an outside system does."""
    raise MailboxUnavailable("imap.example: connection refused")


@demo.command()
def works() -> None:
    """Succeeds."""


@pytest.fixture(autouse=True)
def clean_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with the boundary's logging unconfigured, and leaves it so."""
    monkeypatch.delenv("RETURNS_DEBUG", raising=False)
    monkeypatch.delenv("RETURNS_LOG_FILE", raising=False)
    loggers = [logging.getLogger(), logging.getLogger("returns")]
    saved = [list(logger.handlers) for logger in loggers]
    yield
    for logger, handlers in zip(loggers, saved, strict=True):
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers[:] = handlers


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        demo(args=args, prog_name="returns")
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_a_bug_is_one_line_and_exit_1_with_the_traceback_in_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log_file = tmp_path / "returns.log"
    monkeypatch.setenv("RETURNS_LOG_FILE", str(log_file))
    status, out, err = run(["broken", "--count", "7"], capsys)
    assert (status, out, err) == (
        1, "", f"returns broken: failed unexpectedly (KeyError: 'missing-7'); details in {log_file}\n")
    logged = log_file.read_text()
    assert "returns broken failed unexpectedly" in logged
    assert "Traceback (most recent call last)" in logged
    assert "KeyError: 'missing-7'" in logged


def test_without_a_log_file_the_line_says_how_to_see_the_detail(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["broken"], capsys) == (
        1, "", "returns broken: failed unexpectedly (KeyError: 'missing-1'); "
        "run it again with RETURNS_DEBUG=1 for the details\n")


def test_debug_shows_the_traceback_on_stderr(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETURNS_DEBUG", "1")
    status, _, err = run(["broken"], capsys)
    assert status == 1
    assert "Traceback (most recent call last)" in err


def test_an_error_of_the_project_is_its_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log_to_home(tmp_path)
    assert run(["offline"], capsys) == (1, "", "returns offline: imap.example: connection refused\n")
    assert "MailboxUnavailable: imap.example: connection refused" in (tmp_path / "returns.log").read_text()


def test_a_usage_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["broken", "--count", "many"], capsys) == (
        2, "", "returns broken: Invalid value for '--count': Input should be a valid integer, unable to parse "
        "string as an integer (see returns broken --help)\n")
    assert run(["nosuch"], capsys) == (2, "", "returns: No such command 'nosuch'. (see returns --help)\n")


def test_success_is_exit_0_and_silent(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["works"], capsys) == (0, "", "")


def test_a_log_that_cannot_be_written_never_breaks_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    log_to_home(Path("/dev/null/no-such-home"))
    assert run(["offline"], capsys) == (1, "", "returns offline: imap.example: connection refused\n")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("fife.pdf: damaged", "fife.pdf: damaged"),
        ("two\nlines\r\nand\ta tab", "two lines  and a tab"),
        ("\x1b[2J\x1b[31mred\x07", "\\x1b[2J\\x1b[31mred\\x07"),
        ("evil\u202egpj.pdf", "evil\\u202egpj.pdf"),
        ("r\udce9sum\udcff.pdf", "r\ufffdsum\ufffd.pdf"),  # undecodable bytes from the command line
        ("Dundee – café", "Dundee – café"),
    ],
)
def test_one_line_makes_any_text_safe_for_the_terminal(text: str, line: str) -> None:
    assert one_line(text) == line
