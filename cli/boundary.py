"""The command line's error boundary: whatever happens, one line on stderr and an exit
status, never a traceback; the detail goes to the log.

    ReturnsTyper(typer.Typer)    `returns` itself: runs a command and maps
        it finishing                      -> its exit status (0, or typer.Exit's)
        a usage error (bad option...)     -> "returns extract: No such option: --x ..." , 2
        a ReturnsError not caught inside  -> "returns intake: <its message>", 1
        any other exception               -> "returns intake: failed unexpectedly
                                              (KeyError: 'x'); details in <log>", 1
        Ctrl-C                            -> "returns: interrupted", 130
    one_line(text)               text made safe for one terminal line: undecodable bytes
                                 (file names are bytes) shown as U+FFFD, line breaks and
                                 tabs as spaces, other control characters (terminal
                                 escapes, bidi overrides) escaped as \\x1b, \\u202e
    fail(message)                print one_line(message) on stderr, exit 1
    configure_logging()          logging is quiet on stderr (a NullHandler on the root
                                 stops Python's last-resort handler printing library
                                 warnings; the "returns" logger does not propagate to a
                                 framework's console handler); RETURNS_DEBUG=1 sends the
                                 detail to stderr, RETURNS_LOG_FILE=PATH to a file
    log_to_home(home)            commands with a working folder also log to
                                 HOME/returns.log (made on the first record; a log that
                                 cannot be written never breaks the command)
"""

from __future__ import annotations

import io
import logging
import os
import sys
import unicodedata
from pathlib import Path
from typing import Any, NoReturn

import typer

from core.errors import ReturnsError
from core.private import create_private_file, make_private_dirs

__all__ = ["ReturnsTyper", "configure_logging", "fail", "log_to_home", "one_line"]

log = logging.getLogger("returns")
_SPACES = {"\n", "\r", "\t", "\v", "\f", "\x85", "\u2028", "\u2029"}


def one_line(text: str) -> str:
    """`text` as one safe line (see module docstring)."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    out = []
    for char in text:
        if char in _SPACES:
            out.append(" ")
        elif char.isprintable() or unicodedata.category(char) == "Zs":
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out).strip()


def safe_filename(name: str) -> str:
    """A file name from the command line (undecodable bytes arrive as surrogates) as a
    proper string: each undecodable byte becomes U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def fail(message: str, status: int = 1) -> NoReturn:
    """One clear line on stderr, exit `status` (no traceback for any input)."""
    sys.stderr.write(one_line(message) + "\n")
    sys.stderr.flush()
    raise typer.Exit(status)


def configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
    log.propagate = False  # a framework's console handler on the root (Prefect's) prints nothing of ours
    log.setLevel(logging.DEBUG)  # the handlers choose
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    if os.environ.get("RETURNS_DEBUG", "").strip() not in ("", "0"):
        _add(logging.StreamHandler(sys.stderr), logging.DEBUG)
        root.setLevel(logging.DEBUG)
    path = os.environ.get("RETURNS_LOG_FILE", "").strip()
    if path:
        _add(_QuietFileHandler(Path(path)), logging.DEBUG)


def log_to_home(home: Path) -> None:
    """Also log to HOME/returns.log (warnings and errors, tracebacks included)."""
    _add(_QuietFileHandler(home / "returns.log"), logging.INFO)


class _QuietFileHandler(logging.FileHandler):
    """A log file opened on the first record, its folder made then; a log that cannot
    be written never breaks the command (nor prints logging's own complaint)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, delay=True, encoding="utf-8")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is None:
                make_private_dirs(Path(self.baseFilename).parent)
            super().emit(record)
        except Exception:  # nowhere left to report it
            return

    def _open(self) -> io.TextIOWrapper:
        """The log owner-only (0o600): it names files and organisations from outside mail."""
        try:
            fd = create_private_file(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND)
        except FileExistsError:  # an existing log keeps its mode (it may be the operator's)
            return super()._open()
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def _add(handler: logging.Handler, level: int) -> None:
    """`handler` on the root (library records) and on our own logger (which does not
    propagate), so each record is written once."""
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    log.addHandler(handler)


def _details() -> str:
    handlers = [h for h in log.handlers if isinstance(h, logging.FileHandler)]
    files = [h.baseFilename for h in handlers if Path(h.baseFilename).exists()]
    if files:
        return f"details in {files[-1]}"
    return "run it again with RETURNS_DEBUG=1 for the details"


class ReturnsTyper(typer.Typer):
    """A Typer app whose every run ends in one line and an exit status (see module)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        configure_logging()
        argv = [str(a) for a in (kwargs.get("args") or (args[0] if args else sys.argv[1:]))]
        name = next((a for a in argv if not a.startswith("-")), None)
        command = one_line(f"returns {name}" if name else "returns")
        kwargs["standalone_mode"] = False
        try:
            status = super().__call__(*args, **kwargs)
        except KeyboardInterrupt:
            sys.stderr.write("returns: interrupted\n")
            sys.exit(130)
        except ReturnsError as err:
            log.warning("%s failed", command, exc_info=True)
            sys.stderr.write(one_line(f"{command}: {err}") + "\n")
            sys.exit(1)
        except Exception as err:
            usage = _usage_error(err)
            if usage is not None:
                if usage[0]:
                    sys.stderr.write(usage[0] + "\n")
                sys.exit(usage[1])
            log.error("%s failed unexpectedly", command, exc_info=True)
            line = f"{command}: failed unexpectedly ({type(err).__name__}: {err}); {_details()}"
            sys.stderr.write(one_line(line) + "\n")
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)


def _usage_error(err: Exception) -> tuple[str, int] | None:
    """(one line, exit status) for a click usage error (bad option, missing argument);
    None for anything else. Recognised by shape: typer vendors its own click."""
    format_message = getattr(err, "format_message", None)
    exit_code = getattr(err, "exit_code", None)
    if not callable(format_message) or not isinstance(exit_code, int):
        return None
    ctx = getattr(err, "ctx", None)
    path = getattr(ctx, "command_path", None) or "returns"
    message = str(format_message())
    if type(err).__name__ == "NoArgsIsHelpError":  # `returns` alone: the help, as click does
        sys.stdout.write(message + "\n")
        return "", exit_code
    return one_line(f"{path}: {message} (see {path} --help)"), exit_code
