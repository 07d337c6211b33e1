"""Settle: make the ledger entry final, move the email, then release the claim."""

from __future__ import annotations

from mail.mailbox import Mailbox, MailboxMessage
from pipeline.runtime import Runtime
from schemas.intake import Outcome
from schemas.vocab import MailStatus, OutcomeKind
from warehouse.db import session_scope
from warehouse.ledger import release_mail, set_mail_status


def settle(rt: Runtime, mailbox: Mailbox, outcome: Outcome) -> None:
    """Make the ledger entry final, move the email out of the watched folder, and only
    then release this worker's claim on it.

    Only the worker holding the claim settles ("busy" and "already_done" emails are
    someone else's or finished), so two workers never move one message twice. A crash
    before the release leaves a claim that a rerun takes over ("unmoved"). A "failed"
    email stays where it is: its claim is already released and the next run tries it
    again. An email stopped by an error goes to the quarantine folder like any other
    quarantined email, its error kept on the ledger row.
    """
    if outcome.kind in (OutcomeKind.BUSY, OutcomeKind.ALREADY_DONE, OutcomeKind.FAILED):
        return
    if outcome.kind != OutcomeKind.UNMOVED:
        final = MailStatus.QUARANTINED if outcome.quarantine else MailStatus.PROCESSED
        note = outcome.reason if outcome.kind == OutcomeKind.ERROR else None
        with session_scope(rt.engine) as session:
            set_mail_status(session, outcome.ref.key, final, submission_id=outcome.submission_id, error=note)
    msg = MailboxMessage(outcome.ref.mailbox, outcome.ref.folder, outcome.ref.uidvalidity, outcome.ref.uid, b"")
    if outcome.quarantine:
        mailbox.mark_quarantined(msg)
    else:
        mailbox.mark_processed(msg)
    with session_scope(rt.engine) as session:
        release_mail(session, outcome.ref.key)
