"""The intake's values: where an email sits, and what became of it and its documents.

    MailKey        (mailbox, folder, uidvalidity, uid): one message in one mailbox
    MessageRef     a stored email: its MailKey and the SHA-256 of its raw bytes
    DocumentResult what one attachment turned out to be (role, reason, organisation)
    Outcome        what one email became in a run (kind, submission, status, documents)

Plain frozen values: they cross Prefect task boundaries and are what the dashboard
and the acknowledgement are written from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from schemas.vocab import DocumentRole, OutcomeKind, SubmissionStatus


@dataclass(frozen=True)
class MailKey:
    """Where a message sits: unique per message for as long as UIDVALIDITY holds."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid: str | int

    def columns(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "folder": self.folder,
            "uidvalidity": int(self.uidvalidity),
            "uid": str(self.uid),
        }



@dataclass(frozen=True)
class MessageRef:
    """A stored email: where it sits in the mailbox, the hash of its raw bytes, and
    when the mailbox says it arrived (IMAP INTERNALDATE; None when it cannot say)."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid: str
    raw_sha256: str
    internal_date: dt.datetime | None = None

    @property
    def key(self) -> MailKey:
        return MailKey(self.mailbox, self.folder, self.uidvalidity, self.uid)


@dataclass(frozen=True)
class DocumentResult:
    filename: str
    role: DocumentRole
    reason: str | None = None
    org_id: str | None = None
    organisation: str | None = None
    version: int | None = None
    repeat_of: int | None = None  # the earlier submission this same return was first received in


QUARANTINE_STATUSES = frozenset(
    {SubmissionStatus.NO_RETURN, SubmissionStatus.QUARANTINED, SubmissionStatus.UNKNOWN_SENDER}
)


@dataclass(frozen=True)
class Outcome:
    ref: MessageRef
    kind: OutcomeKind
    submission_id: int | None
    status: str  # submission status, or the ledger status (busy, failed, already done)
    reason: str | None = None
    sender: str | None = None
    subject: str = ""
    documents: tuple[DocumentResult, ...] = field(default=())
    message_id: str | None = None  # the email's own Message-ID: the acknowledgement replies to it
    repeat_of: int | None = None  # the earlier submission that already holds its return(s)
    repeat_received_at: dt.datetime | None = None  # ... and when that one was received

    @property
    def quarantine(self) -> bool:
        """Moved to the quarantine folder: nothing usable in it, or an error stopped it."""
        return self.kind == OutcomeKind.ERROR or self.status in QUARANTINE_STATUSES

