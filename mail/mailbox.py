"""The `Mailbox` interface: where submitted emails are read from and moved to.

    Mailbox (Protocol)
    ├── ImapMailbox      production: IMAP over TLS / STARTTLS, password or XOAUTH2
    └── MaildirMailbox   embedded default and unit tests: a local Maildir folder

A mailbox yields `MailboxMessage`s: the raw RFC 822 bytes exactly as stored, plus the
key the mail ledger uses to remember them - (mailbox_id, folder, uidvalidity, uid).
Callers store the bytes durably first and only then call `mark_processed` or
`mark_quarantined`, which move the message out of the watched folder (idempotent:
moving a message that is already gone is a no-op).

Errors: an unreachable server or a dropped connection raises
`core.errors.MailboxUnavailable` (transient, retried); refused credentials or a
missing watched folder raise `core.errors.ConfigurationError` (terminal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self, runtime_checkable


@dataclass(frozen=True)
class MailboxMessage:
    """One message as found in the watched folder.

    `mailbox_id` names the account, never a secret ("imap://user%40org@host:993",
    "maildir:/abs/path"); `folder` is the folder it was read from; `uidvalidity` and
    `uid` identify it inside that folder (IMAP UID, or the Maildir message key).
    `internal_date` is when the mail server says the message arrived (IMAP INTERNALDATE;
    a Maildir file's modification time, which is what Dovecot reports for it).
    """

    mailbox_id: str
    folder: str
    uidvalidity: int
    uid: str
    raw: bytes = field(repr=False)
    internal_date: dt.datetime | None = None

    @property
    def ledger_key(self) -> tuple[str, str, int, str]:
        """(mailbox_id, folder, uidvalidity, uid): the mail ledger's key."""
        return (self.mailbox_id, self.folder, self.uidvalidity, self.uid)


@runtime_checkable
class Mailbox(Protocol):
    """A folder of incoming mail, with folders to move processed and quarantined mail to."""

    @property
    def mailbox_id(self) -> str:
        """Stable identity of the account, without secrets."""
        ...

    def fetch_new(self, limit: int | None = None) -> Iterator[MailboxMessage]:
        """Messages in the watched folder, oldest first, without changing them."""
        ...

    def mark_processed(self, msg: MailboxMessage) -> None:
        """Move `msg` to the processed folder (created if missing; no-op if already moved)."""
        ...

    def mark_quarantined(self, msg: MailboxMessage) -> None:
        """Move `msg` to the quarantine folder (created if missing; no-op if already moved)."""
        ...

    def wait_for_new(self, timeout_s: float) -> bool:
        """Block until mail may be waiting (True) or `timeout_s` passes (False)."""
        ...

    def close(self) -> None:
        """Release the connection; safe to call twice."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ClosingContext:
    """`with mailbox:` closes it: the context-manager half of `Mailbox`, shared by
    both sides (each defines `close`)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
