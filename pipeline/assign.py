"""A person settles whose submission this is (`returns assign SUBMISSION ORG`)."""

from __future__ import annotations

from core.settings import Settings
from warehouse.db import make_engine, session_scope
from warehouse.versions import assign_submission


def assign_submission_to(settings: Settings, submission_id: int, org_id: str, by: str) -> str:
    """Record the submission's returns for `org_id`; one line saying what changed."""
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            results = assign_submission(session, submission_id, org_id, by)
            return (f"submission {submission_id}: {len(results)} return(s) recorded for {org_id}: "
                    + ", ".join(f"version {row.version} ({outcome})" for row, outcome in results))
    finally:
        engine.dispose()
