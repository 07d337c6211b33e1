"""The audit log: the one writer of `audit_log`, a record of decisions that changed data.

    record_audit(actor, action, submission_id, return_id, from_value, to_value, detail)
    audit_entries(submission_id)   what was decided about a submission, oldest first

Rows are only ever added. The log is generic - `action` is open text (the values in
use are `schemas.vocab.AuditAction`) - so later steps can record every state change
here without a migration.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.vocab import AuditAction
from warehouse.columns import utcnow
from warehouse.models import AuditEntry


def record_audit(
    session: Session,
    *,
    actor: str,
    action: AuditAction | str,
    submission_id: int | None = None,
    return_id: int | None = None,
    from_value: str | None = None,
    to_value: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add one audit row (flushed, not committed: it belongs to the caller's change)."""
    entry = AuditEntry(
        at=utcnow(), actor=actor, action=str(action), submission_id=submission_id, return_id=return_id,
        from_value=from_value, to_value=to_value, detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def audit_entries(session: Session, submission_id: int | None = None) -> list[AuditEntry]:
    """Audit rows, oldest first; only those about `submission_id` when given."""
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if submission_id is not None:
        stmt = stmt.where(AuditEntry.submission_id == submission_id)
    return list(session.scalars(stmt))
