"""MaildirMailbox: the embedded mailbox keeps bytes exact, keys stable and moves atomic."""

from __future__ import annotations

import mailbox
import threading
import time
from pathlib import Path

import pytest

from core.errors import ConfigurationError
from mail.connect import mailbox_from_url
from mail.mailbox import Mailbox, MailboxMessage
from mail.maildir import MaildirMailbox
from tests.factories.emails import MessageBuilder

RAW_CRLF = MessageBuilder(subject="Return one", message_id="<one@fife.gov.uk>").attach(
    "Comhairle nan Eilean Siar – tilleadh.docx", b"PK\x03\x04 docx", "application/octet-stream"
).build()
RAW_ODD = b"From: a@b\nSubject: bare LF, 8-bit \xc3\xa9 and \r\n a CRLF\n\nbody\x00\xff\n"


def deliver(root: Path, raw: bytes, folder: str | None = None) -> str:
    """What an MDA does: a new file in new/ (via tmp/). Returns the message key."""
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    md = mailbox.Maildir(root, factory=None, create=False)
    if folder is not None:
        md = md.get_folder(folder) if folder in md.list_folders() else md.add_folder(folder)
    return md.add(raw)


def test_is_a_mailbox_and_has_a_stable_id(tmp_path: Path) -> None:
    box = MaildirMailbox(tmp_path / "mail")
    assert isinstance(box, Mailbox)
    assert box.mailbox_id == f"maildir:{(tmp_path / 'mail').resolve()}"
    assert repr(box) == f"MaildirMailbox('maildir:{(tmp_path / 'mail').resolve()}', folder='INBOX')"


def test_fetch_returns_the_exact_stored_bytes_in_arrival_order(tmp_path: Path) -> None:
    key1 = deliver(tmp_path, RAW_CRLF)
    time.sleep(0.01)
    key2 = deliver(tmp_path, RAW_ODD)
    with MaildirMailbox(tmp_path) as box:
        messages = list(box.fetch_new())
        uidvalidity = box.uidvalidity("INBOX")
    assert [(m.uid, m.raw, m.folder, m.uidvalidity) for m in messages] == [
        (key1, RAW_CRLF, "INBOX", uidvalidity), (key2, RAW_ODD, "INBOX", uidvalidity),
    ]
    assert (tmp_path / "new" / key1).read_bytes() == RAW_CRLF  # file untouched, still in new/


def test_uidvalidity_and_uids_are_stable_across_instances_and_cur(tmp_path: Path) -> None:
    key = deliver(tmp_path, RAW_CRLF)
    first = next(MaildirMailbox(tmp_path).fetch_new())
    # a mail client reads it: new/KEY -> cur/KEY:2,S
    (tmp_path / "new" / key).rename(tmp_path / "cur" / f"{key}:2,S")
    again = next(MaildirMailbox(tmp_path).fetch_new())
    assert again == first
    assert again.ledger_key == (f"maildir:{tmp_path.resolve()}", "INBOX", first.uidvalidity, key)
    stored = (tmp_path / ".uidvalidity").read_text()
    assert stored == f"{first.uidvalidity}\n"
    assert first.uidvalidity > 1_700_000_000


def test_mark_processed_moves_the_message_and_is_idempotent(tmp_path: Path) -> None:
    keep = deliver(tmp_path, RAW_ODD)
    key = deliver(tmp_path, RAW_CRLF)
    box = MaildirMailbox(tmp_path)
    msg = next(m for m in box.fetch_new() if m.uid == key)
    box.mark_processed(msg)
    assert [m.uid for m in box.fetch_new()] == [keep]
    assert sorted(p.name for p in (tmp_path / ".Processed" / "cur").iterdir()) == [f"{key}:2,"]
    assert (tmp_path / ".Processed" / "cur" / f"{key}:2,").read_bytes() == RAW_CRLF
    assert (tmp_path / ".Processed" / "maildirfolder").exists()
    box.mark_processed(msg)  # already moved: nothing happens
    box.mark_quarantined(msg)  # gone from INBOX: nothing happens either
    assert sorted(p.name for p in (tmp_path / ".Processed" / "cur").iterdir()) == [f"{key}:2,"]
    assert not (tmp_path / ".Quarantine" / "cur" / f"{key}:2,").exists()


def test_mark_quarantined_keeps_flags_and_the_processed_folder_is_readable(tmp_path: Path) -> None:
    key = deliver(tmp_path, RAW_CRLF)
    (tmp_path / "new" / key).rename(tmp_path / "cur" / f"{key}:2,S")
    box = MaildirMailbox(tmp_path, processed="Done", quarantine="Held")
    box.mark_quarantined(next(box.fetch_new()))
    assert (tmp_path / ".Held" / "cur" / f"{key}:2,S").read_bytes() == RAW_CRLF
    held = MaildirMailbox(tmp_path, folder="Held")
    assert [(m.folder, m.uid, m.raw) for m in held.fetch_new()] == [("Held", key, RAW_CRLF)]
    assert held.uidvalidity("Held") == int((tmp_path / ".Held" / ".uidvalidity").read_text())


def test_fetch_limit(tmp_path: Path) -> None:
    keys = []
    for i in range(3):
        keys.append(deliver(tmp_path, RAW_CRLF + str(i).encode()))
        time.sleep(0.01)
    assert [m.uid for m in MaildirMailbox(tmp_path).fetch_new(limit=2)] == keys[:2]


def test_message_from_another_mailbox_is_refused(tmp_path: Path) -> None:
    box = MaildirMailbox(tmp_path / "a")
    alien = MailboxMessage("maildir:/elsewhere", "INBOX", 1, "x", b"")
    with pytest.raises(ValueError, match="maildir:/elsewhere message given to maildir:"):
        box.mark_processed(alien)


def test_folder_names_that_leave_the_root_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"maildir folder name '\.\./x' is not allowed"):
        MaildirMailbox(tmp_path, folder="../x")


def test_wait_for_new_true_at_once_when_mail_is_waiting(tmp_path: Path) -> None:
    deliver(tmp_path, RAW_CRLF)
    box = MaildirMailbox(tmp_path, poll_interval_s=0.05)
    assert box.wait_for_new(0.0) is True  # no waiting needed: it is already there


def test_wait_for_new_times_out_when_nothing_arrives(tmp_path: Path) -> None:
    box = MaildirMailbox(tmp_path, poll_interval_s=0.05)
    deliver(tmp_path, RAW_CRLF)
    msg = next(box.fetch_new())
    box.mark_processed(msg)  # an empty watched folder from here on
    assert box.wait_for_new(0.3) is False


def test_wait_for_new_sees_a_delivery_within_a_poll_interval(tmp_path: Path) -> None:
    box = MaildirMailbox(tmp_path, poll_interval_s=0.05)
    assert list(box.fetch_new()) == []
    timer = threading.Timer(0.3, deliver, args=(tmp_path, RAW_CRLF))
    timer.start()
    try:
        assert box.wait_for_new(30.0) is True
    finally:
        timer.join()
    assert [m.raw for m in box.fetch_new()] == [RAW_CRLF]


def test_wait_for_new_after_a_limited_fetch_reports_the_rest(tmp_path: Path) -> None:
    deliver(tmp_path, RAW_CRLF)
    deliver(tmp_path, RAW_ODD)
    box = MaildirMailbox(tmp_path, poll_interval_s=0.05)
    assert len(list(box.fetch_new(limit=1))) == 1
    assert box.wait_for_new(0.2) is True


def test_mailbox_from_url_maildir(tmp_path: Path) -> None:
    box = mailbox_from_url(f"maildir:{tmp_path}/mail", processed="P", quarantine="Q")
    assert isinstance(box, MaildirMailbox)
    assert (box.root, box.folder, box.processed, box.quarantine) == (
        (tmp_path / "mail").resolve(), "INBOX", "P", "Q",
    )
    assert (tmp_path / "mail" / "new").is_dir()


def test_mailbox_from_url_maildir_needs_a_path() -> None:
    with pytest.raises(ConfigurationError, match="maildir URL has no path"):
        mailbox_from_url("maildir:")
