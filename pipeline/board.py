"""The status board staff watch in the Prefect dashboard, as markdown (pure text).

    board_markdown(statuses, waiting, collection, day)   counts by status; the
        organisations missing or defective with their problems in words, last chase and
        escalation; the submissions waiting for a person and what to decide
    chase_markdown(day, rows)                            who was sent what today
    waiting_for_a_person(rt)                             the unmatched queue

Organisations by name, statuses in the words a policy officer uses. Everything an
outside sender wrote (a position, a sender address, a reason quoting a file) is escaped
before it goes into markdown, by the one escaper (pipeline.markdown.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pipeline.markdown import md
from pipeline.runtime import Runtime
from pipeline.status import OrgStatus, local_day
from schemas import Collection
from warehouse.db import session_scope
from warehouse.outbox import unconfirmed_replies
from warehouse.reports import submissions_report

STATUS_WORDS = {"missing": "no return received", "accepted": "accepted", "incomplete": "incomplete",
                "unsigned": "not signed off", "wrong_signatory": "signed by the wrong person",
                "bad_date": "sign-off date wrong", "bad_reference": "recommendation numbers wrong"}

def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return out


def waiting_for_a_person(rt: Runtime) -> list[dict[str, Any]]:
    """Submissions held as unmatched: a person must say whose return each is."""
    with session_scope(rt.engine) as session:
        return [r for r in submissions_report(session) if r["status"] == "unmatched"]


def unconfirmed(rt: Runtime, grace: dt.timedelta = dt.timedelta(minutes=10)) -> list[dict[str, Any]]:
    """Replies claimed more than `grace` ago and never confirmed sent (see
    warehouse.outbox.unconfirmed_replies): a person checks whether they arrived."""
    with session_scope(rt.engine) as session:
        return unconfirmed_replies(session, dt.datetime.now(dt.UTC) - grace)


def board_markdown(found: Sequence[OrgStatus], waiting: Sequence[dict[str, Any]], collection: Collection,
                   day: dt.date, unsure: Sequence[dict[str, Any]] = ()) -> str:
    counts = Counter(s.status for s in found)
    lines = [f"# {md(collection.title)}: status at the end of {day:%-d %B %Y}", "",
             f"Deadline {collection.deadline:%-d %B %Y}. {len(found)} organisations expected.", ""]
    order = ["accepted", "missing", *[k for k in STATUS_WORDS if k not in ("accepted", "missing")]]
    lines += _table(["status", "organisations"],
                    [(STATUS_WORDS.get(k, k), counts[k]) for k in order if counts[k]]
                    + [("late", sum(s.late for s in found)), ("escalated: telephone", sum(s.escalated for s in found))])
    todo = sorted((s for s in found if s.status != "accepted"),
                  key=lambda s: (not s.escalated, s.status != "missing", s.name))
    lines += ["", f"## Not accepted ({len(todo)})", ""]
    if todo:
        lines += _table(["organisation", "status", "what is wrong", "late", "last chase", "escalated"], [
            (s.name, STATUS_WORDS.get(s.status, s.status), " ".join(s.reasons) or "-", "yes" if s.late else "",
             f"{s.last_chase:%-d %b}" if s.last_chase else "", "TELEPHONE" if s.escalated else "")
            for s in todo])
    else:
        lines.append("Every expected organisation has an accepted return.")
    lines += ["", f"## Waiting for a person ({len(waiting)})", ""]
    if waiting:
        lines += _table(["submission", "from", "why it is held", "to do"], [
            (w["submission_id"], w.get("sender") or "", w.get("reason") or "",
             f"returns assign {w['submission_id']} ORG --by NAME") for w in waiting])
    else:
        lines.append("No submission is waiting for a person.")
    if unsure:
        lines += ["", f"## Replies not confirmed ({len(unsure)})", "",
                  "Each may or may not have arrived; the system never sends it again. Ask the organisation, "
                  "and send it by hand if it did not.", ""]
        lines += _table(["reply", "organisation", "why", "since", "to do once checked"], [
            (u["what"], u["org_id"] or "", u["why"], f"{u['since']:%-d %b %H:%M}",
             f"returns replies --confirm {u['ref']} --by NAME") for u in unsure])
    accepted = sorted((s for s in found if s.status == "accepted"), key=lambda s: s.name)
    if accepted:
        lines += ["", f"## Accepted ({len(accepted)})", ""]
        lines += _table(["organisation", "version", "received", "late", "accepted by a person"], [
            (s.name, s.current.version if s.current else "",
             f"{local_day(s.current.received_at, collection):%-d %b}" if s.current else "",
             "yes" if s.late else "", f"{s.override.by}: {s.override.reason}" if s.override else "")
            for s in accepted])
    return "\n".join(lines) + "\n"


def chase_markdown(day: dt.date, rows: Sequence[dict[str, Any]]) -> str:
    lines = [f"# Chasing on {day:%-d %B %Y}", ""]
    if not rows:
        return "\n".join([*lines, "No reminder or chase is dated today (or nobody was due one)."]) + "\n"
    sent = sum(r["outcome"] == "sent" for r in rows)
    lines += [f"{sent} sent now, {len(rows) - sent} not sent now (see the outcome).", ""]
    lines += _table(["organisation", "event", "to", "what it says is wrong", "outcome"],
                    [(r["organisation"], r["event"], r["to"], r["problems"], r["outcome"]) for r in rows])
    return "\n".join(lines) + "\n"
