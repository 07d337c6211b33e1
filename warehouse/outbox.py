"""Outgoing mail: the one writer of `outbox` (acknowledgements now, chases next).

    record_ack         ──► outbox   key: (submission_id, kind='ack'): claim before sending
    set_outbox_status             pending -> sent | failed
    release_ack                   pending -> (no row): not handed over, send again later
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import NotFound, RefusedChange
from schemas.vocab import AuditAction, OutboxKind, OutboxStatus
from warehouse.audit import record_audit
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
        select(ChaseRow.id, ChaseRow.org_id, ChaseRow.event, ChaseRow.date, ChaseRow.error, ChaseRow.updated_at)
        .where(ChaseRow.status == OutboxStatus.PENDING.value, ChaseRow.updated_at < before)
        .order_by(ChaseRow.updated_at))
    rows: list[dict[str, object]] = [
        {"ref": f"ack:{sub_id}", "what": f"acknowledgement of submission {sub_id}", "org_id": org_id,
         "subject": subject, "why": error or "the run stopped while sending it", "since": at}
        for sub_id, org_id, subject, error, at in acks]
    rows += [{"ref": f"chase:{chase_id}", "what": f"{event} of {day:%-d %b %Y}", "org_id": org_id, "subject": "",
              "why": error or "the run stopped while sending it", "since": at}
             for chase_id, org_id, event, day, error, at in chases]
    return rows


def settle_reply(session: Session, ref: str, *, by: str, note: str) -> str:
    """A person has checked an unconfirmed reply ("ack:SUBMISSION" or "chase:ID"): it
    arrived, or they sent it by hand. Marked sent, with who and why in the audit log;
    returns what it was. Refused (RefusedChange) unless it is pending."""
    kind, _, number = ref.partition(":")
    if kind not in ("ack", "chase") or not number.isdigit():
        raise RefusedChange(f"{ref!r} names no reply: use ack:SUBMISSION or chase:ID (see `returns replies`)")
    ident = int(number)
    row: OutboxMessage | ChaseRow | None
    if kind == "ack":
        row = session.scalars(select(OutboxMessage).where(
            OutboxMessage.submission_id == ident, OutboxMessage.kind == OutboxKind.ACK.value)
            .with_for_update()).one_or_none()
    else:
        row = session.get(ChaseRow, ident, with_for_update=True)
    if row is None:
        raise NotFound(f"no reply {ref}")
    if row.status != OutboxStatus.PENDING.value:
        raise RefusedChange(f"reply {ref} is {row.status}, not waiting to be confirmed")
    row.status, row.sent_at = OutboxStatus.SENT.value, utcnow()
    row.error = f"confirmed by {by}: {note}"
    what = (f"{row.event} of {row.date:%-d %b %Y}" if isinstance(row, ChaseRow)
            else f"acknowledgement of submission {ident}")
    record_audit(session, actor=by, action=AuditAction.REPLY_CONFIRMED,
                 submission_id=ident if kind == "ack" else None, from_value="pending", to_value="sent",
                 detail=f"{what}: {note}")
    session.flush()
    return what
