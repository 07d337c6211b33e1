"""Benchmark: `returns status` from the warehouse, for the real register and at scale.

    python bench/status.py [--orgs 10000] [--returns 20000]

Builds a SQLite warehouse with the bundled register (44 organisations) and one with a
simulated register of --orgs organisations and --returns return versions (each with
its check results), then times the whole status computation as `returns status` runs
it (facts read from the warehouse, then computed as of a date). Targets: under 1 s for
44 organisations, under 5 s for 10,000 organisations and 20,000 returns.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.paths import BUNDLED_REGISTER
from core.settings import Settings
from pipeline.checking import statuses
from pipeline.runtime import prepare, runtime
from schemas.checks import RETURN_CHECKS, SPEC
from tests.factories.returns import canonical_return
from warehouse.db import session_scope
from warehouse.models import CheckResultRow, ReturnVersion, Submission

RECORD = canonical_return().model_dump(mode="json")


def build(home: Path, orgs: int, returns: int, seed: int = 3) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    register = home / "register.csv"
    with BUNDLED_REGISTER.open(encoding="utf-8") as src:
        rows = list(csv.DictReader(src))
    if orgs > len(rows):
        for i in range(len(rows), orgs):
            rows.append({"org_id": f"org-{i}", "name": f"Provider {i}", "aliases": "", "type": "voluntary",
                         "services": "community_care", "contact_email": f"director@org{i}.example"})
    with register.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows[:orgs])
    settings = Settings(home=home, register_csv=register, check_engine="plain")
    prepare(settings)
    rt = runtime(settings)
    rng = random.Random(seed)
    ids = [r["org_id"] for r in rows[:orgs]]
    start = dt.datetime(2006, 9, 1, tzinfo=dt.UTC)
    subs, rets, checks = [], [], []
    versions: dict[str, int] = {}
    for n in range(1, returns + 1):
        org = rng.choice(ids)
        versions[org] = versions.get(org, 0) + 1
        when = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 90))
        subs.append({"id": n, "dedup_key": f"mid:<{n}@x>", "raw_sha256": f"{n:064x}", "message_id": f"<{n}@x>",
                     "received_at": when, "status": "extracted", "org_id": org})
        rets.append({"id": n, "document_sha256": f"{n:064x}", "submission_id": n, "org_id": org,
                     "collection": "changing-lives-2006", "version": versions[org], "is_current": False,
                     "received_at": when, "record": RECORD})
        for check in RETURN_CHECKS:
            failed = rng.random() < 0.05
            checks.append({"return_id": n, "check_name": check.value, "outcome": "failed" if failed else "passed",
                           "severity": SPEC[check].severity.value, "reason": "x" if failed else None,
                           "suite_version": "bench"})
    with session_scope(rt.engine) as session:
        session.execute(insert(Submission), subs)
        session.execute(insert(ReturnVersion), rets)
        session.execute(insert(CheckResultRow), checks)
    return settings


def timed(settings: Settings, repeats: int = 3) -> float:
    rt = runtime(settings)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        statuses(rt, dt.date(2006, 11, 15))
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--returns", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{'register':>10} {'returns':>8} {'status s':>9} {'target':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        small = build(Path(tmp) / "small", 44, 60)
        print(f"{44:>10} {60:>8} {timed(small):>9.3f} {'< 1 s':>7}")
        big = build(Path(tmp) / "big", args.orgs, args.returns)
        print(f"{args.orgs:>10} {args.returns:>8} {timed(big):>9.3f} {'< 5 s':>7}")


if __name__ == "__main__":
    main()
