"""The warehouse: where every email, document and return is kept (SQLAlchemy 2 + Alembic).

One module writes each table family; steps call these repository functions and never
write SQL of their own:

    module          table(s)                   key / what it answers
    blobstore       (files) root/ab/cd/<sha>   raw emails and attachments by SHA-256
    organisations   organisations              the register, loaded idempotently
    ledger          mail_ledger                (mailbox, folder, uidvalidity, uid); claims
    submissions     submissions, documents     Message-ID else raw SHA-256; (submission, sha)
    versions        returns                    document SHA-256; versions, one current
    outbox          outbox                     (submission, kind): at most one ack each
    audit           audit_log                  who decided what, when, from and to
    reports         (reads only)               what `returns submissions` prints

    db.make_engine(url) / db.upgrade(url) / db.session_scope(engine)

SQLite by default, PostgreSQL (psycopg 3) in production; the schema is created only by
Alembic migrations (`warehouse/migrations`). Table diagram and decisions:
`warehouse.models`.
"""

from warehouse.blobstore import BlobStore
from warehouse.db import make_engine, session_scope, upgrade

__all__ = ["BlobStore", "make_engine", "session_scope", "upgrade"]
