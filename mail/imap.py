"""`ImapMailbox`: the production mailbox, an IMAP account read with imap-tools.

Connection:  `security` is "ssl" (imap-tools `MailBox`, port 993), "starttls"
(`MailBoxStartTls`, port 143) or "plain" (`MailBoxUnencrypted`: loopback hosts only,
for test servers). Login by password, or XOAUTH2 with an operator-supplied token
(Microsoft 365 and Gmail have retired basic auth). The connection opens on first use
and is reopened after it drops.

Reading:     UID SEARCH UNDELETED, then `UID FETCH n (INTERNALDATE BODY.PEEK[])` per
message: the exact stored bytes and the server's arrival time, and the \\Seen flag is
left alone. UIDVALIDITY comes from the SELECT response.
Moving:      UID MOVE when the server advertises MOVE (checked after login: Dovecot
only advertises it then); otherwise UID COPY, STORE \\Deleted, and UID EXPUNGE of
that one UID (plain EXPUNGE only on servers without UIDPLUS).
Waiting:     IDLE when advertised (re-issued every 25 minutes; RFC 2177 says < 29),
otherwise NOOP polling.

Errors: sockets, TLS and protocol failures become `MailboxUnavailable` (transient);
a refused login or a missing watched folder becomes `ConfigurationError` (terminal).
The password and token are never logged and `repr` masks them.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import logging
import re
import ssl
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Literal
from urllib.parse import quote

from imap_tools import (
    BaseMailBox,
    MailBox,
    MailboxFolderCreateError,
    MailboxFolderSelectError,
    MailboxLoginError,
    MailBoxStartTls,
    MailBoxUnencrypted,
)
from imap_tools.errors import ImapToolsError
from imap_tools.utils import encode_folder

from core.errors import ConfigurationError, MailboxUnavailable
from mail.mailbox import ClosingContext, MailboxMessage
from mail.urls import host_for_url, is_loopback

log = logging.getLogger(__name__)

Security = Literal["ssl", "starttls", "plain"]
SECURITIES: frozenset[str] = frozenset({"ssl", "starttls", "plain"})
IDLE_CHUNK_S = 25 * 60
_UID_RE = re.compile(rb"UID (\d+)")
_INTERNALDATE_RE = re.compile(rb'INTERNALDATE "([^"]+)"')


class ImapMailbox(ClosingContext):
    """An IMAP folder behind the `Mailbox` interface."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str | None = None,
        oauth2_token: str | None = None,
        security: Security = "ssl",
        folder: str = "INBOX",
        processed: str = "Processed",
        quarantine: str = "Quarantine",
        timeout: float = 30.0,
        *,
        poll_interval_s: float = 5.0,
        ignore_capabilities: Iterable[str] = (),
    ) -> None:
        self.host, self.port, self.user = host, port, user
        self.security = security
        self.folder, self.processed, self.quarantine = folder, processed, quarantine
        self.timeout = timeout
        self.poll_interval_s = poll_interval_s
        self._password = password
        self._token = oauth2_token
        self._ignored = frozenset(c.upper() for c in ignore_capabilities)
        if security not in SECURITIES:
            raise ConfigurationError(
                f"{self.mailbox_id}: security {security!r} is not one of ssl, starttls, plain"
            )
        if security == "plain" and not is_loopback(host):
            raise ConfigurationError(
                f"{self.mailbox_id}: plain-text IMAP is only allowed to this machine "
                f"(loopback); use imaps:// or imap+starttls:// for {host}"
            )
        if (password is None) == (oauth2_token is None):
            raise ConfigurationError(
                f"{self.mailbox_id}: give exactly one of a password or an OAuth2 token"
            )
        self._box: BaseMailBox | None = None
        self._capabilities: frozenset[str] = frozenset()
        self._known_folders: set[str] = set()
        self._last_seen_uid = 0
        self._seen_uidvalidity: int | None = None
        self._selected_uidvalidity = 0

    @property
    def mailbox_id(self) -> str:
        return f"imap://{quote(self.user, safe='')}@{host_for_url(self.host)}:{self.port}"

    @property
    def capabilities(self) -> frozenset[str]:
        """Server capabilities after login (minus `ignore_capabilities`)."""
        self._client()
        return self._capabilities

    def __repr__(self) -> str:
        auth = "xoauth2" if self._token is not None else "password"
        return (
            f"ImapMailbox({self.mailbox_id!r}, folder={self.folder!r}, "
            f"security={self.security!r}, auth={auth}, secret=***)"
        )

    # -- connection ----------------------------------------------------------------

    def connect(self) -> None:
        """Open, log in and select the watched folder now rather than on first use."""
        self._client()

    def _client(self) -> BaseMailBox:
        if self._box is None:
            self._box = self._open()
        return self._box

    def _open(self) -> BaseMailBox:
        box: BaseMailBox
        try:
            if self.security == "ssl":
                box = MailBox(self.host, self.port, timeout=self.timeout,
                              ssl_context=ssl.create_default_context())
            elif self.security == "starttls":
                box = MailBoxStartTls(self.host, self.port, timeout=self.timeout,
                                      ssl_context=ssl.create_default_context())
            else:
                box = MailBoxUnencrypted(self.host, self.port, timeout=self.timeout)
        except ssl.SSLCertVerificationError as err:
            raise ConfigurationError(
                f"{self.mailbox_id}: the server's TLS certificate was refused: {err}"
            ) from err
        except (OSError, imaplib.IMAP4.error) as err:
            raise MailboxUnavailable(f"{self.mailbox_id}: cannot connect: {err}") from err
        try:
            self._login(box)
            _typ, data = box.client.capability()
            caps = b" ".join(d for d in data if isinstance(d, bytes)).decode("ascii", "replace")
            self._capabilities = frozenset(caps.upper().split()) - self._ignored
            self._selected_uidvalidity = _select(box, self.folder)
        except MailboxFolderSelectError as err:
            _logout_quietly(box)
            raise ConfigurationError(
                f"{self.mailbox_id}: cannot open the watched folder {self.folder!r}: {err}"
            ) from err
        except (OSError, imaplib.IMAP4.error, ImapToolsError) as err:
            _logout_quietly(box)
            raise MailboxUnavailable(f"{self.mailbox_id}: lost the connection: {err}") from err
        log.info("%s: connected (%s), watching %s", self.mailbox_id, self.security, self.folder)
        return box

    def _login(self, box: BaseMailBox) -> None:
        try:
            if self._token is not None:
                box.xoauth2(self.user, self._token, initial_folder=None)
            elif self._password is not None and not self._password.isascii():
                box.login_utf8(self.user, self._password, initial_folder=None)
            elif self._password is not None:
                box.login(self.user, self._password, initial_folder=None)
        except (MailboxLoginError, imaplib.IMAP4.error) as err:
            if isinstance(err, imaplib.IMAP4.abort) or "[UNAVAILABLE]" in str(err):
                _logout_quietly(box)
                raise MailboxUnavailable(
                    f"{self.mailbox_id}: login temporarily impossible: {err}"
                ) from err
            _logout_quietly(box)
            method = "XOAUTH2 token" if self._token is not None else "password"
            raise ConfigurationError(
                f"{self.mailbox_id}: login refused for user {self.user!r} ({method}): {err}"
            ) from err

    @contextmanager
    def _talking(self, action: str) -> Iterator[BaseMailBox]:
        """Run one exchange; a dropped or confused connection becomes MailboxUnavailable."""
        box = self._client()
        try:
            yield box
        except (OSError, imaplib.IMAP4.error, ImapToolsError) as err:
            self._drop()
            raise MailboxUnavailable(f"{self.mailbox_id}: {action}: {err}") from err

    def _drop(self) -> None:
        if self._box is not None:
            _logout_quietly(self._box)
        self._box = None
        self._known_folders.clear()

    def close(self) -> None:
        if self._box is not None:
            _logout_quietly(self._box)
            self._box = None

    # -- reading -------------------------------------------------------------------

    def fetch_new(self, limit: int | None = None) -> Iterator[MailboxMessage]:
        """Messages in the watched folder by ascending UID, read with BODY.PEEK[]."""
        with self._talking(f"list {self.folder}") as box:
            _ok(box.client.noop(), "NOOP")  # Dovecot shows new mail to SEARCH only after a sync
            uidvalidity = self._selected_uidvalidity
            uids = _search(box, "UNDELETED")
        if uidvalidity != self._seen_uidvalidity:
            self._seen_uidvalidity, self._last_seen_uid = uidvalidity, 0
        for uid in uids[:limit]:
            with self._talking(f"fetch UID {uid} from {self.folder}") as box:
                fetched = _fetch_raw(box, uid)
            self._last_seen_uid = max(self._last_seen_uid, uid)
            if fetched is None:
                continue  # expunged by another client since the search
            raw, arrived = fetched
            yield MailboxMessage(self.mailbox_id, self.folder, uidvalidity, str(uid), raw,
                                 internal_date=arrived)

    # -- moving --------------------------------------------------------------------

    def mark_processed(self, msg: MailboxMessage) -> None:
        self._move(msg, self.processed)

    def mark_quarantined(self, msg: MailboxMessage) -> None:
        self._move(msg, self.quarantine)

    def _move(self, msg: MailboxMessage, dest: str) -> None:
        if msg.mailbox_id != self.mailbox_id:
            raise ValueError(f"{msg.mailbox_id} message given to {self.mailbox_id}")
        if not msg.uid.isdigit():
            raise ValueError(f"{self.mailbox_id}: {msg.uid!r} is not an IMAP UID")
        with self._talking(f"move UID {msg.uid} from {msg.folder} to {dest}") as box:
            self._ensure_folder(box, dest)
            if msg.folder == self.folder:
                self._move_selected(box, msg, dest, self._selected_uidvalidity)
                return
            try:
                self._move_selected(box, msg, dest, _select(box, msg.folder))
            finally:
                self._selected_uidvalidity = _select(box, self.folder)

    def _move_selected(
        self, box: BaseMailBox, msg: MailboxMessage, dest: str, current: int
    ) -> None:
        if current != msg.uidvalidity:
            log.warning(
                "%s: %s UIDVALIDITY is now %s, not %s: UID %s no longer names that "
                "message, so it is not moved",
                self.mailbox_id, msg.folder, current, msg.uidvalidity, msg.uid,
            )
            return
        if not _search(box, f"UID {msg.uid} UNDELETED"):
            log.debug("%s: UID %s already gone from %s", self.mailbox_id, msg.uid, msg.folder)
            return
        client = box.client
        folder_arg = encode_folder(dest).decode("ascii")  # modified UTF-7, quoted
        if "MOVE" in self._capabilities:
            _ok(client.uid("MOVE", msg.uid, folder_arg), "UID MOVE")
        else:
            _ok(client.uid("COPY", msg.uid, folder_arg), "UID COPY")
            _ok(client.uid("STORE", msg.uid, "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
            if "UIDPLUS" in self._capabilities:
                _ok(client.uid("EXPUNGE", msg.uid), "UID EXPUNGE")
            else:
                _ok(client.expunge(), "EXPUNGE")
        log.info("%s: moved UID %s from %s to %s", self.mailbox_id, msg.uid, msg.folder, dest)

    def _ensure_folder(self, box: BaseMailBox, folder: str) -> None:
        if folder in self._known_folders:
            return
        if not box.folder.exists(folder):
            try:
                box.folder.create(folder)
                box.folder.subscribe(folder, True)
            except MailboxFolderCreateError:
                if not box.folder.exists(folder):  # not a lost race with another worker
                    raise
            log.info("%s: created folder %s", self.mailbox_id, folder)
        self._known_folders.add(folder)

    # -- waiting -------------------------------------------------------------------

    def wait_for_new(self, timeout_s: float) -> bool:
        """True as soon as a message newer than the last one fetched is in the folder."""
        deadline = time.monotonic() + timeout_s
        with self._talking(f"wait for mail in {self.folder}") as box:
            if self._has_unfetched(box):
                return True
            while (remaining := deadline - time.monotonic()) > 0:
                if "IDLE" in self._capabilities:
                    box.idle.start()  # type: ignore[no-untyped-call]
                    try:
                        lines = box.idle.poll(timeout=min(remaining, IDLE_CHUNK_S))
                    finally:
                        box.idle.stop()  # type: ignore[no-untyped-call]
                    if any(line.rstrip().upper().endswith(b"EXISTS") for line in lines):
                        return True
                    if self._has_unfetched(box):  # arrived between two IDLE commands
                        return True
                else:
                    time.sleep(min(self.poll_interval_s, remaining))
                    if self._has_unfetched(box):
                        return True
        return False

    def _has_unfetched(self, box: BaseMailBox) -> bool:
        _ok(box.client.noop(), "NOOP")
        if self._selected_uidvalidity != self._seen_uidvalidity:
            return bool(_search(box, "UNDELETED"))
        newer = _search(box, f"UID {self._last_seen_uid + 1}:* UNDELETED")
        return any(uid > self._last_seen_uid for uid in newer)


def _ok(result: tuple[str, Sequence[object]], command: str) -> None:
    typ, data = result
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{command} answered {typ}: {data!r}")


def _select(box: BaseMailBox, folder: str) -> int:
    """SELECT `folder`; its UIDVALIDITY from the SELECT response (STATUS on the selected
    folder is discouraged: Dovecot answers it with [CLIENTBUG])."""
    box.folder.set(folder)
    _typ, data = box.client.response("UIDVALIDITY")
    value = data[-1] if data else None
    if isinstance(value, bytes) and value.strip().isdigit():
        return int(value)
    return int(box.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])


def _search(box: BaseMailBox, criteria: str) -> list[int]:
    typ, data = box.client.uid("SEARCH", criteria)
    _ok((typ, data), f"UID SEARCH {criteria}")
    found = data[0] if data and isinstance(data[0], bytes) else b""
    return sorted(int(n) for n in found.split())


def _fetch_raw(box: BaseMailBox, uid: int) -> tuple[bytes, dt.datetime | None] | None:
    """The message's exact bytes and INTERNALDATE, or None when the UID no longer exists."""
    typ, data = box.client.uid("FETCH", str(uid), "(UID INTERNALDATE BODY.PEEK[])")
    _ok((typ, data), f"UID FETCH {uid}")
    for item in data:
        if not (isinstance(item, tuple) and len(item) == 2):
            continue
        head, body = item
        if b"BODY[]" not in head.upper():
            continue
        found = _UID_RE.search(head)
        if found is None or int(found.group(1)) == uid:
            return bytes(body), _internal_date(data)
    return None


def _internal_date(data: Sequence[object]) -> dt.datetime | None:
    """The INTERNALDATE in a FETCH response ("20-Oct-2006 10:15:00 +0100"), wherever the
    server put it (before or after the literal); None when absent or unreadable."""
    for item in data:
        head = item[0] if isinstance(item, tuple) and item else item  # never the literal itself
        found = _INTERNALDATE_RE.search(head) if isinstance(head, bytes) else None
        if found is None:
            continue
        try:
            return dt.datetime.strptime(found.group(1).decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
        except (UnicodeDecodeError, ValueError):
            return None
    return None


def _logout_quietly(box: BaseMailBox) -> None:
    """Best-effort LOGOUT: the connection may already be dead, which is fine here."""
    try:
        box.client.logout()
    except (OSError, imaplib.IMAP4.error) as err:
        log.debug("IMAP logout failed (connection already gone): %s", err)
