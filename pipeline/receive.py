"""Receive: store the raw email and record it in the mail ledger, before anything else."""

from __future__ import annotations

from mail.mailbox import MailboxMessage
from pipeline.runtime import Runtime
from schemas.intake import MessageRef
from schemas.vocab import MailStatus
from warehouse.db import session_scope
from warehouse.ledger import record_mail, set_mail_status


def receive(rt: Runtime, msg: MailboxMessage, durable: bool = True) -> MessageRef:
    """Store the raw email and record it in the ledger, before anything else.

    With `durable=False` the caller group-commits: it must call `rt.blobs.sync()`
    before any email of the batch is moved out of the mailbox (the flow's receive
    task does, once per batch).
    """
    sha = rt.blobs.put(msg.raw, durable=durable)
    ref = MessageRef(msg.mailbox_id, msg.folder, msg.uidvalidity, msg.uid, sha, msg.internal_date)
    with session_scope(rt.engine) as session:
        entry, _ = record_mail(session, ref.key, raw_sha256=sha, internal_date=msg.internal_date)
        if entry.status == MailStatus.RECEIVED:
            set_mail_status(session, ref.key, MailStatus.STORED, raw_sha256=sha)
    return ref
