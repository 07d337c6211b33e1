"""Idempotent writes and reads of submissions, documents and acknowledgements.

    upsert_submission ──► submissions   key: Message-ID, else raw SHA-256
    add_document      ──► documents     key: (submission_id, sha256)
    record_ack        ──► outbox        key: (submission_id, kind='ack')
    submissions_report ◄── submissions + documents + returns  (the CLI's JSON lines)

Return versions and assignment live in `warehouse.versions`.

Every insert is `INSERT ... ON CONFLICT DO NOTHING` followed by a re-read
(`warehouse.upsert`), so re-running, a re-delivered email or two workers racing
never make a second row. Functions flush but never commit: the caller's
`session_scope` decides the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returns.errors import TerminalError
from warehouse.columns import utcnow
from warehouse.models import Document, OutboxMessage, ReturnVersion, Submission
from warehouse.statuses import DocumentRole, OutboxKind, OutboxStatus, SubmissionStatus
from warehouse.upsert import insert_ignore

MAX_MESSAGE_ID = 998  # RFC 5322 line limit; anything longer is not a usable id


class UnknownSubmission(TerminalError):
    """No submission has this id."""


class UnknownOrganisation(TerminalError):
    """No organisation in the register has this id."""


def normalise_message_id(value: str | None) -> str | None:
    """`<abc@host>` with surrounding space and folding removed; None when unusable."""
    if value is None:
        return None
    cleaned = "".join(value.split())
    if not cleaned.strip("<>") or len(cleaned) > MAX_MESSAGE_ID:
        return None
    if not cleaned.startswith("<"):
        cleaned = f"<{cleaned}>"
    return cleaned


def submission_key(message_id: str | None, raw_sha256: str) -> str:
    """The identity of an email: `mid:<id>` when it has a Message-ID, else `sha:<raw>`."""
    normal = normalise_message_id(message_id)
    if normal is None:
        return f"sha:{raw_sha256}"
    if len(normal) > 512:
        return "mid-sha:" + hashlib.sha256(normal.encode("utf-8", "replace")).hexdigest()
    return f"mid:{normal}"


def get_submission(session: Session, submission_id: int, *, lock: bool = False) -> Submission:
    stmt = select(Submission).where(Submission.id == submission_id)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if found is None:
        raise UnknownSubmission(f"submission {submission_id}: no such submission")
    return found


def upsert_submission(
    session: Session,
    *,
    raw_sha256: str,
    message_id: str | None,
    received_at: dt.datetime,
    sender: str | None = None,
    subject: str | None = None,
    status: SubmissionStatus = SubmissionStatus.RECEIVED,
    reason: str | None = None,
) -> tuple[Submission, bool]:
    """The submission for this email: (row, True) when new, (existing row, False) else.

    An existing submission is returned unchanged (its status is the truth about
    how far it got); a re-delivery's own raw bytes belong in the mail ledger.
    """
    key = submission_key(message_id, raw_sha256)
    created = insert_ignore(
        session,
        Submission,
        {
            "dedup_key": key,
            "raw_sha256": raw_sha256,
            "message_id": normalise_message_id(message_id),
            "sender": sender,
            "subject": subject,
            "received_at": received_at,
            "status": SubmissionStatus(status).value,
            "reason": reason,
        },
    )
    found = None
    for condition in (Submission.dedup_key == key, Submission.raw_sha256 == raw_sha256):
        found = session.scalars(
            select(Submission).where(condition).execution_options(populate_existing=True)
        ).one_or_none()
        if found is not None:
            break
    if found is None:
        raise RuntimeError(f"submission {key}: row missing after INSERT ... ON CONFLICT")
    return found, created


def set_submission_status(
    session: Session, submission_id: int, status: SubmissionStatus, reason: str | None = None
) -> Submission:
    """Set a submission's status and its reason in plain words."""
    sub = get_submission(session, submission_id, lock=True)
    sub.status = SubmissionStatus(status).value
    sub.reason = reason
    session.flush()
    return sub


def add_document(
    session: Session,
    *,
    submission_id: int,
    sha256: str,
    size: int,
    blob_path: str,
    filename: str | None = None,
    media_type: str | None = None,
    container: str | None = None,
    role: DocumentRole | None = None,
    reason: str | None = None,
) -> tuple[Document, bool]:
    """Record one attachment of a submission: (row, True) when new, else (row, False)."""
    created = insert_ignore(
        session,
        Document,
        {
            "submission_id": submission_id,
            "sha256": sha256,
            "size": size,
            "blob_path": blob_path,
            "filename": filename,
            "media_type": media_type,
            "container": container,
            "role": None if role is None else DocumentRole(role).value,
            "reason": reason,
        },
        key=["submission_id", "sha256"],
    )
    doc = session.scalars(
        select(Document)
        .where(Document.submission_id == submission_id, Document.sha256 == sha256)
        .execution_options(populate_existing=True)
    ).one()
    return doc, created


def set_document_role(
    session: Session, document_id: int, role: DocumentRole, reason: str | None = None
) -> Document:
    doc = session.get(Document, document_id, with_for_update=True, populate_existing=True)
    if doc is None:
        raise LookupError(f"document {document_id}: no such document")
    doc.role = DocumentRole(role).value
    doc.reason = reason
    session.flush()
    return doc


def record_ack(
    session: Session,
    submission_id: int,
    *,
    to_address: str,
    subject: str,
    status: OutboxStatus = OutboxStatus.SENT,
    sent_at: dt.datetime | None = None,
) -> bool:
    """Claim the one acknowledgement of a submission; False when it already exists.

    For at-most-once sending: `record_ack(..., status=PENDING)`, commit, send, then
    `set_outbox_status(..., SENT)`. A crash after the claim leaves a visible pending
    row instead of a second email.
    """
    status = OutboxStatus(status)
    if status is OutboxStatus.SENT and sent_at is None:
        sent_at = utcnow()
    return insert_ignore(
        session,
        OutboxMessage,
        {
            "submission_id": submission_id,
            "kind": OutboxKind.ACK.value,
            "to_address": to_address,
            "subject": subject,
            "status": status.value,
            "sent_at": sent_at,
        },
        key=["submission_id", "kind"],
    )


def set_outbox_status(
    session: Session,
    submission_id: int,
    status: OutboxStatus,
    *,
    kind: OutboxKind = OutboxKind.ACK,
    error: str | None = None,
    sent_at: dt.datetime | None = None,
) -> OutboxMessage:
    msg = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.submission_id == submission_id, OutboxMessage.kind == kind.value)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if msg is None:
        raise LookupError(f"outbox: no {kind.value} for submission {submission_id}")
    msg.status = OutboxStatus(status).value
    msg.error = error
    if status is OutboxStatus.SENT:
        msg.sent_at = sent_at or utcnow()
    session.flush()
    return msg


def submissions_report(session: Session) -> list[dict[str, Any]]:
    """One plain dict per submission, in arrival order, for `returns submissions`.

    `returns` lists every return found in the submission - recorded from it, or the
    same document already recorded from an earlier email - with its version (None
    while unmatched), whether it is current, and its organisation.
    """
    subs = session.scalars(select(Submission).order_by(Submission.id)).all()
    rets = session.scalars(select(ReturnVersion).order_by(ReturnVersion.id)).all()
    by_sha = {r.document_sha256: r for r in rets}
    found: dict[int, dict[int, ReturnVersion]] = {}
    for r in rets:
        found.setdefault(r.submission_id, {})[r.id] = r
    for sub_id, sha in session.execute(select(Document.submission_id, Document.sha256)):
        hit = by_sha.get(sha)
        if hit is not None:
            found.setdefault(sub_id, {})[hit.id] = hit

    def order(r: ReturnVersion) -> tuple[str, int, int]:
        return (r.org_id or "", r.version or 0, r.id)

    return [
        {
            "submission_id": s.id,
            "message_id": s.message_id,
            "org_id": s.org_id,
            "status": s.status,
            "reason": s.reason,
            "returns": [
                {"version": r.version, "current": r.is_current, "org_id": r.org_id}
                for r in sorted(found.get(s.id, {}).values(), key=order)
            ],
        }
        for s in subs
    ]
