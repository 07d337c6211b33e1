"""Submissions and their documents: the one writer of `submissions` and `documents`.

    upsert_submission   ──► submissions   key: Message-ID (+ content fingerprint when a
                                          different email reuses it), else raw SHA-256
    set_submission_status / set_submission_org / mark_repeat / mark_assigned
    add_document        ──► documents     key: (submission_id, sha256)
    set_document_role

Every insert is `INSERT ... ON CONFLICT DO NOTHING` followed by a re-read
(`warehouse.upsert`), so re-running, a re-delivered email or two workers racing
never make a second row. Functions flush but never commit: the caller's
`session_scope` decides the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

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


FingerprintOf = Callable[[str], str | None]  # raw SHA-256 -> content fingerprint (None: unknown)


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
    fingerprint: str | None = None,
    sent_at: dt.datetime | None = None,
    fingerprint_of: FingerprintOf | None = None,
) -> tuple[Submission, bool]:
    """The submission for this email: (row, True) when new, (existing row, False) else.

    The same Message-ID with the same content `fingerprint` is the same email (a
    re-delivery). With a different fingerprint it is a different email reusing the id:
    its own submission, keyed "mid:<id>#<fingerprint>" (`reused_message_id` names the
    first holder). A holder recorded before fingerprints existed gets one from
    `fingerprint_of(its raw sha)`; when that cannot tell, the emails are taken to be
    different (an email is never dropped on a guess).

    An existing submission is returned unchanged (its status is the truth about
    how far it got); a re-delivery's own raw bytes belong in the mail ledger.
    """
    base = submission_key(message_id, raw_sha256)
    keys = [base, f"{base}#{fingerprint}"] if fingerprint and base.startswith("mid") else [base]
    for key in keys:
        created = insert_ignore(
            session,
            Submission,
            {
                "dedup_key": key,
                "raw_sha256": raw_sha256,
                "message_id": normalise_message_id(message_id),
                "fingerprint": fingerprint,
                "sender": sender,
                "subject": subject,
                "received_at": received_at,
                "sent_at": sent_at,
                "status": SubmissionStatus(status).value,
                "reason": reason,
            },
        )
        found = _by_key_or_raw(session, key, raw_sha256)
        if created or found.raw_sha256 == raw_sha256 or _same_content(session, found, fingerprint, fingerprint_of):
            return found, created
    return found, created


def _by_key_or_raw(session: Session, key: str, raw_sha256: str) -> Submission:
    for condition in (Submission.dedup_key == key, Submission.raw_sha256 == raw_sha256):
        found = session.scalars(
            select(Submission).where(condition).execution_options(populate_existing=True)
        ).one_or_none()
        if found is not None:
            return found
    raise RuntimeError(f"submission {key}: row missing after INSERT ... ON CONFLICT")


def _same_content(
    session: Session, holder: Submission, fingerprint: str | None, fingerprint_of: FingerprintOf | None
) -> bool:
    """Is `holder` the same email as the one with `fingerprint`? (True when there is
    nothing to compare: no fingerprint given means the caller does not distinguish.)"""
    if fingerprint is None:
        return True
    if holder.fingerprint is None and fingerprint_of is not None:
        holder.fingerprint = fingerprint_of(holder.raw_sha256)
        session.flush()
    return holder.fingerprint == fingerprint


def reused_message_id(session: Session, sub: Submission) -> int | None:
    """The submission that first used this one's Message-ID, when this one is a
    different email that reuses it; else None."""
    if "#" not in sub.dedup_key:
        return None
    first = session.scalars(
        select(Submission.id).where(Submission.dedup_key == sub.dedup_key.split("#", 1)[0])
    ).one_or_none()
    return first


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
    """A person decided whose submission this is: record who, when, and the new status.
    The reason the pipeline gave is kept as it was (the decision is in the audit log)."""
    sub = get_submission(session, submission_id, lock=True)
    sub.org_id = org_id
    sub.assigned_by = by
    sub.assigned_at = utcnow()
    if sub.status == SubmissionStatus.UNMATCHED.value:
        sub.status = SubmissionStatus.EXTRACTED.value
    session.flush()
    return sub


def mark_repeat(
    session: Session, submission_id: int, earlier_id: int, reason: str, org_id: str | None
) -> Submission:
    """Its return(s) were already received in submission `earlier_id`."""
    sub = get_submission(session, submission_id, lock=True)
    sub.status = SubmissionStatus.REPEAT.value
    sub.repeat_of = earlier_id
    sub.reason = reason
    sub.org_id = org_id
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


def earlier_documents(session: Session, shas: list[str], this_id: int) -> tuple[int, dict[str, Document]] | None:
    """When every one of these files was already received, and classified, in earlier
    submissions: (the earliest submission holding them all - else the earliest holding
    any -, each file's earliest classified document). None otherwise."""
    if not shas:
        return None
    docs = session.scalars(
        select(Document)
        .where(Document.sha256.in_(shas), Document.submission_id < this_id, Document.role.is_not(None))
        .order_by(Document.submission_id, Document.id)
    ).all()
    first: dict[str, Document] = {}
    holders: dict[str, set[int]] = {}
    for doc in docs:
        first.setdefault(doc.sha256, doc)
        holders.setdefault(doc.sha256, set()).add(doc.submission_id)
    if set(shas) - first.keys():
        return None
    common = set.intersection(*(holders[s] for s in set(shas)))
    return (min(common) if common else min(d.submission_id for d in first.values())), first


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


def submission_by_raw(session: Session, raw_sha256: str) -> Submission | None:
    """The submission first recorded from exactly these raw bytes, if any."""
    return session.scalars(select(Submission).where(Submission.raw_sha256 == raw_sha256)).one_or_none()


def submission_by_key(session: Session, dedup_key: str) -> Submission | None:
    return session.scalars(select(Submission).where(Submission.dedup_key == dedup_key)).one_or_none()
