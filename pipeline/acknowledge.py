"""Acknowledgements: one plain-words reply per submission, never two.

The outbox row is claimed first (UNIQUE submission, kind), committed, then the mail is
sent and the row marked sent. A rerun finds the row sent and does nothing; a crash
between claim and send leaves a visible `pending` row that the next run sends (the
reply's Message-ID is derived from the submission, so a receiving system can spot a
repeat in that one window).
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from mail.outbox import Outbox
from pipeline.runtime import Runtime
from schemas.intake import Outcome
from schemas.vocab import DocumentRole, OutboxStatus, OutcomeKind, SubmissionStatus
from warehouse.db import session_scope
from warehouse.outbox import outbox_status, record_ack, set_outbox_status

_ROLE_WORDS = {
    DocumentRole.COVERING_LETTER: "a covering letter, kept with your submission",
    DocumentRole.NOT_A_RETURN: "not a self assessment return",
}


def compose(rt: Runtime, outcome: Outcome, to: str) -> EmailMessage:
    """The acknowledgement text for one submission, in words a person can act on."""
    entries = rt.matcher.entries
    lines = ["Thank you for your email" + (f' "{outcome.subject}"' if outcome.subject else "") + ".", ""]
    if outcome.documents:
        lines.append("We received:")
        for d in outcome.documents:
            if d.role == DocumentRole.RETURN and d.org_id:
                org = entries[d.org_id].name if d.org_id in entries else d.org_id
                lines.append(f"  - {d.filename}: your self assessment return, recorded for {org}"
                             + (f" (version {d.version})." if d.version and d.version > 1 else "."))
            elif d.role == DocumentRole.RETURN:
                lines.append(f"  - {d.filename}: a self assessment return from "
                             f"\"{d.organisation or 'an organisation it does not name'}\". We could not be sure "
                             "which organisation on our list sent it, so a member of staff will check and "
                             "record it; you do not need to do anything.")
            elif d.role == DocumentRole.UNREADABLE:
                lines.append(f"  - {d.filename}: we could not read this file ({_plain(d.reason)}). "
                             "Please send it again as a Word or PDF file.")
            else:
                lines.append(f"  - {d.filename}: {_ROLE_WORDS.get(DocumentRole(d.role), d.role)}.")
    if outcome.status in (SubmissionStatus.NO_RETURN, SubmissionStatus.QUARANTINED):
        lines += ["", "We have not received a self assessment return from you in this email. "
                      "Please reply with the completed annex C return attached (Word or PDF)."]
        if outcome.status == SubmissionStatus.NO_RETURN and outcome.reason and "pasted" in outcome.reason:
            lines += ["It looks as if the return was pasted into the email itself: please attach the form instead."]
    lines += ["", f"The deadline for returns is {rt.collection.deadline:%d %B %Y}.", "",
              "Social Work Services Policy Division"]
    msg = EmailMessage()
    msg["From"] = rt.settings.from_address
    msg["To"] = to
    msg["Subject"] = "Received: " + (outcome.subject or f"{rt.collection.title}")
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(idstring=f"ack-{outcome.submission_id}", domain="returns.invalid")
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content("\n".join(lines) + "\n")
    return msg


def acknowledge(rt: Runtime, outbox: Outbox, outcome: Outcome) -> bool:
    """Send the submission's acknowledgement unless it was already sent. True if sent now."""
    if outcome.kind == OutcomeKind.DUPLICATE_FILE or outcome.submission_id is None or not outcome.sender:
        return False
    sub_id = outcome.submission_id
    msg = compose(rt, outcome, outcome.sender)
    with session_scope(rt.engine) as session:
        claimed = record_ack(session, sub_id, to_address=outcome.sender, subject=str(msg["Subject"]),
                             status=OutboxStatus.PENDING)
        if not claimed and outbox_status(session, sub_id) != OutboxStatus.PENDING:
            return False
    outbox.send(msg)
    with session_scope(rt.engine) as session:
        set_outbox_status(session, sub_id, OutboxStatus.SENT)
    return True


def _plain(reason: str | None) -> str:
    """An error message without the file name prefix (the line already names it)."""
    if not reason:
        return "no reason given"
    return reason.split(": ", 1)[1] if ": " in reason else reason
