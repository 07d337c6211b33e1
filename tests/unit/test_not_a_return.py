"""A return is a return: a document is read as one only when it carries the form's structure.

Public documents that are not returns (a council's minutes, a school district's report,
a letter) are built here in Word and PDF. They have numbered headings, "Strengths" and
"Priorities" headings and a first heading that reads like an organisation's name, but
not the return's sections backed by Part A, a sign-off or the form's name, so they are
refused with NotAReturn and a reason in words. Returns with the least structure a real
one has (one section and a sign-off; one section in a letter that names the form) are
still read.
"""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import SimpleDocTemplate

from core.errors import NotAReturn
from extractors import ExtractContext, extract
from tests.factories.forms import freeform_docx

SECTIONS = ("Children and families, Community care, Criminal justice, Social work services as a whole, "
            "Priority issues for the national change programmes")
NO_SECTIONS = f"not a self assessment return: it does not have the return's sections ({SECTIONS})"

Lines = list[tuple[str, str | None]]  # (text, Word style) as for freeform_docx

MINUTES: Lines = [
    ("Commune de Saint-Aubin-sur-Mer", "Title"),
    ("Conseil municipal - procès-verbal de la séance du 14 mars 2019", None),
    ("Présents : M. Dupont (maire), Mme Martin, M. Leroy, Mme Petit", None),
    ("1. Approbation du procès-verbal", "Heading 1"),
    ("Le procès-verbal de la séance précédente est approuvé à l'unanimité.", None),
    ("2. Budget primitif 2019", "Heading 1"),
    ("Strengths", "Heading 2"),
    ("The commune's finances are sound and its debt is falling.", None),
    ("Priorities", "Heading 2"),
    ("Renovate the school canteen.", None),
    ("Repair the church roof before winter.", None),
    ("3. Questions diverses", "Heading 1"),
    ("La séance est levée à 22h15.", None),
    ("Date: 14 March 2019", None),
]

SCHOOL_REPORT: Lines = [
    ("Riverside Unified School District", "Heading 1"),
    ("Annual Report to the Community 2018-19", None),
    ("1. Student achievement", "Heading 1"),
    ("Graduation rates rose to 91 percent.", None),
    ("2. Family and community engagement", "Heading 1"),
    ("Key strengths", "Heading 2"),
    ("Parent volunteers gave 12,000 hours.", None),
    ("Priorities for improvement", "Heading 2"),
    ("Expand after-school programs to every campus.", None),
    ("4. Workforce and leadership", "Heading 1"),
    ("Teacher retention improved for the third year running.", None),
    ("5. Priority issues", "Heading 1"),
    ("The state funding formula.", None),
]

LETTER: Lines = [
    ("Highland Carers Network", None),
    ("Tel: 01463 000000", None),
    ("Email: office@highland-carers.example", None),
    ("3 October 2006", None),
    ("Dear Sir or Madam", None),
    ("Community care", None),
    ("Thank you for your letter about our contract.", None),
    ("Our priorities for change this year are recruiting staff and opening a new centre.", None),
    ("Yours sincerely", None),
    ("Ann Brown", None),
    ("Chief Executive", None),
]


def pdf(lines: Lines) -> bytes:
    """The same document printed to PDF: Word heading styles become larger bold type."""
    styles = getSampleStyleSheet()
    style_for = {"Title": styles["Title"], "Heading 1": styles["Heading1"], "Heading 2": styles["Heading2"]}
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(
        [RLParagraph(text.replace("&", "&amp;"), style_for.get(style or "", styles["BodyText"]))
         for text, style in lines])
    return out.getvalue()


def build(lines: Lines, fmt: str) -> bytes:
    return freeform_docx(lines) if fmt == "docx" else pdf(lines)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_council_minutes_with_strengths_and_priorities_are_not_a_return(fmt: str) -> None:
    with pytest.raises(NotAReturn) as refused:
        extract(build(MINUTES, fmt), ExtractContext.build(f"minutes.{fmt}"))
    assert str(refused.value) == f"minutes.{fmt}: {NO_SECTIONS}"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_school_district_report_whose_first_heading_reads_as_a_name_is_not_a_return(fmt: str) -> None:
    # "4. Workforce and leadership" and "5. Priority issues" are headings the return also
    # uses, but two generic headings with nothing of Part A or a sign-off are no return.
    with pytest.raises(NotAReturn) as refused:
        extract(build(SCHOOL_REPORT, fmt), ExtractContext.build(f"report.{fmt}"))
    assert str(refused.value) == (
        f"report.{fmt}: {NO_SECTIONS}; the only headings like them are for Social work services as a whole "
        "and Priority issues for the national change programmes, with no Part A, sign-off or table of "
        "strengths and priorities")


def test_a_letter_that_mentions_a_service_is_not_a_return() -> None:
    with pytest.raises(NotAReturn) as refused:
        extract(freeform_docx(LETTER), ExtractContext.build("letter.docx"))
    assert str(refused.value) == (
        f"letter.docx: this is a letter (a covering letter?), not a self assessment return: it does not have "
        f"the return's sections ({SECTIONS}); the only headings like them are for Community care, with no "
        "Part A, sign-off or table of strengths and priorities")


def test_title_and_date_lines_are_no_sign_off() -> None:
    # A sign-off is "Signature" and one more label, or three of Name, Position and Date.
    lines: Lines = [("Section 2 - Community care", "Heading 1"), ("Strengths", "Heading 2"),
                    ("Day centre open daily.", None), ("Title: Day centres update", None),
                    ("Date: 20/10/2006", None)]
    with pytest.raises(NotAReturn, match="the only headings like them are for Community care"):
        extract(freeform_docx(lines))


# -- the least structure a return has: still read ------------------------------------


def test_one_section_with_a_sign_off_is_a_return() -> None:
    record = extract(freeform_docx([
        ("Lomond Family Trust", None),
        ("Community care", "Heading 1"),
        ("Strengths", "Heading 2"),
        ("Day centre open seven days a week.", None),
        ("Signed: A Brown", None), ("Position: Chief Executive", None), ("Date: 20/10/2006", None),
    ]))
    assert record.organisation.name == "Lomond Family Trust"
    assert [i.text for i in record.sections["community_care"].strengths] == ["Day centre open seven days a week."]


def test_one_section_in_a_letter_that_names_the_form_is_a_return() -> None:
    record = extract(freeform_docx([
        ("Highland Carers Network", None),
        ("Dear Ms Hughes", None),
        ("Changing Lives - Self Assessment Return", None),
        ("Community care", "Heading 1"),
        ("Priorities for change", "Heading 2"),
        ("Recruit staff in Skye (R7).", None),
        ("Yours sincerely", None), ("Ann Brown", None), ("Chief Executive", None),
    ]))
    assert [(i.text, i.recommendations) for i in record.sections["community_care"].priorities] == [
        ("Recruit staff in Skye (R7).", (7,))]
    assert (record.sign_off.name, record.sign_off.position) == ("Ann Brown", "Chief Executive")


def test_two_sections_with_part_a_in_pdf_are_a_return() -> None:
    record = extract(pdf([
        ("Name of organisation: Clyde Carers Alliance", None),
        ("Community care", "Heading 1"),
        ("Strengths", "Heading 2"),
        ("Carers' centre open daily.", None),
        ("Social work services as a whole", "Heading 1"),
        ("Priorities for change", "Heading 2"),
        ("Supervision for every worker (R8).", None),
    ]))
    assert record.organisation.name == "Clyde Carers Alliance"
    assert record.item_count() == 2
