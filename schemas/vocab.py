"""The closed vocabularies of the project, as `StrEnum`s, each defined once.

Each is stored as its plain string value and guarded by a CHECK constraint, so a typo
can never become data. Adding a value is a code change plus an Alembic migration that
replaces the constraint.
"""

from __future__ import annotations

from enum import StrEnum


class MailStatus(StrEnum):
    """Where one message seen in a mailbox has got to (`mail_ledger.status`)."""

    RECEIVED = "received"  # seen in the mailbox, bytes not yet stored
    STORED = "stored"  # raw bytes in the blob store and a submission recorded
    PROCESSING = "processing"  # claimed by one worker (claimed_by, claimed_at: a lease)
    PROCESSED = "processed"  # documents extracted and recorded; mailbox may be acted on
    QUARANTINED = "quarantined"  # kept, nothing usable in it; a person looks at it
    FAILED = "failed"  # a transient error stopped it; the next run retries


class SubmissionStatus(StrEnum):
    """What became of one distinct email (`submissions.status`)."""

    RECEIVED = "received"  # stored, not yet extracted
    EXTRACTED = "extracted"  # every return in it is recorded for an organisation
    UNMATCHED = "unmatched"  # a return whose organisation is not certain: held for a person
    REPEAT = "repeat"  # its return(s) were already received in an earlier email (`repeat_of`)
    NO_RETURN = "no_return"  # no attachment that is a return (body only, covering letter only)
    QUARANTINED = "quarantined"  # unreadable or refused (corrupt, encrypted, too large, an error)
    AUTO_REPLY = "auto_reply"  # an automatic reply (out-of-office, bounce): kept, never answered
    UNKNOWN_SENDER = "unknown_sender"  # no return, from a sender not on the register: never answered


class DocumentRole(StrEnum):
    """What an attachment turned out to be (`documents.role`; NULL until classified)."""

    RETURN = "return"
    COVERING_LETTER = "covering_letter"
    NOT_A_RETURN = "not_a_return"
    UNREADABLE = "unreadable"


class OutboxKind(StrEnum):
    ACK = "ack"  # the acknowledgement of one submission: at most one each
    CHASE = "chase"  # a reminder to an organisation whose return is missing or defective


class ChaseKind(StrEnum):
    """The chasing events of RETURN-FORM.md section 9 (`chases.event`)."""

    REMINDER = "reminder"  # before the deadline, to organisations with no return
    CHASE = "chase"  # after it, to every organisation not accepted


class OutboxStatus(StrEnum):
    PENDING = "pending"  # claimed: about to be sent (a crash here leaves it visible, unsent)
    SENT = "sent"
    FAILED = "failed"


class OrgType(StrEnum):
    LOCAL_AUTHORITY = "local_authority"
    VOLUNTARY = "voluntary"
    PRIVATE = "private"



class OutcomeKind(StrEnum):
    """What the intake did with one email in this run (`schemas.intake.Outcome.kind`)."""

    NEW = "new"  # processed now: a new submission
    REDELIVERY = "redelivery"  # the same email (Message-ID and content) again: nothing new recorded
    FAILED = "failed"  # a transient error stopped it: left in the mailbox, tried again next run
    ERROR = "error"  # an error stopped it for good: quarantined with the reason
    UNMOVED = "unmoved"  # recorded earlier; its mover died before moving it: move it now
    ALREADY_DONE = "already_done"  # final in the ledger: nothing to do
    BUSY = "busy"  # another worker holds the claim


class ReturnOutcome(StrEnum):
    """What recording one extracted return did (counted and reported by the flow)."""

    NEW = "new"  # the organisation's first return in this collection: current
    SUPERSEDED_PREVIOUS = "superseded_previous"  # now current; the previous one is not
    OLDER_THAN_CURRENT = "older_than_current"  # kept as a version; a newer one stays current
    DUPLICATE = "duplicate"  # this document is already a return: nothing written
    UNMATCHED = "unmatched"  # stored without an organisation until a person assigns one


class AuditAction(StrEnum):
    """What a person (or a migration) changed (`audit_log.action`).

    Not guarded by a CHECK constraint: the audit log is open to new kinds of change,
    and a later migration should not be needed to record one.
    """

    ASSIGN_SUBMISSION = "assign_submission"  # a person settled whose submission this is
    ASSIGN_RETURN = "assign_return"  # ... which moved one return between organisations
    MIGRATION_NOTE = "migration_note"  # a migration could not do all it meant to
    RECORDED = "recorded"  # the intake recorded a return version (matched or not)
    SUPERSEDED = "superseded"  # a later return became current in its place
    CHECKED = "checked"  # the checks of a return version gave new results
    OVERRIDDEN = "overridden"  # a person accepted a return despite failed checks (or withdrew it)
    ACKNOWLEDGED = "acknowledged"  # the sender was answered
    CHASED = "chased"  # a reminder or chase went to an organisation
    REPLY_CONFIRMED = "reply_confirmed"  # a person checked an unconfirmed reply: it arrived, or they sent it
