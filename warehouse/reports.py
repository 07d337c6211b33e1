"""Read-only views of the warehouse for people: what `returns submissions` prints.

    submissions_report ◄── submissions + documents + returns
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warehouse.models import Document, ReturnVersion, Submission


def submissions_report(session: Session) -> list[dict[str, Any]]:
    """One plain dict per submission, in arrival order, for `returns submissions`.

    `returns` lists every return found in the submission - recorded from it, or the
    same document already recorded from an earlier email (a `repeat_of` that
    submission) - with its version (None while unmatched), whether it is current, and
    its organisation. `received_at` is when our server accepted the email (ISO 8601,
    UTC); `assigned_by` who settled its organisation, if a person did.
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
            "sender": s.sender,
            "org_id": s.org_id,
            "status": s.status,
            "reason": s.reason,
            "received_at": s.received_at.isoformat(),
            "repeat_of": s.repeat_of,
            "assigned_by": s.assigned_by,
            "returns": [
                {"version": r.version, "current": r.is_current, "org_id": r.org_id}
                for r in sorted(found.get(s.id, {}).values(), key=order)
            ],
        }
        for s in subs
    ]

