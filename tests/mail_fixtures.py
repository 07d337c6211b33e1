"""Mail fixtures: a real Dovecot, a real SMTP server, and synthetic emails built in code.

    dovecot          (session) Dovecot IMAP on a free 127.0.0.1 port, plain text, with a
                     throwaway config, passwd-file users and Maildirs under /tmp.
                     `.new_account()` gives each test its own user (isolation without a
                     restart); `.append(raw, folder, account)` delivers via IMAP APPEND.
                     Fails - never skips - when Dovecot is not installed.
    dovecot_factory  start extra, private servers (for tests that stop one mid-session)
    smtp_server      aiosmtpd on a free loopback port, capturing messages into a list
    smtp_server_auth the same, offering AUTH (user "acks", password "ack-secret")
    message_builder  the MessageBuilder class: synthetic emails in a few lines

Dovecot needs a non-root mail user: the fixture creates the system user `vmail` when
missing (root only) and keeps the mail under a /tmp folder vmail can enter.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from mail.imap import ImapMailbox
from tests.factories.emails import MessageBuilder

DOVECOT_INSTALL_HINT = (
    "Dovecot is not installed: the live mail tests need it "
    "(apt-get install -y --no-install-recommends dovecot-imapd)"
)


ACCOUNT_POOL = 200  # users per Dovecot instance: one per test that asks for an account


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- Dovecot ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapAccount:
    user: str
    password: str


_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
mail_uid = vmail
mail_gid = vmail
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid=vmail gid=vmail home={base}/home/%u
}}
namespace inbox {{
  inbox = yes
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class DovecotServer:
    """One private Dovecot instance; `start()` returns once the port accepts connections."""

    host = "127.0.0.1"

    def __init__(self, user: str = "tester", password: str = "s3cret-pw") -> None:
        self.user, self.password = user, password
        self.port = 0
        self.base = Path()
        self.startup_s = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._accounts = 0
        self._pool: list[ImapAccount] = []

    @property
    def maildir(self) -> Path:
        """The default account's Maildir (owned by vmail)."""
        return self.maildir_of(self.user)

    def maildir_of(self, user: str) -> Path:
        return self.base / "home" / user / "Maildir"

    def url(self, account: ImapAccount | None = None, folder: str = "INBOX") -> str:
        acc = account or ImapAccount(self.user, self.password)
        return f"imap://{acc.user}:{acc.password}@{self.host}:{self.port}/{folder}"

    def start(self) -> DovecotServer:
        binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/sbin")
        if binary is None:
            pytest.fail(DOVECOT_INSTALL_HINT, pytrace=False)
        _ensure_vmail_user()
        self.base = Path(tempfile.mkdtemp(prefix="returns-dovecot-"))
        self.base.chmod(0o755)  # vmail must reach home/
        for sub in ("run", "state", "home"):
            (self.base / sub).mkdir()
        shutil.chown(self.base / "home", "vmail", "vmail")
        self._pool = [ImapAccount(f"user{i}", secrets.token_urlsafe(12))
                      for i in range(1, ACCOUNT_POOL + 1)]
        (self.base / "users").write_text("".join(
            f"{a.user}:{{PLAIN}}{a.password}::::::\n"
            for a in [ImapAccount(self.user, self.password), *self._pool]
        ))
        self.port = free_port()
        conf = self.base / "dovecot.conf"
        conf.write_text(_CONF.format(base=self.base, port=self.port))
        began = time.monotonic()
        with (self.base / "stderr.log").open("wb") as err:
            self._proc = subprocess.Popen(
                [binary, "-F", "-c", str(conf)], stdout=err, stderr=err, start_new_session=True
            )
        self._wait_for_port(began + 10.0)
        self.startup_s = time.monotonic() - began
        return self

    def resume(self) -> DovecotServer:
        """Start the stopped server again: same port, same mail, same accounts."""
        binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/sbin")
        assert binary is not None and self._proc is None
        with (self.base / "stderr.log").open("ab") as err:
            self._proc = subprocess.Popen([binary, "-F", "-c", str(self.base / "dovecot.conf")],
                                          stdout=err, stderr=err, start_new_session=True)
        self._wait_for_port(time.monotonic() + 20.0)
        return self

    def cut_connections(self) -> int:
        """Kill every IMAP session process (the clients' connections drop mid-command);
        the server itself stays up. Returns how many were killed."""
        assert self._proc is not None
        killed = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rpartition(")")[2].split()
                comm = stat.read_text().partition("(")[2].rpartition(")")[0]
                if int(fields[2]) == self._proc.pid and comm == "imap":  # pgid, process name
                    os.kill(int(stat.parent.name), signal.SIGKILL)
                    killed += 1
        return killed

    def _wait_for_port(self, deadline: float) -> None:
        assert self._proc is not None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                pytest.fail(f"dovecot exited with {self._proc.returncode}:\n{self._logs()}")
            with contextlib.suppress(OSError), socket.create_connection(
                (self.host, self.port), timeout=0.5
            ) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
            time.sleep(0.02)
        self.stop()
        pytest.fail(f"dovecot did not answer on port {self.port} within 10 s:\n{self._logs()}")

    def _logs(self) -> str:
        parts = [p.read_text(errors="replace") for p in
                 (self.base / "stderr.log", self.base / "dovecot.log") if p.exists()]
        return "\n".join(parts)[-4000:]

    def new_account(self) -> ImapAccount:
        """A fresh user with an empty mailbox, from a pool written before start-up
        (adding users to a running server's passwd-file is not reliably picked up)."""
        account = self._pool[self._accounts]
        self._accounts += 1
        return account

    def append(self, raw: bytes, folder: str = "INBOX",
               account: ImapAccount | None = None) -> int:
        """Deliver `raw` by IMAP APPEND from a separate connection; returns its UID."""
        acc = account or ImapAccount(self.user, self.password)
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(acc.user, acc.password)
            if folder != "INBOX":
                client.create(f'"{folder}"')  # NO when it exists already: fine
            typ, data = client.append(f'"{folder}"', "", imaplib.Time2Internaldate(time.time()),
                                      raw)
            assert typ == "OK", data
            found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            assert found is not None, data
            return int(found.group(1))
        finally:
            client.logout()

    def mailbox(self, account: ImapAccount | None = None, **kwargs: Any) -> ImapMailbox:
        acc = account or ImapAccount(self.user, self.password)
        kwargs.setdefault("timeout", 10.0)
        return ImapMailbox(self.host, self.port, acc.user, password=acc.password,
                           security="plain", **kwargs)

    def stop(self) -> None:
        """Stop the whole server, as a crash or shutdown would: every process in the group
        we started (Dovecot's imap processes outlive a master that only got SIGTERM)."""
        if self._proc is None:
            return
        pgid = self._proc.pid  # start_new_session: the group is ours alone
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self._proc.wait(timeout=10)
        self._proc = None

    def cleanup(self) -> None:
        self.stop()
        if self.base != Path() and self.base.exists():
            shutil.rmtree(self.base, ignore_errors=True)


def _ensure_vmail_user() -> None:
    try:
        pwd.getpwnam("vmail")
        return
    except KeyError:
        pass
    if os.geteuid() != 0:
        pytest.fail("the system user 'vmail' is missing and only root can create it: "
                    "useradd --system --no-create-home --shell /usr/sbin/nologin vmail")
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                    "/usr/sbin/nologin", "vmail"], check=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    server = DovecotServer().start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def dovecot_factory() -> Iterator[Callable[[], DovecotServer]]:
    started: list[DovecotServer] = []

    def start() -> DovecotServer:
        server = DovecotServer().start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.cleanup()


# -- SMTP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapturedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpCapture:
    """aiosmtpd handler and the test's view of the server: every message received."""

    host: str
    port: int
    user: str | None = None
    password: str | None = None
    messages: list[CapturedMail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.messages.append(
            CapturedMail(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(content))
        )
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == (self.user or "").encode()
              and auth_data.password == (self.password or "").encode())
        return AuthResult(success=ok, handled=False)


def _smtp(user: str | None, password: str | None) -> Iterator[SmtpCapture]:
    capture = SmtpCapture("127.0.0.1", free_port(), user, password)
    kwargs: dict[str, Any] = {}
    if user is not None:
        # AUTH offered without TLS; not *required* (aiosmtpd warns on that combination,
        # and the tests turn warnings into errors). A wrong password still fails.
        kwargs = {"authenticator": capture.authenticate, "auth_require_tls": False}
    controller = Controller(capture, hostname=capture.host, port=capture.port, **kwargs)
    controller.start()
    try:
        yield capture
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpCapture]:
    yield from _smtp(None, None)


@pytest.fixture
def smtp_server_auth() -> Iterator[SmtpCapture]:
    yield from _smtp("acks", "ack-secret")


@pytest.fixture
def message_builder() -> type[MessageBuilder]:
    return MessageBuilder


def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()

