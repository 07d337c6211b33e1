"""The ledger of mail seen in each mailbox: the only module that writes `mail_ledger`.

    (mailbox, folder, uidvalidity, uid)  UNIQUE
        │
        ├─ record_mail      first sight: insert (race-free), or return the existing row
        └─ set_mail_status  every later change of status, error, sha or submission

    received ──► stored ──► processing ──► processed
                                │    └─► quarantined (nothing usable, or an error)
                                └─► failed ──► (next run) processing ...

Each claim counts an attempt (`attempts`, `last_attempt_at`): a transient failure
leaves the row `failed` with its `error` for the next run, and after
`Settings.max_attempts` attempts the email is quarantined instead; an attempt that never
finished (the worker died) counts too, so an email that kills the worker every time
is quarantined rather than tried for ever.

`processed` and `quarantined` are final: once there, a later `set_mail_status` to
another status is refused unless `force=True` (so a slow worker that failed cannot
undo a fast one's success). The mailbox is acted on (moved, flagged) only after an
entry is final.

`uid` is text - the IMAP UID in decimal, or a Maildir key - and `uidvalidity` is 0 for
sources that have none. A changed UIDVALIDITY makes every message new to the ledger;
the submissions table (keyed on Message-ID / raw bytes) still stops any duplicate.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.orm import Session

from core.errors import LedgerStatusRefused, NotFound
from schemas.intake import MailKey
from schemas.vocab import MailStatus
from warehouse.columns import utcnow
from warehouse.models import MailLedgerEntry
from warehouse.upsert import insert_ignore

FINAL_MAIL_STATUSES = frozenset({MailStatus.PROCESSED, MailStatus.QUARANTINED})


def get_mail(session: Session, key: MailKey) -> MailLedgerEntry | None:
    cols = key.columns()
    return session.scalars(
        select(MailLedgerEntry).filter_by(**cols).execution_options(populate_existing=True)
    ).one_or_none()


def record_mail(
    session: Session,
    key: MailKey,
    *,
    message_id: str | None = None,
    raw_sha256: str | None = None,
    internal_date: dt.datetime | None = None,
) -> tuple[MailLedgerEntry, bool]:
    """Record that a message was seen; (entry, True) the first time, else (entry, False).

    An existing entry keeps its status: the caller reads it to decide whether the
    message still needs work (`status not in FINAL_MAIL_STATUSES`). Missing
    message_id / raw_sha256 on an existing entry are filled in.
    """
    now = utcnow()
    created = insert_ignore(
        session,
        MailLedgerEntry,
        {
            **key.columns(),
            "message_id": message_id,
            "raw_sha256": raw_sha256,
            "internal_date": internal_date,
            "status": MailStatus.RECEIVED.value,
            "first_seen": now,
            "updated_at": now,
        },
        key=["mailbox", "folder", "uidvalidity", "uid"],
    )
    entry = get_mail(session, key)
    if entry is None:
        raise RuntimeError(f"mail ledger {key}: row missing after INSERT ... ON CONFLICT")
    if not created:
        if entry.message_id is None and message_id is not None:
            entry.message_id = message_id
        if entry.raw_sha256 is None and raw_sha256 is not None:
            entry.raw_sha256 = raw_sha256
        if entry.internal_date is None and internal_date is not None:
            entry.internal_date = internal_date
        session.flush()
    return entry, created


def set_mail_status(
    session: Session,
    key: MailKey,
    status: MailStatus,
    *,
    error: str | None = None,
    raw_sha256: str | None = None,
    submission_id: int | None = None,
    force: bool = False,
) -> MailLedgerEntry:
    """Move a recorded message to `status`; `error` is cleared unless given.

    Raises LookupError when the message was never recorded, LedgerStatusRefused when
    it would leave a final status without `force`.
    """
    cols = key.columns()
    entry = session.scalars(
        select(MailLedgerEntry)
        .filter_by(**cols)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if entry is None:
        raise NotFound(f"mail ledger: no entry for {key}")
    current = MailStatus(entry.status)
    if current in FINAL_MAIL_STATUSES and status != current and not force:
        raise LedgerStatusRefused(
            f"mail ledger {key}: is {current.value}; refusing to set {status.value}"
        )
    entry.status = MailStatus(status).value
    entry.error = error
    if raw_sha256 is not None:
        entry.raw_sha256 = raw_sha256
    if submission_id is not None:
        entry.submission_id = submission_id
    entry.updated_at = utcnow()
    session.flush()
    return entry


def claim_mail(session: Session, key: MailKey, worker: str, lease_s: float) -> bool:
    """Claim a stored message for processing; False when another worker holds it.

    One conditional UPDATE (compare-and-set in the database): it succeeds only when
    the message is not final and not under someone else's live lease, so two workers
    polling one mailbox never process one email at once. A claim older than
    `lease_s` (a killed worker) can be taken over. Every claim counts one attempt.
    """
    now = utcnow()
    stale = now - dt.timedelta(seconds=lease_s)
    claimable = [s.value for s in MailStatus if s not in FINAL_MAIL_STATUSES and s is not MailStatus.PROCESSING]
    result = session.execute(
        update(MailLedgerEntry)
        .where(*(getattr(MailLedgerEntry, k) == v for k, v in key.columns().items()))
        .where(
            or_(
                MailLedgerEntry.status.in_(claimable),
                and_(MailLedgerEntry.status == MailStatus.PROCESSING.value,
                     or_(MailLedgerEntry.claimed_at < stale, MailLedgerEntry.claimed_by == worker)),
            )
        )
        .values(status=MailStatus.PROCESSING.value, claimed_by=worker, claimed_at=now, updated_at=now,
                attempts=MailLedgerEntry.attempts + _new_attempt(worker), last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _new_attempt(worker: str) -> ColumnElement[int]:
    """1, or 0 when this worker takes up its own unfinished claim again (a task retried
    within one run is the same attempt)."""
    own = and_(MailLedgerEntry.status == MailStatus.PROCESSING.value, MailLedgerEntry.claimed_by == worker)
    return case((own, 0), else_=1)


def link_submission(session: Session, key: MailKey, submission_id: int) -> None:
    """Record which submission a message became, as soon as it is known."""
    session.execute(
        update(MailLedgerEntry)
        .where(*(getattr(MailLedgerEntry, k) == v for k, v in key.columns().items()))
        .values(submission_id=submission_id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def fail_attempt(session: Session, key: MailKey, error: str) -> MailLedgerEntry:
    """A transient error stopped this attempt: `failed` with its error, claim released,
    so the next run tries again."""
    entry = set_mail_status(session, key, MailStatus.FAILED, error=error)
    entry.claimed_by = None
    entry.claimed_at = None
    session.flush()
    return entry


def note_error(session: Session, key: MailKey, error: str) -> None:
    """Keep an error's text on the message's row without changing its status."""
    session.execute(
        update(MailLedgerEntry)
        .where(*(getattr(MailLedgerEntry, k) == v for k, v in key.columns().items()))
        .values(error=error, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def claim_unmoved(session: Session, key: MailKey, worker: str, lease_s: float) -> bool:
    """Take over moving a final message whose mover died (claim still set, stale).

    `settle` makes the entry final while keeping its claim, moves the message, then
    releases the claim; a final entry that still carries a claim was not (known to
    be) moved. Compare-and-set like `claim_mail`.
    """
    now = utcnow()
    stale = now - dt.timedelta(seconds=lease_s)
    result = session.execute(
        update(MailLedgerEntry)
        .where(*(getattr(MailLedgerEntry, k) == v for k, v in key.columns().items()))
        .where(MailLedgerEntry.status.in_([s.value for s in FINAL_MAIL_STATUSES]))
        .where(MailLedgerEntry.claimed_by.is_not(None))
        .where(or_(MailLedgerEntry.claimed_at < stale, MailLedgerEntry.claimed_by == worker))
        .values(claimed_by=worker, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_mail(session: Session, key: MailKey) -> None:
    """Drop the claim on a message once it has been moved out of the watched folder."""
    session.execute(
        update(MailLedgerEntry)
        .where(*(getattr(MailLedgerEntry, k) == v for k, v in key.columns().items()))
        .values(claimed_by=None, claimed_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
