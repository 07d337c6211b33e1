"""Backup and restore of the warehouse and the raw store, as one portable archive.

    backup(engine, blobs, out)      -> out.tar.gz: manifest.json, tables/<table>.jsonl
                                       (every row, every table, in foreign-key order),
                                       blobs/<ab>/<cd>/<sha256> (every raw email and file)
    restore(archive, url, blobs)    an EMPTY warehouse: schema to the archive's revision,
                                       rows back, id sequences moved past them (PostgreSQL),
                                       then upgraded to the latest migration; blobs back,
                                       each checked against its SHA-256 name

Rows are JSON, not a database dump: a backup of SQLite restores into PostgreSQL and the
other way round, and needs no `pg_dump` of the server's exact version. The warehouse is
read in one transaction (a consistent snapshot on PostgreSQL; on SQLite the warehouse's
own BEGIN IMMEDIATE: writers wait until the backup has read every table). A restore
refuses a warehouse that already holds rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text, update

from core.errors import RefusedChange
from core.private import create_private_file, make_private_dirs
from warehouse.blobstore import BlobStore, sha256_hex
from warehouse.db import head_revision, make_engine, upgrade
from warehouse.models import Base

FORMAT = "returns-backup/1"


@dataclass(frozen=True)
class Manifest:
    revision: str
    created_at: str
    rows: dict[str, int]
    blobs: int


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return {"$t": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    return value


def _decode(value: Any, python_type: type | None) -> Any:
    if isinstance(value, dict) and set(value) == {"$t"}:
        text_value = value["$t"]
        if python_type is dt.date or len(text_value) == 10:
            return dt.date.fromisoformat(text_value)
        return dt.datetime.fromisoformat(text_value)
    if isinstance(value, dict) and set(value) == {"$b"}:
        return base64.b64decode(value["$b"])
    return value


def _python_type(column: Any) -> type | None:
    try:
        return column.type.python_type  # type: ignore[no-any-return]
    except NotImplementedError:
        return None


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def backup(engine: Engine, blobs: BlobStore, out: Path) -> Manifest:
    """Write the whole warehouse and raw store to `out` (a .tar.gz, owner-only)."""
    counts: dict[str, int] = {}
    make_private_dirs(out.parent)
    partial = out.with_name(out.name + ".partial")
    # Owner-only from the first byte (not chmod-ed once written: readable meanwhile).
    partial.unlink(missing_ok=True)  # left by an interrupted backup
    fileobj = os.fdopen(create_private_file(partial), "wb")
    with fileobj, tarfile.open(fileobj=fileobj, mode="w:gz") as tar, engine.connect() as conn, conn.begin():
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
        for table in Base.metadata.sorted_tables:
            order = [c for c in table.primary_key.columns]
            lines = [json.dumps({k: _encode(v) for k, v in row._mapping.items()}, ensure_ascii=False)
                     for row in conn.execute(select(table).order_by(*order))]
            counts[table.name] = len(lines)
            _add(tar, f"tables/{table.name}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode())
        stored = sorted(p for p in blobs.root.rglob("*") if p.is_file() and len(p.name) == 64) \
            if blobs.root.exists() else []
        for path in stored:
            tar.add(path, arcname=f"blobs/{path.relative_to(blobs.root)}")
        manifest = Manifest(revision, dt.datetime.now(dt.UTC).isoformat(), counts, len(stored))
        _add(tar, "manifest.json", json.dumps({"format": FORMAT, **manifest.__dict__}, indent=1).encode())
    partial.replace(out)
    return manifest


def read_manifest(archive: Path) -> Manifest:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise RefusedChange(f"{archive}: not a returns backup (no manifest)")
        data = json.loads(member.read())
    if data.get("format") != FORMAT:
        raise RefusedChange(f"{archive}: not a returns backup ({data.get('format')!r})")
    return Manifest(data["revision"], data["created_at"], data["rows"], data["blobs"])


def restore(archive: Path, url: str, blobs: BlobStore) -> Manifest:
    """Restore `archive` into the empty warehouse at `url` and the raw store `blobs`."""
    manifest = read_manifest(archive)
    upgrade(url, manifest.revision or head_revision())
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            held = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in Base.metadata.sorted_tables if t.name in manifest.rows}
        if any(held.values()):
            raise RefusedChange(f"restore: the warehouse at {engine.url.render_as_string()} already holds rows "
                                f"({', '.join(f'{k} {v}' for k, v in held.items() if v)}); restore into an empty one")
        with tarfile.open(archive, "r:gz") as tar, engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                member = tar.extractfile(f"tables/{table.name}.jsonl") if table.name in manifest.rows else None
                if member is None:
                    continue
                types = {c.name: _python_type(c) for c in table.columns}
                rows = [{k: _decode(v, types.get(k)) for k, v in json.loads(line).items()}
                        for line in member.read().decode().splitlines() if line.strip()]
                # A column pointing into its own table (returns.superseded_by) is set
                # once every row is in: the rows may point forward.
                own = [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
                if rows:
                    conn.execute(insert(table), [{**r, **dict.fromkeys(own)} for r in rows])
                pk = list(table.primary_key.columns)
                for r in rows:
                    links = {k: r[k] for k in own if r.get(k) is not None}
                    if links:
                        conn.execute(update(table).where(*(c == r[c.name] for c in pk)).values(**links))
            if engine.dialect.name == "postgresql":
                for table in Base.metadata.sorted_tables:
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and _python_type(pk[0]) is int:
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                            f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"))
            for entry in tar.getmembers():
                stream = tar.extractfile(entry) if entry.isfile() and entry.name.startswith("blobs/") else None
                if stream is not None:
                    data = stream.read()
                    name = Path(entry.name).name
                    if sha256_hex(data) != name:
                        raise RefusedChange(f"restore: blob {name} does not match its SHA-256: the archive is damaged")
                    blobs.put(data, durable=False)
            blobs.sync()
    finally:
        engine.dispose()
    upgrade(url)  # then any later migrations: an old backup comes back at today's schema
    return manifest
