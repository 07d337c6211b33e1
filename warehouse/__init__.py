"""The warehouse: where every email, document and return is kept (SQLAlchemy 2 + Alembic).

    raw bytes ──► blobstore.BlobStore        root/ab/cd/<sha256>  (emails, attachments)
    register  ──► register.load_register     organisations
    mailbox   ──► ledger.record_mail         mail_ledger  (mailbox, folder, uidvalidity, uid)
    email     ──► repository.upsert_submission   submissions (Message-ID, else raw sha)
    attachment──► repository.add_document        documents   (submission, sha256)
    return    ──► versions.add_return_version    returns     (document sha; versions)
    person    ──► versions.assign_submission
    reply     ──► repository.record_ack          outbox      (submission, kind)
    CLI       ◄── repository.submissions_report

    db.make_engine(url) / db.upgrade(url) / db.session_scope(engine)

SQLite by default, PostgreSQL (psycopg 3) in production; the schema is created only by
Alembic migrations (`warehouse/migrations`). Table diagram and decisions:
`warehouse.models`.
"""

from warehouse.blobstore import BlobStore
from warehouse.db import make_engine, session_scope, upgrade
from warehouse.ledger import MailKey, record_mail, set_mail_status
from warehouse.register import load_register
from warehouse.repository import (
    add_document,
    record_ack,
    submissions_report,
    upsert_submission,
)
from warehouse.versions import ReturnOutcome, add_return_version, assign_submission

__all__ = [
    "BlobStore",
    "MailKey",
    "ReturnOutcome",
    "add_document",
    "add_return_version",
    "assign_submission",
    "load_register",
    "make_engine",
    "record_ack",
    "record_mail",
    "session_scope",
    "set_mail_status",
    "submissions_report",
    "upgrade",
    "upsert_submission",
]
