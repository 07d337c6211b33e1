"""Scale-out on Prefect's own machinery: a Prefect server whose database is PostgreSQL,
the `intake` deployment of prefect.yaml on a process work pool, two `prefect worker`s
and four runs racing on one mailbox. Every email is recorded once and answered once."""

from __future__ import annotations

import json
import mailbox
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, report, settings_for, with_received
from tests.mail_fixtures import SmtpCapture, free_port
from tests.prefect_fixtures import stop_process_group

pytestmark = [pytest.mark.live, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ORGS = [("fife", "Fife Council"), ("angus", "Angus Council"), ("highland", "The Highland Council"),
        ("moray", "Moray Council"), ("falkirk", "Falkirk Council"), ("stirling", "Stirling Council")]


def _post(api: str, path: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture
def prefect_on_postgres(postgres_server: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A Prefect server keeping its own state in a fresh PostgreSQL database."""
    name = f"prefect_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db = make_url(postgres_server).set(drivername="postgresql+asyncpg", database=name)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RETURNS_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_API_DATABASE_CONNECTION_URL=db.render_as_string(hide_password=False),
               PREFECT_LOGGING_LEVEL="WARNING")
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        client_env = {k: v for k, v in env.items() if k != "PREFECT_API_DATABASE_CONNECTION_URL"}
        yield api, {**client_env, "PREFECT_API_URL": api}
    finally:
        stop_process_group(server)
        log.close()
        with psycopg.connect(postgres_server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_two_workers_on_a_process_pool_share_one_mailbox_with_nothing_done_twice(
        prefect_on_postgres: tuple[str, dict[str, str]], postgres_url: str, smtp_server: SmtpCapture,
        tmp_path: Path) -> None:
    api, env = prefect_on_postgres
    home = tmp_path / "shared"
    settings = settings_for(home, database_url=postgres_url)
    env = {**env, "RETURNS_HOME": str(home), "RETURNS_DATABASE_URL": postgres_url, "RETURNS_CHECK_ENGINE": "plain",
           "RETURNS_OUTBOX_URL": f"smtp://{smtp_server.host}:{smtp_server.port}", "RETURNS_BATCH_SIZE": "3"}
    root = home / "mail" / "submissions"
    root.parent.mkdir(parents=True)
    box = mailbox.Maildir(str(root), create=True)
    n = 0
    for org, name in ORGS:
        for k in range(4):  # four versions each: the last received is current
            box.add(with_received(
                MessageBuilder(sender=f"cswo@{org}.council.example", message_id=f"<{org}{k}@w>")
                .attach(f"{org}-{k}.docx", return_docx(name, [f"Point {k} (R1)"], "Chief Social Work Officer"),
                        DOCX).build(), f"Mon, 2{k} Oct 2006 10:00:00 +0100"))
            n += 1
    box.close()

    def cli(*args: str) -> str:
        done = subprocess.run([str(BIN / "prefect"), *args], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done.stdout

    cli("work-pool", "create", "returns", "--type", "process")
    cli("--no-prompt", "deploy", "--name", "intake")
    [deployment] = _post(api, "/deployments/filter", {"deployments": {"name": {"any_": ["intake"]}}})
    workers = [subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "returns", "--limit", "1"],
                                cwd=REPO, env=env, stdout=(tmp_path / f"worker{i}.log").open("wb"),
                                stderr=subprocess.STDOUT, start_new_session=True) for i in range(2)]
    try:
        runs = [_post(api, f"/deployments/{deployment['id']}/create_flow_run", {"parameters": {"limit": 8}})["id"]
                for _ in range(5)]
        deadline = time.monotonic() + 600
        while True:
            states = [_post(api, "/flow_runs/filter", {"flow_runs": {"id": {"any_": [r]}}})[0]["state"]["type"]
                      for r in runs]
            if all(s in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for s in states):
                break
            assert time.monotonic() < deadline, f"runs not finished: {states}"
            time.sleep(2)
        assert states == ["COMPLETED"] * 5, states
        hosts = {w["name"] for w in _post(api, "/work_pools/returns/workers/filter", {})}
        assert len(hosts) == 2
    finally:
        for w in workers:
            stop_process_group(w)

    # Every email recorded once, every submission answered once; per organisation four
    # versions, the one received last current (version numbers follow recording order,
    # which two workers may interleave: issue 11's window).
    found = report(settings)
    assert len(found) == n and len({r["message_id"] for r in found}) == n
    assert all(r["status"] == "extracted" for r in found)
    for org, _ in ORGS:
        mine = [r for r in found if r["org_id"] == org]
        assert sorted(r["returns"][0]["version"] for r in mine) == [1, 2, 3, 4]
        assert [r["message_id"] for r in mine if r["returns"][0]["current"]] == [f"<{org}3@w>"]
    acks = [m.message["In-Reply-To"] for m in smtp_server.messages]
    assert len(acks) == n and len(set(acks)) == n
    assert not list(root.glob("new/*")) and not list(root.glob("cur/*"))  # every email moved out of the inbox
