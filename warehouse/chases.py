"""Reminders and chases: the one writer of `chases` (RETURN-FORM.md section 9).

    claim_chase     ──► chases   key (collection, org_id, event, date): claim before sending
    set_chase_status          pending -> sent | failed
    release_chase             pending -> (no row): not handed over, send again later
    chase_rows                every recorded reminder and chase, in date order

At most once per event: `claim_chase` inserts a `pending` row (ON CONFLICT DO NOTHING),
the caller commits, sends, and marks it `sent`. Two runs racing on one event end with one
row and one email. A claim whose email was certainly not handed over (the server down)
is released (`release_chase`) so a later run sends it; a crash after the claim, or a
connection lost after the email was handed over, leaves a `pending` row that no run
sends again (shown as unconfirmed for a person to decide).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from schemas.vocab import ChaseKind, OutboxStatus
from warehouse.columns import utcnow
from warehouse.models import ChaseRow
from warehouse.upsert import insert_ignore


def claim_chase(session: Session, *, collection: str, org_id: str, event: ChaseKind, date: dt.date,
                problems: list[str], reasons: list[str], to_address: str, subject: str,
                message_id: str) -> bool:
    """Claim the one email of this event for this organisation; False when it exists."""
    return insert_ignore(session, ChaseRow, {
        "collection": collection, "org_id": org_id, "event": ChaseKind(event).value, "date": date,
        "problems": ",".join(problems), "reasons": "\n".join(reasons) or None, "to_address": to_address,
        "subject": subject, "message_id": message_id, "status": OutboxStatus.PENDING.value,
    }, key=["collection", "org_id", "event", "date"])


def find_chase(session: Session, *, collection: str, org_id: str, event: ChaseKind,
               date: dt.date) -> ChaseRow | None:
    return session.scalars(select(ChaseRow).where(
        ChaseRow.collection == collection, ChaseRow.org_id == org_id, ChaseRow.event == ChaseKind(event).value,
        ChaseRow.date == date).execution_options(populate_existing=True)).one_or_none()


def set_chase_status(session: Session, chase_id: int, status: OutboxStatus, *, error: str | None = None) -> None:
    row = session.get(ChaseRow, chase_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"chases: no chase {chase_id}")
    row.status = OutboxStatus(status).value
    row.error = error
    if status is OutboxStatus.SENT:
        row.sent_at = utcnow()
    session.flush()


def release_chase(session: Session, chase_id: int) -> None:
    session.execute(delete(ChaseRow).where(ChaseRow.id == chase_id, ChaseRow.status == OutboxStatus.PENDING.value))


def chase_rows(session: Session, collection: str | None = None) -> list[ChaseRow]:
    """Every recorded reminder and chase (any status), by date, event and organisation."""
    query = select(ChaseRow).order_by(ChaseRow.date, ChaseRow.event, ChaseRow.org_id)
    if collection is not None:
        query = query.where(ChaseRow.collection == collection)
    return list(session.scalars(query))
