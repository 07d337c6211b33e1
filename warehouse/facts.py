"""What analysts and the status board read: items, citations, check results, overrides.

    items                  one row per strength, priority or issue of a return version
      id, return_id FK, section, box, position, text       UQ(return_id, section, box, position)
    item_recommendations   the recommendations each item cites
      item_id FK, recommendation                           PK(item_id, recommendation)
    check_results          one row per (return version, check): the latest outcome
      return_id FK, check_name, outcome, severity, reason, suite_version, checked_at
                                                           UQ(return_id, check_name)
    overrides              a person accepts a return despite failed checks (or withdraws it)
      id, return_id FK, accepted, by, reason, at           rows only ever added

This module is the one writer of those tables. Loading is idempotent: a return's items
are written once (its document never changes); a check result is rewritten only when
its outcome, reason or suite version changed, so checking twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from schemas import BoxedSection, Return
from schemas.checks import CheckResult
from warehouse.columns import utcnow
from warehouse.models import (
    CheckResultRow,
    Item,
    ItemRecommendation,
    Organisation,
    OrgStatusRow,
    Override,
    ReturnVersion,
    Submission,
)
from warehouse.upsert import dialect_insert


def load_items(session: Session, return_id: int, record: Return) -> int:
    """Write a return version's items and citations once; returns how many were added."""
    if session.scalar(select(Item.id).where(Item.return_id == return_id).limit(1)) is not None:
        return 0
    rows: list[dict[str, object]] = []
    cited: list[tuple[tuple[str, str, int], list[int]]] = []
    for key, section in record.sections.items():
        boxes = ((("strengths", section.strengths), ("priorities", section.priorities))
                 if isinstance(section, BoxedSection) else (("items", section.all_items),))
        for box, items in boxes:
            for position, item in enumerate(items, start=1):
                rows.append({"return_id": return_id, "section": key, "box": box, "position": position,
                             "text": item.text})
                cited.append(((key, box, position), sorted(set(item.recommendations))))
    if not rows:
        return 0
    # The items in one statement, their ids read back by their unique key, the citations
    # in one more (RETURNING row by row would cost a statement per item on SQLite).
    session.execute(insert(Item), rows)
    ids = {(section, box, position): item_id for item_id, section, box, position in session.execute(
        select(Item.id, Item.section, Item.box, Item.position).where(Item.return_id == return_id))}
    links = [{"item_id": ids[place], "recommendation": n} for place, numbers in cited for n in numbers]
    if links:
        session.execute(insert(ItemRecommendation), links)
    return len(rows)


def record_check_results(session: Session, return_id: int, results: Sequence[CheckResult],
                         suite_version: str) -> bool:
    """Store the latest outcome of each check for a return version; True when anything changed."""
    stmt = select(CheckResultRow).where(CheckResultRow.return_id == return_id)
    existing = {r.check_name: r for r in session.scalars(stmt)}
    changed = False
    new: list[dict[str, object]] = []
    for result in results:
        row = existing.get(result.check.value)
        values = (result.outcome.value, result.reason, suite_version)
        if row is not None and (row.outcome, row.reason, row.suite_version) == values:
            continue
        changed = True
        if row is None:
            new.append({"return_id": return_id, "check_name": result.check.value, "outcome": result.outcome.value,
                        "severity": result.severity.value, "reason": result.reason, "suite_version": suite_version,
                        "checked_at": utcnow()})
        else:
            row.outcome, row.reason, row.suite_version = values
            row.severity = result.severity.value
            row.checked_at = utcnow()
    if new:  # one statement for all; a result another worker wrote meanwhile is overwritten
        stmt = dialect_insert(session, CheckResultRow)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["return_id", "check_name"],
            set_={c: getattr(stmt.excluded, c) for c in ("outcome", "severity", "reason", "suite_version",
                                                         "checked_at")}), new)
    stale = set(existing) - {r.check.value for r in results}
    if stale:
        session.execute(delete(CheckResultRow).where(CheckResultRow.return_id == return_id,
                                                     CheckResultRow.check_name.in_(stale)))
        changed = True
    session.flush()
    return changed


def add_override(session: Session, return_id: int, *, accepted: bool, by: str, reason: str,
                 at: dt.datetime | None = None) -> Override:
    row = Override(return_id=return_id, accepted=accepted, by=by, reason=reason, at=at or utcnow())
    session.add(row)
    session.flush()
    return row


def check_results(session: Session, return_ids: Iterable[int] | None = None) -> dict[int, list[CheckResultRow]]:
    stmt = select(CheckResultRow).order_by(CheckResultRow.return_id, CheckResultRow.id)
    if return_ids is not None:
        stmt = stmt.where(CheckResultRow.return_id.in_(list(return_ids)))
    out: dict[int, list[CheckResultRow]] = {}
    for row in session.scalars(stmt):
        out.setdefault(row.return_id, []).append(row)
    return out


def overrides(session: Session, return_ids: Iterable[int] | None = None) -> list[Override]:
    stmt = select(Override).order_by(Override.at, Override.id)
    if return_ids is not None:
        stmt = stmt.where(Override.return_id.in_(list(return_ids)))
    return list(session.scalars(stmt))


def returns_to_check(session: Session, collection: str, suite_version: str, *,
                     return_ids: Iterable[int] | None = None, force: bool = False
                     ) -> list[tuple[ReturnVersion, Organisation]]:
    """Matched return versions of `collection` with their organisation that need checking:
    those never checked or checked under another suite version (all of them with
    `force`), limited to `return_ids` when given. Oldest first."""
    stmt = (select(ReturnVersion, Organisation).join(Organisation, Organisation.org_id == ReturnVersion.org_id)
            .where(ReturnVersion.collection == collection).order_by(ReturnVersion.id))
    if return_ids is not None:
        stmt = stmt.where(ReturnVersion.id.in_(list(return_ids)))
    if not force:
        current = select(CheckResultRow.return_id).where(CheckResultRow.suite_version == suite_version)
        stmt = stmt.where(ReturnVersion.id.not_in(current))
    return [(r, o) for r, o in session.execute(stmt).all()]


def matched_returns(session: Session, collection: str) -> list[tuple[ReturnVersion, Submission]]:
    """Every matched return version of `collection` with the submission it came in."""
    stmt = (select(ReturnVersion, Submission).join(Submission, Submission.id == ReturnVersion.submission_id)
            .where(ReturnVersion.collection == collection, ReturnVersion.org_id.is_not(None))
            .order_by(ReturnVersion.id))
    return [(r, s) for r, s in session.execute(stmt).all()]


def replace_org_status(session: Session, collection: str, rows: Sequence[OrgStatusRow]) -> None:
    """The status board's table for `collection`, replaced whole (one transaction). Two
    workers refreshing it at once take turns (on PostgreSQL a transaction-scoped advisory
    lock; SQLite has one writer anyway): else the second's DELETE, whose snapshot predates
    the first's INSERT, would leave both sets of rows to collide."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"org_status:{collection}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    session.execute(delete(OrgStatusRow).where(OrgStatusRow.collection == collection))
    session.add_all(rows)
    session.flush()


def submission_check_results(session: Session, submission_id: int) -> dict[tuple[str, int], list[CheckResultRow]]:
    """(org_id, version) -> check results, for the returns recorded from one submission."""
    stmt = (select(ReturnVersion.org_id, ReturnVersion.version, CheckResultRow)
            .join(CheckResultRow, CheckResultRow.return_id == ReturnVersion.id)
            .where(ReturnVersion.submission_id == submission_id).order_by(CheckResultRow.id))
    out: dict[tuple[str, int], list[CheckResultRow]] = {}
    for org_id, version, row in session.execute(stmt).all():
        if org_id is not None and version is not None:
            out.setdefault((org_id, version), []).append(row)
    return out


def status_rows(session: Session, collection: str) -> tuple[list[tuple[int, str, int, dt.datetime, str | None]],
                                                           dict[int, list[tuple[str, str, str | None]]]]:
    """What status needs, as plain tuples (fast at scale: no JSON, no ORM objects):
    (return_id, org_id, version, received_at, message_id) for every matched return, and
    return_id -> [(check, severity, reason)] of its failed checks."""
    returns = [tuple(row) for row in session.execute(
        select(ReturnVersion.id, ReturnVersion.org_id, ReturnVersion.version, ReturnVersion.received_at,
               Submission.message_id)
        .join(Submission, Submission.id == ReturnVersion.submission_id)
        .where(ReturnVersion.collection == collection, ReturnVersion.org_id.is_not(None)))]
    failed: dict[int, list[tuple[str, str, str | None]]] = {}
    for rid, check, severity, reason in session.execute(
            select(CheckResultRow.return_id, CheckResultRow.check_name, CheckResultRow.severity, CheckResultRow.reason)
            .join(ReturnVersion, ReturnVersion.id == CheckResultRow.return_id)
            .where(ReturnVersion.collection == collection, CheckResultRow.outcome == "failed")
            .order_by(CheckResultRow.id)):
        failed.setdefault(rid, []).append((check, severity, reason))
    return returns, failed  # type: ignore[return-value]
