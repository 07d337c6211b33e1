"""Acknowledgements: one plain-words reply per submission, never two, never backscatter.

Who is answered (RETURN-FORM.md section 7; RFC 3834):

    an automatic reply (out-of-office, bounce, Precedence: bulk ...) ─► never
    an email that held a return (matched or not, or a repeat) ────────► yes
    any other email, from a register contact address or domain ──────► yes
    any other email, from a stranger (spam, a wrong address) ────────► never: it is
                                                                        kept and listed

The outbox row is claimed first (UNIQUE submission, kind), committed, then the mail is
sent and the row marked sent: at most once, never twice.

    sent ──────────────────────────────────────────────► `sent`
    refused for good (5xx), or an address that cannot
      be written in a header ──────────────────────────► `failed`, with the reason
    server down, refusing for now (4xx), connection
      lost before the message was handed over ─────────► claim released: the task is
                                                         retried, the next run sends it
    connection lost after the message was handed over
      and before the server confirmed it ──────────────► stays `pending`, with the reason:
                                                         it may have arrived; a person
                                                         decides (never re-sent by itself)
    this process killed between claim and send ────────► stays `pending` (unconfirmed)

A later run finds a pending row and leaves it alone. The reply's Message-ID is derived
from the email it answers, so a reply a person re-sends is recognisably the same one.
"""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage
from email.utils import format_datetime

from core.errors import DeliveryUncertain, MessageRejected, TransientError
from mail.mime.headers import decode_words
from mail.outbox import Outbox
from pipeline.runtime import Runtime
from pipeline.verdict import on_day
from schemas.checks import CheckName, Severity
from schemas.intake import DocumentResult, Outcome
from schemas.vocab import AuditAction, DocumentRole, OutboxStatus, OutcomeKind, SubmissionStatus
from warehouse.audit import record_audit
from warehouse.db import session_scope
from warehouse.facts import submission_check_results
from warehouse.models import CheckResultRow
from warehouse.outbox import record_ack, release_ack, set_outbox_status

_ROLE_WORDS = {
    DocumentRole.COVERING_LETTER: "a covering letter, kept with your submission",
    DocumentRole.NOT_A_RETURN: "not a self assessment return",
}
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
_NOT_YET = (OutcomeKind.FAILED, OutcomeKind.BUSY, OutcomeKind.ALREADY_DONE)
MAX_SUBJECT = 150


def not_answered(rt: Runtime, outcome: Outcome) -> str | None:
    """Why this email gets no acknowledgement (None: it gets one)."""
    if outcome.kind in _NOT_YET or outcome.submission_id is None:
        return "not finished in this run"
    if not outcome.sender:
        return "the email gives no sender address"
    if outcome.status == SubmissionStatus.AUTO_REPLY:
        return "an automatic reply is never answered (RFC 3834)"
    if outcome.sender.lower() == rt.settings.from_address.lower():
        return "the email came from our own address"
    held_return = any(d.role == DocumentRole.RETURN for d in outcome.documents)
    if outcome.status == SubmissionStatus.UNKNOWN_SENDER or not (
            held_return or rt.matcher.knows_sender(outcome.sender)):
        return f"{outcome.sender} is not on the register and the email held no return"
    return None


def compose(rt: Runtime, outcome: Outcome, to: str) -> EmailMessage:
    """The acknowledgement text for one submission, in words a person can act on."""
    subject = reply_subject(outcome.subject)
    lines = ["Thank you for your email" + (f' "{subject}"' if subject else "") + ".", ""]
    if outcome.kind == OutcomeKind.ERROR:
        lines += ["We could not process your email automatically. It is kept, and a member of staff will "
                  "look at it; you do not need to send it again."]
    elif outcome.documents:
        checks = _checks(rt, outcome.submission_id)
        lines.append("We received:")
        for d in outcome.documents:
            lines.append(f"  - {_document_line(rt, outcome, d)}")
            if d.role == DocumentRole.RETURN and d.repeat_of is None and d.org_id and d.version:
                lines += _check_lines(rt, checks.get((d.org_id, d.version)))
    if outcome.kind != OutcomeKind.ERROR and outcome.status in (SubmissionStatus.NO_RETURN,
                                                                SubmissionStatus.QUARANTINED):
        lines += ["", "We have not received a self assessment return from you in this email. "
                      "Please reply with the completed annex C return attached (Word or PDF)."]
        if outcome.status == SubmissionStatus.NO_RETURN and outcome.reason and "pasted" in outcome.reason:
            lines += ["It looks as if the return was pasted into the email itself: please attach the form instead."]
        if outcome.status == SubmissionStatus.QUARANTINED and not outcome.documents and outcome.reason:
            lines += [f"What we found: {outcome.reason}."]
    lines += ["", f"The deadline for returns is {rt.collection.deadline:%d %B %Y}.", "",
              "Social Work Services Policy Division"]
    msg = EmailMessage()
    msg["From"] = rt.settings.from_address
    msg["To"] = to
    msg["Subject"] = "Received: " + (subject or rt.collection.title)
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id(rt, outcome)
    if outcome.message_id:
        msg["In-Reply-To"] = outcome.message_id
        msg["References"] = outcome.message_id
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content("\n".join(lines) + "\n")
    return msg


def _document_line(rt: Runtime, outcome: Outcome, d: DocumentResult) -> str:
    entries = rt.matcher.entries
    if d.role == DocumentRole.RETURN and d.repeat_of is not None:
        when = (f", received on {on_day(outcome.repeat_received_at, rt.collection.timezone)}"
                if outcome.repeat_received_at is not None and d.repeat_of == outcome.repeat_of else "")
        return (f"{d.filename}: we already have this file{when} (our reference: submission {d.repeat_of}); "
                "nothing more is needed.")
    if d.role == DocumentRole.RETURN and d.org_id:
        org = entries[d.org_id].name if d.org_id in entries else d.org_id
        return (f"{d.filename}: your self assessment return, recorded for {org}"
                + (f" (version {d.version})." if d.version and d.version > 1 else "."))
    if d.role == DocumentRole.RETURN:
        return (f"{d.filename}: a self assessment return from \"{d.organisation or 'an organisation it does not name'}"
                "\". We could not be sure which organisation on our list sent it, so a member of staff will "
                "check and record it; you do not need to do anything.")
    if d.role == DocumentRole.UNREADABLE:
        return (f"{d.filename}: we could not read this file ({_plain(d.reason)}). "
                "Please send it again as a Word or PDF file.")
    return f"{d.filename}: {_ROLE_WORDS.get(DocumentRole(d.role), d.role)}."


def _checks(rt: Runtime, submission_id: int | None) -> dict[tuple[str, int], list[CheckResultRow]]:
    if submission_id is None:
        return {}
    with session_scope(rt.engine) as session:
        found = submission_check_results(session, submission_id)
        session.expunge_all()
    return found


def _check_lines(rt: Runtime, results: list[CheckResultRow] | None) -> list[str]:
    """What the checks found, in words: accepted (and late), or each problem and its fix."""
    if not results:
        return []
    failed = [r for r in results if r.outcome == "failed"]
    errors = [r for r in failed if r.severity == Severity.ERROR]
    late = any(r.check_name == CheckName.ON_TIME for r in failed)
    if not errors:
        text = "    It is complete and properly signed off: your return is accepted."
        if late:
            text += f" It arrived after the deadline of {rt.collection.deadline:%d %B %Y}, so it is marked late."
        return [text, ""]
    lines = ["    It cannot be accepted yet:"]
    lines += [f"      * {r.reason}" for r in errors if r.reason]
    if late:
        lines.append(f"    It also arrived after the deadline of {rt.collection.deadline:%d %B %Y}.")
    return [*lines, ""]


def reply_subject(subject: str) -> str:
    """The subject as readable text: encoded words decoded (a subject that reached us
    still encoded is decoded again), one line, at most MAX_SUBJECT characters."""
    text = decode_words(subject) if "=?" in subject else " ".join(subject.split())
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1].rstrip() + "…"


def replyable(address: str) -> bool:
    """A plain ASCII address that can be written in a To: header and an SMTP envelope."""
    return address.isascii() and len(address) <= 254 and _ADDRESS.fullmatch(address) is not None


def acknowledge(rt: Runtime, outbox: Outbox, outcome: Outcome) -> bool:
    """Send the submission's acknowledgement unless it was already sent, or must not be
    (see `not_answered`). True if sent now."""
    if not_answered(rt, outcome) is not None:
        return False
    assert outcome.submission_id is not None and outcome.sender is not None
    sub_id, to = outcome.submission_id, outcome.sender
    if not replyable(to):
        with session_scope(rt.engine) as session:
            if record_ack(session, sub_id, to_address=to, subject="", status=OutboxStatus.FAILED):
                set_outbox_status(session, sub_id, OutboxStatus.FAILED,
                                  error=f"the sender's address {to!r} cannot be answered: not a plain address")
        return False
    msg = compose(rt, outcome, to)
    with session_scope(rt.engine) as session:
        if not record_ack(session, sub_id, to_address=to, subject=str(msg["Subject"]), status=OutboxStatus.PENDING):
            return False  # sent, failed, or pending: being sent now, or unconfirmed
    try:
        outbox.send(msg)
    except (MessageRejected, DeliveryUncertain) as err:
        with session_scope(rt.engine) as session:
            status = OutboxStatus.FAILED if isinstance(err, MessageRejected) else OutboxStatus.PENDING
            set_outbox_status(session, sub_id, status, error=str(err))
        return False
    except TransientError:  # certainly not handed over (server down, 4xx): free the claim
        with session_scope(rt.engine) as session:
            release_ack(session, sub_id)
        raise
    with session_scope(rt.engine) as session:
        set_outbox_status(session, sub_id, OutboxStatus.SENT)
        record_audit(session, actor="intake", action=AuditAction.ACKNOWLEDGED, submission_id=sub_id, to_value=to,
                     detail=str(msg["Subject"]))
    return True


def message_id(rt: Runtime, outcome: Outcome) -> str:
    """The same for the same email answered: a reply re-sent by a person is recognisable."""
    domain = rt.settings.from_address.rpartition("@")[2] or "returns.invalid"
    return f"<ack.{outcome.ref.raw_sha256[:32]}.{rt.collection.id}@{domain}>"


def _plain(reason: str | None) -> str:
    """An error message without the file name prefix (the line already names it)."""
    if not reason:
        return "no reason given"
    return reason.split(": ", 1)[1] if ": " in reason else reason
