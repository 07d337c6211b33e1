"""Extraction fanned out inside a claim batch: typed returns are not held behind a scan.

    extracted = prefetch(rt, refs)        every document of the batch's emails, extracted
                                          on the sandbox's workers from as many threads
    record_isolated(rt, ref, extracted)   then each email recorded, one by one, in arrival
                                          order, taking its documents' results from there

Only the slow, pure part runs in parallel: recording stays sequential, so submission
and version numbers follow arrival order exactly as without fan-out. With one parse
worker (the default) nothing is prefetched. An email whose MIME cannot be parsed here
is simply left to `record`, which meets the same error and isolates it. The results are
keyed by (SHA-256, file name) - the file name is part of the record - and live only for
the batch (a few KB each: records and error messages, not documents).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from core.errors import DocumentError
from extractors import ExtractContext
from mail.mime import Attachment
from pipeline.runtime import Runtime
from schemas import Return
from schemas.intake import MessageRef
from warehouse.blobstore import sha256_hex

Extracted = dict[tuple[str, str], Return | DocumentError]


def document_key(attachment: Attachment) -> tuple[str, str]:
    return sha256_hex(attachment.data), attachment.filename or attachment.safe_name


def extract_document(rt: Runtime, attachment: Attachment) -> Return | DocumentError:
    """One document through the sandbox (bounded time and memory); a refusal is a value."""
    try:
        ctx = ExtractContext(rt.collection, rt.limits, attachment.filename or attachment.safe_name)
        return rt.sandbox.extract(attachment.data, ctx)
    except DocumentError as err:
        return err


def prefetch(rt: Runtime, refs: Sequence[MessageRef]) -> Extracted:
    """The batch's documents extracted in parallel, or nothing with one parse worker."""
    found: Extracted = {}
    workers = rt.settings.parse_workers
    if workers < 2 or len(refs) < 2:
        return found
    with ThreadPoolExecutor(workers, thread_name_prefix="extract") as pool:
        for part in pool.map(partial(_documents, rt), refs):
            found.update(part)
    return found


def _documents(rt: Runtime, ref: MessageRef) -> Extracted:
    try:
        parsed = rt.sandbox.parse_message(rt.blobs.get(ref.raw_sha256), rt.mime_limits)
    except Exception:  # `record` meets it again and isolates it with its reason
        return {}
    if parsed.automatic:
        return {}
    return {document_key(a): extract_document(rt, a) for a in parsed.attachments}
