"""Record: turn one stored email into a submission with its documents and returns.

    claim it in the ledger (one worker; every claim counts an attempt)
      ─► parse the MIME ─► received time (topmost Received:, IMAP date, Date:)
      ─► submission (idempotent: Message-ID + content fingerprint, else raw hash)
      ─► an automatic reply? kept as `auto_reply`, nothing extracted, never answered
      ─► every file received and read before, a return among them? a `repeat`
      ─► documents ─► extract each (no transaction held) ─► match the organisation
      ─► return versions ─► status and reason in plain words (pipeline.verdict)

Every step is idempotent: a rerun after a crash at any point finds what the last run
recorded and carries on from there. Expected outcomes - redelivery, repeat, no return,
unmatched - are values in `Outcome`, not exceptions; whatever else goes wrong with one
email is caught around `record` by `pipeline.failures.record_isolated`.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from sqlalchemy.orm import Session

from core.errors import DocumentError, NotAReturn, TerminalError, UnsupportedDocument
from mail.mime import Attachment, ParsedMessage
from pipeline import fanout
from pipeline.claims import holder_is_dead
from pipeline.fanout import Read, document_key
from pipeline.runtime import Runtime
from pipeline.verdict import repeat_reason, reuse_note, verdict
from schemas import Return
from schemas.intake import DocumentResult, MessageRef, Outcome
from schemas.vocab import AuditAction, DocumentRole, MailStatus, OutcomeKind, ReturnOutcome, SubmissionStatus
from warehouse.audit import record_audit
from warehouse.db import session_scope
from warehouse.facts import load_items
from warehouse.ledger import FINAL_MAIL_STATUSES, claim_mail, claim_unmoved, get_mail, link_submission
from warehouse.models import Document
from warehouse.submissions import (
    add_document,
    documents_with_returns,
    earlier_documents,
    get_submission,
    get_submission_or_none,
    mark_repeat,
    reused_message_id,
    set_document_role,
    set_submission_org,
    set_submission_status,
    upsert_submission,
)
from warehouse.versions import add_return_version

log = logging.getLogger(__name__)


class WorkerDied(TerminalError):
    """Earlier attempts on this email never finished: the worker died each time."""


def record(rt: Runtime, ref: MessageRef, ready: Read | None = None) -> Outcome:
    """Turn one stored email into a submission with its documents and returns.
    `ready`: the email already parsed and extracted by `pipeline.fanout.ReadAhead`."""
    early = _claim(rt, ref)
    if early is not None:
        return early
    parsed = ready.parsed if ready is not None else _parse(rt, rt.blobs.get(ref.raw_sha256))
    received_at = received_time(parsed, ref.internal_date)
    # Attachments are derivable from the raw email (stored durably by `receive`).
    stored = [] if parsed.automatic else [(a, rt.blobs.put(a.data, durable=False)) for a in parsed.attachments]

    with session_scope(rt.engine) as session:
        sub, created = upsert_submission(
            session, raw_sha256=ref.raw_sha256, message_id=parsed.message_id, received_at=received_at,
            sent_at=parsed.date, sender=parsed.sender, subject=parsed.subject, fingerprint=parsed.fingerprint,
            fingerprint_of=partial(_fingerprint_of, rt),
        )
        link_submission(session, ref.key, sub.id)
        if not created and sub.status != SubmissionStatus.RECEIVED:
            return stored_outcome(session, ref, sub.id, OutcomeKind.REDELIVERY)
        sub_id, reused = sub.id, reused_message_id(session, sub)
        if parsed.automatic:
            reason = "; ".join([*reuse_note(reused), f"an automatic reply ({parsed.automatic}): kept, never answered"])
            set_submission_status(session, sub_id, SubmissionStatus.AUTO_REPLY, reason)
            return _outcome(ref, sub_id, SubmissionStatus.AUTO_REPLY, reason, parsed)
        earlier = earlier_documents(session, [sha for _, sha in stored], sub_id)
        if (earlier is not None and any(d.role == DocumentRole.RETURN for d in earlier[1].values())
                and get_submission(session, earlier[0]).received_at <= received_at):
            return _repeat(rt, session, ref, parsed, sub_id, stored, earlier, reused)
        # (received before the email that brought the same files: recorded as the first,
        # which moves the returns to it - see warehouse.versions - and makes that one the repeat)
        docs = [
            add_document(
                session, submission_id=sub_id, sha256=sha, size=len(a.data), blob_path=rt.blobs.relpath(sha),
                filename=a.filename or a.safe_name, media_type=a.content_type, container=a.origin,
            )[0].id
            for a, sha in stored
        ]

    results = [_extracted(rt, a, ready) for a, _ in stored]  # no transaction held meanwhile

    with session_scope(rt.engine) as session:
        done = [_record(rt, session, sub_id, doc_id, sha, a, result, parsed, received_at)
                for doc_id, (a, sha), result in zip(docs, stored, results, strict=True)]
        earlier_at = {n: get_submission(session, n).received_at for n in {d.repeat_of for d in done} if n}
        found = verdict(parsed, done, known_sender=rt.matcher.knows_sender(parsed.sender), reused_from=reused,
                        earlier=earlier_at, timezone=rt.collection.timezone)
        org_ids = {d.org_id for d in done if d.role == DocumentRole.RETURN and d.org_id}
        org_id = org_ids.pop() if len(org_ids) == 1 else None
        if found.repeat_of is not None:
            mark_repeat(session, sub_id, found.repeat_of, found.reason, org_id)
        else:
            set_submission_status(session, sub_id, found.status, found.reason)
            if org_id is not None and found.status == SubmissionStatus.EXTRACTED:
                set_submission_org(session, sub_id, org_id)
    return _outcome(ref, sub_id, found.status, found.reason, parsed, tuple(done), found.repeat_of,
                    earlier_at.get(found.repeat_of or 0))


def received_time(parsed: ParsedMessage, internal_date: dt.datetime | None) -> dt.datetime:
    """When the division's server accepted the email (RETURN-FORM.md section 7): the
    topmost Received: header's date, else the IMAP internal date, else the sender's
    Date: header (a sender's clock can be wrong), else now."""
    return parsed.received or internal_date or parsed.date or dt.datetime.now(dt.UTC)


def _claim(rt: Runtime, ref: MessageRef) -> Outcome | None:
    """Claim the email for this worker; an Outcome when there is nothing to do here."""
    with session_scope(rt.engine) as session:
        entry = get_mail(session, ref.key)
        if entry is not None and entry.status in FINAL_MAIL_STATUSES:
            lease = 0.0 if holder_is_dead(entry.claimed_by) else rt.settings.claim_lease_s
            if entry.claimed_by is not None and claim_unmoved(session, ref.key, rt.worker, lease):
                # Recorded and final, but its mover died before moving it: finish the move.
                return stored_outcome(session, ref, entry.submission_id, OutcomeKind.UNMOVED, entry.status)
            return Outcome(ref, OutcomeKind.ALREADY_DONE, entry.submission_id, entry.status, entry.error)
        # A claim left by another worker on an email not finished: that worker died.
        died = entry is not None and entry.status == MailStatus.PROCESSING and entry.claimed_by != rt.worker
        lease = 0.0 if entry is not None and holder_is_dead(entry.claimed_by) else rt.settings.claim_lease_s
        if not claim_mail(session, ref.key, rt.worker, lease):
            return Outcome(
                ref, OutcomeKind.BUSY, None, MailStatus.PROCESSING, "another worker is processing this email"
            )
        entry = get_mail(session, ref.key)
        assert entry is not None
        unfinished = entry.submission_id is None or _still_received(session, entry.submission_id)
        stopped = entry.attempts - 1 if died and unfinished and entry.attempts > rt.settings.max_attempts else 0
    if stopped:  # raised once the claim (and its attempt) is committed
        raise WorkerDied(f"the intake stopped {stopped} times while processing this email")
    return None


def _still_received(session: Session, submission_id: int) -> bool:
    sub = get_submission_or_none(session, submission_id)
    return sub is None or sub.status == SubmissionStatus.RECEIVED


def _parse(rt: Runtime, raw: bytes) -> ParsedMessage:
    """The email's MIME structure, parsed in the sandbox (bounded time and memory)."""
    return rt.sandbox.parse_message(raw, rt.mime_limits)


def _extracted(rt: Runtime, attachment: Attachment, ready: Read | None) -> Return | DocumentError:
    """The document's result from the read-ahead, else extracted now (sandboxed)."""
    found = ready.documents.get(document_key(attachment)) if ready is not None else None
    return found if found is not None else fanout.extract_document(rt, attachment)


def _fingerprint_of(rt: Runtime, raw_sha256: str) -> str | None:
    """The content fingerprint of an email stored before fingerprints were recorded;
    None when it cannot be read (then it is taken to be a different email)."""
    try:
        return _parse(rt, rt.blobs.get(raw_sha256)).fingerprint
    except Exception:  # any failure means "cannot tell"; the caller never drops an email on it
        log.warning("fingerprint of stored email %s could not be computed", raw_sha256, exc_info=True)
        return None


def _repeat(
    rt: Runtime,
    session: Session,
    ref: MessageRef,
    parsed: ParsedMessage,
    sub_id: int,
    stored: list[tuple[Attachment, str]],
    earlier: tuple[int, dict[str, Document]],
    reused: int | None,
) -> Outcome:
    """Every file was received and read before: keep the documents (roles copied from
    the first reading), record the submission as a repeat, extract nothing again."""
    first_id, first_docs = earlier
    for a, sha in stored:
        seen = first_docs[sha]
        add_document(
            session, submission_id=sub_id, sha256=sha, size=len(a.data), blob_path=rt.blobs.relpath(sha),
            filename=a.filename or a.safe_name, media_type=a.content_type, container=a.origin,
            role=DocumentRole(seen.role) if seen.role else None, reason=seen.reason,
        )
    first = get_submission(session, first_id)
    names = [a.filename or a.safe_name for a, _ in stored]
    reason = "; ".join([*reuse_note(reused), repeat_reason(first_id, first.received_at, rt.collection.timezone, names)])
    mark_repeat(session, sub_id, first_id, reason, first.org_id)
    documents = _document_results(session, sub_id)
    return _outcome(ref, sub_id, SubmissionStatus.REPEAT, reason, parsed, documents, first_id, first.received_at)


def _record(
    rt: Runtime,
    session: Session,
    sub_id: int,
    doc_id: int,
    sha: str,
    a: Attachment,
    result: Return | DocumentError,
    parsed: ParsedMessage,
    received_at: dt.datetime,
) -> DocumentResult:
    name = a.filename or a.safe_name
    if isinstance(result, DocumentError):
        role = _role_of(result)
        set_document_role(session, doc_id, role, str(result))
        return DocumentResult(name, role, str(result))
    match = rt.matcher.match(result.organisation.name, parsed.reply_to or parsed.sender)
    row, outcome = add_return_version(session, match.org_id, sha, result, submission_id=sub_id,
                                      received_at=received_at)
    if outcome not in (ReturnOutcome.DUPLICATE,):
        load_items(session, row.id, result)  # the facts commit with the version and its "current" flip
        record_audit(session, actor="intake", action=AuditAction.RECORDED, submission_id=sub_id, return_id=row.id,
                     to_value=f"{row.org_id} v{row.version}" if row.org_id else "unmatched", detail=match.reason)
        if outcome == ReturnOutcome.SUPERSEDED_PREVIOUS:
            record_audit(session, actor="intake", action=AuditAction.SUPERSEDED, submission_id=sub_id,
                         return_id=row.id, to_value=f"{row.org_id} v{row.version}",
                         detail="a later return from the same organisation is now current")
    repeat_of = row.submission_id if row.submission_id != sub_id else None
    reason = match.reason if repeat_of is None else f"the same file as submission {repeat_of}: already recorded"
    set_document_role(session, doc_id, DocumentRole.RETURN, reason)
    return DocumentResult(name, DocumentRole.RETURN, reason, row.org_id, result.organisation.name, row.version,
                          repeat_of)


def _role_of(err: DocumentError) -> DocumentRole:
    if isinstance(err, NotAReturn):
        return DocumentRole.COVERING_LETTER if "letter" in str(err) else DocumentRole.NOT_A_RETURN
    if isinstance(err, UnsupportedDocument):
        return DocumentRole.NOT_A_RETURN
    return DocumentRole.UNREADABLE


def _outcome(
    ref: MessageRef,
    sub_id: int,
    status: SubmissionStatus,
    reason: str,
    parsed: ParsedMessage,
    documents: tuple[DocumentResult, ...] = (),
    repeat_of: int | None = None,
    repeat_received_at: dt.datetime | None = None,
) -> Outcome:
    return Outcome(ref, OutcomeKind.NEW, sub_id, status, reason, parsed.sender, parsed.subject, documents,
                   parsed.message_id, repeat_of, repeat_received_at)


def _document_results(session: Session, sub_id: int) -> tuple[DocumentResult, ...]:
    return tuple(
        DocumentResult(
            doc.filename or doc.sha256[:12],
            DocumentRole(doc.role or DocumentRole.UNREADABLE),
            doc.reason,
            ret.org_id if ret else None,
            ret.organisation_name if ret else None,
            ret.version if ret else None,
            ret.submission_id if ret and ret.submission_id != sub_id else None,
        )
        for doc, ret in documents_with_returns(session, sub_id)
    )


def stored_outcome(
    session: Session, ref: MessageRef, sub_id: int | None, kind: OutcomeKind, ledger_status: str | None = None
) -> Outcome:
    """The outcome of a submission processed earlier, rebuilt from the warehouse."""
    sub = get_submission_or_none(session, sub_id) if sub_id is not None else None
    if sub is None:
        return Outcome(ref, kind, sub_id, ledger_status or "", None)
    earlier = get_submission_or_none(session, sub.repeat_of) if sub.repeat_of is not None else None
    return Outcome(ref, kind, sub.id, sub.status, sub.reason, sub.sender, sub.subject or "",
                   _document_results(session, sub.id), sub.message_id, sub.repeat_of,
                   earlier.received_at if earlier is not None else None)
