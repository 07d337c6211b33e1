"""core.heap: a process that keeps its heap does not hand a freed document's memory back
(and fault it in again for the next one)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from core.heap import keep_heap
def vmdata():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmData:"))
if sys.argv[1] == "keep":
    keep_heap()
before = vmdata()
block = bytearray(20 * 1024 * 1024)
del block
print(vmdata() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc and /proc")
def test_a_freed_20_mb_block_stays_in_the_heap_only_when_kept() -> None:
    def kept_kb(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
        return int(done.stdout)

    assert kept_kb("default") < 1024  # glibc's default: mmapped, and unmapped when freed
    assert kept_kb("keep") >= 19 * 1024  # kept for the next document
