"""Outgoing mail: the one writer of `outbox` (acknowledgements now, chases next).

    record_ack         ──► outbox   key: (submission_id, kind='ack'): claim before sending
    set_outbox_status             pending -> sent | failed
    release_ack                   pending -> (no row): not handed over, send again later
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from schemas.vocab import OutboxKind, OutboxStatus
from warehouse.columns import utcnow
from warehouse.models import ChaseRow, OutboxMessage, Submission
from warehouse.upsert import insert_ignore


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
        raise NotFound(f"outbox: no {kind.value} for submission {submission_id}")
    msg.status = OutboxStatus(status).value
    msg.error = error
    if status is OutboxStatus.SENT:
        msg.sent_at = sent_at or utcnow()
    session.flush()
    return msg



def release_ack(session: Session, submission_id: int, kind: OutboxKind = OutboxKind.ACK) -> None:
    """Give up a pending claim whose message was certainly not handed over (the server
    was down or refused for now), so that a later run claims and sends it."""
    session.execute(delete(OutboxMessage).where(
        OutboxMessage.submission_id == submission_id, OutboxMessage.kind == kind.value,
        OutboxMessage.status == OutboxStatus.PENDING.value))


def outbox_status(session: Session, submission_id: int, kind: OutboxKind = OutboxKind.ACK) -> str | None:
    """The status of a submission's outgoing message of this kind, or None if unclaimed."""
    return session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.submission_id == submission_id, OutboxMessage.kind == kind.value)).one_or_none()



def unconfirmed_replies(session: Session, before: dt.datetime) -> list[dict[str, object]]:
    """Acknowledgements and chases claimed before `before` and still `pending`: their run
    died while sending, or the server took them without confirming. Never sent again by
    the system: a person checks with the organisation."""
    acks = session.execute(
        select(OutboxMessage.submission_id, Submission.org_id, OutboxMessage.subject, OutboxMessage.error,
               OutboxMessage.updated_at)
        .join(Submission, Submission.id == OutboxMessage.submission_id, isouter=True)
        .where(OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.updated_at < before)
        .order_by(OutboxMessage.updated_at))
    chases = session.execute(
        select(ChaseRow.org_id, ChaseRow.event, ChaseRow.date, ChaseRow.error, ChaseRow.updated_at)
        .where(ChaseRow.status == OutboxStatus.PENDING.value, ChaseRow.updated_at < before)
        .order_by(ChaseRow.updated_at))
    rows: list[dict[str, object]] = [
        {"what": f"acknowledgement of submission {sub_id}", "org_id": org_id, "subject": subject,
         "why": error or "the run stopped while sending it", "since": at}
        for sub_id, org_id, subject, error, at in acks]
    rows += [{"what": f"{event} of {day:%-d %b %Y}", "org_id": org_id, "subject": "",
              "why": error or "the run stopped while sending it", "since": at}
             for org_id, event, day, error, at in chases]
    return rows
