"""The child side of the parse sandbox (`pipeline.sandbox`): one long-lived worker.

    serve(conn, parent_end, memory_mb, warm)  the worker process's main function
      own session (setsid)                    the parent kills its whole process group
      one thread for OpenMP / OpenBLAS        OMP_NUM_THREADS=1 ... before numpy loads;
                                              inherited by Tesseract
      stdout, stderr -> /dev/null             a library's chatter never reaches the
                                              command line (the CLI's stdout is JSON)
      readers imported (warm), then           baseline = VmData after the imports
      RLIMIT_DATA = baseline + memory_mb      the kernel refuses allocations past it:
                                              MemoryError (or a library's allocation
                                              error) instead of swapping the host
      "ready"                                 then one task at a time:
        Task(kind, args) -> Reply(outcome, value, ...)

Outcomes: "ok" (the value), "error" (a ReturnsError, re-raised as it is by the parent),
A cold worker (`warm=False`, for one-off use such as `returns extract`) imports only
`extractors` up front and leaves the rest (OCR: numpy, Pillow, pdfium, ~1.1 s and
~70 MB) to the first document that needs it; its baseline adds LAZY_IMPORTS_MB for
them (all the readers together measured ~95 MB of VmData past `extractors`).

"memory" (out of memory: MemoryError, or a library's allocation failure anywhere in
the exception's chain, or any failure after the task's peak resident size grew by
three quarters of the budget), "crash" (any other exception: its type, message and
traceback, for the log). After "memory", or when the heap has grown past half the
budget, the reply says `retire` and the worker exits: the parent starts a fresh one
rather than keep a fragmented heap.

A watchdog thread exits the worker if its parent dies, and RLIMIT_CPU is set before
each task to the CPU time used so far plus the task's time limit: a worker whose
parent vanished mid-task cannot spin forever (the parent's SIGKILL is the real bound).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import re
import resource
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from core.errors import ReturnsError
from core.heap import keep_heap

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OMP_THREAD_LIMIT", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
# Imported before the memory limit is set, so the budget is all for the document.
WARM_MODULES = ("extractors", "extractors.pdf.reader", "extractors.pdf.acroform", "extractors.word.reader",
                "extractors.word.legacy", "extractors.interpret", "extractors.ocr.reader", "mail.mime")
LAZY_IMPORTS_MB = 128
_ALLOCATION_FAILED = re.compile(
    r"out of memory|unable to allocate|cannot allocate|memory allocation failed|insufficient memory|bad_alloc"
    r"|memoryerror",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Task:
    kind: str  # "extract" | "parse_message" | "call"
    args: tuple[Any, ...]
    timeout_s: float  # the parent's time limit; the worker's CPU-time backstop derives from it


@dataclass(frozen=True)
class Reply:
    outcome: str  # "ok" | "error" | "memory" | "crash"
    value: Any = None  # the result ("ok"), the ReturnsError ("error")
    detail: str = ""  # "TypeError: ..." and the traceback ("crash")
    seconds: float = 0.0
    peak_rss_kb: int = 0  # the worker's peak resident size during the task
    retire: bool = False


def serve(conn: Connection, parent_end: Connection, memory_mb: int, warm: bool = True) -> None:
    """Run tasks from `conn` until it closes or sends None (see module docstring)."""
    parent_end.close()  # the parent's end, inherited on fork
    keep_heap()
    with contextlib.suppress(OSError):
        os.setsid()
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    _silence_output()
    _watch_parent(os.getppid())
    for module in WARM_MODULES if warm else WARM_MODULES[:1]:
        with contextlib.suppress(ImportError):  # OCR is optional in a slim build
            importlib.import_module(module)
    gc.freeze()  # the imports' objects are never garbage: keep them out of every collection
    baseline = _status_kb("VmData") * 1024 + (0 if warm else LAZY_IMPORTS_MB * 1024 * 1024)
    budget = memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = baseline + budget if hard == resource.RLIM_INFINITY else min(hard, baseline + budget)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    conn.send(("ready", os.getpid(), baseline))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:  # the task's own bytes do not fit in the budget
            conn.send(Reply("memory", retire=True))
            return
        if task is None:
            return
        reply = run(task, budget, baseline + budget // 2)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
        except Exception as err:  # an unpicklable value or error: say so in words
            conn.send(Reply("crash", detail=f"the result could not be passed back ({type(err).__name__}: {err})"))
        if reply.retire:
            return


def run(task: Task, budget: int, grown: int) -> Reply:
    """One task. `budget` is the memory budget in bytes; `grown` the heap size past
    which the worker retires after the task."""
    _cpu_backstop(task.timeout_s)
    _reset_peak()
    before = _status_kb("VmRSS")
    started = time.monotonic()
    outcome, value, detail = "ok", None, ""
    try:
        value = _dispatch(task)
    except MemoryError:
        outcome = "memory"
    except ReturnsError as err:  # its own words are about the document: only its causes count
        cause = err.__cause__ or err.__context__
        outcome, value = ("memory", None) if cause and out_of_memory(cause) else ("error", _portable(err))
    except Exception as err:
        outcome = "memory" if out_of_memory(err) else "crash"
        detail = f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
    peak = _status_kb("VmHWM")
    if outcome in ("error", "crash") and (peak - before) * 1024 >= budget * 3 // 4:
        # A C library that fails to allocate does not always say so (SystemError "error
        # return without exception set", a vague parse error): near the limit, it is that.
        outcome, value = "memory", None
    retire = outcome == "memory" or _status_kb("VmData") * 1024 > grown
    return Reply(outcome, value, detail, time.monotonic() - started, peak, retire)


def _portable(err: ReturnsError) -> ReturnsError:
    """`err` if the parent can rebuild it from a pickle, else the nearest class of the
    project's error tree with the same message."""
    try:
        pickle.loads(pickle.dumps(err))
    except Exception:
        base = next(c for c in type(err).__mro__ if c.__module__ == ReturnsError.__module__)
        return base(str(err))  # type: ignore[no-any-return]
    return err


def out_of_memory(err: BaseException) -> bool:
    """True when `err`, or an exception it was raised from, is an allocation failure
    (zlib says "Unable to allocate output buffer", lxml "Memory allocation failed")."""
    seen = 0
    current: BaseException | None = err
    while current is not None and seen < 16:
        if isinstance(current, MemoryError) or _ALLOCATION_FAILED.search(f"{type(current).__name__} {current}"):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def _dispatch(task: Task) -> Any:
    if task.kind == "extract":
        from extractors import extract

        return extract(*task.args)
    if task.kind == "parse_message":
        from mail.mime import parse_message

        return parse_message(*task.args)
    if task.kind == "call":
        func: Callable[..., Any] = task.args[0]
        return func(*task.args[1:])
    raise ValueError(f"unknown sandbox task {task.kind!r}")


def _cpu_backstop(seconds: float) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(used + seconds * 2 + 10)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _reset_peak() -> None:
    """Reset VmHWM (peak resident size) so that it measures this task alone."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w", encoding="ascii") as refs:  # noqa: PTH123
        refs.write("5")


def _silence_output() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _watch_parent(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(70)  # the parent is gone: nobody will read the result

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmData: the private writable memory that
    RLIMIT_DATA counts); 0 where there is no /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:  # noqa: PTH123 - a /proc file
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
