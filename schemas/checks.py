"""The checks of RETURN-FORM.md section 5 as a contract: names, problems, severities.

    check                   problem            severity
    organisation_identified unmatched          blocks checking (a person assigns it)
    sections_complete       incomplete         error
    something_said          incomplete         error
    signed                  unsigned           error
    right_signatory         wrong_signatory    error
    date_sane               bad_date           error
    recommendations_valid   bad_reference      error
    on_time                 late               flag (never a problem; `late` in status)

`CHECKS` keeps the table's order: problems and status follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CheckName(StrEnum):
    ORGANISATION_IDENTIFIED = "organisation_identified"
    SECTIONS_COMPLETE = "sections_complete"
    SOMETHING_SAID = "something_said"
    SIGNED = "signed"
    RIGHT_SIGNATORY = "right_signatory"
    DATE_SANE = "date_sane"
    RECOMMENDATIONS_VALID = "recommendations_valid"
    ON_TIME = "on_time"


class Problem(StrEnum):
    """What status shows for a failed check; `missing` when nothing was received."""

    MISSING = "missing"
    UNMATCHED = "unmatched"
    INCOMPLETE = "incomplete"
    UNSIGNED = "unsigned"
    WRONG_SIGNATORY = "wrong_signatory"
    BAD_DATE = "bad_date"
    BAD_REFERENCE = "bad_reference"
    LATE = "late"


class Severity(StrEnum):
    BLOCKS = "blocks"  # nothing else can be checked until a person acts
    ERROR = "error"  # the return is not accepted
    FLAG = "flag"  # shown, but the return can still be accepted


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckSpec:
    name: CheckName
    problem: Problem
    severity: Severity


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec(CheckName.ORGANISATION_IDENTIFIED, Problem.UNMATCHED, Severity.BLOCKS),
    CheckSpec(CheckName.SECTIONS_COMPLETE, Problem.INCOMPLETE, Severity.ERROR),
    CheckSpec(CheckName.SOMETHING_SAID, Problem.INCOMPLETE, Severity.ERROR),
    CheckSpec(CheckName.SIGNED, Problem.UNSIGNED, Severity.ERROR),
    CheckSpec(CheckName.RIGHT_SIGNATORY, Problem.WRONG_SIGNATORY, Severity.ERROR),
    CheckSpec(CheckName.DATE_SANE, Problem.BAD_DATE, Severity.ERROR),
    CheckSpec(CheckName.RECOMMENDATIONS_VALID, Problem.BAD_REFERENCE, Severity.ERROR),
    CheckSpec(CheckName.ON_TIME, Problem.LATE, Severity.FLAG),
)
SPEC = {c.name: c for c in CHECKS}
# The checks run on a return whose organisation is known, in table order.
RETURN_CHECKS: tuple[CheckName, ...] = tuple(c.name for c in CHECKS if c.severity != Severity.BLOCKS)


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome for one return version, with its reason in plain words."""

    check: CheckName
    outcome: Outcome
    reason: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAILED

    @property
    def problem(self) -> Problem:
        return SPEC[self.check].problem

    @property
    def severity(self) -> Severity:
        return SPEC[self.check].severity


def problems_of(results: list[CheckResult] | tuple[CheckResult, ...]) -> list[Problem]:
    """The error problems of a set of results, in the table's order, each once."""
    failed = {r.check for r in results if r.failed}
    out: list[Problem] = []
    for spec in CHECKS:
        if spec.name in failed and spec.severity == Severity.ERROR and spec.problem not in out:
            out.append(spec.problem)
    return out
