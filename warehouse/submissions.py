"""Submissions and their documents: the one writer of `submissions` and `documents`.

    upsert_submission   ──► submissions   key: Message-ID, else raw SHA-256
    set_submission_status / set_submission_org / mark_assigned
    add_document        ──► documents     key: (submission_id, sha256)
    set_document_role

Every insert is `INSERT ... ON CONFLICT DO NOTHING` followed by a re-read
(`warehouse.upsert`), so re-running, a re-delivered email or two workers racing
never make a second row. Functions flush but never commit: the caller's
`session_scope` decides the transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound, UnknownSubmission
from schemas.identity import normalise_message_id, submission_key
from schemas.vocab import DocumentRole, SubmissionStatus
from warehouse.columns import utcnow
from warehouse.models import Document, ReturnVersion, Submission
from warehouse.upsert import insert_ignore


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


def set_submission_org(session: Session, submission_id: int, org_id: str | None) -> Submission:
    """Record whose submission this is (every return in it belongs to one organisation)."""
    sub = get_submission(session, submission_id, lock=True)
    sub.org_id = org_id
    session.flush()
    return sub


def mark_assigned(session: Session, submission_id: int, org_id: str, by: str) -> Submission:
    """A person decided whose submission this is: record who, when, and the new status."""
    sub = get_submission(session, submission_id, lock=True)
    sub.org_id = org_id
    sub.assigned_by = by
    sub.assigned_at = utcnow()
    if sub.status == SubmissionStatus.UNMATCHED.value:
        sub.status = SubmissionStatus.EXTRACTED.value
    sub.reason = f"assigned to {org_id} by {by}"
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


def set_document_role(session: Session, document_id: int, role: DocumentRole, reason: str | None = None) -> Document:
    doc = session.get(Document, document_id, with_for_update=True, populate_existing=True)
    if doc is None:
        raise NotFound(f"document {document_id}: no such document")
    doc.role = DocumentRole(role).value
    doc.reason = reason
    session.flush()
    return doc


def earlier_submission_with(session: Session, shas: list[str], this_id: int) -> int | None:
    """The earliest other submission that already holds every one of these files."""
    if not shas:
        return None
    rows = session.execute(
        select(Document.sha256, Document.submission_id).where(
            Document.sha256.in_(shas), Document.submission_id != this_id
        )
    ).all()
    holders: dict[str, set[int]] = {}
    for sha, sid in rows:
        holders.setdefault(sha, set()).add(sid)
    if set(shas) - holders.keys():
        return None
    common = set.intersection(*(holders[s] for s in set(shas)))
    return min(common) if common else min(min(v) for v in holders.values())


def delete_submission(session: Session, submission_id: int) -> None:
    """Remove a submission created in this transaction that turned out to be a repeat."""
    session.delete(get_submission(session, submission_id))
    session.flush()


def get_submission_or_none(session: Session, submission_id: int) -> Submission | None:
    return session.get(Submission, submission_id)


def documents_with_returns(session: Session, submission_id: int) -> list[tuple[Document, ReturnVersion | None]]:
    """A submission's documents in order, each with the return read from it (if any)."""
    docs = session.scalars(select(Document).where(Document.submission_id == submission_id).order_by(Document.id)).all()
    shas = [d.sha256 for d in docs]
    rets = {
        r.document_sha256: r
        for r in session.scalars(select(ReturnVersion).where(ReturnVersion.document_sha256.in_(shas)))
    }
    return [(d, rets.get(d.sha256)) for d in docs]
