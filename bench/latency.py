"""Benchmark: an email landing in the mailbox to its organisation's status on the board.

    python bench/latency.py [--n 5]

Starts a private Dovecot (as the tests do), `returns intake` watching it (IMAP IDLE) with
the embedded SQLite warehouse and no Prefect server (the plain steps), then appends a
typed return from a different council N times and measures, for each, the time from the
IMAP APPEND until the warehouse's status board (`org_status`) shows that council's
return. Target: under 10 s. Prints each and the median.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.factories.emails import MessageBuilder
from tests.factories.forms import return_docx
from tests.mail_fixtures import DovecotServer

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
COUNCILS = [("fife", "Fife Council"), ("angus", "Angus Council"), ("moray", "Moray Council"),
            ("falkirk", "Falkirk Council"), ("stirling", "Stirling Council"), ("highland", "The Highland Council"),
            ("dundee-city", "Dundee City Council"), ("inverclyde", "Inverclyde Council")]


def _on_board(db: Path, org: str) -> bool:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            row = conn.execute("SELECT current_version FROM org_status WHERE org_id = ?", (org,)).fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--n", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="returns-latency-"))
    server = DovecotServer().start()
    returns = str(Path(sys.executable).with_name("returns"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(RETURNS_HOME=str(work), RETURNS_CHECK_ENGINE=os.environ.get("RETURNS_CHECK_ENGINE", "gx"))
    watcher = subprocess.Popen([returns, "intake", "--mailbox", server.url(), "--idle-timeout", "600"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    db = work / "returns.db"
    try:
        deadline = time.monotonic() + 120
        while not db.exists() or not _on_board_ready(db):  # the first (empty) run has made the warehouse
            if time.monotonic() > deadline or watcher.poll() is not None:
                raise RuntimeError("the watcher did not start")
            time.sleep(0.2)
        time.sleep(2.0)  # it is now waiting in IDLE
        took = []
        for i, (org, name) in zip(range(args.n), COUNCILS, strict=False):
            raw = (MessageBuilder(sender=f"cswo@{org}.council.example", message_id=f"<lat{i}@bench>")
                   .attach(f"{org}.docx", return_docx(name, [f"Point {i} (R1)"], "Chief Social Work Officer"), DOCX)
                   .build())
            start = time.monotonic()
            server.append(raw)
            while not _on_board(db, org):
                if time.monotonic() - start > 120:
                    raise RuntimeError(f"{org} not on the board after 120 s")
                time.sleep(0.05)
            took.append(time.monotonic() - start)
            print(f"{name:<24} {took[-1]:6.2f} s", flush=True)
        print(f"median {statistics.median(took):.2f} s, max {max(took):.2f} s (target < 10 s; "
              f"checks by {env['RETURNS_CHECK_ENGINE']}, no Prefect server)")
    finally:
        os.killpg(watcher.pid, signal.SIGINT)
        watcher.wait(timeout=30)
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def _on_board_ready(db: Path) -> bool:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return bool(conn.execute("SELECT count(*) FROM organisations").fetchone()[0] > 0)
    except sqlite3.Error:
        return False


if __name__ == "__main__":
    main()
