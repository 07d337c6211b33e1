"""The checks of RETURN-FORM.md section 5: each with a passing and a failing return,
every failure recorded (not only the first), reasons in words; Great Expectations and
the plain-Python rules agree on a large random batch."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from pipeline.checks import CheckInput, run_checks
from schemas import BoxedSection, Item, ItemsSection, Organisation, Return, SignOff, Source, load_collection
from schemas.checks import CheckName, Outcome, Problem, problems_of

COLLECTION = load_collection()


def a_return(*, org_type: str = "local_authority", cf: int = 1, cc: int = 1, cj: int = 1, ws: int = 0,
             signed: bool = True, name: str | None = "J. Smith", position: str | None = "Chief Social Work Officer",
             date: dt.date | None = dt.date(2006, 10, 20), cites: tuple[int, ...] = (1, 3)) -> Return:
    def box(n: int) -> BoxedSection:
        return BoxedSection(strengths=tuple(Item(text=f"Strength {i}", recommendations=cites) for i in range(n)))

    return Return(
        collection="changing-lives-2006",
        organisation=Organisation(name="Fife Council", type=org_type),
        services=("children_families", "community_care", "criminal_justice"),
        sections={"children_families": box(cf), "community_care": box(cc), "criminal_justice": box(cj),
                  "whole_service": box(ws), "national_priorities": ItemsSection()},
        sign_off=SignOff(signed=signed, name=name, position=position, date=date),
        source=Source(filename="r.docx", media_type="application/pdf"),
    )


def check_input(record: Return, *, rid: int = 1, org_type: str = "local_authority",
                services: tuple[str, ...] = ("children_families", "community_care", "criminal_justice"),
                received: dt.datetime = dt.datetime(2006, 10, 25, 12, 0, tzinfo=dt.UTC)) -> CheckInput:
    return CheckInput(rid, "fife", org_type, services, record, received)


def failures(inp: CheckInput, engine: str = "gx") -> dict[CheckName, str | None]:
    results = run_checks([inp], COLLECTION, engine=engine)[inp.return_id]
    assert [r.check for r in results] == [
        CheckName.SECTIONS_COMPLETE, CheckName.SOMETHING_SAID, CheckName.SIGNED, CheckName.RIGHT_SIGNATORY,
        CheckName.DATE_SANE, CheckName.RECOMMENDATIONS_VALID, CheckName.ON_TIME]
    return {r.check: r.reason for r in results if r.outcome == Outcome.FAILED}


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_a_complete_signed_timely_return_passes_every_check(engine: str) -> None:
    assert failures(check_input(a_return()), engine) == {}


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_an_empty_required_section_is_incomplete_and_named(engine: str) -> None:
    got = failures(check_input(a_return(cj=0)), engine)
    assert got == {CheckName.SECTIONS_COMPLETE: (
        "Section 3, Criminal justice, has no strengths or priorities, but your organisation provides criminal "
        "justice services. Please add at least one strength or priority for change to that section and send "
        "the return again.")}


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_required_sections_come_from_the_register_not_part_a(engine: str) -> None:
    # the register says community care only: empty sections 1 and 3 are fine
    inp = check_input(a_return(cf=0, cj=0), services=("community_care",))
    assert failures(inp, engine) == {}
    # the register is silent: Part A's ticks (all three) decide
    assert set(failures(check_input(a_return(cf=0), services=()), engine)) == {CheckName.SECTIONS_COMPLETE}


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_every_failure_is_recorded_not_only_the_first(engine: str) -> None:
    record = a_return(cf=0, cc=0, cj=0, ws=0, signed=False, name=None, position="Head of Finance",
                      date=dt.date(2006, 5, 1), cites=())
    got = failures(check_input(record, received=dt.datetime(2006, 11, 2, 9, 0, tzinfo=dt.UTC)), engine)
    assert set(got) == {CheckName.SECTIONS_COMPLETE, CheckName.SOMETHING_SAID, CheckName.SIGNED,
                        CheckName.RIGHT_SIGNATORY, CheckName.DATE_SANE, CheckName.ON_TIME}
    assert got[CheckName.SIGNED] == ("The return is not signed off: it has no signature or printed name. Please "
                                     "sign the return, giving the name, position and date, and send it again.")
    assert got[CheckName.RIGHT_SIGNATORY] == (
        "The return is signed by the Head of Finance; it must be signed off by your Chief Social Work Officer. "
        "Please have your Chief Social Work Officer sign it and send it again.")
    assert got[CheckName.DATE_SANE] == (
        "The sign-off date, 1 May 2006, is before the implementation plan was published on 27 June 2006. "
        "Please check the date and send the return again.")
    assert got[CheckName.ON_TIME] == (
        "The return was received on 2 November 2006, after the deadline of 31 October 2006.")
    results = run_checks([check_input(record)], COLLECTION, engine=engine)[1]
    assert problems_of(results) == [Problem.INCOMPLETE, Problem.UNSIGNED, Problem.WRONG_SIGNATORY, Problem.BAD_DATE]


@pytest.mark.parametrize("engine", ["gx", "plain"])
@pytest.mark.parametrize(("org_type", "position", "ok"), [
    ("local_authority", "Chief Social Work Officer", True),
    ("local_authority", "CSWO", True),
    ("local_authority", "Director of Social Work and Chief Social Work Officer", True),
    ("local_authority", "Director of Social Work", False),
    ("voluntary", "Chief Executive", True),
    ("voluntary", "Managing Director", True),
    ("private", "Director of Services", True),
    ("private", "Chief Officer", True),
    ("private", "Service Manager", False),
    ("voluntary", "Head of Finance", False),
])
def test_right_signatory_by_organisation_type(engine: str, org_type: str, position: str, ok: bool) -> None:
    got = failures(check_input(a_return(org_type=org_type, position=position), org_type=org_type), engine)
    assert (CheckName.RIGHT_SIGNATORY not in got) is ok


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_a_missing_position_or_date_fails_its_checks_never_guessed(engine: str) -> None:
    assert set(failures(check_input(a_return(position=None)), engine)) == {CheckName.SIGNED, CheckName.RIGHT_SIGNATORY}
    assert set(failures(check_input(a_return(date=None)), engine)) == {CheckName.SIGNED, CheckName.DATE_SANE}


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_sign_off_date_after_the_received_day_is_bad(engine: str) -> None:
    late_signed = a_return(date=dt.date(2006, 10, 26))
    got = failures(check_input(late_signed, received=dt.datetime(2006, 10, 25, 23, 30, tzinfo=dt.UTC)), engine)
    # 23:30 UTC on 25 October is 00:30 on the 26th in London (BST): signed the day it arrived
    assert got == {}
    got = failures(check_input(late_signed, received=dt.datetime(2006, 10, 25, 22, 30, tzinfo=dt.UTC)), engine)
    assert got == {CheckName.DATE_SANE: (
        "The sign-off date, 26 October 2006, is after the return was received on 25 October 2006. "
        "Please check the date and send the return again.")}


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_recommendation_numbers_outside_1_to_13_are_bad_references(engine: str) -> None:
    got = failures(check_input(a_return(cites=(0, 14))), engine)
    assert got == {CheckName.RECOMMENDATIONS_VALID: (
        "The return cites recommendation 0, 14, but Changing Lives has recommendations 1 to 13. "
        "Please correct the recommendation numbers and send the return again.")}


@pytest.mark.parametrize("engine", ["gx", "plain"])
def test_on_time_is_the_end_of_the_deadline_day_in_london(engine: str) -> None:
    # 31 October 2006 is GMT: 23:59 UTC is still the deadline day, 00:01 on 1 November is not
    assert failures(check_input(a_return(), received=dt.datetime(2006, 10, 31, 23, 59, tzinfo=dt.UTC)), engine) == {}
    got = failures(check_input(a_return(), received=dt.datetime(2006, 11, 1, 0, 1, tzinfo=dt.UTC)), engine)
    assert set(got) == {CheckName.ON_TIME}


def test_gx_and_plain_rules_agree_on_a_large_random_batch() -> None:
    rng = random.Random(7)
    positions = [None, "Chief Social Work Officer", "CSWO", "Director", "Head of Finance", "Chief Executive",
                 "Service Manager", "c.s.w.o."]
    inputs = []
    for rid in range(1, 301):
        org_type = rng.choice(["local_authority", "voluntary", "private"])
        record = a_return(
            org_type=org_type, cf=rng.choice([0, 1, 2]), cc=rng.choice([0, 1]), cj=rng.choice([0, 1]),
            ws=rng.choice([0, 1]), signed=rng.random() > 0.1, name=rng.choice([None, "A Person", "B Person"]),
            position=rng.choice(positions),
            date=rng.choice([None, dt.date(2006, 5, 1), dt.date(2006, 10, 20), dt.date(2006, 11, 30)]),
            cites=rng.choice([(), (1,), (3, 13), (0,), (14,), (2, 20)]))
        services = tuple(k for k in ("children_families", "community_care", "criminal_justice") if rng.random() > 0.4)
        received = dt.datetime(2006, 10, 1, tzinfo=dt.UTC) + dt.timedelta(hours=rng.randrange(0, 24 * 60))
        inputs.append(check_input(record, rid=rid, org_type=org_type, services=services, received=received))
    gx = run_checks(inputs, COLLECTION, engine="gx")
    plain = run_checks(inputs, COLLECTION, engine="plain")
    assert gx == plain
    assert sum(r.failed for results in gx.values() for r in results) > 300  # the batch exercises every rule
