"""The parse sandbox: tasks run in worker processes bounded in time (the parent kills)
and memory (the kernel refuses); a killed or dead worker is replaced and the task
answers with a terminal error. Small limits keep this fast; nothing asserts a duration.

The task functions are module-level so a worker can import them by name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import extractors
from core.errors import (
    ConfigurationError,
    DocumentTimeout,
    DocumentTooLarge,
    MessageUnreadable,
    TerminalError,
    UnreadableDocument,
)
from core.settings import Settings
from mail.mime import MimeLimits, parse_message
from pipeline.sandbox import ParseLimits, Sandbox, kill_tree
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.hostile import build

LIMITS = ParseLimits(document_timeout_s=3.0, memory_mb=64, mime_timeout_s=3.0)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# -- tasks (run in the worker) ------------------------------------------------------------


def add(a: int, b: int) -> int:
    return a + b


def spin() -> None:
    while True:
        pass


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))


def spawn_and_spin(pidfile: str) -> None:
    """Start a grandchild in a session of its own (as LibreOffice is), then hang."""
    child = subprocess.Popen(["sleep", "600"], start_new_session=True)
    Path(pidfile).write_text(str(child.pid))
    spin()


def exit_abruptly(status: int) -> None:
    os._exit(status)


def slow_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(LIMITS, workers=1, warm=False) as pool:
        yield pool


def _gone(pid: int) -> bool:
    """True once `pid` has exited (no /proc entry, or a zombie awaiting its reaper)."""
    for _ in range(100):
        try:
            state = Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0]
        except OSError:
            return True
        if state == b"Z":
            return True
        time.sleep(0.05)
    return False


# -- documents and emails ------------------------------------------------------------------


def test_extract_in_the_sandbox_gives_the_same_return_as_in_process(sandbox: Sandbox) -> None:
    data = return_docx("Fife Council", ["Re-ablement for everyone (R3)."])
    ctx = extractors.ExtractContext.build("fife.docx")
    assert sandbox.extract(data, ctx) == extractors.extract(data, ctx)


def test_a_document_error_comes_back_as_raised_in_the_worker(sandbox: Sandbox) -> None:
    with pytest.raises(UnreadableDocument) as caught:
        sandbox.extract(build.pdf_count_loop(), extractors.ExtractContext.build("loop.pdf"))
    assert str(caught.value) == "loop.pdf: the PDF's page tree loops back on itself"


def test_parse_message_in_the_sandbox_gives_the_same_result_as_in_process(sandbox: Sandbox) -> None:
    raw = MessageBuilder(subject="Our return").text("Attached.").attach("fife.docx", b"PK\x03\x04", DOCX).build()
    assert sandbox.parse_message(raw, MimeLimits()) == parse_message(raw, MimeLimits())


def test_an_email_over_the_memory_budget_is_unreadable_and_terminal() -> None:
    with Sandbox(ParseLimits(memory_mb=1), warm=True) as tiny:
        raw = MessageBuilder(subject="Big").attach("big.pdf", b"%PDF-1.4 " * (3 << 20), "application/pdf").build()
        with pytest.raises(MessageUnreadable) as caught:
            tiny.parse_message(raw, MimeLimits())
    assert str(caught.value) == "the email needs more than 1 MB to read"
    assert isinstance(caught.value, TerminalError)


# -- time -------------------------------------------------------------------------------------


def test_a_hang_is_killed_at_the_time_limit_and_the_next_task_runs(sandbox: Sandbox) -> None:
    with pytest.raises(DocumentTimeout) as caught:
        sandbox.call(spin, name="hang.pdf")
    assert str(caught.value) == "hang.pdf: took longer than 3 s to read; it may be damaged"
    assert isinstance(caught.value, TerminalError)
    assert sandbox.call(add, 2, 3) == 5


def test_a_timeout_kills_grandchildren_in_a_session_of_their_own(sandbox: Sandbox, tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    with pytest.raises(DocumentTimeout):
        sandbox.call(spawn_and_spin, str(pidfile), name="convert.doc", timeout_s=2.0)
    assert _gone(int(pidfile.read_text()))


def test_kill_tree_kills_a_process_and_its_descendants() -> None:
    shell = subprocess.Popen(["sh", "-c", "sleep 600 & sleep 600 & wait"], start_new_session=True)
    kill_tree(shell.pid)
    assert shell.wait(10) == -signal.SIGKILL


# -- memory ----------------------------------------------------------------------------------


def test_a_memory_hog_is_stopped_with_the_out_of_memory_error(sandbox: Sandbox) -> None:
    with pytest.raises(DocumentTooLarge) as caught:
        sandbox.call(allocate, 1024, name="hog.pdf")
    assert str(caught.value) == "hog.pdf: needs more than 64 MB to read"
    assert sandbox.call(allocate, 16) == 16 << 20  # a fresh worker, within the budget


def test_the_memory_limit_turns_an_allocation_into_an_error_in_the_worker() -> None:
    """The kernel refuses (RLIMIT_DATA): the worker survives to say so and retires."""
    with Sandbox(ParseLimits(memory_mb=32), warm=False) as small:
        first = small.call(os.getpid)
        with pytest.raises(DocumentTooLarge):
            small.call(allocate, 512, name="hog.pdf")
        assert small.call(os.getpid) != first


# -- dead workers -----------------------------------------------------------------------------


def test_a_worker_killed_while_idle_is_replaced(sandbox: Sandbox) -> None:
    first = sandbox.call(os.getpid)
    os.kill(first, signal.SIGKILL)
    assert _gone(first)
    second = sandbox.call(os.getpid)
    assert second != first
    assert sandbox.call(add, 1, 1) == 2


def test_a_worker_that_dies_mid_task_answers_with_a_terminal_error(sandbox: Sandbox) -> None:
    with pytest.raises(UnreadableDocument) as caught:
        sandbox.call(exit_abruptly, 3, name="odd.pdf")
    assert str(caught.value) == "odd.pdf: the reader stopped unexpectedly (exit status 3); the file may be damaged"
    assert sandbox.call(add, 2, 2) == 4


def test_an_unexpected_exception_is_one_unreadable_line(sandbox: Sandbox) -> None:
    with pytest.raises(UnreadableDocument) as caught:
        sandbox.call(int, "not a number", name="odd.pdf")
    assert str(caught.value) == (
        "odd.pdf: could not be read (ValueError: invalid literal for int() with base 10: 'not a number')")


# -- the pool -----------------------------------------------------------------------------


def test_two_workers_serve_two_threads_at_once() -> None:
    with Sandbox(LIMITS, workers=2, warm=False) as pool:
        pids: list[int] = []
        threads = [threading.Thread(target=lambda: pids.append(pool.call(slow_pid, 0.5))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(set(pids)) == 2


def test_the_command_line_start_method_fork_works_too() -> None:
    with Sandbox(LIMITS, start_method="fork", warm=False) as pool:
        assert pool.call(add, 20, 22) == 42


def test_a_closed_sandbox_refuses_work() -> None:
    pool = Sandbox(LIMITS, warm=False)
    pool.close()
    with pytest.raises(ConfigurationError):
        pool.call(add, 1, 2)


def test_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETURNS_PARSE_TIMEOUT_S", "42")
    monkeypatch.setenv("RETURNS_PARSE_MEMORY_MB", "256")
    assert ParseLimits.from_settings(Settings()) == ParseLimits(42.0, 256, 60.0)
