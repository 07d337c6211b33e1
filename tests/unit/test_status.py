"""Status as of any date (RETURN-FORM.md section 6), from facts: dates around the
deadline, arrivals either side of midnight in London, supersession, overrides, chases."""

from __future__ import annotations

import datetime as dt

from pipeline.status import ChaseFact, OverrideFact, ReturnFact, status_as_of
from schemas import load_collection
from schemas.checks import Problem
from schemas.register import RegisterEntry
from schemas.vocab import OrgType

COLLECTION = load_collection()
FIFE = RegisterEntry("fife", "Fife Council", ("Fife",), OrgType.LOCAL_AUTHORITY, ("children_families",),
                     "r@fife.example")
ANGUS = RegisterEntry("angus", "Angus Council", (), OrgType.LOCAL_AUTHORITY, ("children_families",), "r@angus.example")
REGISTER = [FIFE, ANGUS]


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def ret(rid: int, when: dt.datetime, *problems: Problem, org: str = "fife", version: int = 1) -> ReturnFact:
    return ReturnFact(rid, org, version, when, f"<{rid}@x>", tuple(problems))


def view(day: dt.date, returns: list[ReturnFact], overrides: list[OverrideFact] | None = None,
         chases: list[ChaseFact] | None = None) -> dict[str, dict[str, object]]:
    return {s.org_id: s.as_json(COLLECTION) for s in status_as_of(REGISTER, returns, overrides or [], chases or [],
                                                                  day, COLLECTION)}


def test_nothing_received_is_missing_and_late_only_once_the_deadline_day_has_ended() -> None:
    for day, late in [(dt.date(2006, 10, 30), False), (dt.date(2006, 10, 31), False), (dt.date(2006, 11, 1), True)]:
        assert view(day, [])["angus"] == {"org_id": "angus", "status": "missing", "problems": [], "late": late,
                                          "escalated": False, "current": None}


def test_an_accepted_return_on_time_is_never_late() -> None:
    returns = [ret(1, utc(2006, 10, 20, 9))]
    for day in (dt.date(2006, 10, 20), dt.date(2006, 11, 30)):
        assert view(day, returns)["fife"] == {
            "org_id": "fife", "status": "accepted", "problems": [], "late": False, "escalated": False,
            "current": {"version": 1, "received": "2006-10-20", "message_id": "<1@x>"}}
    assert view(dt.date(2006, 10, 19), returns)["fife"]["status"] == "missing"


def test_arrivals_either_side_of_midnight_on_the_deadline_day() -> None:
    # 31 October 2006 is GMT in London: 23:59:59 UTC is still the deadline day
    just_before = [ret(1, utc(2006, 10, 31, 23, 59, 59))]
    assert view(dt.date(2006, 10, 31), just_before)["fife"]["status"] == "accepted"
    assert view(dt.date(2006, 11, 1), just_before)["fife"]["late"] is False
    just_after = [ret(1, utc(2006, 11, 1, 0, 0, 1))]
    assert view(dt.date(2006, 10, 31), just_after)["fife"]["status"] == "missing"
    assert view(dt.date(2006, 11, 1), just_after)["fife"] == {
        "org_id": "fife", "status": "accepted", "problems": [], "late": True, "escalated": False,
        "current": {"version": 1, "received": "2006-11-01", "message_id": "<1@x>"}}


def test_london_summer_time_decides_the_day_not_utc() -> None:
    # 23:30 UTC on 20 October 2006 is 00:30 on the 21st in London (BST)
    returns = [ret(1, utc(2006, 10, 20, 23, 30))]
    assert view(dt.date(2006, 10, 20), returns)["fife"]["status"] == "missing"
    assert view(dt.date(2006, 10, 21), returns)["fife"]["current"] == {
        "version": 1, "received": "2006-10-21", "message_id": "<1@x>"}


def test_problems_in_table_order_status_is_the_first_and_a_defective_return_is_late_after_the_deadline() -> None:
    returns = [ret(1, utc(2006, 10, 20), Problem.INCOMPLETE, Problem.WRONG_SIGNATORY)]
    assert view(dt.date(2006, 10, 25), returns)["fife"]["status"] == "incomplete"
    after = view(dt.date(2006, 11, 2), returns)["fife"]
    assert (after["status"], after["problems"], after["late"]) == (
        "incomplete", ["incomplete", "wrong_signatory"], True)


def test_a_corrected_return_supersedes_from_the_day_it_arrived() -> None:
    returns = [ret(1, utc(2006, 10, 20), Problem.UNSIGNED), ret(2, utc(2006, 11, 3), version=2)]
    assert view(dt.date(2006, 11, 2), returns)["fife"]["status"] == "unsigned"
    on = view(dt.date(2006, 11, 3), returns)["fife"]
    assert (on["status"], on["late"], on["current"]) == (
        "accepted", True, {"version": 2, "received": "2006-11-03", "message_id": "<2@x>"})


def test_an_override_accepts_from_when_it_was_made_and_can_be_withdrawn() -> None:
    returns = [ret(1, utc(2006, 10, 20), Problem.WRONG_SIGNATORY)]
    overrides = [OverrideFact(1, True, utc(2006, 10, 26, 10), "J Hughes", "signed by the acting CSWO"),
                 OverrideFact(1, False, utc(2006, 10, 28, 10), "J Hughes", "acting CSWO not confirmed")]
    assert view(dt.date(2006, 10, 25), returns, overrides)["fife"]["status"] == "wrong_signatory"
    assert view(dt.date(2006, 10, 27), returns, overrides)["fife"]["status"] == "accepted"
    assert view(dt.date(2006, 10, 29), returns, overrides)["fife"]["status"] == "wrong_signatory"


def test_escalated_after_three_chases_dated_by_then_and_cleared_by_an_accepted_return() -> None:
    chases = [ChaseFact("angus", "reminder", dt.date(2006, 10, 24))] + [
        ChaseFact("angus", "chase", dt.date(2006, 11, d)) for d in (1, 8, 15)]
    assert view(dt.date(2006, 11, 14), [], chases=chases)["angus"]["escalated"] is False
    assert view(dt.date(2006, 11, 15), [], chases=chases)["angus"]["escalated"] is True
    late_return = [ret(9, utc(2006, 11, 16), org="angus")]
    assert view(dt.date(2006, 11, 16), late_return, chases=chases)["angus"]["escalated"] is False
