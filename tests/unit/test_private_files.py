"""Everything the pipeline writes holds outside mail, so it is owner-only whatever the
process umask: folders 0o700, files 0o600, blobs 0o400 (read-only). Every test runs
under umask 0o022, which would otherwise make all of it world-readable."""

from __future__ import annotations

import logging
import mailbox as stdlib_mailbox
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cli.boundary import log_to_home
from core.private import make_private_dirs
from core.settings import Settings
from pipeline.runtime import runtime
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, outbox_messages, run_plain, settings_for, with_received
from warehouse import BlobStore, make_engine
from warehouse.backup import backup


@pytest.fixture(autouse=True)
def _umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes_under(root: Path) -> dict[str, int]:
    """Every folder and file under `root` (itself included) -> its permission bits."""
    found = {".": mode(root)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = mode(path)
    return found


@pytest.fixture
def incoming(tmp_path: Path) -> Path:
    """The submissions Maildir, outside the home and made by "the mail server" (the
    stdlib, under the umask): the intake must make its own folders inside it private."""
    root = tmp_path / "incoming"
    box = stdlib_mailbox.Maildir(str(root), create=True)
    box.add(with_received(
        MessageBuilder(sender="cswo@fife.council.example", message_id="<r1@fife>")
        .text("Our return is attached.")
        .attach("fife-return.docx", return_docx("Fife Council", ["Integrated assessment (R1)."],
                                                "Chief Social Work Officer"), DOCX)
        .build(), "Fri, 20 Oct 2006 10:16:00 +0100"))
    box.add(MessageBuilder(sender="cswo@fife.council.example", message_id="<body@fife>")
            .text("Strengths: good joint working.").build())  # no attachment: quarantined
    box.close()
    return root


@pytest.fixture
def settings(tmp_path: Path, incoming: Path) -> Settings:
    return settings_for(tmp_path / "home", mailbox_url=f"maildir:{incoming}")


def test_an_intake_run_leaves_everything_under_the_home_owner_only(settings: Settings) -> None:
    run_plain(settings)
    assert len(outbox_messages(settings)) == 2  # both senders answered: the outbox was written
    found = modes_under(settings.home)
    blobs = {name for name in found if name.startswith("blobs/") and len(Path(name).name) == 64}
    assert len(blobs) == 3  # two raw emails and the attachment
    assert {name: oct(m) for name, m in found.items() if name in blobs} == {name: "0o400" for name in blobs}
    expected = {name: "0o700" if (settings.home / name).is_dir() else "0o600" for name in found if name not in blobs}
    assert {name: oct(m) for name, m in found.items() if name not in blobs} == expected
    # What this covers, named so that a run writing somewhere new shows up here too:
    assert {".", "returns.db", "returns.db-wal", "returns.db-shm", "blobs", "mail", "mail/outbox",
            "mail/outbox/new", "mail/outbox/cur", "mail/outbox/tmp"} <= set(expected)
    assert sum(name.startswith("mail/outbox/new/") for name in expected) == 2


def test_the_folders_the_intake_makes_in_the_mailbox_are_owner_only(settings: Settings, incoming: Path) -> None:
    run_plain(settings)
    made = {name: oct(m) for name, m in modes_under(incoming).items()
            if name.startswith((".Processed", ".Quarantine")) or name.endswith(".uidvalidity")}
    assert made == {
        ".uidvalidity": "0o600",
        ".Processed": "0o700", ".Processed/new": "0o700", ".Processed/cur": "0o700", ".Processed/tmp": "0o700",
        ".Processed/maildirfolder": "0o600",
        ".Quarantine": "0o700", ".Quarantine/new": "0o700", ".Quarantine/cur": "0o700", ".Quarantine/tmp": "0o700",
        ".Quarantine/maildirfolder": "0o600",
    } | {name: oct(mode(incoming / name)) for name in made if name.endswith(":2,")}  # the mail server's files


def test_a_new_sqlite_warehouse_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'returns.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert {name: oct(m) for name, m in modes_under(tmp_path / "a").items()} == {
            ".": "0o700", "b": "0o700", "b/returns.db": "0o600", "b/returns.db-wal": "0o600",
            "b/returns.db-shm": "0o600",
        }
    finally:
        engine.dispose()


def test_a_backup_and_its_folder_are_owner_only(settings: Settings) -> None:
    run_plain(settings)
    rt = runtime(settings)
    out = settings.home / "backups" / "nightly" / "returns.tar.gz"
    backup(rt.engine, BlobStore(settings.blobs), out)
    assert (oct(mode(out.parent.parent)), oct(mode(out.parent)), oct(mode(out))) == ("0o700", "0o700", "0o600")
    assert list(out.parent.iterdir()) == [out]  # no partial left behind


def test_the_log_in_the_home_is_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    log_to_home(home)
    logging.getLogger("returns").warning("a record")
    assert {name: oct(m) for name, m in modes_under(home).items()} == {".": "0o700", "returns.log": "0o600"}


def test_folders_that_already_exist_are_left_as_they_are(tmp_path: Path) -> None:
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    make_private_dirs(shared / "returns" / "var")
    assert (oct(mode(shared)), oct(mode(shared / "returns")), oct(mode(shared / "returns" / "var"))) == (
        "0o755", "0o700", "0o700")
    (shared / "file").write_text("x")
    with pytest.raises(FileExistsError):
        make_private_dirs(shared / "file")
