"""Item text, recommendation citations and UK dates: the small rules of section 4."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.interpret import vocabulary
from extractors.interpret.dates import parse_date
from extractors.interpret.fields import strip_stray_marks
from extractors.interpret.text import citations, item_text
from schemas.collection import load_collection


@pytest.mark.parametrize(
    ("written", "numbers"),
    [
        ("Improve supervision (R6, R10).", (6, 10)),
        ("Increase uptake (R2/R3).", (2, 3)),
        ("Rec 11 - National work on outcome measures", (11,)),
        ("kinship care. - R2", (2,)),
        ("very complex needs. [4]", (4,)),
        ("See recommendations 4 and 5.", (4, 5)),
        ("where uptake remains very low (Recs 1, 2).", (1, 2)),
        ("volunteer numbers have grown (Rec. 3)", (3,)),
        ("Relates to Recommendation 8.", (8,)),
        ("alternative to custody (1, 3).", (1, 3)),
        ("linked to it have reduced (5).", (5,)),
        ("covering R1-R3 together", (1, 2, 3)),
        ("an invalid citation R14", (14,)),
        ("every new worker completing a 12-week induction programme.", ()),
        ("over 95% of cases in 2006 (2006)", ()),
        ("Recommendation no. 4", (4,)),
    ],
)
def test_citations_in_every_written_form_become_sorted_numbers(written: str, numbers: tuple[int, ...]) -> None:
    assert citations(written) == numbers


@pytest.mark.parametrize(
    ("written", "text"),
    [
        ("* Develop services", "Develop services"),
        ("1. We provide care", "We provide care"),
        ("(a) Joint working", "Joint working"),
        ("ii) Review charging", "Review charging"),
        ("•\tReduce waiting", "Reduce waiting"),
        ("– Rec 2 national work", "Rec 2 national work"),
        ("(R2, R4) Local Area Co-ordinators", "(R2, R4) Local Area Co-ordinators"),
        ("12-week induction for all", "12-week induction for all"),
        ("Improve the quality\nof supervision  ", "Improve the quality of supervision"),
    ],
)
def test_bullets_and_numbering_are_removed_but_text_is_kept(written: str, text: str) -> None:
    assert item_text(written) == text


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("20/10/2006", "2006-10-20"),
        ("20.10.06", "2006-10-20"),
        ("20 October 2006", "2006-10-20"),
        ("20th Oct 2006", "2006-10-20"),
        ("29/8/06", "2006-08-29"),
        ("10-11-2006", "2006-11-10"),
        ("1st of September 2006", "2006-09-01"),
        ("Sept. 5, 2006", "2006-09-05"),
        ("2006-10-20", "2006-10-20"),
    ],
)
def test_uk_dates_are_read_day_first(written: str, iso: str) -> None:
    assert parse_date(written) == dt.date.fromisoformat(iso)


@pytest.mark.parametrize("written", ["31/02/2006", "n/a", "", "October"])
def test_impossible_or_missing_dates_are_none(written: str) -> None:
    assert parse_date(written) is None


def test_strip_stray_marks_trims_ocr_marks_at_the_ends_only() -> None:
    assert strip_stray_marks("Catriona Drummond.") == "Catriona Drummond"
    assert strip_stray_marks("‘Head of Social Work") == "Head of Social Work"
    assert strip_stray_marks("Director:") == "Director"
    assert strip_stray_marks("Chief Executive, ") == "Chief Executive"
    assert strip_stray_marks("J. Smith") == "J. Smith"
    assert strip_stray_marks("Smith J.") == "Smith J."
    assert strip_stray_marks("O'Neil") == "O'Neil"
    assert strip_stray_marks(" . ") is None
    assert strip_stray_marks(None) is None


def test_template_check_is_fuzzy_for_ocr_only() -> None:
    vocab = vocabulary(load_collection())
    misread = "Issues you would like the national change y.vy:cnnues to address"

    assert vocab.is_template(misread, ocr=True) is True
    assert vocab.is_template(misread) is False
    assert vocab.is_template("Issues you would like the national change programmes to address") is True
    answer = "Support for small voluntary organisations to take part in the change programmes."
    assert vocab.is_template(answer, ocr=True) is False
    assert vocab.is_template("Issues national change y.vy:cnnues", ocr=True) is False  # under 6 words
    assert vocab.fuzzy_template("issues you would like the national change yvycnnues to address") is True


@pytest.mark.parametrize(
    ("run_together", "items"),
    [
        ("Social enquiry reports are on time. Links to R3 and R5. Preparation for MAPPA is well advanced (R4).",
         ["Social enquiry reports are on time. Links to R3 and R5.", "Preparation for MAPPA is well advanced (R4)."]),
        ("Care at home for 350 people (1, 3). Home care charges were reviewed.",
         ["Care at home for 350 people (1, 3).", "Home care charges were reviewed."]),
        ("(R2, R4) Local Area Co-ordinators are in place.", ["(R2, R4) Local Area Co-ordinators are in place."]),
        ("Rec 11 - National work on outcome measures.", ["Rec 11 - National work on outcome measures."]),
        ("Our staff (R8). We plan more.", ["Our staff (R8). We plan more."]),
    ],
)
def test_a_closing_citation_before_a_new_sentence_ends_an_item(run_together: str, items: list[str]) -> None:
    from extractors.interpret.text import split_after_citations

    assert split_after_citations(run_together) == items
