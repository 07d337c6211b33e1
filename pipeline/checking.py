"""The checks step and the status it feeds: plain functions the flows and commands call.

    check_pending(rt)                  matched returns never checked under this suite
                                       version -> one GX validation -> check_results
    check_pending(rt, force=True)      every matched return (`returns recheck`)
    statuses(rt, as_of)                every register organisation's status on a day
    refresh_status_board(rt, as_of)    the same, stored in `org_status` (today's board)
    accept(rt, return_id, ...)         a person's override, or its withdrawal

The register decides the organisation's type and services (section 5); the received
time is the division's own server's (section 7). GX Data Docs are rebuilt under
`<home>/gx` after each validation, so the validation history can be browsed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from core.errors import NotFound, RefusedChange
from pipeline.checks import CheckInput, run_checks, suite_version
from pipeline.runtime import Runtime
from pipeline.status import ChaseFact, OrgStatus, OverrideFact, ReturnFact, local_day, status_as_of
from schemas import Return
from schemas.checks import CheckName, Severity, problems_of
from schemas.checks import CheckResult as Result
from schemas.checks import Outcome as CheckOutcome
from schemas.vocab import AuditAction, OutboxStatus
from warehouse.audit import record_audit
from warehouse.chases import chase_rows
from warehouse.columns import utcnow
from warehouse.db import session_scope
from warehouse.facts import (
    add_override,
    overrides,
    record_check_results,
    replace_org_status,
    returns_to_check,
    status_rows,
)
from warehouse.models import OrgStatusRow, ReturnVersion


@dataclass(frozen=True)
class CheckRun:
    checked: int  # return versions validated
    changed: int  # ... whose results changed (and were stored)
    suite_version: str


def docs_dir(rt: Runtime) -> Path:
    return rt.settings.home / "gx"


def check_pending(rt: Runtime, *, return_ids: list[int] | None = None, force: bool = False,
                  engine: str | None = None) -> CheckRun:
    """Check the matched returns that need it, in one validation; store what changed."""
    engine = engine or rt.settings.check_engine
    version = suite_version()
    collection = rt.collection
    with session_scope(rt.engine) as session:
        todo = returns_to_check(session, collection.id, version, return_ids=return_ids, force=force)
        inputs = [CheckInput(r.id, o.org_id, o.type, tuple(o.services or ()), Return.model_validate(r.record),
                             r.received_at) for r, o in todo]
    if not inputs:
        return CheckRun(0, 0, version)
    results = run_checks(inputs, collection, engine=engine, docs_dir=docs_dir(rt) if engine == "gx" else None)
    changed = 0
    with session_scope(rt.engine) as session:
        for rid, found in results.items():
            if record_check_results(session, rid, found, version):
                changed += 1
                problems = problems_of(found)
                record_audit(session, actor="checks", action=AuditAction.CHECKED, return_id=rid,
                             to_value=", ".join(problems) or "accepted", detail=f"suite {version}")
    refresh_status_board(rt)
    return CheckRun(len(inputs), changed, version)


def _facts(rt: Runtime) -> tuple[list[ReturnFact], list[OverrideFact]]:
    with session_scope(rt.engine) as session:
        returns, failed = status_rows(session, rt.collection.id)
        over = [OverrideFact(o.return_id, o.accepted, o.at, o.by, o.reason) for o in overrides(session)]
    facts = []
    for rid, org_id, version, received_at, message_id in returns:
        found = [Result(CheckName(c), CheckOutcome.FAILED, reason) for c, _, reason in failed.get(rid, [])]
        errors = [x for x in found if x.severity == Severity.ERROR]
        facts.append(ReturnFact(rid, org_id, version, received_at, message_id, tuple(problems_of(found)),
                                tuple(x.reason or "" for x in errors)))
    return facts, over


def chase_facts(rt: Runtime) -> list[ChaseFact]:
    """Reminders and chases sent or being sent (a failed send is not a chase had)."""
    with session_scope(rt.engine) as session:
        return [ChaseFact(r.org_id, r.event, r.date) for r in chase_rows(session, rt.collection.id)
                if r.status != OutboxStatus.FAILED]


def statuses(rt: Runtime, as_of: dt.date, chases: list[ChaseFact] | None = None) -> list[OrgStatus]:
    """Every register organisation's status at the end of `as_of` (Europe/London);
    escalation from the chases recorded (or `chases`)."""
    facts, over = _facts(rt)
    found = chase_facts(rt) if chases is None else chases
    return status_as_of(rt.matcher.entries.values(), facts, over, found, as_of, rt.collection)


def today(rt: Runtime) -> dt.date:
    return local_day(utcnow(), rt.collection)


def refresh_status_board(rt: Runtime, as_of: dt.date | None = None) -> list[OrgStatus]:
    """Store every organisation's status as of `as_of` (default today) in `org_status`."""
    day = as_of or today(rt)
    found = statuses(rt, day)
    now = utcnow()
    rows = [OrgStatusRow(org_id=s.org_id, collection=rt.collection.id, as_of=day, status=s.status,
                         problems=",".join(s.problems), reasons="\n".join(s.reasons) or None, late=s.late,
                         escalated=s.escalated, current_return_id=s.current.return_id if s.current else None,
                         current_version=s.current.version if s.current else None,
                         current_received_at=s.current.received_at if s.current else None, refreshed_at=now)
            for s in found]
    with session_scope(rt.engine) as session:
        replace_org_status(session, rt.collection.id, rows)
    return found


def accept(rt: Runtime, return_id: int, *, by: str, reason: str, withdraw: bool = False) -> str:
    """A person accepts a return despite failed checks (or withdraws that); one line back."""
    if not by.strip() or not reason.strip():
        raise RefusedChange("accept: say who is deciding (--by NAME) and why (--reason \"...\")")
    with session_scope(rt.engine) as session:
        row = session.get(ReturnVersion, return_id)
        if row is None or row.org_id is None:
            raise NotFound(f"return {return_id}: no such return of a known organisation "
                           "(see `returns status` or `returns submissions`)")
        current = [o for o in overrides(session, [return_id])]
        accepted_now = bool(current and current[-1].accepted)
        if withdraw and not accepted_now:
            raise RefusedChange(f"return {return_id}: it has not been accepted by a person, so there is nothing "
                                "to withdraw")
        if not withdraw and accepted_now:
            return f"return {return_id} ({row.org_id} v{row.version}) is already accepted by {current[-1].by}"
        add_override(session, return_id, accepted=not withdraw, by=by, reason=reason)
        record_audit(session, actor=by, action=AuditAction.OVERRIDDEN, return_id=return_id,
                     submission_id=row.submission_id, from_value="accepted" if withdraw else "checks",
                     to_value="checks" if withdraw else "accepted", detail=reason)
        org, version = row.org_id, row.version
    refresh_status_board(rt)
    verb = "acceptance withdrawn" if withdraw else "accepted despite its checks"
    return f"return {return_id} ({org} v{version}): {verb}, by {by}: {reason}"
