"""Checks (RETURN-FORM.md section 5): is each return complete and properly signed off?

    inputs (return versions + register facts)
      ─► rows.flatten            one flat row per return version
      ─► gx.GxChecker.failures   Great Expectations: one validation for the whole batch
         (or rules.evaluate      the same rules in plain Python)
      ─► rules.reason            each failure in words the organisation can act on
      ─► return_id -> [CheckResult] for every return check, passed or failed

The suite is data (`suite.toml`), versioned; every stored result carries the version.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.checks.gx import GxChecker, suite_version
from pipeline.checks.rows import CheckInput, flatten
from pipeline.checks.rules import evaluate, reason
from schemas import Collection
from schemas.checks import RETURN_CHECKS, CheckResult, Outcome

__all__ = ["CheckInput", "GxChecker", "run_checks", "suite_version"]

_CHECKERS: dict[tuple[str, Path | None], GxChecker] = {}


def run_checks(inputs: list[CheckInput], collection: Collection, *, engine: str = "gx",
               docs_dir: Path | None = None) -> dict[int, list[CheckResult]]:
    """Every return check for every input, in the table's order: return_id -> results."""
    rows = flatten(inputs, collection)
    if engine == "plain":
        return evaluate(rows, collection)
    key = (collection.id, docs_dir)
    checker = _CHECKERS.get(key)
    if checker is None or checker.collection is not collection:
        checker = _CHECKERS[key] = GxChecker(collection, docs_dir)
    failed = checker.failures(rows)
    out: dict[int, list[CheckResult]] = {}
    for row in rows:
        rid = int(row["return_id"])
        out[rid] = [CheckResult(c, Outcome.FAILED, reason(c, row, collection)) if c in failed[rid]
                    else CheckResult(c, Outcome.PASSED) for c in RETURN_CHECKS]
    return out
