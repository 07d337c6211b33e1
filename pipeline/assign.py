"""A person settles whose submission this is (`returns assign SUBMISSION ORG --by NAME`).

Works for an unmatched submission and for one already matched to another
organisation: the warehouse moves its returns, recomputes versions and "current" for
both organisations and writes the decision to the audit log, in one transaction
(`warehouse.versions.assign_submission`). A register *name* typed where the id
belongs ("Fife Council") is refused with the id it probably means ("did you mean fife?").
"""

from __future__ import annotations

from core.errors import UnknownOrganisation
from core.settings import Settings
from pipeline.checking import check_pending
from pipeline.runtime import prepare, runtime
from warehouse.db import session_scope
from warehouse.versions import assign_submission


def assign_submission_to(settings: Settings, submission_id: int, org_id: str, by: str) -> str:
    """Record the submission's returns for `org_id`; one line saying what changed."""
    prepare(settings)
    rt = runtime(settings)
    if org_id not in rt.matcher.entries:
        raise UnknownOrganisation(_not_an_id(rt.matcher.suggest(org_id), org_id, submission_id, by))
    with session_scope(rt.engine) as session:
        results = assign_submission(session, submission_id, org_id, by)
        if not results:
            return f"submission {submission_id}: already recorded for {org_id}; nothing changed"
        moved = [row.id for row, _ in results]
        said = (f"submission {submission_id}: {len(results)} return(s) recorded for {org_id}: "
                + ", ".join(f"version {row.version} ({outcome.value.replace('_', ' ')})" for row, outcome in results))
    # checked again for their new organisation (its type and services decide the checks)
    check_pending(rt, return_ids=moved, force=True)
    return said


def _not_an_id(suggestion: str | None, typed: str, submission_id: int, by: str) -> str:
    if suggestion is None:
        return f'"{typed}" is not a register id (ids look like "fife" or "tay-care-partnership")'
    return (f'"{typed}" is not a register id: did you mean {suggestion}? '
            f'(returns assign {submission_id} {suggestion} --by "{by}")')
