"""Benchmark: a mixed mailbox (mostly typed returns, some scanned) with one worker and two.

    python bench/throughput.py [--n 1000] [--scanned 0.05]

Builds N emails (typed Word returns, and a share of scanned PDFs: the bundled scanned
sample made distinct by a trailing comment, so each is read again), delivers them to a
Maildir, and runs `returns intake --once` as one process, then as two processes at once
on a fresh copy of the same mailbox and warehouse (the workers share the mail ledger's
claims, as two Prefect workers would). No Prefect server: the plain steps. Prints emails
per minute for each and checks that every email was recorded exactly once.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.intake import make_returns
from tests.factories.emails import MessageBuilder

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SCAN = Path(__file__).resolve().parents[2] / "shared" / "samples" / "s002-scanned-pdf.pdf"


def emails(n: int, scanned: float, seed: int = 3) -> list[bytes]:
    rng = random.Random(seed)
    n_scans = round(n * scanned)
    typed = make_returns(n - n_scans)
    scan = SCAN.read_bytes()
    out = [MessageBuilder(sender=f"returns{i}@sender.example", message_id=f"<t{i}@bench>")
           .attach(f"return-{i}.docx", doc, DOCX).build() for i, doc in enumerate(typed)]
    out += [MessageBuilder(sender=f"scan{i}@sender.example", message_id=f"<s{i}@bench>")
            .attach(f"scan-{i}.pdf", scan + f"\n% copy {i}\n".encode(), "application/pdf").build()
            for i in range(n_scans)]
    rng.shuffle(out)
    return out


def run(home: Path, raws: list[bytes], workers: int) -> float:
    root = home / "mail" / "submissions"
    root.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(root), create=True)
    for raw in raws:
        box.add(raw)
    box.close()
    returns = str(Path(sys.executable).with_name("returns"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(RETURNS_HOME=str(home), RETURNS_CHECK_ENGINE="gx")
    subprocess.run([returns, "intake", "--once", "--mailbox", f"maildir:{home / 'empty'}"], env=env, check=True,
                   capture_output=True)  # the warehouse made and migrated before the clock starts
    start = time.perf_counter()
    procs = [subprocess.Popen([returns, "intake", "--once"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for _ in range(workers)]
    for p in procs:
        p.wait()
    took = time.perf_counter() - start
    with sqlite3.connect(home / "returns.db") as conn:
        subs = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM submissions").fetchone()
    assert subs == (len(raws), len(raws)), f"{workers} worker(s): {subs} submissions for {len(raws)} emails"
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--scanned", type=float, default=0.05)
    args = parser.parse_args()
    print(f"building {args.n} emails ({args.scanned:.0%} scanned) ...", flush=True)
    raws = emails(args.n, args.scanned)
    work = Path(tempfile.mkdtemp(prefix="returns-throughput-"))
    try:
        results = {w: run(work / f"w{w}", raws, w) for w in (1, 2)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.n} emails, {args.scanned:.0%} scanned (one run each, this {os.cpu_count()}-core machine)")
    print(f"{'workers':<10}{'seconds':>10}{'emails/min':>12}")
    for w, secs in results.items():
        print(f"{w:<10}{secs:>10.1f}{args.n / secs * 60:>12.0f}")
    print(f"two workers: {results[1] / results[2]:.2f}x the throughput of one")


if __name__ == "__main__":
    main()
