"""The allocator tuned for long-lived processes that parse and record many documents.

glibc's defaults hand memory back to the operating system after each document (big lxml
and pdfminer allocations are mmapped and unmapped, the heap top trimmed), so the next
document faults every page in again. Measured on a typed return: 8.0 ms of CPU in a new
sandbox worker against 5.4 ms with the heap kept (a plain fork of a process whose heap
had already grown: 5.7 ms); the intake's own process records ~10% faster too.
"""

from __future__ import annotations

import ctypes
from functools import cache

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # <malloc.h>


@cache  # once per process: the intake calls it at every run
def keep_heap() -> None:
    """Keep up to 128 MB of free heap and take blocks under 32 MB from it (this process
    only; RLIMIT_DATA still bounds a sandbox worker). Nothing to do off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024)
    libc.mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024)
    libc.mallopt(M_TOP_PAD, 16 * 1024 * 1024)
