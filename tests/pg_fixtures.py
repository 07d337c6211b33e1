"""PostgreSQL for the tests: a throwaway private cluster, or the server you name.

    postgres_server   (session) the admin URL of the PostgreSQL the tests use:
                      RETURNS_TEST_POSTGRES when set (a libpq URL to an admin database,
                      e.g. postgresql://postgres@127.0.0.1:5432/test), otherwise a private
                      cluster started for this session and removed at its end

    /tmp/returns-pg-XXXX/           the private cluster (owned by the cluster's user)
      data/                         initdb, trust auth, fsync off (throwaway)
      run/                          its Unix socket
      postgres.log                  the server log (its tail is shown when start-up fails)
        ▲ `postgres` run as the fixture's child, listening on 127.0.0.1:<free port> only;
          stopped at the session's end, and by the kernel (`setpriv --pdeathsig`) if the
          test process dies first, so a killed run leaves no server behind

PostgreSQL refuses to run as root: under root the cluster runs as the system user
`postgres` when it exists (the Debian package creates it), else as `returns-pg`, which
the fixture creates. A missing installation or a failed start FAILS the session with
the reason and the log tail, never a skip: the PostgreSQL tests are part of the contract.
`scripts/setup.sh` installs the Debian package `postgresql` when the binaries are missing.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENV_VAR = "RETURNS_TEST_POSTGRES"
INSTALL_HINT = ("PostgreSQL is not installed: the database tests start a private cluster with "
                "its initdb and postgres (apt-get install -y --no-install-recommends postgresql, "
                "or `make setup`), or set RETURNS_TEST_POSTGRES to a server's admin URL")
FALLBACK_USER = "returns-pg"
START_ATTEMPTS = 3  # a free port can be taken by someone else before the server binds it


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    on_path = shutil.which("initdb")
    if on_path:
        found.append(Path(on_path).parent)
    if not found:
        return None
    return max(found, key=lambda p: _version(p.parent.name))


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", name)) or (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """One private cluster; `start()` returns once it accepts connections."""

    host = "127.0.0.1"

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base = Path()
        self.port = 0
        self.user = ""
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "postgres.log"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    def start(self) -> PostgresCluster:
        self.user = _cluster_user()
        self.base = Path(tempfile.mkdtemp(prefix="returns-pg-"))
        (self.base / "run").mkdir()
        _give_to(self.base, self.user)
        self._run([self.bindir / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], "initdb")
        for _ in range(START_ATTEMPTS):
            self.port = _free_port()
            if self._serve():
                return self
            tail = self._log_tail()
            if "could not bind" not in tail:
                break
        code = self._proc.returncode if self._proc else None
        self.cleanup()
        pytest.fail(f"the private PostgreSQL did not start (exit {code}); the server log, "
                    f"last lines:\n{tail}", pytrace=False)

    def _serve(self) -> bool:
        """Run `postgres` as our child (not daemonised by pg_ctl), bound to die with this
        process, so that a test run killed outright leaves no server behind."""
        argv = [self.bindir / "postgres", "-D", self.data, "-p", str(self.port),
                "-c", f"listen_addresses={self.host}", "-c", f"unix_socket_directories={self.base / 'run'}",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=200"]
        setpriv = shutil.which("setpriv")  # util-linux, essential on Debian
        if setpriv:  # the kernel sends SIGINT (a fast shutdown) when this process dies
            argv = [setpriv, "--pdeathsig", "INT", "--", *argv]
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen([str(a) for a in argv], stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, cwd=self.base, env=self._env(),
                                          start_new_session=True, **self._as_user())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self._proc.poll() is None:
            with contextlib.suppress(OSError):  # line 8 of postmaster.pid: "ready" (as pg_ctl -w)
                lines = (self.data / "postmaster.pid").read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return True
            time.sleep(0.05)
        self.stop()
        return False

    def _env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.base)}

    def _as_user(self) -> dict[str, Any]:
        if os.geteuid() != 0:
            return {}
        return {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid}

    def _run(self, argv: list[str | Path], what: str) -> None:
        try:
            done = subprocess.run([str(a) for a in argv], cwd=self.base, env=self._env(), text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
                                  check=False, **self._as_user())
        except (OSError, subprocess.SubprocessError) as err:
            self.cleanup()
            pytest.fail(f"the private PostgreSQL: {what} could not run: {err}", pytrace=False)
        if done.returncode != 0:
            self.cleanup()
            pytest.fail(f"the private PostgreSQL: {what} failed (exit {done.returncode}):\n"
                        f"{done.stdout[-4000:]}", pytrace=False)

    def _log_tail(self) -> str:
        if not self.log.exists():
            return "(no server log was written)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])

    def stop(self) -> None:
        """Fast shutdown (SIGINT: clients are disconnected), then SIGQUIT if it lingers."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
                return

    def resume(self) -> PostgresCluster:
        """Start the stopped cluster again on the same port, with the same data."""
        if not self._serve():
            pytest.fail(f"the private PostgreSQL did not start again:\n{self._log_tail()}", pytrace=False)
        return self

    def cleanup(self) -> None:
        self.stop()
        if self.base != Path() and self.base.exists():
            shutil.rmtree(self.base, ignore_errors=True)


def _cluster_user() -> str:
    """Who runs the cluster: ourselves unless we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in ("postgres", FALLBACK_USER):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--shell",
                    "/usr/sbin/nologin", FALLBACK_USER], check=True, capture_output=True)
    return FALLBACK_USER


def _give_to(base: Path, user: str) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(user)
    for path in (base, base / "run"):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    base.chmod(0o700)


_USED: list[str] = []  # what the session's tests ran against, for the closing summary


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _USED:
        terminalreporter.write_line(f"PostgreSQL used by the tests: {line}")


def describe(url: str) -> str:
    """`postgresql://user@host:port/db` without any password, for messages."""
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        _USED.append(f"{describe(configured)} (from {ENV_VAR})")
        yield configured
        return
    bindir = postgres_bindir()
    if bindir is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    cluster = PostgresCluster(bindir).start()
    _USED.append(f"a private cluster at {cluster.admin_url} ({bindir.parent.name}, "
                 f"run as {cluster.user}, in {cluster.base})")
    try:
        yield cluster.admin_url
    finally:
        cluster.cleanup()
