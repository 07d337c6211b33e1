"""Whose return is it: the register match, never a guess."""

from __future__ import annotations

import pytest

from core.paths import BUNDLED_REGISTER
from pipeline.organisations import Matcher
from schemas.register import read_register

MATCHER = Matcher(read_register(BUNDLED_REGISTER))


@pytest.mark.parametrize(
    ("written", "org_id"),
    [
        ("Fife Council", "fife"),
        ("FIFE", "fife"),
        ("Western Isles Council", "eilean-siar"),
        ("Comhairle nan Eilean Siar", "eilean-siar"),
        ("Argyll & Bute Council", "argyll-bute"),
        ("The City of Edinburgh Council", "edinburgh"),
        ("Lomond Family Trust", "lomond-family-trust"),
        ("Tay Care Partnership Limited", "tay-care-partnership"),
        ("Forth Valey Advocacy Network", "forth-valley-advocacy"),  # a small misspelling
        ("Clackmananshire Council", "clackmannanshire"),
    ],
)
def test_names_and_variants_match_one_register_entry(written: str, org_id: str) -> None:
    match = MATCHER.match(written, None)
    assert (match.org_id, match.by) == (org_id, "name")


@pytest.mark.parametrize("written", ["Kingdom Care Collective", "Scottish Council", "Lothian"])
def test_unknown_or_ambiguous_names_are_held_for_a_person(written: str) -> None:
    assert MATCHER.match(written, "someone@mail.example").org_id is None


def test_the_sender_address_names_the_organisation_when_the_form_does_not() -> None:
    match = MATCHER.match(None, "Someone@Fife.Council.Example")
    assert (match.org_id, match.by) == ("fife", "sender")


def test_a_name_and_a_sender_that_disagree_are_never_guessed() -> None:
    match = MATCHER.match("Fife Council", "cswo.office@angus.council.example")
    assert (match.org_id, match.by) == (None, "conflict")
    assert match.reason == ('the name "Fife Council" is on the register, but the sender '
                            "cswo.office@angus.council.example is from Angus Council: a person must decide")


def test_name_and_sender_agreeing_is_recorded_as_both() -> None:
    assert MATCHER.match("Angus Council", "cswo.office@angus.council.example").by == "name+sender"
