"""Chasing (RETURN-FORM.md section 9): reminders and chases, each sent once.

    due(rt, day)                 who the collection's events dated `day` write to, and
                                 what each email says (nothing on a day with no event,
                                 nothing after the closing date)
    send_due(rt, outbox, day)    claim -> send -> mark sent, for each; what was sent now

Who: a reminder goes to every expected organisation whose status *at the start of the
day* (from the returns received by the end of the day before) is `missing`; a chase to
every one whose status then is not `accepted`. The checks are brought up to date first,
so a return recorded but not yet checked never counts as accepted.

Never twice: the warehouse's UNIQUE(collection, org_id, event, date) claim is taken
(and committed) just before the email is sent, and marked sent just after. A claim left
`pending` belongs to a run that is sending it now or died while sending it; either way it
is never sent again automatically (the mail server may have accepted it): it is shown
as unconfirmed for a person to check. A run killed mid-send leaves at most the one
email in flight unconfirmed; every other organisation is written to exactly once.
"""

from __future__ import annotations

import datetime as dt
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

from core.errors import DeliveryUncertain, MessageRejected, TransientError
from mail.outbox import Outbox
from pipeline.acknowledge import replyable
from pipeline.checking import check_pending, statuses
from pipeline.runtime import Runtime
from pipeline.status import OrgStatus, local_day
from schemas.vocab import AuditAction, ChaseKind, OutboxStatus
from warehouse.audit import record_audit
from warehouse.chases import claim_chase, find_chase, release_chase, set_chase_status
from warehouse.db import session_scope

MISSING = "missing"
# Headers on one line (RFC 5322 allows 998 characters): a folded Message-ID reads back
# with a leading space in some parsers, and the log must match what was sent exactly.
UNFOLDED = email.policy.default.clone(max_line_length=998)
UNCONFIRMED = "unconfirmed: a run stopped while sending it; check before sending by hand"


@dataclass(frozen=True)
class Notice:
    """One reminder or chase to one organisation: the email and what the log records."""

    org_id: str
    organisation: str
    event: ChaseKind
    date: dt.date
    to: str
    problems: tuple[str, ...]  # ("missing",) when nothing was received
    reasons: tuple[str, ...]  # the problems in words (empty when missing)
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])


@dataclass(frozen=True)
class Sent:
    notice: Notice
    outcome: str  # "sent" | "already sent" | "failed: <why>" | "failed earlier" | UNCONFIRMED


def due(rt: Runtime, day: dt.date) -> list[Notice]:
    """The reminders and chases dated `day`, as of the start of that day."""
    events = rt.collection.chasing.due_on(day)
    if not events:
        return []
    check_pending(rt)  # a recorded but unchecked return must not pass for accepted
    start = statuses(rt, day - dt.timedelta(days=1))  # escalation from the chases recorded
    out: list[Notice] = []
    for event in events:
        kind = ChaseKind(event.kind)
        for s in start:
            wanted = s.status == MISSING if kind is ChaseKind.REMINDER else s.status != "accepted"
            if wanted:
                out.append(_notice(rt, s, kind, day))
    return out


def _notice(rt: Runtime, s: OrgStatus, kind: ChaseKind, day: dt.date) -> Notice:
    entry = rt.matcher.entries[s.org_id]
    problems = (MISSING,) if s.status == MISSING else s.problems
    to = (entry.contact_email or "").strip()
    msg = compose(rt, s, kind, day, to)
    return Notice(s.org_id, s.name, kind, day, to, problems, s.reasons, msg)


def message_id(rt: Runtime, org_id: str, kind: ChaseKind, day: dt.date) -> str:
    """The same for the same event and organisation: a resend is recognisable."""
    domain = rt.settings.from_address.rpartition("@")[2] or "returns.invalid"
    return f"<{kind.value}.{day.isoformat()}.{org_id}.{rt.collection.id}@{domain}>"


def compose(rt: Runtime, s: OrgStatus, kind: ChaseKind, day: dt.date, to: str) -> EmailMessage:
    """A plain, polite email naming the organisation, the collection, the deadline and
    each problem in words with how to put it right."""
    c = rt.collection
    deadline = f"{c.deadline:%-d %B %Y}"
    lines = [f"To: {s.name}", ""]
    if s.status == MISSING and kind is ChaseKind.REMINDER:
        subject = f"Reminder: {c.title} due by {deadline} - {s.name}"
        lines += [f"This is a reminder that the {c.title} from {s.name} is due by {deadline}. "
                  "We have not received it yet.",
                  "", "Please complete the annex C form and send it to this address as a Word or PDF "
                      "attachment, signed off as the form asks."]
    elif s.status == MISSING:
        subject = f"Not yet received: {c.title} - {s.name}"
        lines += [f"The {c.title} from {s.name} was due by {deadline}, and we have not received it.",
                  "", "Please complete the annex C form and send it to this address as a Word or PDF "
                      "attachment as soon as you can, signed off as the form asks."]
    else:
        subject = f"Action needed: {c.title} - {s.name}"
        received = ""
        if s.current is not None:
            received = f" on {local_day(s.current.received_at, c):%-d %B %Y}"
        lines += [f"Thank you for the {c.title} from {s.name}, which we received{received}. "
                  "It cannot be accepted yet:", ""]
        lines += [f"  * {reason}" for reason in s.reasons] or [f"  * {p}" for p in s.problems]
        lines += ["", "Please put this right and send the corrected return to this address; it will "
                      "replace the one we have."]
        if day > c.deadline:
            lines += [f"The deadline was {deadline}."]
    lines += ["", "If you have sent it in the last day or two, thank you: please disregard this email.",
              "", "Social Work Services Policy Division"]
    msg = EmailMessage(policy=UNFOLDED)
    msg["From"] = rt.settings.from_address
    if to and replyable(to):
        msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id(rt, s.org_id, kind, day)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: an automatic reply must not answer it
    msg.set_content("\n".join(lines) + "\n")
    return msg


def send_due(rt: Runtime, outbox: Outbox, day: dt.date) -> list[Sent]:
    """Send each notice due on `day` at most once; what happened to each."""
    return [send_one(rt, outbox, n) for n in due(rt, day)]


def send_one(rt: Runtime, outbox: Outbox, n: Notice) -> Sent:
    collection = rt.collection.id
    with session_scope(rt.engine) as session:
        claimed = claim_chase(session, collection=collection, org_id=n.org_id, event=n.event, date=n.date,
                              problems=list(n.problems), reasons=list(n.reasons), to_address=n.to,
                              subject=n.subject, message_id=n.message_id)
        row = find_chase(session, collection=collection, org_id=n.org_id, event=n.event, date=n.date)
        assert row is not None
        chase_id, status = row.id, row.status
    if not claimed:
        if status == OutboxStatus.PENDING:
            return Sent(n, UNCONFIRMED)
        return Sent(n, "already sent" if status == OutboxStatus.SENT else "failed earlier")
    if not n.to or not replyable(n.to):
        why = f"the register's contact address {n.to!r} cannot be written to" if n.to else \
            "the register has no contact address for this organisation"
        with session_scope(rt.engine) as session:
            set_chase_status(session, chase_id, OutboxStatus.FAILED, error=why)
        return Sent(n, f"failed: {why}")
    try:
        outbox.send(n.message)
    except MessageRejected as err:
        with session_scope(rt.engine) as session:
            set_chase_status(session, chase_id, OutboxStatus.FAILED, error=str(err))
        return Sent(n, f"failed: {err}")
    except DeliveryUncertain as err:  # it may have arrived: never sent again by itself
        with session_scope(rt.engine) as session:
            set_chase_status(session, chase_id, OutboxStatus.PENDING, error=str(err))
        return Sent(n, UNCONFIRMED)
    except TransientError:  # certainly not handed over: free the claim for the next run
        with session_scope(rt.engine) as session:
            release_chase(session, chase_id)
        raise
    with session_scope(rt.engine) as session:
        set_chase_status(session, chase_id, OutboxStatus.SENT)
        record_audit(session, actor="chasing", action=AuditAction.CHASED, to_value=n.to,
                     detail=f"{n.event.value} {n.date.isoformat()} {n.org_id}: {', '.join(n.problems)}")
    return Sent(n, "sent")
