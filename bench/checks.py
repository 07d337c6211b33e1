"""Benchmark: the checks of section 5, with Great Expectations and in plain Python.

    python bench/checks.py [--n 1000] [--batch 50]

Checks N synthetic return versions (every rule exercised) in batches of --batch and in
one batch, with GX (one validation per batch, as the intake runs it) and with the same
rules in plain Python; prints seconds and milliseconds per return, side by side from one
run. GX's import and context set-up are timed separately (paid once per process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.checks import CheckInput, run_checks
from schemas import BoxedSection, Item, ItemsSection, Organisation, Return, SignOff, Source, load_collection


def synthetic(n: int, seed: int = 11) -> list[CheckInput]:
    rng = random.Random(seed)
    keys = ("children_families", "community_care", "criminal_justice", "whole_service")
    out = []
    for rid in range(1, n + 1):
        org_type = rng.choice(["local_authority", "voluntary", "private"])
        cites = rng.choice([(), (1,), (3, 13), (14,)])
        sections: dict[str, BoxedSection | ItemsSection] = {
            k: BoxedSection(strengths=tuple(Item(text=f"s{i}", recommendations=cites)
                                            for i in range(rng.choice([0, 1, 3])))) for k in keys}
        sections["national_priorities"] = ItemsSection()
        record = Return(
            collection="changing-lives-2006", organisation=Organisation(name=f"Org {rid}", type=org_type),
            services=keys[:3], sections=sections,
            sign_off=SignOff(signed=rng.random() > 0.1, name="A Person",
                             position=rng.choice(["Chief Social Work Officer", "Director", "Head of Finance", None]),
                             date=rng.choice([dt.date(2006, 10, 20), dt.date(2006, 5, 1), None])),
            source=Source(filename="r.docx", media_type="application/pdf"))
        received = dt.datetime(2006, 10, 1, tzinfo=dt.UTC) + dt.timedelta(hours=rng.randrange(24 * 60))
        out.append(CheckInput(rid, f"org{rid}", org_type, keys[: rng.choice([1, 2, 3])], record, received))
    return out


def timed(inputs: list[CheckInput], batch: int, engine: str) -> float:
    collection = load_collection()
    start = time.perf_counter()
    for i in range(0, len(inputs), batch):
        run_checks(inputs[i:i + batch], collection, engine=engine)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    inputs = synthetic(args.n)
    start = time.perf_counter()
    import great_expectations  # noqa: F401

    imported = time.perf_counter() - start
    start = time.perf_counter()
    run_checks(inputs[:1], load_collection(), engine="gx")  # context and suite, once per process
    setup = time.perf_counter() - start
    print(f"# checks benchmark: {args.n} returns; GX import {imported:.2f} s, context + suite {setup:.2f} s (once)")
    print(f"{'engine':8} {'batch':>6} {'seconds':>9} {'ms/return':>10}")
    for engine in ("gx", "plain"):
        for batch in (args.batch, args.n):
            secs = timed(inputs, batch, engine)
            print(f"{engine:8} {batch:>6} {secs:>9.2f} {1000 * secs / args.n:>10.2f}")


if __name__ == "__main__":
    main()
