"""Reliability: every fault caused for real, many times, and the README's table.

    python bench/reliability.py [--kills 25] [--seed 1] [--only kill_intake,...]

Each trial (tests/fault_trials.py) builds a fresh home, a real SMTP server (aiosmtpd)
and, where the fault needs one, a private Dovecot or PostgreSQL; runs `returns` as a
user would; causes the fault (SIGKILL, a server stopped or cut off, a lock held, a full
file system); clears it and lets the intake carry on; then counts from the warehouse and
the SMTP server what was lost or doubled. Needs root for the full-disk trial (a tmpfs).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fault_trials import FAULTS, database_down, kill_intake, sqlite_busy, two_workers_private
from tests.faults import Trial, can_mount


def plan(kills: int) -> list[tuple[str, Callable[[Path, random.Random], Trial], int]]:
    """(row, trial, how many) for the table."""
    rows: list[tuple[str, Callable[[Path, random.Random], Trial], int]] = [
        ("worker killed (SIGKILL) during an intake", FAULTS["kill_intake"], kills - kills // 2),
        ("worker killed (SIGKILL) mid-batch", partial(kill_intake, mid_batch=True), kills // 2),
        ("worker killed (SIGKILL) mid-chase", FAULTS["kill_chase"], kills),
        ("IMAP server stopped mid-run", FAULTS["imap_stopped"], 5),
        ("IMAP connections cut mid-run", FAULTS["imap_cut"], 5),
        ("SMTP refusing (451)", FAULTS["smtp_refusing"], 3),
        ("SMTP not answering (timeout)", FAULTS["smtp_stalled"], 3),
        ("SMTP takes a message, drops the line", FAULTS["smtp_dropping"], 3),
        ("PostgreSQL down 60 s", partial(database_down, down_s=60.0), 1),
        ("PostgreSQL down 10 s", partial(database_down, down_s=10.0), 3),
        ("SQLite locked 5 s (within busy timeout)", partial(sqlite_busy, hold_s=5.0), 2),
        ("SQLite locked 40 s (past busy timeout)", partial(sqlite_busy, hold_s=40.0), 1),
        ("two workers racing (PostgreSQL)", two_workers_private, 3),
        ("hostile corpus", FAULTS["hostile"], 3),
    ]
    if can_mount():
        rows.insert(-1, ("raw store disk full (tmpfs)", FAULTS["disk_full"], 3))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=25, help="SIGKILL trials each for intake and chasing")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated words that row names must contain")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    header = (f"{'fault':<42}{'trials':>7}{'struck':>7}{'emails':>7}{'lost':>5}{'doubled':>8}"
              f"{'replies 2x':>11}{'unconf.':>8}{'recovered':>10}{'recover s (median/max)':>24}")
    results: list[str] = []
    for name, trial, n in plan(args.kills):
        if args.only and not any(word in name for word in args.only.split(",")):
            continue
        trials: list[Trial] = []
        for _ in range(n):
            tmp = Path(tempfile.mkdtemp(prefix="returns-fault-"))
            try:
                trials.append(trial(tmp, random.Random(rng.randrange(2**32))))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            t = trials[-1]
            if not t.recovered or t.lost or t.doubled or t.replies_doubled:
                print(f"  ! {t}", flush=True)
        times = [t.recover_s for t in trials if t.recovered]
        recovered = sum(t.recovered for t in trials)
        mark = f"{'yes' if recovered == len(trials) else 'NO'} {recovered}/{len(trials)}"
        spent = f"{statistics.median(times):.1f} / {max(times):.1f}" if times else "-"
        line = (f"{name:<42}{len(trials):>7}{sum(t.struck for t in trials):>7}{sum(t.emails for t in trials):>7}"
                f"{sum(t.lost for t in trials):>5}{sum(t.doubled for t in trials):>8}"
                f"{sum(t.replies_doubled for t in trials):>11}{sum(t.unconfirmed for t in trials):>8}"
                f"{mark:>10}{spent:>24}")
        results.append(line)
        print(line, flush=True)
    print(f"\nreliability, {time.strftime('%d %B %Y')} (one run, seed {args.seed})")
    print(header)
    print("\n".join(results))


if __name__ == "__main__":
    main()
