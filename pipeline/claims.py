"""Claims on emails: which worker holds one, and whether its holder is still alive."""

from __future__ import annotations

import os
import socket


def holder_is_dead(claimed_by: str | None) -> bool:
    """True when the claim was made by a process on this host that no longer runs
    (a killed worker): its claim can be taken over at once instead of after the lease."""
    if not claimed_by or ":" not in claimed_by:
        return False
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
