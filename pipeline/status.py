"""Where each expected organisation stands on any date (RETURN-FORM.md section 6).

    status_as_of(register, returns, overrides, chases, as_of, collection) -> [OrgStatus]

Pure: the facts come in as plain values (from the warehouse), so "where did we stand
on 31 October?" is a function of what had been received by the end of that day in the
collection's time zone (Europe/London), whatever the host's time zone.

    current   the return received last among those received by the end of the day
    problems  the error checks the current return fails (none once a person accepted
              it with an override made by then), in the order of the checks table
    status    missing | accepted | the first problem
    late      the deadline day has ended without an accepted return, or the current
              accepted return was itself received after the deadline (a flag only)
    escalated three chases (reminders do not count) dated by then and not accepted
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from schemas import Collection
from schemas.checks import Problem
from schemas.register import RegisterEntry


@dataclass(frozen=True)
class ReturnFact:
    """One checked return version of an organisation."""

    return_id: int
    org_id: str
    version: int
    received_at: dt.datetime
    message_id: str | None
    problems: tuple[Problem, ...]  # failed error checks, in table order
    reasons: tuple[str, ...] = ()  # the same failures in words


@dataclass(frozen=True)
class OverrideFact:
    """A person accepted (or withdrew acceptance of) a return despite failed checks."""

    return_id: int
    accepted: bool  # False: the acceptance was withdrawn
    at: dt.datetime
    by: str
    reason: str


@dataclass(frozen=True)
class ChaseFact:
    org_id: str
    event: str  # "reminder" | "chase"
    date: dt.date


@dataclass(frozen=True)
class OrgStatus:
    org_id: str
    name: str
    org_type: str
    status: str
    problems: tuple[str, ...]
    reasons: tuple[str, ...]
    late: bool
    escalated: bool
    current: ReturnFact | None
    override: OverrideFact | None
    chases: int
    last_chase: dt.date | None

    def as_json(self, collection: Collection) -> dict[str, object]:
        """The stable JSON of `returns status --format json` (section 10)."""
        current = None
        if self.current is not None:
            current = {"version": self.current.version,
                       "received": local_day(self.current.received_at, collection).isoformat(),
                       "message_id": self.current.message_id}
        return {"org_id": self.org_id, "status": self.status, "problems": list(self.problems),
                "late": self.late, "escalated": self.escalated, "current": current}


def local_day(moment: dt.datetime, collection: Collection) -> dt.date:
    return moment.astimezone(ZoneInfo(collection.timezone)).date()


def end_of_day(day: dt.date, collection: Collection) -> dt.datetime:
    """The first instant after `day` in the collection's time zone (as an aware time)."""
    nxt = day + dt.timedelta(days=1)
    return dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=ZoneInfo(collection.timezone))


def status_as_of(register: Iterable[RegisterEntry], returns: Iterable[ReturnFact],
                 overrides: Iterable[OverrideFact], chases: Iterable[ChaseFact], as_of: dt.date,
                 collection: Collection) -> list[OrgStatus]:
    """One status per register organisation, in register order."""
    cutoff = end_of_day(as_of, collection)
    current: dict[str, ReturnFact] = {}
    for candidate in returns:
        if candidate.received_at >= cutoff:
            continue
        best = current.get(candidate.org_id)
        if best is None or (candidate.received_at, candidate.return_id) > (best.received_at, best.return_id):
            current[candidate.org_id] = candidate
    latest_override: dict[int, OverrideFact] = {}
    for o in sorted(overrides, key=lambda o: o.at):
        if o.at < cutoff:
            latest_override[o.return_id] = o
    chase_days: dict[str, list[dt.date]] = {}
    for c in chases:
        if c.event == "chase" and c.date <= as_of:
            chase_days.setdefault(c.org_id, []).append(c.date)
    past_deadline = as_of > collection.deadline
    out = []
    for entry in register:
        fact: ReturnFact | None = current.get(entry.org_id)
        override = latest_override.get(fact.return_id) if fact is not None else None
        accepted_by_person = override is not None and override.accepted
        problems: tuple[Problem, ...] = () if fact is None or accepted_by_person else fact.problems
        if fact is None:
            status = Problem.MISSING.value
        elif not problems:
            status = "accepted"
        else:
            status = problems[0].value
        accepted = status == "accepted"
        late = (past_deadline and not accepted) or (
            accepted and fact is not None and local_day(fact.received_at, collection) > collection.deadline)
        days = sorted(chase_days.get(entry.org_id, []))
        out.append(OrgStatus(
            org_id=entry.org_id, name=entry.name, org_type=entry.type.value, status=status,
            problems=tuple(p.value for p in problems),
            reasons=() if fact is None or accepted_by_person else fact.reasons,
            late=late, escalated=len(days) >= collection.chasing.escalate_after and not accepted,
            current=fact, override=override if accepted_by_person else None,
            chases=len(days), last_chase=days[-1] if days else None,
        ))
    return out
