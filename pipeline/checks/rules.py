"""The checks in plain Python, and the words that explain each failure.

Two uses: `reason(check, row)` writes the sentence sent back to the organisation for a
check that failed (whichever engine found it); `evaluate(rows)` is the same rules as the
Great Expectations suite, in plain code, for the benchmark (what GX costs beside them)
and for a property test that both engines agree.

Rules that do not fit GX are none at present: per-section requirements are row
conditions, the signatory rule is a regex per organisation type, the date rule a
column pair. The wording, which GX has no place for, lives here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pipeline.checks.rows import SIGN_OFF_FIELDS
from schemas import Collection
from schemas.checks import RETURN_CHECKS, CheckName, CheckResult, Outcome

_FIELD_WORDS = {"signature": "signature", "sign_name": "printed name", "position": "position", "sign_date": "date"}


def signatory_regex(positions: tuple[str, ...]) -> str:
    """A case-insensitive regex for any of the positions (words, any spacing; dotted
    abbreviations like "C.S.W.O." allowed)."""
    parts = []
    for p in positions:
        words = p.split()
        if len(words) == 1 and len(p) <= 5:  # an abbreviation: cswo, c.s.w.o.
            parts.append(r"\.?\s?".join(re.escape(ch) for ch in p) + r"\.?")
        else:
            parts.append(r"\s+".join(re.escape(w) for w in words))
    return r"(?i)\b(?:" + "|".join(parts) + r")\b"


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:  # pandas Timestamp / NaT
        if value != value:  # NaT
            return None
        return dt.date(value.year, value.month, value.day)
    except AttributeError:
        return None


def _long(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _fails(check: CheckName, row: dict[str, Any], collection: Collection) -> bool:
    if check == CheckName.SECTIONS_COMPLETE:
        return any(row[f"req_{k}"] and row[f"n_{k}"] < 1 for k in collection.service_keys)
    if check == CheckName.SOMETHING_SAID:
        return bool(row["n_items"] < 1)
    if check == CheckName.SIGNED:
        return not row["signed"] or any(_missing(row[f]) for f in SIGN_OFF_FIELDS)
    if check == CheckName.RIGHT_SIGNATORY:
        rule = next((r for r in collection.sign_off if r.org_type == row["org_type"]), None)
        return rule is not None and re.search(signatory_regex(rule.positions), row["position_text"]) is None
    if check == CheckName.DATE_SANE:
        signed, received = _day(row["sign_date"]), _day(row["received_date"])
        return signed is None or signed < collection.published or (received is not None and signed > received)
    if check == CheckName.RECOMMENDATIONS_VALID:
        return any(n not in collection.recommendation_numbers for n in row["cited"])
    if check == CheckName.ON_TIME:
        received = _day(row["received_date"])
        return received is not None and received > collection.deadline
    raise ValueError(f"not a return check: {check}")


def _missing(value: Any) -> bool:
    return value is None or value == "" or value != value  # None, empty, NaN/NaT


def evaluate(rows: list[dict[str, Any]], collection: Collection) -> dict[int, list[CheckResult]]:
    """Every return check on every row, in plain Python: return_id -> results."""
    out: dict[int, list[CheckResult]] = {}
    for row in rows:
        results = []
        for check in RETURN_CHECKS:
            if check == CheckName.ORGANISATION_IDENTIFIED:
                continue
            failed = _fails(check, row, collection)
            results.append(CheckResult(check, Outcome.FAILED, reason(check, row, collection))
                           if failed else CheckResult(check, Outcome.PASSED))
        out[int(row["return_id"])] = results
    return out


def reason(check: CheckName, row: dict[str, Any], collection: Collection) -> str:
    """The failure in words an organisation can act on (what is wrong, how to put it right)."""
    if check == CheckName.SECTIONS_COMPLETE:
        empty = [collection.section(k) for k in collection.service_keys if row[f"req_{k}"] and row[f"n_{k}"] < 1]
        parts = [f"Section {s.number}, {s.title}, has no strengths or priorities, but your organisation "
                 f"provides {s.title.lower()} services" for s in empty]
        return "; ".join(parts) + ". Please add at least one strength or priority for change to " + (
            "that section" if len(empty) == 1 else "each of those sections") + " and send the return again."
    if check == CheckName.SOMETHING_SAID:
        return ("The return has no strengths, priorities for change or issues in any section. Please complete "
                "the sections for the services your organisation provides and send the return again.")
    if check == CheckName.SIGNED:
        missing = [_FIELD_WORDS[f] for f in SIGN_OFF_FIELDS if _missing(row[f])]
        if not row["signed"] and "signature" not in missing:
            missing.insert(0, "signature")
        missing = missing or ["signature"]
        listed = ", ".join(missing[:-1]) + (" or " if len(missing) > 1 else "") + missing[-1]
        return (f"The return is not signed off: it has no {listed}. Please sign the return, giving the name, "
                "position and date, and send it again.")
    if check == CheckName.RIGHT_SIGNATORY:
        rule = next(r for r in collection.sign_off if r.org_type == row["org_type"])
        who = f"by the {row['position']}" if row["position"] else "without the signatory's position"
        if row["position"] and row["position"].lower().startswith(("the ", "a ", "an ")):
            who = f"by {row['position']}"
        required = re.sub(r"^the ", "your ", rule.description)
        return (f"The return is signed {who}; it must be signed off by {required}. Please have "
                f"{required} sign it and send it again.")
    if check == CheckName.DATE_SANE:
        signed, received = _day(row["sign_date"]), _day(row["received_date"])
        if signed is None:
            return "The return's sign-off has no date. Please date the sign-off and send the return again."
        if signed < collection.published:
            return (f"The sign-off date, {_long(signed)}, is before the implementation plan was published on "
                    f"{_long(collection.published)}. Please check the date and send the return again.")
        when = _long(received) if received else "the day it arrived"
        return (f"The sign-off date, {_long(signed)}, is after the return was received on {when}. Please "
                "check the date and send the return again.")
    if check == CheckName.RECOMMENDATIONS_VALID:
        bad = [n for n in row["cited"] if n not in collection.recommendation_numbers]
        lo, hi = min(collection.recommendation_numbers), max(collection.recommendation_numbers)
        cites = ", ".join(str(n) for n in bad)
        return (f"The return cites recommendation {cites}, but Changing Lives has recommendations {lo} to {hi}. "
                "Please correct the recommendation numbers and send the return again.")
    if check == CheckName.ON_TIME:
        received = _day(row["received_date"])
        arrived = _long(received) if received else "after the deadline"
        return f"The return was received on {arrived}, after the deadline of {_long(collection.deadline)}."
    raise ValueError(f"not a return check: {check}")
