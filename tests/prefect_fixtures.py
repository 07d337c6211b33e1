"""A real Prefect server for the live tier, started once per test session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mail_fixtures import free_port


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`prefect server start` on a loopback port; yields its API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_ENABLED="true", PREFECT_LOGGING_LEVEL="WARNING")
    env.pop("PREFECT_API_URL", None)
    env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"  # the UI's own calls (default: port 4200)
    prefect = str(Path(sys.executable).with_name("prefect"))
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("prefect server did not start:\n" + (home / "server.log").read_text()[-3000:])
        time.sleep(0.3)
    try:
        yield url
    finally:
        stop_process_group(proc)
        log.close()


def stop_process_group(proc: subprocess.Popen[bytes], timeout_s: float = 20) -> None:
    """SIGINT to a server started in its own session (Prefect shuts down cleanly on it),
    SIGKILL if it has not gone within `timeout_s`."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
