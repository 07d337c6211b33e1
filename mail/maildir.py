"""`MaildirMailbox`: the embedded mailbox, a local Maildir read with the stdlib.

Layout is Maildir++ (the layout Dovecot uses): the root folder is INBOX, other
folders are `.Name` sub-maildirs, so a Dovecot user's Maildir can be read directly.

    root/{new,cur,tmp}/             INBOX
    root/.Processed/{new,cur,tmp}/  processed mail
    root/.Quarantine/...            quarantined mail
    <folder>/.uidvalidity           written once per folder; the ledger's UIDVALIDITY

The uid of a message is its Maildir key (the file name without the `:2,flags`
suffix), which stays the same when the message moves between new/ and cur/ or to
another folder. Moving is one `os.rename` inside the root, so a message is always in
exactly one folder, whatever happens to the process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import mailbox
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError, MailboxUnavailable
from core.private import PRIVATE_FILE, create_private_file, make_private_dirs
from mail.mailbox import ClosingContext, MailboxMessage

log = logging.getLogger(__name__)

UIDVALIDITY_FILE = ".uidvalidity"
_INBOX = "INBOX"


class MaildirMailbox(ClosingContext):
    """A Maildir folder behind the `Mailbox` interface."""

    def __init__(
        self,
        root: Path,
        folder: str = _INBOX,
        processed: str = "Processed",
        quarantine: str = "Quarantine",
        *,
        poll_interval_s: float = 0.2,
    ) -> None:
        self.root = Path(root).resolve()
        if self.root.exists() and not self.root.is_dir():
            raise ConfigurationError(f"maildir {self.root}: exists and is not a directory")
        self.folder = folder
        self.processed = processed
        self.quarantine = quarantine
        self.poll_interval_s = poll_interval_s
        try:
            self._root_md = open_maildir(self.root)
            self._watched = self._folder(folder)
        except OSError as err:
            raise MailboxUnavailable(f"maildir {self.root}: cannot open: {err}") from err
        self._snapshot: tuple[int, int] | None = None
        self._pending = True  # nothing fetched yet: whatever is there is new

    @property
    def mailbox_id(self) -> str:
        return f"maildir:{self.root}"

    def __repr__(self) -> str:
        return f"MaildirMailbox({self.mailbox_id!r}, folder={self.folder!r})"

    # -- reading -------------------------------------------------------------------

    def fetch_new(self, limit: int | None = None) -> Iterator[MailboxMessage]:
        """Messages in the watched folder in arrival order; the files are not touched."""
        self._snapshot = self._dir_state()
        self._pending = True  # until the listing is yielded to the end
        try:
            keys = sorted(self._watched.keys(), key=_arrival_order)
        except OSError as err:
            raise self._unavailable(f"cannot list {self.folder}", err) from err
        uidvalidity = self.uidvalidity(self.folder)
        truncated = limit is not None and len(keys) > limit
        files = _message_files(self._folder_path(self.folder))
        for key in keys[:limit]:
            try:
                raw = self._watched.get_bytes(key)
            except KeyError:
                continue  # moved away by another worker since the listing
            except OSError as err:
                raise MailboxUnavailable(f"{self.mailbox_id}: cannot read {key}: {err}") from err
            yield MailboxMessage(self.mailbox_id, self.folder, uidvalidity, key, raw,
                                 internal_date=_modified(files.get(key)))
        self._pending = truncated

    def uidvalidity(self, folder: str) -> int:
        """The folder's UIDVALIDITY, created on first use and never changed."""
        path = self._folder_path(folder) / UIDVALIDITY_FILE
        try:
            return int(path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as err:
            raise MailboxUnavailable(f"{self.mailbox_id}: cannot read {path}: {err}") from err
        tmp = path.with_name(f"{UIDVALIDITY_FILE}.{os.getpid()}.{time.monotonic_ns()}")
        try:
            with os.fdopen(create_private_file(tmp), "w", encoding="ascii") as fh:
                fh.write(f"{int(time.time())}\n")
            try:
                os.link(tmp, path)  # atomic and exclusive: one concurrent creator wins whole
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            return int(path.read_text(encoding="ascii").strip())
        except (OSError, ValueError) as err:
            raise MailboxUnavailable(f"{self.mailbox_id}: cannot create {path}: {err}") from err

    # -- moving --------------------------------------------------------------------

    def mark_processed(self, msg: MailboxMessage) -> None:
        self._move(msg, self.processed)

    def mark_quarantined(self, msg: MailboxMessage) -> None:
        self._move(msg, self.quarantine)

    def _move(self, msg: MailboxMessage, dest_folder: str) -> None:
        if msg.mailbox_id != self.mailbox_id:
            raise ValueError(f"{msg.mailbox_id} message given to {self.mailbox_id}")
        try:
            src_dir = self._folder_path(msg.folder)
            src = _find_message_file(src_dir, msg.uid)
            if src is None:
                log.debug("%s: %s/%s already moved", self.mailbox_id, msg.folder, msg.uid)
                return
            self._folder(dest_folder)
            name = src.name if mailbox.Maildir.colon in src.name else src.name + ":2,"
            dest = self._folder_path(dest_folder) / "cur" / name
            src.rename(dest)
        except FileNotFoundError:
            log.debug("%s: %s/%s moved concurrently", self.mailbox_id, msg.folder, msg.uid)
            return
        except OSError as err:
            action = f"cannot move {msg.uid} from {msg.folder} to {dest_folder}"
            raise self._unavailable(action, err) from err
        if msg.folder == self.folder:
            self._snapshot = self._dir_state()
        log.info("%s: moved %s from %s to %s", self.mailbox_id, msg.uid, msg.folder, dest_folder)

    # -- waiting -------------------------------------------------------------------

    def wait_for_new(self, timeout_s: float) -> bool:
        """Poll the watched folder's new/ and cur/ mtimes until they change."""
        if self._pending or self._snapshot is None:
            return self._has_messages() or self._poll(timeout_s)
        return self._poll(timeout_s)

    def _poll(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        start = self._snapshot if self._snapshot is not None else self._dir_state()
        while True:
            if self._dir_state() != start:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(self.poll_interval_s, remaining))

    def _has_messages(self) -> bool:
        folder_dir = self._folder_path(self.folder)
        try:
            return any(any(os.scandir(folder_dir / sub)) for sub in ("new", "cur"))
        except OSError as err:
            raise self._unavailable(f"cannot list {self.folder}", err) from err

    def _dir_state(self) -> tuple[int, int]:
        folder_dir = self._folder_path(self.folder)
        try:
            return (
                (folder_dir / "new").stat().st_mtime_ns,
                (folder_dir / "cur").stat().st_mtime_ns,
            )
        except OSError as err:
            raise self._unavailable(f"cannot stat {self.folder}", err) from err

    # -- folders -------------------------------------------------------------------

    def _folder_path(self, folder: str) -> Path:
        if folder == _INBOX:
            return self.root
        return self.root / ("." + _maildirpp_name(folder))

    def _folder(self, folder: str) -> mailbox.Maildir:
        if folder == _INBOX:
            return self._root_md
        name = _maildirpp_name(folder)
        try:
            return self._root_md.get_folder(name)
        except mailbox.NoSuchMailboxError:
            return self._root_md.add_folder(name)

    def _unavailable(self, action: str, err: OSError) -> MailboxUnavailable:
        return MailboxUnavailable(f"{self.mailbox_id}: {action}: {err}")

    def close(self) -> None:
        """Nothing to release: the Maildir holds no open files between calls."""


def open_maildir(root: Path) -> mailbox.Maildir:
    """The Maildir at `root`, creating new/ cur/ tmp/ even when `root` already exists
    (the stdlib only creates them together with a missing root). What it creates is
    owner-only: folders 0o700, message files 0o600 (see `_PrivateMaildir`)."""
    for sub in ("new", "cur", "tmp"):
        make_private_dirs(Path(root) / sub)
    return _PrivateMaildir(root, factory=None, create=False)


class _PrivateMaildir(mailbox.Maildir):
    """The stdlib Maildir, its new files owner-only whatever the umask: a message written
    (the outbox's acknowledgements) is 0o600, not 0o666 less the umask, and sub-folders
    (Processed, Quarantine) are 0o700 with a 0o600 `maildirfolder` marker."""

    def _create_tmp(self) -> Any:
        handle = super()._create_tmp()  # type: ignore[misc]
        try:
            os.fchmod(handle.fileno(), PRIVATE_FILE)  # still empty: nothing was readable
        except BaseException:
            handle.close()
            raise
        return handle

    def get_folder(self, folder: str) -> mailbox.Maildir:
        return _PrivateMaildir(str(Path(self._path) / ("." + folder)), factory=self._factory, create=False)

    def add_folder(self, folder: str) -> mailbox.Maildir:
        path = Path(self._path) / ("." + folder)
        for sub in ("new", "cur", "tmp"):
            make_private_dirs(path / sub)
        marker = path / "maildirfolder"
        with contextlib.suppress(FileExistsError):
            os.close(create_private_file(marker))
        return _PrivateMaildir(str(path), factory=self._factory, create=False)


def _maildirpp_name(folder: str) -> str:
    """IMAP-style "A/B" to Maildir++ "A.B"; refuses names that would leave the root."""
    name = folder.replace("/", ".")
    if not name or name.startswith(".") or ".." in name or "\x00" in name or os.sep in name:
        raise ConfigurationError(f"maildir folder name {folder!r} is not allowed")
    return name


_KEY_TIME = re.compile(r"^(\d+)\.(?:[^.]*?M(\d+))?")


def _arrival_order(key: str) -> tuple[int, int, str]:
    """Maildir keys start with the delivery time, "SECONDS.M<microseconds>P<pid>...":
    sort on it (numerically: M93420 is before M118558), then on the key."""
    found = _KEY_TIME.match(key)
    if found is None:
        return (0, 0, key)
    return (int(found.group(1)), int(found.group(2) or 0), key)


def _message_files(folder_dir: Path) -> dict[str, Path]:
    """Every message file in new/ and cur/, by Maildir key (one listing per fetch)."""
    found: dict[str, Path] = {}
    for sub in ("new", "cur"):
        try:
            with os.scandir(folder_dir / sub) as entries:
                for entry in entries:
                    found[entry.name.split(mailbox.Maildir.colon, 1)[0]] = Path(entry.path)
        except OSError:
            continue  # the listing is only for arrival times: the read itself reports errors
    return found


def _modified(path: Path | None) -> dt.datetime | None:
    """A message file's modification time: its arrival time, as Dovecot reports it."""
    if path is None:
        return None
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except OSError:
        return None  # moved away since the listing


def _find_message_file(folder_dir: Path, key: str) -> Path | None:
    """The file holding message `key` in new/ or cur/ (with or without a `:2,` suffix)."""
    prefix = key + mailbox.Maildir.colon
    for sub in ("new", "cur"):
        exact = folder_dir / sub / key
        if exact.exists():
            return exact
        with os.scandir(folder_dir / sub) as entries:
            for entry in entries:
                if entry.name.startswith(prefix):
                    return Path(entry.path)
    return None
