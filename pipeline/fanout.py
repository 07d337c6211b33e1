"""Reading ahead: the next emails parsed and extracted while this one is recorded.

    with ReadAhead(rt, refs) as ahead:    a few emails ahead of the recorder, on the
        for ref in refs:                  sandbox's workers (from as many threads):
            record_isolated(rt, ref, ahead.get(ref))    its MIME parsed, its documents
                                                        extracted; then recorded here,
                                                        in arrival order

Recording (the warehouse's work, in this process) and reading (parsing and extraction,
in the sandbox's worker processes) overlap, so on two cores an intake costs about as
much as its extraction, and a typed return is not held behind a scan when there is more
than one parse worker. Only the pure part runs ahead: recording stays sequential, so
submission and version numbers follow arrival order exactly as without it.

The window is small (parse workers + 1 emails): with two intake workers sharing one
mailbox, an email the other worker claims costs this one at most that much wasted
reading, and an email already final or held by a live claim of another worker is not
read at all. A read that fails (an email whose MIME cannot be parsed) is simply left to
`record`, which meets the same error and isolates it. Results are keyed by (SHA-256,
file name) - the file name is part of the record - and live only for the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from core.errors import DocumentError
from extractors import ExtractContext
from mail.mime import Attachment, ParsedMessage
from pipeline.runtime import Runtime
from schemas import Return
from schemas.intake import MessageRef
from schemas.vocab import MailStatus
from warehouse.blobstore import sha256_hex
from warehouse.db import session_scope
from warehouse.ledger import FINAL_MAIL_STATUSES, get_mail

Extracted = dict[tuple[str, str], Return | DocumentError]


@dataclass(frozen=True)
class Read:
    """One email read ahead: its MIME structure and its documents' results."""

    parsed: ParsedMessage
    documents: Extracted = field(default_factory=dict)


def document_key(attachment: Attachment) -> tuple[str, str]:
    return sha256_hex(attachment.data), attachment.filename or attachment.safe_name


def extract_document(rt: Runtime, attachment: Attachment) -> Return | DocumentError:
    """One document through the sandbox (bounded time and memory); a refusal is a value."""
    try:
        ctx = ExtractContext(rt.collection, rt.limits, attachment.filename or attachment.safe_name)
        return rt.sandbox.extract(attachment.data, ctx)
    except DocumentError as err:
        return err


class ReadAhead:
    """The batch's emails read on the sandbox's workers, a small window ahead of `get`."""

    def __init__(self, rt: Runtime, refs: Sequence[MessageRef], window: int | None = None) -> None:
        self._rt = rt
        self._refs = list(refs)
        self._window = window if window is not None else rt.settings.parse_workers + 1
        self._pool = ThreadPoolExecutor(rt.settings.parse_workers, thread_name_prefix="read-ahead")
        self._started: dict[int, Future[Read | None]] = {}
        self._position = {ref.key: i for i, ref in enumerate(self._refs)}

    def __enter__(self) -> ReadAhead:
        self._fill(0)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, ref: MessageRef) -> Read | None:
        """`ref` read (waiting for it if need be), or None: not read ahead, or its read
        failed (then `record` reads it itself and meets the error there)."""
        i = self._position.get(ref.key)
        if i is None:
            return None
        self._fill(i + 1)  # keep the window full while this one is recorded
        future = self._started.pop(i, None)
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # `record` meets it again and isolates it with its reason
            return None

    def close(self) -> None:
        """Drop what was not asked for. A read still running (a scan, when the recording
        failed) is not waited for: it ends on its own, bounded by the sandbox's limits."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _fill(self, i: int) -> None:
        for j in range(i, min(i + self._window, len(self._refs))):
            if j not in self._started:
                self._started[j] = self._pool.submit(read_email, self._rt, self._refs[j])


def read_email(rt: Runtime, ref: MessageRef) -> Read | None:
    """Parse one stored email and extract its documents in the sandbox; None when it is
    not this worker's to read (final already, or under another worker's live claim)."""
    if not _ours(rt, ref):
        return None
    parsed = rt.sandbox.parse_message(rt.blobs.get(ref.raw_sha256), rt.mime_limits)
    if parsed.automatic:
        return Read(parsed)
    return Read(parsed, {document_key(a): extract_document(rt, a) for a in parsed.attachments})


def _ours(rt: Runtime, ref: MessageRef) -> bool:
    with session_scope(rt.engine) as session:
        entry = get_mail(session, ref.key)
    if entry is None:
        return True
    if entry.status in FINAL_MAIL_STATUSES:
        return False
    return not (entry.status == MailStatus.PROCESSING and entry.claimed_by not in (None, rt.worker))
