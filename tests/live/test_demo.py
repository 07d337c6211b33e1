"""`make demo` (scripts/demo.sh) as a new user runs it, then `make stop` (scripts/stop.sh):
the dashboard up, the deployments registered and served, the first intake done and
reported there; a `returns` command in the same folder reports to it; stop ends it all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.mail_fixtures import free_port

pytestmark = [pytest.mark.live, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def _post(api: str, path: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _up(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=2):
            return True
    except OSError:
        return False


def test_make_demo_starts_the_dashboard_serves_the_deployments_and_make_stop_ends_it(tmp_path: Path) -> None:
    home = tmp_path / "var"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RETURNS_"))}
    env.update(RETURNS_HOME=str(home), PREFECT_PORT=str(port), RETURNS_CHECK_ENGINE="plain")
    try:
        done = subprocess.run(["bash", "scripts/demo.sh"], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert f"Dashboard:   http://127.0.0.1:{port}" in done.stdout
        names = sorted(d["name"] for d in _post(api, "/deployments/filter", {}))
        assert names == ["chase", "intake", "recheck", "status-board"]
        runs = _post(api, "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}})
        assert any(r["name"].startswith("intake ") and "returns checked" in r["name"] for r in runs), runs
        assert (home / "prefect-api-url").read_text().strip() == api

        # A command typed in a shell in this folder reports its run to the same dashboard.
        returns = str(Path(sys.executable).with_name("returns"))
        out = subprocess.run([returns, "chase", "--as-of", "2006-10-24"], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        runs = _post(api, "/flow_runs/filter", {})
        assert any(r["name"].startswith("chase 24 Oct 2006") for r in runs)
    finally:
        stop = subprocess.run(["bash", "scripts/stop.sh"], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120)
    assert "stopped serve" in stop.stdout and "stopped prefect-server" in stop.stdout, stop.stdout + stop.stderr
    deadline = time.monotonic() + 20
    while _up(api) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _up(api)
