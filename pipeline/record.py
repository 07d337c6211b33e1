"""Record: turn one stored email into a submission with its documents and returns.

    parse the MIME ─► store attachments ─► submission (idempotent, by Message-ID / raw hash)
      ─► documents ─► extract each (no transaction held) ─► match the organisation
      ─► return versions ─► the submission's status and reason in plain words

Every step is idempotent: a rerun after a crash at any point finds what the last run
recorded and carries on from there. Expected outcomes - duplicate, no return,
unmatched - are values in `Outcome`, not exceptions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.errors import DocumentError, NotAReturn, UnsupportedDocument
from extractors import ExtractContext, extract
from mail.mime import Attachment, ParsedMessage, parse_message
from pipeline.claims import holder_is_dead
from pipeline.runtime import Runtime
from schemas import Return
from schemas.intake import DocumentResult, MessageRef, Outcome
from schemas.vocab import DocumentRole, MailStatus, OutcomeKind, SubmissionStatus
from warehouse.db import session_scope
from warehouse.ledger import FINAL_MAIL_STATUSES, claim_mail, claim_unmoved, get_mail
from warehouse.submissions import (
    add_document,
    delete_submission,
    documents_with_returns,
    earlier_submission_with,
    get_submission_or_none,
    set_document_role,
    set_submission_org,
    set_submission_status,
    upsert_submission,
)
from warehouse.versions import add_return_version


def record(rt: Runtime, ref: MessageRef) -> Outcome:
    """Turn one stored email into a submission with its documents and returns."""
    with session_scope(rt.engine) as session:
        entry = get_mail(session, ref.key)
        if entry is not None and entry.status in FINAL_MAIL_STATUSES:
            lease = 0.0 if holder_is_dead(entry.claimed_by) else rt.settings.claim_lease_s
            if entry.claimed_by is not None and claim_unmoved(session, ref.key, rt.worker, lease):
                # Recorded and final, but its mover died before moving it: finish the move.
                return _stored_outcome(session, ref, entry.submission_id, OutcomeKind.UNMOVED, entry.status)
            return Outcome(ref, OutcomeKind.ALREADY_DONE, entry.submission_id, entry.status, entry.error)
        lease = 0.0 if entry is not None and holder_is_dead(entry.claimed_by) else rt.settings.claim_lease_s
        if not claim_mail(session, ref.key, rt.worker, lease):
            return Outcome(
                ref, OutcomeKind.BUSY, None, MailStatus.PROCESSING, "another worker is processing this email"
            )
    parsed = parse_message(rt.blobs.get(ref.raw_sha256), rt.mime_limits)
    received_at = parsed.date or dt.datetime.now(dt.UTC)
    # Attachments are derivable from the raw email (stored durably by `receive`).
    stored = [(a, rt.blobs.put(a.data, durable=False)) for a in parsed.attachments]

    with session_scope(rt.engine) as session:
        sub, created = upsert_submission(
            session,
            raw_sha256=ref.raw_sha256,
            message_id=parsed.message_id,
            received_at=received_at,
            sender=parsed.sender,
            subject=parsed.subject,
        )
        if not created and sub.status != SubmissionStatus.RECEIVED:
            return _stored_outcome(session, ref, sub.id, OutcomeKind.REDELIVERY)
        earlier = earlier_submission_with(session, [sha for _, sha in stored], sub.id)
        if created and stored and earlier is not None:
            # The same file(s) in a new email: one submission, not two.
            delete_submission(session, sub.id)
            return Outcome(
                ref,
                OutcomeKind.DUPLICATE_FILE,
                earlier,
                "duplicate",
                f"the same file(s) were already received in submission {earlier}",
                parsed.sender,
                parsed.subject,
            )
        docs = [
            add_document(
                session,
                submission_id=sub.id,
                sha256=sha,
                size=len(a.data),
                blob_path=rt.blobs.relpath(sha),
                filename=a.filename or a.safe_name,
                media_type=a.content_type,
                container=a.origin,
            )[0].id
            for a, sha in stored
        ]
        sub_id = sub.id

    results = [_extract(rt, a) for a, _ in stored]  # no transaction held while extracting

    with session_scope(rt.engine) as session:
        done: list[DocumentResult] = []
        for doc_id, (a, sha), result in zip(docs, stored, results, strict=True):
            done.append(_record(rt, session, sub_id, doc_id, sha, a, result, parsed, received_at))
        status, reason = _verdict(parsed, done)
        set_submission_status(session, sub_id, status, reason)
        org_ids = {d.org_id for d in done if d.role == DocumentRole.RETURN and d.org_id}
        if len(org_ids) == 1 and status == SubmissionStatus.EXTRACTED:
            set_submission_org(session, sub_id, org_ids.pop())
    return Outcome(ref, OutcomeKind.NEW, sub_id, status, reason, parsed.sender, parsed.subject, tuple(done))


def _extract(rt: Runtime, attachment: Attachment) -> Return | DocumentError:
    try:
        return extract(
            attachment.data, ExtractContext(rt.collection, rt.limits, attachment.filename or attachment.safe_name)
        )
    except DocumentError as err:
        return err


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
    row, _ = add_return_version(session, match.org_id, sha, result, submission_id=sub_id, received_at=received_at)
    set_document_role(session, doc_id, DocumentRole.RETURN, match.reason)
    return DocumentResult(name, DocumentRole.RETURN, match.reason, row.org_id, result.organisation.name, row.version)


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
            if pasted
            else "no attachment: the email has no return attached"
        )
    kinds = ", ".join(f"{d.filename} ({d.reason})" for d in docs)
    return SubmissionStatus.NO_RETURN, f"no self assessment return among the attachments: {kinds}"


def _stored_outcome(
    session: Session, ref: MessageRef, sub_id: int | None, kind: OutcomeKind, ledger_status: str | None = None
) -> Outcome:
    """The outcome of a submission processed earlier, rebuilt from the warehouse."""
    sub = get_submission_or_none(session, sub_id) if sub_id is not None else None
    if sub is None:
        return Outcome(ref, kind, sub_id, ledger_status or "", None)
    docs = tuple(
        DocumentResult(
            doc.filename or doc.sha256[:12],
            DocumentRole(doc.role or DocumentRole.UNREADABLE),
            doc.reason,
            ret.org_id if ret else None,
            ret.organisation_name if ret else None,
            ret.version if ret else None,
        )
        for doc, ret in documents_with_returns(session, sub.id)
    )
    return Outcome(ref, kind, sub.id, sub.status, sub.reason, sub.sender, sub.subject or "", docs)
