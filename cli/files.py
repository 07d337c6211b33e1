"""Reading the one file `returns extract` is given, without trusting it.

    read_document(path, max_bytes) -> bytes
      os.stat            missing, unreadable           -> "PATH: cannot read the file: ..."
      S_ISREG            a folder, FIFO, device, socket -> refused, never opened
      st_size            over max_bytes                -> DocumentTooLarge, never read
      os.open O_NONBLOCK then fstat again: swapped for a FIFO since the stat -> refused
      read max_bytes + 1 grew past the limit while read -> DocumentTooLarge

Errors are DocumentErrors with one-line messages: the full path for the file system's
complaints, the file's name for the document's (as the extractors word them).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from core.errors import DocumentTooLarge, UnreadableDocument

__all__ = ["read_document"]

_KINDS = (
    (stat.S_ISDIR, "is a folder, not a file (`returns folder PATH` reads a folder of returns)"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "is a character device, not a regular file"),
    (stat.S_ISBLK, "is a block device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)


def read_document(path: Path, max_bytes: int, shown: str, name: str) -> bytes:
    """The bytes of the regular file `path` (see module); `shown` is the path and `name`
    the file name as messages print them."""
    try:
        info = path.stat()
    except OSError as err:
        raise UnreadableDocument(f"{shown}: cannot read the file: {err.strerror or err}") from err
    _check(info, shown, name, max_bytes)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise UnreadableDocument(f"{shown}: cannot read the file: {err.strerror or err}") from err
    try:
        _check(os.fstat(fd), shown, name, max_bytes)  # the same file as the one checked
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise UnreadableDocument(f"{shown}: cannot read the file: {err.strerror or err}") from err
    finally:
        os.close(fd)
    if size > max_bytes:
        raise _too_large(name, size, max_bytes, "or more ")
    return b"".join(chunks)


def _check(info: os.stat_result, shown: str, name: str, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((words for test, words in _KINDS if test(info.st_mode)), "is not a regular file")
        raise UnreadableDocument(f"{shown}: {kind}; refused without reading it")
    if info.st_size > max_bytes:
        raise _too_large(name, info.st_size, max_bytes)


def _too_large(name: str, size: int, max_bytes: int, more: str = "") -> DocumentTooLarge:
    return DocumentTooLarge(f"{name}: {size:,} bytes {more}is over the {max_bytes:,}-byte limit for a return")
