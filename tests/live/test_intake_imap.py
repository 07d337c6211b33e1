"""Live intake: a mixed batch through a real Dovecot, PostgreSQL and an SMTP server,
driven by the stable command-line hook (`returns intake --once`, `returns submissions`)."""

from __future__ import annotations

import datetime as dt
import imaplib
import json
import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.live.intake_batch import POISON_NOT_ANSWERED, Mail, build_batch, poison_batch
from tests.mail_fixtures import DovecotServer, ImapAccount, SmtpCapture
from warehouse import make_engine, session_scope
from warehouse.models import MailLedgerEntry

pytestmark = [pytest.mark.live, pytest.mark.slow]
RETURNS = str(Path(sys.executable).with_name("returns"))


@pytest.fixture(autouse=True)
def _use_prefect_server(prefect_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", prefect_server)


def cli_env(home: Path, smtp: SmtpCapture) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "RETURNS_HOME": str(home),
        "RETURNS_OUTBOX_URL": f"smtp://{smtp.host}:{smtp.port}",
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    })
    return env


def intake(url: str, database: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RETURNS, "intake", "--once", "--mailbox", url, "--database", database],
                          env=env, capture_output=True, text=True, timeout=900)


def submissions(database: str, env: dict[str, str]) -> list[dict[str, Any]]:
    out = subprocess.run([RETURNS, "submissions", "--database", database, "--format", "json"],
                         env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def expected_rows(batch: list[Mail]) -> list[dict[str, Any]]:
    """What `returns submissions` must print: versions numbered per organisation in
    arrival order, the last one current."""
    versions: dict[str, int] = {}
    rows = []
    for mail in batch:
        if mail.message_id is None:
            continue
        returns = []
        for org in mail.orgs:
            if not mail.repeat:  # a repeat lists the version already received, and adds none
                versions[org] = versions.get(org, 0) + 1
            returns.append({"org_id": org, "version": versions[org]})
        if mail.status == "unmatched":
            returns = [{"org_id": None, "version": None}]
        rows.append({"message_id": mail.message_id, "status": mail.status,
                     "org_id": mail.orgs[0] if len(mail.orgs) == 1 else None, "returns": returns})
    for row in rows:
        for r in row["returns"]:
            r["current"] = r["org_id"] is not None and versions[r["org_id"]] == r["version"]
    return rows


def comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"message_id": r["message_id"], "status": r["status"], "org_id": r["org_id"],
             "returns": sorted(r["returns"], key=lambda x: (x["org_id"] or "", x["version"] or 0))} for r in rows]


def unordered(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((r["message_id"], r["status"], r["org_id"],
                   tuple(sorted((x["org_id"] or "", x["current"]) for x in r["returns"]))) for r in rows)


def versions_by_org(rows: list[dict[str, Any]]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for r in rows:
        for x in r["returns"]:
            if x["org_id"] is not None:
                found.setdefault(x["org_id"], []).append(x["version"])
    return {org: sorted(v) for org, v in found.items()}


def folder_sizes(server: DovecotServer, account: ImapAccount) -> dict[str, int]:
    client = imaplib.IMAP4(server.host, server.port)
    client.login(account.user, account.password)
    sizes = {}
    for folder in ("INBOX", "Processed", "Quarantine"):
        typ, data = client.select(f'"{folder}"', readonly=True)
        sizes[folder] = int(data[0]) if typ == "OK" else 0
    client.logout()
    return sizes


def answered(batch: list[Mail]) -> list[str]:
    """The addresses that must get an acknowledgement: one per answered submission."""
    return sorted(parseaddr(str(message_from_bytes(m.raw)["From"]))[1] for m in batch if m.message_id and m.acked)


def deliver_batch(server: DovecotServer, include_scan: bool,
                  batch: list[Mail] | None = None) -> tuple[ImapAccount, list[Mail], str]:
    """A fresh account holding the mixed batch; returns it, the batch and its URL."""
    account = server.new_account()
    batch = batch if batch is not None else build_batch(include_scan=include_scan)
    for mail in batch:
        server.append(mail.raw, account=account)
    return account, batch, server.url(account)


def settled_folders(batch: list[Mail]) -> dict[str, int]:
    """Where every email of `batch` must end: none left, the rest processed or quarantined."""
    quarantined = sum(m.quarantined for m in batch)
    return {"INBOX": 0, "Processed": len(batch) - quarantined, "Quarantine": quarantined}


def test_mixed_batch_lands_exactly_and_a_second_run_changes_nothing(
        dovecot: DovecotServer, smtp_server: SmtpCapture, postgres_url: str, tmp_path: Path) -> None:
    account, batch, url = deliver_batch(dovecot, include_scan=True)
    assert len(batch) >= 30
    env = cli_env(tmp_path, smtp_server)

    first = intake(url, postgres_url, env)
    assert first.returncode == 0, first.stderr[-3000:]
    rows = submissions(postgres_url, env)
    assert comparable(rows) == comparable(expected_rows(batch))
    assert folder_sizes(dovecot, account) == settled_folders(batch)
    acks = sorted(m.rcpt_tos[0] for m in smtp_server.messages)
    assert acks == answered(batch)  # one per submission, to its sender; none to strangers or for re-deliveries
    assert all(m.message["Subject"].startswith("Received: ") for m in smtp_server.messages)

    second = intake(url, postgres_url, env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert submissions(postgres_url, env) == rows
    assert len(smtp_server.messages) == len(acks)
    assert folder_sizes(dovecot, account)["INBOX"] == 0


def test_a_killed_intake_is_finished_by_the_rerun_with_nothing_lost_or_doubled(
        dovecot: DovecotServer, smtp_server: SmtpCapture, postgres_url: str, tmp_path: Path) -> None:
    account, batch, url = deliver_batch(dovecot, include_scan=False)
    env = cli_env(tmp_path, smtp_server)
    proc = subprocess.Popen([RETURNS, "intake", "--once", "--mailbox", url, "--database", postgres_url],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    engine = make_engine(postgres_url)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # kill once a few emails are done, mid-batch
            with session_scope(engine) as session:
                done = session.scalar(select(func.count()).select_from(MailLedgerEntry)
                                      .where(MailLedgerEntry.status.in_(["processed", "quarantined"])))
            if done and done >= 5:
                break
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        with session_scope(engine) as session:
            done_at_kill = session.scalar(select(func.count()).select_from(MailLedgerEntry)
                                          .where(MailLedgerEntry.status.in_(["processed", "quarantined"])))
        assert done_at_kill is not None and 5 <= done_at_kill < len(batch)

        rerun = intake(url, postgres_url, env)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert comparable(submissions(postgres_url, env)) == comparable(expected_rows(batch))
        with session_scope(engine) as session:
            statuses = session.execute(select(MailLedgerEntry.status, func.count())
                                       .group_by(MailLedgerEntry.status)).all()
        quarantined = sum(m.quarantined for m in batch)
        assert dict(statuses) == {"processed": len(batch) - quarantined, "quarantined": quarantined}
        assert folder_sizes(dovecot, account) == settled_folders(batch)
        assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == answered(batch)
    finally:
        engine.dispose()


def test_two_workers_on_one_mailbox_never_process_an_email_twice(
        dovecot: DovecotServer, smtp_server: SmtpCapture, postgres_url: str, tmp_path: Path) -> None:
    account, batch, url = deliver_batch(dovecot, include_scan=False)
    workers = [subprocess.Popen([RETURNS, "intake", "--once", "--mailbox", url, "--database", postgres_url],
                                env=cli_env(tmp_path / f"w{i}", smtp_server), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for i in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=900)
        assert worker.returncode == 0, err[-3000:]
    env = cli_env(tmp_path / "w0", smtp_server)
    # Two workers record submissions in interleaved order, so compare as sets: each
    # email exactly once, the same organisations and current flags; version numbers
    # per organisation are 1..n in whatever order the workers recorded them.
    got, want = submissions(postgres_url, env), expected_rows(batch)
    assert unordered(got) == unordered(want)
    assert versions_by_org(got) == versions_by_org(want)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == answered(batch)
    assert folder_sizes(dovecot, account) == settled_folders(batch)


POISON_REASONS = {
    "<deep-mime@poison>": "no return could be read; the email's MIME parts are nested too deeply to be read (about "
                          "3,000 levels): nothing in it was opened; not answered: offers@stranger.example "
                          + POISON_NOT_ANSWERED,
    "<8bit-from@poison>": "no attachment: the email has no return attached; not answered: "
                          "jérôme@stranger.example " + POISON_NOT_ANSWERED,
    "<spam@poison>": "no attachment: the email has no return attached; not answered: loans@refinance.example "
                     + POISON_NOT_ANSWERED,
    "<auto-reply@poison>": "an automatic reply (Auto-Submitted: auto-replied): kept, never answered",
    "<zip-bomb@poison>": "no return could be read; the zip file returns.zip expands past the limit: its files "
                         "would take 2861.0 MB unpacked, over the 200.0 MB allowed for one email (a zip bomb?): "
                         "not opened",
    "<deep-forward@poison>": "no return could be read; forwarded 50 levels deep, over the limit of 5: the forwarded "
                             "emails below forwarded:1/forwarded:2/forwarded:3/forwarded:4/forwarded:5/forwarded:6 "
                             "were not opened; not answered: offers@stranger.example " + POISON_NOT_ANSWERED,
}


def test_poison_emails_each_followed_by_a_good_return_stop_nothing_and_nobody_unknown_is_answered(
        dovecot: DovecotServer, smtp_server: SmtpCapture, postgres_url: str, tmp_path: Path) -> None:
    account, batch, url = deliver_batch(dovecot, include_scan=False, batch=poison_batch())
    env = cli_env(tmp_path, smtp_server)

    first = intake(url, postgres_url, env)
    assert first.returncode == 0, first.stderr[-3000:]
    rows = submissions(postgres_url, env)
    assert comparable(rows) == comparable(expected_rows(batch))  # every good return recorded, each poison kept
    reasons = {r["message_id"]: r["reason"] for r in rows}
    assert {mid: reasons[mid] for mid in POISON_REASONS} == POISON_REASONS
    assert reasons["<surrogates@poisoné>"].startswith("no self assessment return among the attachments: list")
    reused = [r for r in rows if r["message_id"] == "<reused@poison>"]
    assert [r["org_id"] for r in reused] == ["moray", "angus"]
    assert reused[1]["reason"].startswith(
        f"this email reuses the Message-ID of submission {reused[0]['submission']} but its content is different")
    assert folder_sizes(dovecot, account) == settled_folders(batch)

    acks = sorted(m.rcpt_tos[0] for m in smtp_server.messages)
    assert acks == answered(batch)  # the good returns, and Fife for its zip bomb: nobody unknown
    assert all("=?" not in str(m.message["Subject"]) for m in smtp_server.messages)
    [bomb_ack] = [m.message for m in smtp_server.messages if m.message["In-Reply-To"] == "<zip-bomb@poison>"]
    assert "the zip file returns.zip expands past the limit" in " ".join(bomb_ack.get_content().split())

    second = intake(url, postgres_url, env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert submissions(postgres_url, env) == rows
    assert len(smtp_server.messages) == len(acks)
    assert folder_sizes(dovecot, account) == settled_folders(batch)


def test_imap_messages_carry_the_servers_internal_date(dovecot: DovecotServer) -> None:
    """The received-time fallback (no Received: header): the IMAP INTERNALDATE Dovecot keeps."""
    account = dovecot.new_account()
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    client.login(account.user, account.password)
    typ, _ = client.append("INBOX", "", '"20-Oct-2006 10:15:00 +0100"',
                           b"From: a@b.example\r\nMessage-ID: <when@imap>\r\nSubject: x\r\n\r\nbody\r\n")
    client.logout()
    assert typ == "OK"
    with dovecot.mailbox(account) as box:
        [msg] = list(box.fetch_new())
    assert msg.internal_date == dt.datetime(2006, 10, 20, 9, 15, tzinfo=dt.UTC)
