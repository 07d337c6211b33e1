"""The live handles one intake run works with, built from `Settings` once per process.

Prefect tasks receive only plain values (the settings model, ids, hashes); each task
gets its handles here, so clients and sessions never cross a task boundary.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.engine import Engine

from extractors.limits import Limits
from intake.mime import MimeLimits
from intake.organisations import Matcher
from returns.settings import Settings
from schemas import Collection, load_collection
from warehouse import BlobStore, load_register, make_engine, session_scope, upgrade
from warehouse.register import read_register


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    blobs: BlobStore
    matcher: Matcher
    collection: Collection
    limits: Limits
    mime_limits: MimeLimits
    worker: str  # who holds a ledger claim: host:pid


def prepare(settings: Settings) -> None:
    """Create folders, migrate the warehouse and load the register (idempotent)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
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
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
