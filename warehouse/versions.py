"""Return versions: one row per distinct document, one current return per organisation.

    add_return_version(org_id, document_sha, record)
        │ document_sha already a return? ─────────────► DUPLICATE (nothing written)
        │ org_id None ────────────────────────────────► UNMATCHED (no version, not current)
        │ lock the organisation row, version = max + 1
        │ no current return ──────────────────────────► NEW (current)
        │ current received no later than this one ────► SUPERSEDED_PREVIOUS
        │                                               (old.is_current = false,
        │                                                old.superseded_by = new.id,
        │                                                new.is_current = true)
        └ current received after this one ────────────► OLDER_THAN_CURRENT (kept,
                                                         not current)

    assign_submission(submission_id, org_id, by)
        the person's decision: the submission's returns (unmatched, or matched to
        another organisation) get the organisation; versions and "current" are
        recomputed for the old and the new organisation in the same transaction, and
        each change is written to the audit log.

The flip happens in one transaction, unset before set, under the unique index
`uq_returns_one_current` (org_id, collection WHERE is_current): no reader sees two
current returns or none, and two workers cannot both make theirs current. Versions
are serialised per organisation by a row lock on `organisations` (PostgreSQL) or by
`BEGIN IMMEDIATE` (SQLite); `UNIQUE(org_id, collection, version)` backs both.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import RefusedChange, UnknownOrganisation
from schemas.vocab import AuditAction, ReturnOutcome
from warehouse.audit import record_audit
from warehouse.columns import utcnow
from warehouse.models import Organisation, ReturnVersion
from warehouse.submissions import get_submission, mark_assigned, mark_repeat
from warehouse.upsert import insert_ignore


def _record_dict(record: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(record, BaseModel):
        return record.model_dump(mode="json")
    return dict(record)


def _flat_columns(record: dict[str, Any]) -> dict[str, Any]:
    org = record.get("organisation") or {}
    sign = record.get("sign_off") or {}
    date = sign.get("date")
    return {
        "collection": record["collection"],
        "organisation_name": org.get("name"),
        "org_type": org.get("type"),
        "signed": sign.get("signed"),
        "sign_off_date": dt.date.fromisoformat(date) if isinstance(date, str) else date,
    }


def _lock_organisation(session: Session, org_id: str) -> None:
    found = session.scalars(
        select(Organisation.org_id).where(Organisation.org_id == org_id).with_for_update()
    ).one_or_none()
    if found is None:
        raise UnknownOrganisation(f"organisation {org_id!r}: not in the register")


def get_return(session: Session, document_sha: str) -> ReturnVersion | None:
    return session.scalars(
        select(ReturnVersion)
        .where(ReturnVersion.document_sha256 == document_sha)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _next_version(session: Session, org_id: str, collection: str) -> int:
    latest = session.scalar(
        select(func.max(ReturnVersion.version)).where(
            ReturnVersion.org_id == org_id, ReturnVersion.collection == collection
        )
    )
    return (latest or 0) + 1


def _place_version(session: Session, row: ReturnVersion) -> ReturnOutcome:
    """Make `row` (already versioned for its organisation) current if it is the latest."""
    current = session.scalars(
        select(ReturnVersion)
        .where(
            ReturnVersion.org_id == row.org_id,
            ReturnVersion.collection == row.collection,
            ReturnVersion.is_current.is_(True),
            ReturnVersion.id != row.id,
        )
        .execution_options(populate_existing=True)
    ).one_or_none()
    if current is None:
        row.is_current = True
        session.flush()
        return ReturnOutcome.NEW
    if current.received_at <= row.received_at:
        current.is_current = False
        current.superseded_by = row.id
        session.flush()  # unset before set: the partial unique index checks each row
        row.is_current = True
        session.flush()
        return ReturnOutcome.SUPERSEDED_PREVIOUS
    row.superseded_by = current.id
    session.flush()
    return ReturnOutcome.OLDER_THAN_CURRENT


def add_return_version(
    session: Session,
    org_id: str | None,
    document_sha: str,
    record_json: BaseModel | dict[str, Any],
    *,
    submission_id: int,
    received_at: dt.datetime,
) -> tuple[ReturnVersion, ReturnOutcome]:
    """Record one extracted return (a `schemas.Return` or its JSON dict)."""
    record = _record_dict(record_json)
    flat = _flat_columns(record)
    if org_id is not None:
        _lock_organisation(session, org_id)
    existing = get_return(session, document_sha)
    if existing is not None:
        return _received_first(session, existing, submission_id, received_at), ReturnOutcome.DUPLICATE
    version = None if org_id is None else _next_version(session, org_id, flat["collection"])
    now = utcnow()
    inserted = insert_ignore(
        session,
        ReturnVersion,
        {
            "document_sha256": document_sha,
            "submission_id": submission_id,
            "org_id": org_id,
            "version": version,
            "is_current": False,
            "received_at": received_at,
            "record": record,
            "created_at": now,
            "updated_at": now,
            **flat,
        },
        key=["document_sha256"],
    )
    row = get_return(session, document_sha)
    if row is None:
        raise RuntimeError(f"return {document_sha}: row missing after INSERT ... ON CONFLICT")
    if not inserted:
        return _received_first(session, row, submission_id, received_at), ReturnOutcome.DUPLICATE
    if org_id is None:
        return row, ReturnOutcome.UNMATCHED
    return row, _place_version(session, row)


def _received_first(session: Session, row: ReturnVersion, submission_id: int,
                    received_at: dt.datetime) -> ReturnVersion:
    """The same file came in another email too. A return counts as received when its
    file first arrived: when this email was received earlier than the one that recorded
    it (two workers took them out of order), the return moves to this email, its
    organisation's current return is recomputed, and the later email becomes the repeat."""
    if row.submission_id == submission_id or row.received_at <= received_at:
        return row
    later = row.submission_id
    row.submission_id, row.received_at = submission_id, received_at
    session.flush()
    if row.org_id is not None:
        recompute_current(session, row.org_id, row.collection)
    if later is not None:
        mark_repeat(session, later, submission_id,
                    f"the same file as submission {submission_id}, received earlier: already recorded", row.org_id)
    record_audit(session, actor="intake", action=AuditAction.RECORDED, submission_id=submission_id, return_id=row.id,
                 from_value=f"submission {later}", to_value=f"submission {submission_id}",
                 detail="the same file arrived earlier in this email")
    return row


def assign_submission(
    session: Session, submission_id: int, org_id: str, by: str
) -> list[tuple[ReturnVersion, ReturnOutcome]]:
    """A person settles whose submission this is: every return first recorded from it
    becomes `org_id`'s, whether it was unmatched or matched to another organisation.

    One transaction: each moved return leaves its old organisation (whose later
    versions close up, and whose current return is recomputed - a return this one had
    superseded becomes current again), then joins `org_id` as its newest version
    (current when it was received last). The submission gets the organisation, who and
    when; its reason is kept; each change is an `audit_log` row. Idempotent: assigning
    again to the same organisation changes nothing and returns [].

    Refused (RefusedChange): no `by`; a submission with no return of its own (a repeat
    names the submission that holds the return). UnknownOrganisation: `org_id` is not
    in the register.
    """
    if not by.strip():
        raise RefusedChange("assign: say who is deciding (--by NAME)")
    _lock_organisation(session, org_id)
    sub = get_submission(session, submission_id, lock=True)
    rows = session.scalars(
        select(ReturnVersion)
        .where(ReturnVersion.submission_id == submission_id)
        .order_by(ReturnVersion.received_at, ReturnVersion.id)
        .execution_options(populate_existing=True)
    ).all()
    if not rows:
        if sub.repeat_of is not None:
            raise RefusedChange(
                f"submission {submission_id} repeats submission {sub.repeat_of}, which holds its return: "
                f"assign submission {sub.repeat_of} instead"
            )
        raise RefusedChange(f"submission {submission_id} holds no return to assign ({sub.status}: {sub.reason})")
    moving = [row for row in rows if row.org_id != org_id]
    if not moving and sub.org_id == org_id:
        return []
    for other in sorted({row.org_id for row in moving if row.org_id is not None}):
        _lock_organisation(session, other)
    before = sub.org_id
    outcomes = [_move_return(session, row, org_id, by) for row in moving]
    mark_assigned(session, submission_id, org_id, by)
    record_audit(
        session, actor=by, action=AuditAction.ASSIGN_SUBMISSION, submission_id=submission_id,
        from_value=before or "unmatched", to_value=org_id,
        detail=f"status {sub.status}; the reason recorded by the intake: {sub.reason or '(none)'}",
    )
    return outcomes


def _move_return(session: Session, row: ReturnVersion, org_id: str, by: str) -> tuple[ReturnVersion, ReturnOutcome]:
    """Detach `row` from its organisation (closing up that organisation's versions and
    recomputing its current return), then make it `org_id`'s newest version."""
    old_org, old_version = row.org_id, row.version
    row.org_id, row.version, row.is_current, row.superseded_by = None, None, False, None
    session.flush()
    left = ""
    if old_org is not None:
        _close_up_versions(session, old_org, row.collection, old_version)
        current = recompute_current(session, old_org, row.collection)
        left = (f"; {old_org}'s current return is now version {current.version}" if current
                else f"; {old_org} has no return now")
    row.org_id = org_id
    row.version = _next_version(session, org_id, row.collection)
    session.flush()
    current = recompute_current(session, org_id, row.collection)
    others = session.scalar(select(func.count()).select_from(ReturnVersion).where(
        ReturnVersion.org_id == org_id, ReturnVersion.collection == row.collection, ReturnVersion.id != row.id))
    outcome = (ReturnOutcome.OLDER_THAN_CURRENT if current is not None and current.id != row.id
               else ReturnOutcome.SUPERSEDED_PREVIOUS if others else ReturnOutcome.NEW)
    record_audit(
        session, actor=by, action=AuditAction.ASSIGN_RETURN, submission_id=row.submission_id, return_id=row.id,
        from_value=f"{old_org} version {old_version}" if old_org else "unmatched",
        to_value=f"{org_id} version {row.version}",
        detail=f"{outcome.value.replace('_', ' ')}{left}",
    )
    return row, outcome


def _close_up_versions(session: Session, org_id: str, collection: str, gone: int | None) -> None:
    """Versions after `gone` move down by one, so an organisation's versions stay 1..n."""
    if gone is None:
        return
    later = session.scalars(
        select(ReturnVersion)
        .where(ReturnVersion.org_id == org_id, ReturnVersion.collection == collection, ReturnVersion.version > gone)
        .order_by(ReturnVersion.version)
    ).all()
    for row in later:  # ascending: each number is free when it is taken
        row.version = (row.version or 0) - 1
        session.flush()


def recompute_current(session: Session, org_id: str, collection: str) -> ReturnVersion | None:
    """Make the organisation's return received last current; each earlier one is
    superseded by the next. Returns the current one (None when it has none)."""
    rows = session.scalars(
        select(ReturnVersion)
        .where(ReturnVersion.org_id == org_id, ReturnVersion.collection == collection)
        .order_by(ReturnVersion.received_at, ReturnVersion.id)
        .execution_options(populate_existing=True)
    ).all()
    for row in rows:
        row.is_current = False
    session.flush()  # unset before set: the partial unique index checks each row
    for earlier, later in itertools.pairwise(rows):
        earlier.superseded_by = later.id
    if not rows:
        return None
    rows[-1].superseded_by = None
    rows[-1].is_current = True
    session.flush()
    return rows[-1]
