"""The dashboard staff watch: a real Prefect server, the `returns` commands run as a user
would (reporting to it), the status board read back through the API and seen in the
Prefect UI by headless Chromium (Debian's chromium, driven by Playwright).

Set RETURNS_SCREENSHOT=PATH to keep a screenshot of the board (the README's picture).
"""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.intake_fixtures import DOCX, with_received

pytestmark = [pytest.mark.live, pytest.mark.slow]
RETURNS = str(Path(sys.executable).with_name("returns"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _api(url: str, path: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(f"{url}{path}", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _returns(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([RETURNS, *args], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_status_board_in_the_prefect_ui_names_the_missing_organisations(
        prefect_server: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = dict(os.environ, RETURNS_HOME=str(home), RETURNS_CHECK_ENGINE="plain", PREFECT_API_URL=prefect_server,
               PREFECT_LOGGING_LEVEL="WARNING", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    box = home / "mail" / "submissions"
    box.parent.mkdir(parents=True)
    md = mailbox.Maildir(str(box), create=True)
    md.add(with_received(
        MessageBuilder(sender="director@forth-valley-advocacy.org.example", subject="Return", message_id="<fv@ui>")
        .attach("fv.docx", return_docx("Forth Valley Advocacy Network", ["Carers' centre (R2)"], position="Director",
                                       org_type="Voluntary sector"), DOCX).build(),
        "Fri, 20 Oct 2006 10:00:00 +0100"))
    md.add(MessageBuilder(sender="someone@unknown.example", subject="Our return", message_id="<who@ui>")
           .attach("ours.docx", return_docx("Nobody We Know Trust", ["Something (R1)"]), DOCX).build())
    md.close()

    _returns("intake", "--once", env=env)
    out = _returns("chase", "--as-of", "2006-11-01", env=env)
    assert "sent=43" in out

    # Through the API: the latest status board, and runs named after what they did.
    [board] = _api(prefect_server, "/artifacts/latest/filter", {"artifacts": {"key": {"any_": ["status-board"]}}})
    assert "Angus Council" in board["data"] and "no return received" in board["data"]
    runs = _api(prefect_server, "/flow_runs/filter", {"sort": "START_TIME_DESC"})
    names = {r["name"]: r["state"]["message"] for r in runs}
    assert any(n.startswith("chase 01 Nov 2006: 43 sent") for n in names), names
    intake_run = next(n for n in names if n.startswith("intake "))
    assert "needs a person: 1 unmatched submissions" in intake_run
    assert names[intake_run] == "needs a person: 1 unmatched submissions"

    # In the UI: the artifact's page renders the board, organisations by name.
    from playwright.sync_api import sync_playwright

    ui = prefect_server.removesuffix("/api")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(f"{ui}/artifacts/artifact/{board['latest_id']}", wait_until="networkidle")
        page.get_by_text("Angus Council").first.wait_for(timeout=30_000)
        text = page.inner_text("body")
        if os.environ.get("RETURNS_SCREENSHOT"):
            page.screenshot(path=os.environ["RETURNS_SCREENSHOT"], full_page=False)
        browser.close()
    assert "Not accepted (43)" in text
    assert "Angus Council" in text and "Fife Council" in text and "no return received" in text
    assert "Waiting for a person (1)" in text
