"""Backup and restore (warehouse.backup): one archive of the warehouse and the raw store.

    returns backup [--out FILE]             default: HOME/backups/returns-YYYYmmddTHHMMSS.tar.gz
    returns restore FILE                    into an empty warehouse (--database, --home)
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.boundary import fail
from cli.collection import DatabaseOpt, HomeOpt, open_runtime
from cli.common import settings_from_options
from core.errors import ReturnsError


def register_backup_commands(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)


def backup(
    out: Annotated[Path | None, typer.Option(help="Archive to write (.tar.gz).")] = None,
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Write the warehouse (every table) and the raw store (every email and file) to one archive."""
    from warehouse.backup import backup as write_backup
    from warehouse.blobstore import BlobStore

    settings = settings_from_options(database_url=database, home=home)
    target = out or settings.home / "backups" / f"returns-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.tar.gz"
    try:
        rt = open_runtime(settings)
        manifest = write_backup(rt.engine, BlobStore(settings.blobs), target)
    except (ReturnsError, OSError) as err:
        fail(f"backup: {err}")
        return
    sys.stdout.write(f"backup: {sum(manifest.rows.values())} rows in {len(manifest.rows)} tables and "
                     f"{manifest.blobs} stored files, schema {manifest.revision}, written to {target}\n")


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by `returns backup`.")],
    database: DatabaseOpt = None,
    home: HomeOpt = None,
) -> None:
    """Restore an archive into an empty warehouse and raw store, then upgrade to the latest schema."""
    from warehouse.backup import restore as read_backup
    from warehouse.blobstore import BlobStore

    settings = settings_from_options(database_url=database, home=home)
    if not archive.is_file():
        fail(f"restore: no archive at {archive}")
    try:
        manifest = read_backup(archive, settings.database_url, BlobStore(settings.blobs))
    except (ReturnsError, OSError) as err:
        fail(f"restore: {err}")
        return
    sys.stdout.write(f"restore: {sum(manifest.rows.values())} rows and {manifest.blobs} stored files from "
                     f"{archive} (made {manifest.created_at}, schema {manifest.revision}) into "
                     f"{settings.database_url.split('@')[-1]}\n")
