"""Owner-only files and folders, whatever the process umask.

Everything the pipeline writes under its home holds outside mail: raw emails and
attachments, the warehouse, the outbox, quarantined mail, backups, logs. So every folder
it creates is 0o700 and every file 0o600 (a blob, written once, 0o400), set explicitly
rather than left to the umask (a typical 0o022 would make them world-readable).

    make_private_dirs(path)         create `path` and its missing parents, each 0o700
    create_private_file(path)       create a new file 0o600 and open it; returns the fd

Folders and files that already exist are left as they are: a home may sit in a shared
folder (/srv, /tmp), a log file may be the operator's, not ours to tighten.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dirs(path: Path) -> Path:
    """Create `path` and every missing parent owner-only (0o700); existing folders are
    kept as they are. Raises FileExistsError if `path` is something other than a folder."""
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.is_dir() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            if folder.is_dir():  # made by a concurrent worker meanwhile
                continue
            raise
        folder.chmod(PRIVATE_DIR)  # the umask may have taken bits from mkdir's mode
    if not path.is_dir():
        raise FileExistsError(errno.EEXIST, "exists and is not a folder", str(path))
    return path


def create_private_file(path: Path, flags: int = os.O_WRONLY) -> int:
    """Create `path` (it must not exist: FileExistsError) owner-only, 0o600 from its first
    byte, and open it with `flags`. Returns the file descriptor; the caller closes it."""
    fd = os.open(path, flags | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the umask may have taken bits from os.open's mode
    except BaseException:
        os.close(fd)
        raise
    return fd
