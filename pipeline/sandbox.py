"""The parse sandbox: every parse of untrusted bytes runs in a child process that the
operating system bounds in memory and the parent bounds in time.

    with Sandbox(ParseLimits(), workers=2) as sandbox:
        record = sandbox.extract(data, ctx)           # extractors.extract, bounded
        parsed = sandbox.parse_message(raw, limits)   # mail.mime.parse_message, bounded
        value = sandbox.call(func, *args, name=...)   # any module-level function, bounded

      parent (this module)                  worker (pipeline.sandbox_worker), long-lived
      ───────────────────────               ───────────────────────────────────────────
      take an idle worker (start one     ─► setsid, 1 BLAS/OpenMP thread, readers imported,
        if it is missing or dead)            RLIMIT_DATA = VmData after imports + memory_mb
      send Task, wait <= the time limit  ─► run it; reply ok | error | memory | crash
      no reply in time: SIGKILL the worker, its process group and every descendant
        (LibreOffice runs in a session of its own), reap it    -> DocumentTimeout
      "memory", or killed by the kernel                        -> DocumentTooLarge
      died otherwise / crashed                                 -> UnreadableDocument
      a dead or retired worker is replaced on the next task; errors are TERMINAL

Memory: RLIMIT_DATA, not RLIMIT_AS. Measured on this stack (Python 3.11, numpy 2.4,
pdfplumber 0.11, lxml 6): after the imports a worker has VmSize ~225 MB and VmData
~105 MB. Both limits turned a 1 GB allocation into MemoryError and both let the sample
returns through (OCR included) at +300 MB; at +100 MB RLIMIT_AS broke LibreOffice
(soffice.bin inherits the limit and reserves far more address space than it uses)
while RLIMIT_DATA still converted the .doc. The limit is inherited by each LibreOffice
or Tesseract child, which is bounded by it on its own.

Time: the parent's wall clock, per task (`document_timeout_s` covers the whole
document, conversion and OCR included; `mime_timeout_s` one email). The worker also
carries a CPU-time backstop and a parent watchdog (see pipeline.sandbox_worker).

Start method, chosen deliberately: "forkserver" by default. The intake runs inside
Prefect, which runs tasks in threads; fork() of a threaded process copies locks held
by other threads (logging, the import lock, OpenBLAS) and can deadlock the child.
Forkserver forks workers from a clean single-threaded server process. The command
line (`returns extract`) has no threads and passes "fork", which starts a worker
without a fresh interpreter. Worker start-up (imports) is ~1-2.5 s, paid once per
worker, not per document: workers are long-lived and the pool hands each task to an
idle one (the intake's fan-out uses `workers` > 1 from several threads).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Literal

from core.errors import (
    ConfigurationError,
    DocumentTimeout,
    DocumentTooLarge,
    MessageUnreadable,
    ReturnsError,
    SandboxUnavailable,
    UnreadableDocument,
)
from pipeline.sandbox_worker import Reply, Task, serve

if TYPE_CHECKING:
    from core.settings import Settings
    from extractors.context import ExtractContext
    from mail.mime import MimeLimits, ParsedMessage
    from schemas import Return

__all__ = ["ParseLimits", "Sandbox", "StartMethod"]

log = logging.getLogger(__name__)
StartMethod = Literal["forkserver", "fork", "spawn"]
START_TIMEOUT_S = 120.0  # a worker's imports; a cold disk can be slow


@dataclass(frozen=True)
class ParseLimits:
    document_timeout_s: float = 300.0  # one document, conversion and OCR included
    memory_mb: int = 1024  # per worker, above what its imports use
    mime_timeout_s: float = 60.0  # one email's MIME structure

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(settings.parse_timeout_s, settings.parse_memory_mb, settings.parse_mime_timeout_s)


class _Timeout(Exception):
    pass


class _Died(Exception):
    def __init__(self, how: str, killed: bool) -> None:
        super().__init__(how)
        self.how = how
        self.killed = killed  # by SIGKILL from outside: the kernel's out-of-memory killer


class Sandbox:
    """A pool of `workers` long-lived worker processes (started on first use)."""

    def __init__(
        self, limits: ParseLimits, workers: int = 1, start_method: StartMethod = "forkserver", warm: bool = True
    ) -> None:
        """`warm`: workers import every reader before their first task (long-lived pools);
        False suits one document (`returns extract`): readers load as needed."""
        if workers < 1:
            raise ConfigurationError("the parse sandbox needs at least one worker")
        self.limits = limits
        self._context = multiprocessing.get_context(start_method)
        self._warm = warm
        self._idle: queue.LifoQueue[_Worker | None] = queue.LifoQueue()
        for _ in range(workers):
            self._idle.put(None)  # a free slot whose worker is started when needed
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def extract(self, data: bytes, ctx: ExtractContext) -> Return:
        """`extractors.extract(data, ctx)` in a worker. Raises DocumentError subclasses
        (DocumentTimeout, DocumentTooLarge when out of memory: terminal); the
        extractor's other errors pass through as raised (ConversionTimeout stays
        transient); SandboxUnavailable (transient) if no worker can be started."""
        result: Return = self._run(Task("extract", (data, ctx), self.limits.document_timeout_s), ctx.name, "document")
        return result

    def parse_message(self, raw: bytes, limits: MimeLimits) -> ParsedMessage:
        """`mail.mime.parse_message(raw, limits)` in a worker; MessageUnreadable (terminal)
        when it takes too long, needs too much memory or crashes."""
        result: ParsedMessage = self._run(
            Task("parse_message", (raw, limits), self.limits.mime_timeout_s), "the email", "message"
        )
        return result

    def call(self, func: Callable[..., Any], *args: Any, name: str = "the task", timeout_s: float | None = None) -> Any:
        """`func(*args)` in a worker (a module-level function): any other bounded parse.
        Errors are those of a document named `name`."""
        timeout = self.limits.document_timeout_s if timeout_s is None else timeout_s
        return self._run(Task("call", (func, *args), timeout), name, "document")

    def close(self) -> None:
        """Stop every worker (idle ones politely, busy ones by force)."""
        with self._lock:
            self._closed = True
            workers = list(self._live)
            self._live.clear()
        for worker in workers:
            worker.stop()

    # -- the pool -------------------------------------------------------------------

    def _run(self, task: Task, name: str, what: str) -> Any:
        if self._closed:
            raise ConfigurationError("the parse sandbox is closed")
        worker = self._idle.get()  # blocks until a slot is free
        try:
            if worker is None or not worker.alive():
                self._discard(worker)
                worker = None
                worker = self._start()
            try:
                reply = worker.run(task)
            except _Timeout:
                self._discard(worker)
                worker = None
                log.warning("%s: killed after %g s", name, task.timeout_s)
                raise _timeout_error(name, what, task.timeout_s) from None
            except _Died as died:
                self._discard(worker)
                worker = None
                raise self._died_error(name, what, died) from None
            if reply.retire:
                self._discard(worker)
                worker = None
            return self._outcome(reply, name, what)
        finally:
            self._idle.put(worker)  # None: the next task starts a fresh worker here

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.limits.memory_mb, self._warm)
        with self._lock:
            closed = self._closed
            if not closed:
                self._live.add(worker)
        if closed:
            worker.stop()
            raise ConfigurationError("the parse sandbox is closed")
        return worker

    def _discard(self, worker: _Worker | None) -> None:
        """Kill `worker` (and everything it started) and forget it."""
        if worker is None:
            return
        worker.kill()
        with self._lock:
            self._live.discard(worker)

    def _outcome(self, reply: Reply, name: str, what: str) -> Any:
        log.debug("%s: %s in %.2f s, worker peak %d MB", name, reply.outcome, reply.seconds, reply.peak_rss_kb // 1024)
        if reply.outcome == "ok":
            return reply.value
        if reply.outcome == "error" and isinstance(reply.value, ReturnsError):
            raise reply.value
        if reply.outcome == "memory":
            raise self._memory_error(name, what)
        first = reply.detail.partition("\n")[0]
        log.warning("%s: the reader failed unexpectedly: %s", name, reply.detail)
        if what == "message":
            raise MessageUnreadable(f"the email could not be read ({first})")
        raise UnreadableDocument(f"{name}: could not be read ({first})")

    def _memory_error(self, name: str, what: str) -> ReturnsError:
        needs = f"needs more than {self.limits.memory_mb:,} MB to read"
        return MessageUnreadable(f"the email {needs}") if what == "message" else DocumentTooLarge(f"{name}: {needs}")

    def _died_error(self, name: str, what: str, died: _Died) -> ReturnsError:
        log.warning("%s: the reader process died (%s)", name, died.how)
        if died.killed:
            return self._memory_error(name, what)
        if what == "message":
            return MessageUnreadable(f"the email could not be read: the reader stopped unexpectedly ({died.how})")
        return UnreadableDocument(f"{name}: the reader stopped unexpectedly ({died.how}); the file may be damaged")


def _timeout_error(name: str, what: str, seconds: float) -> ReturnsError:
    took = f"took longer than {seconds:g} s to read; it may be damaged"
    return MessageUnreadable(f"the email {took}") if what == "message" else DocumentTimeout(f"{name}: {took}")


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context: Any, memory_mb: int, warm: bool) -> None:
        parent_end, child_end = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child_end, parent_end, memory_mb, warm), name="returns-parse", daemon=True
        )
        self.process.start()
        child_end.close()
        self.conn: Connection = parent_end
        try:
            if not self.conn.poll(START_TIMEOUT_S):
                raise SandboxUnavailable(f"a parse worker did not start within {START_TIMEOUT_S:g} s")
            self.conn.recv()  # ("ready", pid, baseline)
        except (EOFError, OSError) as err:
            self.kill()
            raise SandboxUnavailable(f"a parse worker could not start ({self._how()})") from err
        except BaseException:
            self.kill()
            raise

    def alive(self) -> bool:
        """True when the idle worker can take a task. An idle worker never writes, so a
        readable pipe means it is gone (EOF), even before its exit is reaped."""
        if self.conn.closed or not self.process.is_alive() or not _running(self.process.pid):
            return False
        try:
            return not self.conn.poll(0)
        except (OSError, EOFError):
            return False

    def run(self, task: Task) -> Reply:
        """The worker's reply; _Timeout after `task.timeout_s`, _Died if it dies."""
        try:
            try:
                self.conn.send(task)
            except OSError:  # the worker stopped reading: a reply may still say why
                if not self.conn.poll(1.0):
                    raise
            answered = self.conn.poll(task.timeout_s)  # True too when the worker died (EOF)
            reply: Reply | None = self.conn.recv() if answered else None
        except (EOFError, OSError) as err:
            self.process.join(1.0)
            raise _Died(self._how(), self.process.exitcode == -signal.SIGKILL) from err
        except BaseException:  # interrupted (Ctrl-C): leave no worker mid-task
            self.kill()
            raise
        if reply is None:
            raise _Timeout
        return reply

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)
        self.process.join(2.0)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the worker, its process group and all its descendants, and reap it."""
        pid = self.process.pid
        if pid is not None and self.process.exitcode is None:
            kill_tree(pid)
        self.process.join(5.0)
        with contextlib.suppress(OSError):
            self.conn.close()

    def _how(self) -> str:
        code = self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"


def _running(pid: int | None) -> bool:
    """True while `pid` is a live process (not gone, not a zombie). Under forkserver the
    worker is the server's child, so its death reaches this process late; /proc is
    first to know."""
    if pid is None:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:  # noqa: PTH123 - a /proc file
            state = stat.read().rpartition(b")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def kill_tree(pid: int) -> None:
    """SIGKILL process `pid`, its process group and every descendant and their groups.

    Descendants are found through /proc (LibreOffice starts a session of its own, so
    the worker's group does not hold it). Everything is stopped (SIGSTOP) first so that
    nothing forks while the tree is read. Never touches this process or its group.
    """
    own = {os.getpid(), os.getpgrp()}
    victims = {pid}
    for _ in range(4):  # stop, look again: a child forked meanwhile is caught
        for victim in victims:
            _signal(victim, signal.SIGSTOP, own)
        found = {pid, *_descendants(pid)}
        if found == victims:
            break
        victims = found
    for victim in victims:
        _signal(victim, signal.SIGKILL, own)


def _signal(pid: int, sig: signal.Signals, own: set[int]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        group = os.getpgid(pid)
        if group not in own:
            os.killpg(group, sig)
        if pid not in own:
            os.kill(pid, sig)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:  # noqa: PTH123 - a /proc file
                    fields = stat.read().rpartition(b")")[2].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found
