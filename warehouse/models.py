"""The warehouse tables (SQLAlchemy 2 typed ORM). Migrations: `warehouse/migrations`.

    organisations ─────────────────────────────────────────────────────────┐
      org_id PK (register id), name, type, services[], aliases[], email    │
        ▲ org_id (nullable: unmatched)                                     │
        │                                                                  │
    submissions  one per distinct email                                    │
      id PK, dedup_key UQ ("mid:<Message-ID>" or "sha:<raw sha256>"),      │
      raw_sha256 UQ, message_id IX, fingerprint, sender, subject,          │
      received_at, sent_at, status, reason, org_id FK?, repeat_of FK?,     │
      assigned_by, assigned_at                                             │
        ▲ submission_id          ▲ submission_id          ▲ submission_id  │
        │                        │                        │                │
    documents                 returns                  outbox            │
      id PK                     id PK                    id PK            │
      submission_id FK          document_sha256 UQ       submission_id FK?│
      sha256 (blob name)        submission_id FK         org_id FK? ──────┤
      UQ(submission_id,sha256)  org_id FK? ──────────────────────────────┘
      filename (display only)   collection, version, is_current
      container, size,          superseded_by FK -> returns.id
      media_type, blob_path,    record (canonical JSON) + flat columns
      role, reason              UQ(org_id, collection, version)
                                UQ(org_id, collection) WHERE is_current
    mail_ledger  one per message seen in a mailbox     UQ(submission_id, kind)
      id PK, UQ(mailbox, folder, uidvalidity, uid), message_id, raw_sha256,
      submission_id FK?, status, error, attempts, last_attempt_at,
      internal_date, claimed_by, claimed_at, first_seen, updated_at
    audit_log    one per decision a person (or a migration) made
      id PK, at, actor, action, submission_id FK?, return_id FK?,
      from_value, to_value, detail

Decisions:
- **Submission identity.** An email is keyed on its Message-ID when it has one, else on
  the SHA-256 of its raw bytes (`dedup_key`). A re-delivery with different trace
  headers (Received:, Delivered-To:) has other raw bytes but the same Message-ID and
  the same content `fingerprint`: the same submission. A *different* email reusing a
  Message-ID (other fingerprint) is its own submission, keyed "mid:<id>#<fingerprint>".
  Every delivery's raw bytes are still kept (blob store) and each is a ledger row with
  its own `raw_sha256`; `submissions.raw_sha256` is the first one.
- **Received time.** `received_at` is when the division's own server accepted the
  email (topmost Received: header, else the IMAP internal date); `sent_at` is the
  sender's Date: header, kept beside it (RETURN-FORM.md section 7).
- **Return identity.** The SHA-256 of the document bytes: the same file in two emails
  is two `documents` rows (one per submission) and one `returns` row; the later
  submission has status `repeat` and `repeat_of` names the earlier one.
- **Versions.** `version` counts an organisation's returns in the order they were
  recorded (1, 2, 3 ...); `is_current` marks the one received last (by `received_at`),
  so a late-processed older email never displaces a newer return. The database holds
  at most one current return per (organisation, collection) and unique version numbers.
  An unmatched return has no organisation, no version and is never current.
- **Quarantine is a status**, not a table: `submissions.status = quarantined` (or
  `no_return`) with `reason` in plain words, and `documents.role = unreadable` with its
  `reason`; the raw bytes are always in the blob store.
- **Items** live inside `returns.record` for now; flattened item tables can be added
  by a later migration without touching these.
- **Audit.** A person's decision that changes the warehouse (assigning a submission)
  writes an `audit_log` row with who, when, what it was before and after; the reason
  the pipeline gave is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from schemas.checks import CheckName, Outcome, Severity
from schemas.vocab import (
    ChaseKind,
    DocumentRole,
    MailStatus,
    OrgType,
    OutboxKind,
    OutboxStatus,
    SubmissionStatus,
)
from warehouse.columns import UTCDateTime, json_document, sql_in, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SHA = String(64)
CURRENT_RETURN_INDEX = "uq_returns_one_current"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: json_document(),
    }


class _Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Organisation(_Timestamps, Base):
    """An expected organisation, loaded from the register CSV."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(sql_in("type", OrgType), name="type"),)

    org_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    services: Mapped[list[str]] = mapped_column(json_document())
    aliases: Mapped[list[str]] = mapped_column(json_document())
    contact_email: Mapped[str | None] = mapped_column(String(320))


class MailLedgerEntry(Base):
    """One message seen in one mailbox folder; written only by `warehouse.ledger`.

    `uid` is text: the IMAP UID in decimal, or the Maildir key. `uidvalidity` is 0 for
    sources that have none (Maildir).
    """

    __tablename__ = "mail_ledger"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid"),
        CheckConstraint(sql_in("status", MailStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(512))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str | None] = mapped_column(Text, index=True)
    raw_sha256: Mapped[str | None] = mapped_column(SHA)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[dt.datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    internal_date: Mapped[dt.datetime | None] = mapped_column()  # the mailbox's arrival time
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Submission(_Timestamps, Base):
    """One distinct email (see the module docstring for what 'distinct' means)."""

    __tablename__ = "submissions"
    __table_args__ = (CheckConstraint(sql_in("status", SubmissionStatus), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(1024), unique=True)
    raw_sha256: Mapped[str] = mapped_column(SHA, unique=True)
    message_id: Mapped[str | None] = mapped_column(Text, index=True)
    fingerprint: Mapped[str | None] = mapped_column(SHA)  # content identity (mail.mime)
    sender: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime]  # our server accepted it (Received:, else IMAP)
    sent_at: Mapped[dt.datetime | None]  # the sender's Date: header
    status: Mapped[str] = mapped_column(String(16), default=SubmissionStatus.RECEIVED.value)
    reason: Mapped[str | None] = mapped_column(Text)
    org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.org_id"), index=True)
    repeat_of: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    assigned_by: Mapped[str | None] = mapped_column(String(255))
    assigned_at: Mapped[dt.datetime | None]


class Document(_Timestamps, Base):
    """One attachment of one submission. `filename` is shown, never used as a path."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("submission_id", "sha256"),
        CheckConstraint(sql_in("role", DocumentRole), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    sha256: Mapped[str] = mapped_column(SHA, index=True)
    filename: Mapped[str | None] = mapped_column(Text)
    container: Mapped[str | None] = mapped_column(Text)  # e.g. "returns.zip/fife/" or "fwd: 1"
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(255))
    blob_path: Mapped[str] = mapped_column(String(255))  # relative to the blob store root
    role: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)


class ReturnVersion(_Timestamps, Base):
    """One extracted return; a version in its organisation's history once matched."""

    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("org_id", "collection", "version"),
        CheckConstraint(
            "org_id IS NOT NULL OR (version IS NULL AND is_current = false)", name="matched"
        ),
        Index(
            CURRENT_RETURN_INDEX,
            "org_id",
            "collection",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_sha256: Mapped[str] = mapped_column(SHA, unique=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.org_id"))
    collection: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None]
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    received_at: Mapped[dt.datetime]
    record: Mapped[dict[str, Any]]
    organisation_name: Mapped[str | None] = mapped_column(String(255))
    org_type: Mapped[str | None] = mapped_column(String(32))
    signed: Mapped[bool | None]
    sign_off_date: Mapped[dt.date | None] = mapped_column(Date)


class OutboxMessage(_Timestamps, Base):
    """One message sent (or about to be); never two acknowledgements per submission."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("submission_id", "kind"),
        CheckConstraint(sql_in("kind", OutboxKind), name="kind"),
        CheckConstraint(sql_in("status", OutboxStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.org_id"))
    kind: Mapped[str] = mapped_column(String(16))
    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """One decision that changed the warehouse: who, when, what, from and to.

    Generic on purpose: `action` is open text (see `schemas.vocab.AuditAction`),
    `from_value` / `to_value` what the thing was before and after, `detail` the rest in
    words. Rows are only ever added.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("return_id", "section", "box", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    section: Mapped[str] = mapped_column(String(64))
    box: Mapped[str] = mapped_column(String(16))  # strengths | priorities | items
    position: Mapped[int] = mapped_column(Integer)  # 1-based, in the order written
    text: Mapped[str] = mapped_column(Text)


class ItemRecommendation(Base):
    __tablename__ = "item_recommendations"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    recommendation: Mapped[int] = mapped_column(Integer, primary_key=True)


class CheckResultRow(Base):
    __tablename__ = "check_results"
    __table_args__ = (
        UniqueConstraint("return_id", "check_name"),
        CheckConstraint(sql_in("check_name", CheckName), name="check_name"),
        CheckConstraint(sql_in("outcome", Outcome), name="outcome"),
        CheckConstraint(sql_in("severity", Severity), name="severity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    check_name: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    suite_version: Mapped[str] = mapped_column(String(32))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Override(Base):
    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    accepted: Mapped[bool] = mapped_column(Boolean)  # False: a withdrawal
    by: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ChaseRow(_Timestamps, Base):
    """One reminder or chase to one organisation (RETURN-FORM.md section 9).

    Never two for one event: UNIQUE(collection, org_id, event, date). Claimed `pending`
    before the email is sent, `sent` after; a claim whose email was certainly not handed
    over is released, one that may have been is left `pending` (unconfirmed: never sent
    again by the system). The Message-ID is derived from the key.
    """

    __tablename__ = "chases"
    __table_args__ = (
        UniqueConstraint("collection", "org_id", "event", "date"),
        CheckConstraint(sql_in("event", ChaseKind), name="event"),
        CheckConstraint(sql_in("status", OutboxStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.org_id"))
    event: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    problems: Mapped[str] = mapped_column(Text)  # comma-separated; "missing" when nothing was received
    reasons: Mapped[str | None] = mapped_column(Text)  # the problems in words, one per line
    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]


class OrgStatusRow(Base):
    """Each organisation's status as of the day it was last refreshed (the status board's
    table; `returns status --as-of` computes any other day from the facts)."""

    __tablename__ = "org_status"

    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.org_id"), primary_key=True)
    collection: Mapped[str] = mapped_column(String(64), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    problems: Mapped[str] = mapped_column(Text)  # comma-separated, in the checks table's order
    reasons: Mapped[str | None] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean)
    escalated: Mapped[bool] = mapped_column(Boolean)
    current_return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"))
    current_version: Mapped[int | None] = mapped_column(Integer)
    current_received_at: Mapped[dt.datetime | None] = mapped_column()
    refreshed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
