"""Faults caused for real, as trials: the reliability table's engine.

    with Rig(tmp) as rig:                  a home, a real SMTP server (aiosmtpd) taking the
        rig.deliver(mail)                  replies, the warehouse (SQLite, or a private
        ... cause the fault ...            PostgreSQL), the mailbox (Maildir or Dovecot)
        rig.intake() / rig.chase(day)      `returns` run as a user runs it, in a process
        ... clear it, run again ...        of its own (killed with SIGKILL when a trial
        trial = rig.account(fault, mail)   says so)

`account` reads the warehouse and what the SMTP server received, and counts: emails
lost (delivered, no submission), emails doubled (more than one), replies doubled (an
acknowledgement or chase the server took more than once), replies unconfirmed (left
pending for a person: handed over, never confirmed, never sent again), and whether the
intake finished everything (every email final, moved out of the inbox, versions
numbered 1..n per organisation).

tests/live/test_faults.py runs every fault a few times; bench/reliability.py runs them
all (50 kill trials and more) and prints the README's table.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from core.paths import BUNDLED_REGISTER
from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.mail_fixtures import free_port

RETURNS = str(Path(sys.executable).with_name("returns"))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FINAL = ("processed", "quarantined", "ignored")


@dataclass(frozen=True)
class Org:
    org_id: str
    name: str
    contact: str


def register() -> list[Org]:
    with BUNDLED_REGISTER.open(encoding="utf-8") as f:
        return [Org(r["org_id"], r["name"], r["contact_email"]) for r in csv.DictReader(f)]


def returns_mail(orgs: list[Org], tag: str) -> dict[str, bytes]:
    """One email with a typed return from each organisation's register address."""
    return {f"<{tag}.{o.org_id}@faults>": MessageBuilder(sender=o.contact, message_id=f"<{tag}.{o.org_id}@faults>")
            .attach(f"{o.org_id}.docx", return_docx(o.name, [f"{o.name} strength ({tag})."], "CSWO"), DOCX).build()
            for o in orgs}


@dataclass
class Trial:
    fault: str
    emails: int
    lost: int
    doubled: int
    replies_doubled: int
    unconfirmed: int
    recovered: bool
    recover_s: float
    detail: str = ""
    struck: bool = True  # the fault hit work in progress (a run that finished first did not)


# -- the SMTP server, with a fault that can be switched on ------------------------------


@dataclass
class FaultySmtp:
    """aiosmtpd handler: `mode` ok | refuse (451) | stall (no answer to MAIL FROM) |
    drop (takes the message, then cuts the connection before confirming it)."""

    mode: str = "ok"
    stall_s: float = 5.0
    faults_left: int | None = None  # the fault strikes this many messages, then "ok" (None: all)
    received: list[EmailMessage] = field(default_factory=list)

    def _strikes(self, mode: str) -> bool:
        if self.mode != mode:
            return False
        if self.faults_left is not None:
            self.faults_left -= 1
            if self.faults_left <= 0:
                self.mode = "ok"
        return True

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self._strikes("stall"):
            await asyncio.sleep(self.stall_s)
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._strikes("refuse"):
            return "451 4.3.0 Try again later"
        msg = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append(msg)
        if self._strikes("drop"):
            server.transport.close()
        return "250 Message accepted for delivery"


# -- the rig ---------------------------------------------------------------------------


class Rig:
    """One home, one SMTP server, and `returns` run as processes against them."""

    def __init__(self, home: Path, *, mailbox_url: str | None = None, database_url: str | None = None,
                 blob_root: Path | None = None, inbox_dir: Path | None = None, **settings: str) -> None:
        self.home = home
        self.smtp = FaultySmtp()
        self.port = free_port()
        self._controller = Controller(self.smtp, hostname="127.0.0.1", port=self.port)
        self.database_url = database_url or f"sqlite:///{home / 'returns.db'}"
        self.mailbox_url = mailbox_url or f"maildir:{home / 'mail' / 'submissions'}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "RETURNS_"))}
        self.env.update(RETURNS_HOME=str(home), RETURNS_DATABASE_URL=self.database_url,
                        RETURNS_MAILBOX_URL=self.mailbox_url, RETURNS_OUTBOX_URL=f"smtp://127.0.0.1:{self.port}",
                        RETURNS_CHECK_ENGINE="plain", RETURNS_MAIL_TIMEOUT_S="3", RETURNS_CHECK_INTERVAL_S="0",
                        PREFECT_HOME=str(home / "prefect"))
        if blob_root is not None:
            self.env["RETURNS_BLOB_ROOT"] = str(blob_root)
        self.env.update({f"RETURNS_{k.upper()}": v for k, v in settings.items()})
        self.watcher: subprocess.Popen[bytes] | None = None
        self.inbox_dir = inbox_dir or (home / "mail" / "submissions")  # a Maildir: what is still in it

    def __enter__(self) -> Rig:
        self.home.mkdir(parents=True, exist_ok=True)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_watching()
        self._controller.stop()

    # -- mail in ------------------------------------------------------------------------

    def deliver(self, mail: dict[str, bytes]) -> None:
        import mailbox

        root = self.home / "mail" / "submissions"
        root.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(str(root), create=True)
        for raw in mail.values():
            box.add(raw)
        box.close()

    # -- running returns ------------------------------------------------------------------

    def run(self, *args: str, kill_after: float | None = None, timeout_s: float = 300) -> int | None:
        """`returns ARGS` to the end (its exit status), or SIGKILLed with its whole process
        group (sandbox workers included) after `kill_after` seconds (None)."""
        with (self.home / "runs.log").open("ab") as log:
            proc = subprocess.Popen([RETURNS, *args], env=self.env, cwd=self.home, stdout=log, stderr=log,
                                    start_new_session=True)
            try:
                return proc.wait(timeout=kill_after if kill_after is not None else timeout_s)
            except subprocess.TimeoutExpired:
                if kill_after is None:
                    raise
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return None

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.home / "runs.log").open("ab")
        return subprocess.Popen([RETURNS, *args], env=self.env, cwd=self.home, stdout=log, stderr=log,
                                start_new_session=True)

    @staticmethod
    def kill(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def intake(self, kill_after: float | None = None) -> int | None:
        return self.run("intake", "--once", kill_after=kill_after)

    def chase(self, day: str, kill_after: float | None = None) -> int | None:
        return self.run("chase", "--as-of", day, kill_after=kill_after)

    def watch(self) -> None:
        """`returns intake` watching the mailbox (polls every second), in the background."""
        log = (self.home / "watch.log").open("ab")
        self.watcher = subprocess.Popen([RETURNS, "intake", "--idle-timeout", "1"], env=self.env, cwd=self.home,
                                        stdout=log, stderr=log, start_new_session=True)

    def stop_watching(self) -> None:
        if self.watcher is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.watcher.pid, signal.SIGINT)
        try:
            self.watcher.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.watcher.pid, signal.SIGKILL)
            self.watcher.wait()
        self.watcher = None

    def after_progress(self, done: int, action: Callable[[], object], timeout_s: float = 60) -> threading.Thread:
        """Run `action` (the fault) in the background once `done` emails are recorded:
        mid-run wherever the draw puts it, on a fast machine or a slow one."""
        def watch() -> None:
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                with contextlib.suppress(Exception):  # the warehouse may not exist yet
                    if self.rows(f"SELECT count(*) FROM mail_ledger WHERE status IN {FINAL}")[0][0] >= done:
                        break
                time.sleep(0.02)
            action()

        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        return thread

    # -- accounting ---------------------------------------------------------------------

    def rows(self, sql: str) -> list[Any]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql)))
        finally:
            engine.dispose()

    def finished(self, ids: set[str]) -> bool:
        """Every email in `ids` has its one submission and a final ledger entry."""
        with contextlib.suppress(Exception):  # the warehouse may be down or not made yet
            subs = {m for (m,) in self.rows("SELECT message_id FROM submissions")}
            open_ = self.rows(f"SELECT count(*) FROM mail_ledger WHERE status NOT IN {FINAL}")[0][0]
            return ids <= subs and open_ == 0
        return False

    def wait_finished(self, ids: set[str], timeout_s: float) -> float | None:
        """Seconds until `finished`, or None when it did not happen in time."""
        began = time.monotonic()
        while time.monotonic() - began < timeout_s:
            if self.finished(ids):
                return time.monotonic() - began
            time.sleep(0.25)
        return None

    def account(self, fault: str, ids: set[str], recover_s: float | None, replies: str = "ack",
                expect_replies: int | None = None) -> Trial:
        """The trial's figures; `expect_replies`: acknowledgements due (each received once,
        or left unconfirmed for a person) for the intake to count as recovered."""
        per_message = Counter(m for (m,) in self.rows("SELECT message_id FROM submissions") if m in ids)
        lost = len(ids - set(per_message))
        doubled = sum(1 for n in per_message.values() if n > 1)
        received = Counter(str(m["In-Reply-To"] if replies == "ack" else m["Message-ID"]) for m in self.smtp.received
                           if (m["In-Reply-To"] is not None) == (replies == "ack"))
        replies_doubled = sum(1 for n in received.values() if n > 1)
        table = "outbox" if replies == "ack" else "chases"
        unconfirmed = self.rows(f"SELECT count(*) FROM {table} WHERE status = 'pending'")[0][0]
        versions = self.rows("SELECT org_id, version FROM returns WHERE org_id IS NOT NULL ORDER BY org_id, version")
        by_org: dict[str, list[int]] = {}
        for org, version in versions:
            by_org.setdefault(org, []).append(version)
        gaps = [org for org, vs in by_org.items() if vs != list(range(1, len(vs) + 1))]
        inbox = self._inbox()
        pending = {m for (m,) in self.rows("SELECT s.message_id FROM outbox o JOIN submissions s "
                                           "ON s.id = o.submission_id WHERE o.status = 'pending'")}
        answered = len(set(received) | pending) if replies == "ack" else len(received)
        ok = recover_s is not None and not lost and not doubled and not gaps and inbox == 0 and (
            expect_replies is None or answered == expect_replies)
        detail = "; ".join(x for x in [f"versions out of order: {gaps}" if gaps else "",
                                       f"{inbox} left in the inbox" if inbox else "",
                                       f"{answered} of {expect_replies} replies" if expect_replies is not None
                                       and answered != expect_replies else ""] if x)
        return Trial(fault, len(ids), lost, doubled, replies_doubled, unconfirmed, ok, recover_s or 0.0, detail)

    def _inbox(self) -> int:
        root = self.inbox_dir
        return sum(1 for sub in ("new", "cur") if (root / sub).exists() for _ in (root / sub).iterdir())


def until_done(run: Callable[[], int | None], tries: int = 5) -> None:
    """Run again until a run ends well (a scheduled intake would, on its next turn)."""
    for _ in range(tries):
        if run() == 0:
            return


@contextlib.contextmanager
def sqlite_locked(path: Path) -> Iterator[None]:
    """Another process's write lock on the SQLite warehouse (BEGIN EXCLUSIVE)."""
    import sqlite3

    conn = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextlib.contextmanager
def small_disk(where: Path, size_kb: int) -> Iterator[Callable[[int], None]]:
    """A tmpfs of `size_kb` mounted at `where` (needs root); yields `grow(size_kb)`."""
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(where)],
                   check=True, capture_output=True)

    def grow(kb: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={kb}k", str(where)], check=True, capture_output=True)

    try:
        yield grow
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def can_mount() -> bool:
    if os.geteuid() != 0:
        return False
    probe = Path(f"/tmp/returns-mount-probe-{os.getpid()}")
    try:
        with small_disk(probe, 64):
            return True
    except (subprocess.CalledProcessError, OSError):
        return False
    finally:
        with contextlib.suppress(OSError):
            probe.rmdir()
