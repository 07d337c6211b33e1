"""The composition root: the live handles a run works with, built from `Settings`.

The one place that turns settings into outside systems (warehouse engine, blob store,
mailbox, outbox) and prepared data (collection, register matcher, limits).

Prefect tasks receive only plain values (the settings model, ids, hashes); each task
gets its handles here, so clients and sessions never cross a task boundary.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.engine import Engine

from core.private import make_private_dirs
from core.settings import Settings
from extractors.limits import Limits
from mail.connect import mailbox_from_url
from mail.mailbox import Mailbox
from mail.mime.parse import MimeLimits
from mail.outbox import Outbox, outbox_from_url
from pipeline.organisations import Matcher
from pipeline.sandbox import ParseLimits, Sandbox
from schemas import Collection, load_collection
from schemas.register import read_register
from warehouse import BlobStore, make_engine, session_scope, upgrade
from warehouse.organisations import load_register


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    blobs: BlobStore
    matcher: Matcher
    collection: Collection
    limits: Limits
    mime_limits: MimeLimits
    sandbox: Sandbox  # every parse of untrusted bytes runs here (bounded time and memory)
    worker: str  # who holds a ledger claim: host:pid


def prepare(settings: Settings) -> None:
    """Create folders, migrate the warehouse and load the register (idempotent).

    The home, and every folder and file made under it, is owner-only (core.private)."""
    make_private_dirs(settings.home)
    upgrade(settings.database_url, blob_root=settings.blobs)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            load_register(session, settings.register_csv)
    finally:
        engine.dispose()


@lru_cache(maxsize=4)
def runtime(settings: Settings) -> Runtime:
    collection = load_collection(settings.collection)
    return Runtime(
        settings=settings,
        engine=make_engine(settings.database_url),
        blobs=BlobStore(settings.blobs),
        matcher=Matcher(read_register(settings.register_csv)),
        collection=collection,
        limits=Limits(max_pages=collection.max_pages),
        mime_limits=MimeLimits(),
        sandbox=Sandbox(ParseLimits.from_settings(settings), workers=settings.parse_workers),
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )


def open_mailbox(settings: Settings) -> Mailbox:
    return mailbox_from_url(
        settings.mailbox_url,
        password=settings.mailbox_password.get_secret_value() if settings.mailbox_password else None,
        oauth2_token=settings.mailbox_oauth2_token.get_secret_value() if settings.mailbox_oauth2_token else None,
        processed=settings.processed_folder,
        quarantine=settings.quarantine_folder,
        timeout=settings.mail_timeout_s,
    )


def open_outbox(settings: Settings) -> Outbox:
    return outbox_from_url(
        settings.outbox_url,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=settings.mail_timeout_s,
    )
