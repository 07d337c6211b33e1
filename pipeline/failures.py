"""Isolation at the email boundary: whatever goes wrong with one email stays with it.

    record_isolated(rt, ref) -> Outcome
      record(rt, ref) ── fine ─────────────────────────────────► its Outcome
        │ WarehouseUnavailable ────────────────────────────────► raised: nothing can be
        │                                                        recorded; the run retries
        │ TransientError, attempt n < max_attempts ────────────► FAILED: ledger `failed`
        │   (a converter timed out, the blob store was busy)     with the error; the email
        │                                                        stays in the mailbox and
        │                                                        the next run tries again
        │ TransientError on the last attempt ──────────────────► ERROR: quarantined, "gave
        │                                                        up after 3 attempts: ..."
        └ TerminalError, or any other exception (a bug) ───────► ERROR: quarantined at
                                                                 once, the reason names
                                                                 the problem; traceback to
                                                                 the log, never to a sender

Attempts are counted across runs in the mail ledger (`attempts`, `last_attempt_at`),
so a poison email costs each run at most its own time limit, and only
`Settings.max_attempts` runs in all. A quarantined email always has a submission (status
`quarantined`, reason in words), so `returns submissions` accounts for it.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.orm import Session

from core.errors import ReturnsError, TransientError, WarehouseUnavailable
from mail.mime.headers import header_summary
from pipeline.fanout import Read
from pipeline.record import record
from pipeline.runtime import Runtime
from schemas.intake import MessageRef, Outcome
from schemas.vocab import MailStatus, OutcomeKind, SubmissionStatus
from warehouse.db import session_scope
from warehouse.ledger import fail_attempt, get_mail, link_submission, note_error
from warehouse.models import Submission
from warehouse.submissions import get_submission_or_none, set_submission_status, submission_by_raw, upsert_submission

log = logging.getLogger(__name__)
MAX_DETAIL = 300  # characters of an exception's message kept in a reason


def record_isolated(rt: Runtime, ref: MessageRef, ready: Read | None = None) -> Outcome:
    """`record`, with any failure turned into this email's outcome (see the module docstring)."""
    try:
        return record(rt, ref, ready)
    except WarehouseUnavailable:
        raise
    except Exception as err:  # the email boundary: one email's failure is never the batch's
        return failed(rt, ref, err)


def failed(rt: Runtime, ref: MessageRef, err: Exception) -> Outcome:
    """Record what `err` did to this email; the outcome the rest of the run acts on."""
    transient = isinstance(err, TransientError)
    if not isinstance(err, ReturnsError):
        log.error("email %s/%s (%s): unexpected error", ref.folder, ref.uid, ref.raw_sha256, exc_info=err)
    else:
        log.warning("email %s/%s (%s): %s", ref.folder, ref.uid, ref.raw_sha256, err)
    with session_scope(rt.engine) as session:
        entry = get_mail(session, ref.key)
        attempts = entry.attempts if entry is not None else 1
    if transient and attempts < rt.settings.max_attempts:
        return _try_again(rt, ref, err, attempts)
    if transient:
        reason = f"gave up after {attempts} attempts: {describe(err)}"
    else:
        reason = f"could not be processed: {describe(err)}; the email is kept for a person to look at"
    return _quarantine(rt, ref, reason)


def describe(err: BaseException) -> str:
    """One line naming the problem: our own errors are already in words; anything else
    (a bug) is named by its class and first line."""
    text = " ".join(str(err).split())[:MAX_DETAIL]
    if isinstance(err, ReturnsError):
        return text or type(err).__name__
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _try_again(rt: Runtime, ref: MessageRef, err: Exception, attempts: int) -> Outcome:
    reason = (f"attempt {attempts} of {rt.settings.max_attempts} failed: {describe(err)}; "
              "it is tried again on the next run")
    with session_scope(rt.engine) as session:
        entry = fail_attempt(session, ref.key, reason)
        sub = get_submission_or_none(session, entry.submission_id) if entry.submission_id else None
        if sub is not None and sub.status == SubmissionStatus.RECEIVED:
            set_submission_status(session, sub.id, SubmissionStatus.RECEIVED, reason)
        return Outcome(ref, OutcomeKind.FAILED, sub.id if sub else None, MailStatus.FAILED, reason,
                       sub.sender if sub else None, (sub.subject or "") if sub else "")


def _quarantine(rt: Runtime, ref: MessageRef, reason: str) -> Outcome:
    """A submission for the email (the one begun, or a new one from its headers alone)
    with status `quarantined`; the ledger keeps the reason until `settle` moves it."""
    try:
        message_id, sender, subject, received = header_summary(rt.blobs.get(ref.raw_sha256))
    except ReturnsError:
        message_id, sender, subject, received = None, None, "", None
    with session_scope(rt.engine) as session:
        entry = get_mail(session, ref.key)
        sub = _begun(session, entry.submission_id if entry else None, ref.raw_sha256)
        if sub is None:
            sub, _ = upsert_submission(
                session, raw_sha256=ref.raw_sha256, message_id=message_id,
                received_at=received or ref.internal_date or dt.datetime.now(dt.UTC), sender=sender, subject=subject,
                status=SubmissionStatus.QUARANTINED, reason=reason,
                fingerprint=ref.raw_sha256,  # content unknown: only these exact bytes are this email
            )
        if sub.status == SubmissionStatus.RECEIVED:
            set_submission_status(session, sub.id, SubmissionStatus.QUARANTINED, reason)
        link_submission(session, ref.key, sub.id)
        note_error(session, ref.key, reason)
        return Outcome(ref, OutcomeKind.ERROR, sub.id, sub.status, sub.reason, sub.sender, sub.subject or "",
                       message_id=sub.message_id)


def _begun(session: Session, submission_id: int | None, raw_sha256: str) -> Submission | None:
    """The submission this email already became, if it got that far."""
    if submission_id is not None:
        found = get_submission_or_none(session, submission_id)
        if found is not None:
            return found
    return submission_by_raw(session, raw_sha256)
