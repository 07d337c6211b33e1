"""The intake of one email, step by step, as plain functions the flows wrap as tasks.

    receive(rt, msg)          raw bytes -> blob store, then the mail ledger   (first!)
    process(rt, ref)          parse, record documents, extract, match, version
    acknowledge(rt, outcome)  at most one acknowledgement per submission
    settle(rt, mailbox, outcome)  move the email out of the watched folder; ledger final

Every step is idempotent: a rerun after a crash at any point finds what the last run
recorded (ledger row, submission, documents, return versions, outbox claim) and
carries on from there. Expected outcomes - duplicate, no return, unmatched - are
values in `Outcome`, not exceptions.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from extractors import extract
from intake.mailbox_protocol import Mailbox, MailboxMessage
from intake.mime import Attachment, ParsedMessage, parse_message
from intake.runtime import Runtime
from returns.errors import DocumentError, NotAReturn, UnsupportedDocument
from schemas import Return
from warehouse import MailKey, add_document, add_return_version, record_mail, session_scope, set_mail_status
from warehouse.ledger import FINAL_MAIL_STATUSES, claim_mail, claim_unmoved, get_mail, release_mail
from warehouse.models import Document, ReturnVersion, Submission
from warehouse.repository import set_document_role, set_submission_status, upsert_submission
from warehouse.statuses import DocumentRole, MailStatus, SubmissionStatus


@dataclass(frozen=True)
class MessageRef:
    """A stored email: where it sits in the mailbox and the hash of its raw bytes."""

    mailbox: str
    folder: str
    uidvalidity: int
    uid: str
    raw_sha256: str

    @property
    def key(self) -> MailKey:
        return MailKey(self.mailbox, self.folder, self.uidvalidity, self.uid)


@dataclass(frozen=True)
class DocumentResult:
    filename: str
    role: str
    reason: str | None = None
    org_id: str | None = None
    organisation: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class Outcome:
    ref: MessageRef
    kind: str  # "new", "redelivery", "duplicate_file", "unmoved", "already_done", "busy"
    submission_id: int | None
    status: str  # submission status, or the ledger status for duplicates
    reason: str | None = None
    sender: str | None = None
    subject: str = ""
    documents: tuple[DocumentResult, ...] = field(default=())

    @property
    def quarantine(self) -> bool:
        return self.status in (SubmissionStatus.NO_RETURN, SubmissionStatus.QUARANTINED)


def receive(rt: Runtime, msg: MailboxMessage, durable: bool = True) -> MessageRef:
    """Store the raw email and record it in the ledger, before anything else.

    With `durable=False` the caller group-commits: it must call `rt.blobs.sync()`
    before any email of the batch is moved out of the mailbox (the flow's receive
    task does, once per batch).
    """
    sha = rt.blobs.put(msg.raw, durable=durable)
    ref = MessageRef(msg.mailbox_id, msg.folder, msg.uidvalidity, msg.uid, sha)
    with session_scope(rt.engine) as session:
        entry, _ = record_mail(session, ref.key, raw_sha256=sha)
        if entry.status == MailStatus.RECEIVED:
            set_mail_status(session, ref.key, MailStatus.STORED, raw_sha256=sha)
    return ref


def process(rt: Runtime, ref: MessageRef) -> Outcome:
    """Turn one stored email into a submission with its documents and returns."""
    with session_scope(rt.engine) as session:
        entry = get_mail(session, ref.key)
        if entry is not None and entry.status in FINAL_MAIL_STATUSES:
            lease = 0.0 if _holder_is_dead(entry.claimed_by) else rt.settings.claim_lease_s
            if entry.claimed_by is not None and claim_unmoved(session, ref.key, rt.worker, lease):
                # Recorded and final, but its mover died before moving it: finish the move.
                return _stored_outcome(session, ref, entry.submission_id, "unmoved", entry.status)
            return Outcome(ref, "already_done", entry.submission_id, entry.status, entry.error)
        lease = 0.0 if entry is not None and _holder_is_dead(entry.claimed_by) else rt.settings.claim_lease_s
        if not claim_mail(session, ref.key, rt.worker, lease):
            return Outcome(ref, "busy", None, MailStatus.PROCESSING, "another worker is processing this email")
    parsed = parse_message(rt.blobs.get(ref.raw_sha256), rt.mime_limits)
    received_at = parsed.date or dt.datetime.now(dt.UTC)
    # Attachments are derivable from the raw email (stored durably by `receive`).
    stored = [(a, rt.blobs.put(a.data, durable=False)) for a in parsed.attachments]

    with session_scope(rt.engine) as session:
        sub, created = upsert_submission(
            session, raw_sha256=ref.raw_sha256, message_id=parsed.message_id,
            received_at=received_at, sender=parsed.sender, subject=parsed.subject,
        )
        if not created and sub.status != SubmissionStatus.RECEIVED:
            return _stored_outcome(session, ref, sub.id, "redelivery")
        earlier = _earlier_submission(session, [sha for _, sha in stored], sub.id)
        if created and stored and earlier is not None:
            # The same file(s) in a new email: one submission, not two.
            session.delete(sub)
            session.flush()
            return Outcome(ref, "duplicate_file", earlier, "duplicate",
                           f"the same file(s) were already received in submission {earlier}",
                           parsed.sender, parsed.subject)
        docs = [
            add_document(session, submission_id=sub.id, sha256=sha, size=len(a.data),
                         blob_path=rt.blobs.relpath(sha), filename=a.filename or a.safe_name,
                         media_type=a.content_type, container=a.origin)[0].id
            for a, sha in stored
        ]
        sub_id = sub.id

    results = [_extract(rt, a) for a, _ in stored]  # no transaction held while extracting

    with session_scope(rt.engine) as session:
        done: list[DocumentResult] = []
        for doc_id, (a, sha), result in zip(docs, stored, results, strict=True):
            done.append(_record(rt, session, sub_id, doc_id, sha, a, result, parsed, received_at))
        status, reason = _verdict(parsed, done)
        sub = set_submission_status(session, sub_id, status, reason)
        org_ids = {d.org_id for d in done if d.role == DocumentRole.RETURN and d.org_id}
        if len(org_ids) == 1 and status == SubmissionStatus.EXTRACTED:
            sub.org_id = org_ids.pop()
    return Outcome(ref, "new", sub_id, status, reason, parsed.sender, parsed.subject, tuple(done))


def settle(rt: Runtime, mailbox: Mailbox, outcome: Outcome) -> None:
    """Make the ledger entry final, move the email out of the watched folder, and only
    then release this worker's claim on it.

    Only the worker holding the claim settles ("busy" and "already_done" emails are
    someone else's or finished), so two workers never move one message twice. A crash
    before the release leaves a claim that a rerun takes over ("unmoved").
    """
    if outcome.kind in ("busy", "already_done"):
        return
    if outcome.kind != "unmoved":
        final = MailStatus.QUARANTINED if outcome.quarantine else MailStatus.PROCESSED
        note = outcome.reason if outcome.kind == "duplicate_file" else None
        with session_scope(rt.engine) as session:
            set_mail_status(session, outcome.ref.key, final, submission_id=outcome.submission_id, error=note)
    msg = MailboxMessage(outcome.ref.mailbox, outcome.ref.folder, outcome.ref.uidvalidity, outcome.ref.uid, b"")
    if outcome.quarantine:
        mailbox.mark_quarantined(msg)
    else:
        mailbox.mark_processed(msg)
    with session_scope(rt.engine) as session:
        release_mail(session, outcome.ref.key)


# -- steps ---------------------------------------------------------------------------

def _holder_is_dead(claimed_by: str | None) -> bool:
    """True when the claim was made by a process on this host that no longer runs
    (a killed worker): its claim can be taken over at once instead of after the lease."""
    if not claimed_by or ":" not in claimed_by:
        return False
    host, _, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _extract(rt: Runtime, attachment: Attachment) -> Return | DocumentError:
    try:
        return extract(attachment.data, attachment.filename or attachment.safe_name, rt.collection, rt.limits)
    except DocumentError as err:
        return err


def _record(rt: Runtime, session: Session, sub_id: int, doc_id: int, sha: str, a: Attachment,
            result: Return | DocumentError, parsed: ParsedMessage, received_at: dt.datetime) -> DocumentResult:
    name = a.filename or a.safe_name
    if isinstance(result, DocumentError):
        role = _role_of(result)
        set_document_role(session, doc_id, role, str(result))
        return DocumentResult(name, role, str(result))
    match = rt.matcher.match(result.organisation.name, parsed.reply_to or parsed.sender)
    row, _ = add_return_version(session, match.org_id, sha, result,
                                      submission_id=sub_id, received_at=received_at)
    set_document_role(session, doc_id, DocumentRole.RETURN, match.reason)
    return DocumentResult(name, DocumentRole.RETURN, match.reason, row.org_id,
                          result.organisation.name, row.version)


def _role_of(err: DocumentError) -> DocumentRole:
    if isinstance(err, NotAReturn):
        return DocumentRole.COVERING_LETTER if "letter" in str(err) else DocumentRole.NOT_A_RETURN
    if isinstance(err, UnsupportedDocument):
        return DocumentRole.NOT_A_RETURN
    return DocumentRole.UNREADABLE


def _verdict(parsed: ParsedMessage, docs: list[DocumentResult]) -> tuple[SubmissionStatus, str]:
    returns = [d for d in docs if d.role == DocumentRole.RETURN]
    unreadable = [d for d in docs if d.role == DocumentRole.UNREADABLE]
    notes = [f"{d.filename}: {d.reason}" for d in unreadable]
    notes += [f"problem in the email: {p}" for p in parsed.problems]
    if returns:
        unmatched = [d for d in returns if d.org_id is None]
        if unmatched:
            why = "; ".join(f"{d.filename}: {d.reason}" for d in unmatched)
            return SubmissionStatus.UNMATCHED, "; ".join([f"organisation not certain - {why}", *notes])
        found = "; ".join(f"{d.filename}: return of {d.org_id} (version {d.version})" for d in returns)
        return SubmissionStatus.EXTRACTED, "; ".join([found, *notes])
    if unreadable:
        return SubmissionStatus.QUARANTINED, "; ".join(["no return could be read", *notes])
    if not docs:
        pasted = "strengths" in parsed.body_text.lower() and "priorities" in parsed.body_text.lower()
        return SubmissionStatus.NO_RETURN, (
            "no attachment: the return seems to be pasted into the email body; please attach the form"
            if pasted else "no attachment: the email has no return attached")
    kinds = ", ".join(f"{d.filename} ({d.reason})" for d in docs)
    return SubmissionStatus.NO_RETURN, f"no self assessment return among the attachments: {kinds}"


def _earlier_submission(session: Session, shas: list[str], this_id: int) -> int | None:
    """The earliest other submission that already holds every one of these files."""
    if not shas:
        return None
    rows = session.execute(
        select(Document.sha256, Document.submission_id)
        .where(Document.sha256.in_(shas), Document.submission_id != this_id)
    ).all()
    holders: dict[str, set[int]] = {}
    for sha, sid in rows:
        holders.setdefault(sha, set()).add(sid)
    if set(shas) - holders.keys():
        return None
    common = set.intersection(*(holders[s] for s in set(shas)))
    return min(common) if common else min(min(v) for v in holders.values())


def _stored_outcome(session: Session, ref: MessageRef, sub_id: int | None, kind: str,
                    ledger_status: str | None = None) -> Outcome:
    """The outcome of a submission processed earlier, rebuilt from the warehouse."""
    sub = session.get(Submission, sub_id) if sub_id is not None else None
    if sub is None:
        return Outcome(ref, kind, sub_id, ledger_status or "", None)
    docs = []
    for doc in session.scalars(select(Document).where(Document.submission_id == sub_id).order_by(Document.id)):
        ret = session.scalars(select(ReturnVersion).where(ReturnVersion.document_sha256 == doc.sha256)).one_or_none()
        docs.append(DocumentResult(
            doc.filename or doc.sha256[:12], doc.role or DocumentRole.UNREADABLE, doc.reason,
            ret.org_id if ret else None, ret.organisation_name if ret else None, ret.version if ret else None))
    return Outcome(ref, kind, sub_id, sub.status, sub.reason, sub.sender, sub.subject or "", tuple(docs))
