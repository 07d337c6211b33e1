"""Content-addressed store for raw bytes: every email and attachment, kept as received.

    root/
    └── ab/                      first two hex digits of the SHA-256
        └── cd/                  next two
            └── abcd1234...ef    the bytes, named by their full SHA-256

The name of a blob is the SHA-256 of its bytes and nothing else: file names from
emails are never used as paths. `put` writes to a temporary file in the target
folder, fsyncs it, renames it into place with `os.replace` (atomic on POSIX) and
fsyncs the folder, so a worker killed at any moment leaves either the whole blob or
none of it. Storing the same bytes again is a no-op: an existing blob is not rewritten.
The store is owner-only whatever the umask (core.private): folders 0o700, blobs 0o400
(read-only: a blob never changes).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from core.errors import BlobNotFound, BlobStoreUnavailable
from core.private import make_private_dirs

_SHA256 = re.compile(r"[0-9a-f]{64}")
BLOB_MODE = 0o400  # owner-only and read-only


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data` as 64 lower-case hex digits: a blob's name."""
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Raw bytes on disk, addressed by their SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def relpath(self, sha: str) -> str:
        """Where a blob lives relative to the root, e.g. `ab/cd/abcd...`."""
        sha = _checked(sha)
        return f"{sha[:2]}/{sha[2:4]}/{sha}"

    def path(self, sha: str) -> Path:
        """Absolute path of a blob (whether or not it exists yet)."""
        return self.root / self.relpath(sha)

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store `data` and return its SHA-256; idempotent.

        `durable` (the default) fsyncs the file and its folder before returning, so the
        bytes survive a power cut; bytes that can be derived again from a durable blob
        (an attachment, from its raw email) may skip that cost.
        """
        sha = sha256_hex(data)
        target = self.path(sha)
        if target.is_file():
            return sha
        folder = target.parent
        try:
            make_private_dirs(folder)
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
            tmp = Path(tmp_name)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    if durable:
                        os.fsync(fh.fileno())
                tmp.chmod(BLOB_MODE)
                tmp.replace(target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            if durable:
                _fsync_dir(folder)
        except OSError as err:
            raise BlobStoreUnavailable(
                f"blob store {self.root}: cannot write blob {sha}: {err}"
            ) from err
        return sha

    def sync(self) -> None:
        """Make every blob written so far durable (one flush for a batch of
        `put(..., durable=False)` calls: group commit)."""
        os.sync()

    def get(self, sha: str) -> bytes:
        """The bytes of a blob; BlobNotFound when absent."""
        path = self.path(sha)
        try:
            return path.read_bytes()
        except FileNotFoundError as err:
            raise BlobNotFound(f"blob store {self.root}: no blob {sha}") from err
        except OSError as err:
            raise BlobStoreUnavailable(
                f"blob store {self.root}: cannot read blob {sha}: {err}"
            ) from err


def _checked(sha: str) -> str:
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
    return sha


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
