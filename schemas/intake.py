"""The intake's values: where an email sits, and what became of it and its documents.

    MailKey        (mailbox, folder, uidvalidity, uid): one message in one mailbox
    MessageRef     a stored email: its MailKey and the SHA-256 of its raw bytes
    DocumentResult what one attachment turned out to be (role, reason, organisation)
    Outcome        what one email became in a run (kind, submission, status, documents)

Plain frozen values: they cross Prefect task boundaries and are what the dashboard
and the acknowledgement are written from.
"""

from __future__ import annotations

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
    """A stored email: where it sits in the mailbox and the hash of its raw bytes."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid: str
    raw_sha256: str

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


@dataclass(frozen=True)
class Outcome:
    ref: MessageRef
    kind: OutcomeKind
    submission_id: int | None
    status: str  # submission status, or the ledger status for duplicates
    reason: str | None = None
    sender: str | None = None
    subject: str = ""
    documents: tuple[DocumentResult, ...] = field(default=())

    @property
    def quarantine(self) -> bool:
        return self.status in (SubmissionStatus.NO_RETURN, SubmissionStatus.QUARANTINED)


