"""Word returns built in code -> canonical records. One behaviour per test."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx.shared import Inches
from PIL import Image

from core.errors import NotAReturn
from extractors import ExtractContext, extract
from extractors.detect import DOCM, sniff
from tests.factories.forms import (
    FormFiller,
    block_sdt,
    dele,
    freeform_docx,
    inline_sdt,
    ins,
    legacy_checkbox,
    p_xml,
    r,
    replace_cell_xml,
    textbox,
)


def texts(record, section: str, box: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.text for i in getattr(record.sections[section], box)]


def filled() -> FormFiller:
    return (
        FormFiller()
        .part_a("Fife Council", "Local authority", "☒ Children and families   ☐ Community care   ☒ Criminal justice",
                "A. Person", "a.person@fife.example", "01592 000000")
        .sign("J. Smith", "J. Smith", "Chief Social Work Officer", "20/10/2006")
    )


def test_official_form_filled_in_word_gives_the_canonical_record() -> None:
    data = (
        filled()
        .strengths("children_families", ["Integrated assessment with health visitors is routine (R1, R3)."])
        .priorities("children_families", ["Reduce waiting times for assessment (R3)."])
        .national(["A national approach to kinship care."])
        .bytes()
    )
    record = extract(data, ExtractContext.build("fife.docx"))
    assert record.model_dump(mode="json") == {
        "collection": "changing-lives-2006",
        "organisation": {"name": "Fife Council", "type": "local_authority"},
        "contact": {"name": "A. Person", "email": "a.person@fife.example", "phone": "01592 000000"},
        "services": ["children_families", "criminal_justice"],
        "sections": {
            "children_families": {
                "strengths": [{"text": "Integrated assessment with health visitors is routine (R1, R3).",
                               "recommendations": [1, 3]}],
                "priorities": [{"text": "Reduce waiting times for assessment (R3).", "recommendations": [3]}],
            },
            "community_care": {"strengths": [], "priorities": []},
            "criminal_justice": {"strengths": [], "priorities": []},
            "whole_service": {"strengths": [], "priorities": []},
            "national_priorities": {"items": [{"text": "A national approach to kinship care.", "recommendations": []}]},
        },
        "sign_off": {"signed": True, "name": "J. Smith", "position": "Chief Social Work Officer", "date": "2006-10-20"},
        "source": {"filename": "fife.docx",
                   "media_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   "pages": None, "ocr": False},
    }


def test_list_styles_text_bullets_and_soft_line_breaks_make_one_item_each() -> None:
    data = (
        filled()
        .strengths("community_care", ["Re-ablement for everyone\nleaving hospital.", "Rapid response team."],
                   "List Bullet")
        .priorities("community_care", ["* Review charging.", "", "* Develop dementia\nservices (R1)."])
        .priorities("whole_service", ["Recruit in rural areas.", "Train supervisors."], "List Number")
        .bytes()
    )
    record = extract(data)
    assert texts(record, "community_care", "strengths") == ["Re-ablement for everyone leaving hospital.",
                                                            "Rapid response team."]
    assert texts(record, "community_care", "priorities") == ["Review charging.", "Develop dementia services (R1)."]
    assert texts(record, "whole_service", "priorities") == ["Recruit in rural areas.", "Train supervisors."]


def test_na_none_dash_and_untouched_guidance_hold_no_items() -> None:
    data = (
        filled()
        .strengths("children_families", ["N/A"]).priorities("children_families", ["Not applicable"])
        .strengths("community_care", ["None"]).priorities("community_care", ["-"])
        .strengths("whole_service", ["Staff turnover is low."])
        .bytes()
    )
    record = extract(data)  # criminal justice and section 5 keep the template's "Type here..." text
    assert record.item_count() == 1
    assert texts(record, "whole_service", "strengths") == ["Staff turnover is low."]


def test_text_inside_inline_and_block_content_controls_is_read() -> None:
    form = filled()
    replace_cell_xml(form.cell(0, 0, 1), p_xml(inline_sdt("Clyde Carers Alliance")))
    replace_cell_xml(
        form.cell(2, 1, 0),
        block_sdt(p_xml(r("Carers' centre open seven days ") + inline_sdt("a week (R2)."))
                  + p_xml(inline_sdt("Short breaks doubled."))),
    )
    record = extract(form.bytes())
    assert record.organisation.name == "Clyde Carers Alliance"
    assert texts(record, "community_care", "strengths") == ["Carers' centre open seven days a week (R2).",
                                                            "Short breaks doubled."]


def test_tracked_changes_read_as_if_accepted() -> None:
    form = filled()
    replace_cell_xml(
        form.cell(1, 1, 1),
        p_xml(r("Reduce ") + dele("delays ") + ins("waiting times ") + r("for assessment."))
        + p_xml(dele("A deleted priority.")),
    )
    record = extract(form.bytes())
    assert texts(record, "children_families", "priorities") == ["Reduce waiting times for assessment."]


def test_text_box_content_is_read_once() -> None:
    form = filled()
    replace_cell_xml(form.cell(3, 1, 0), p_xml(textbox(p_xml(r("Throughcare begins before release.")))))
    record = extract(form.bytes())
    assert texts(record, "criminal_justice", "strengths") == ["Throughcare begins before release."]


def test_legacy_check_box_fields_give_the_services_ticked() -> None:
    form = filled()
    replace_cell_xml(
        form.cell(0, 2, 1),
        p_xml(legacy_checkbox(False) + r(" Children and families  ") + legacy_checkbox(True)
              + r(" Community care  ") + legacy_checkbox(True) + r(" Criminal justice")),
    )
    assert extract(form.bytes()).services == ("community_care", "criminal_justice")


def test_services_are_the_sections_with_items_when_part_a_is_silent() -> None:
    data = (
        FormFiller()
        .part_a("Tay Care Partnership Ltd", "Private sector",
                "☐ Children and families   ☐ Community care   ☐ Criminal justice")
        .strengths("community_care", ["Care at home for 350 people."])
        .strengths("whole_service", ["Low staff turnover."])
        .sign("/s/ P Forbes", "P Forbes", "Managing Director", "21 September 2006")
        .bytes()
    )
    record = extract(data)
    assert record.services == ("community_care",)
    assert record.organisation.type == "private"
    assert record.sign_off.signed is True
    assert record.sign_off.date == dt.date(2006, 9, 21)


def test_signature_image_in_the_signature_box_counts_as_signed() -> None:
    form = filled().sign("", "Moira Robertson", "Director", "30 September 2006")
    png = io.BytesIO()
    Image.new("RGB", (120, 40), "white").save(png, "PNG")
    png.seek(0)
    form.cell(6, 0, 1).paragraphs[0].add_run().add_picture(png, width=Inches(1.2))
    form.strengths("community_care", ["Advocacy for 200 people."])
    record = extract(form.bytes())
    assert record.sign_off.signed is True
    assert record.sign_off.name == "Moira Robertson"


def test_blank_signature_box_is_not_signed_and_missing_position_is_null() -> None:
    data = filled().sign("", "Moira Robertson", "", "30/09/2006").strengths("community_care", ["x y z."]).bytes()
    sign_off = extract(data).sign_off
    assert (sign_off.signed, sign_off.name, sign_off.position) == (False, "Moira Robertson", None)


def test_freeform_letter_under_the_form_headings() -> None:
    data = freeform_docx([
        ("SOLWAY RESIDENTIAL CARE LTD", None),
        ("Kirkgate House, 3 Kirkgate\nPerth PH1 5XX", None),
        ("10-11-2006", None),
        ("Dear Jane", None),
        ("Please find our self assessment return below.", None),
        ("Section 2 - Community Care", "Heading 1"),
        ("Areas of strength", "Heading 2"),
        ("- Crisis service seven days a week.", None),
        ("Areas for development", "Heading 2"),
        ("- Record outcomes in support plans (R11).", None),
        ("5. Priority issues for the national change programmes", None),
        ("- Funding of kinship care.", None),
        ("Signed: E Stewart", None),
        ("Name: E Stewart", None),
        ("Title: Managing Director", None),
        ("Date: 10-11-2006", None),
    ])
    record = extract(data)
    assert record.organisation.name == "Solway Residential Care Ltd"
    assert record.organisation.type is None
    assert record.contact.name is None
    assert texts(record, "community_care", "strengths") == ["Crisis service seven days a week."]
    assert [(i.text, i.recommendations) for i in record.sections["community_care"].priorities] == [
        ("Record outcomes in support plans (R11).", (11,))]
    assert [i.text for i in record.sections["national_priorities"].items] == ["Funding of kinship care."]
    assert record.services == ("community_care",)
    assert record.sign_off.model_dump() == {"signed": True, "name": "E Stewart", "position": "Managing Director",
                                            "date": dt.date(2006, 11, 10)}


def test_covering_letter_is_recognised_as_not_a_return() -> None:
    data = freeform_docx([
        ("Fife Council", None), ("Dear Jane", None),
        ("Changing Lives - Self Assessment Return (Annex C)", None),
        ("Please find attached our self assessment return. Our community care and criminal justice "
         "teams contributed to it.", None),
        ("Yours sincerely", None), ("Margaret Kennedy", None),
    ])
    with pytest.raises(NotAReturn, match="covering letter"):
        extract(data, ExtractContext.build("letter.docx"))


def test_blank_official_form_is_recognised_as_not_a_return() -> None:
    with pytest.raises(NotAReturn, match="blank return form"):
        extract(FormFiller().bytes(), ExtractContext.build("blank.docx"))


def test_macro_enabled_document_is_read_without_running_macros() -> None:
    data = filled().strengths("children_families", ["Family group conferencing everywhere."]).bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    b"application/vnd.ms-word.document.macroEnabled.main+xml")
            dst.writestr(item, content)
        dst.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real macro project")
    assert sniff(out.getvalue(), "return.docm") == DOCM
    record = extract(out.getvalue(), ExtractContext.build("return.docm"))
    assert record.source.media_type == DOCM
    assert texts(record, "children_families", "strengths") == ["Family group conferencing everywhere."]


def _docx(build) -> bytes:  # type: ignore[no-untyped-def]
    import docx

    doc = docx.Document()
    build(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_matrix_layout_with_a_section_per_row_is_read() -> None:
    def build(doc) -> None:  # type: ignore[no-untyped-def]
        doc.add_paragraph("Name of organisation: Orkney Islands Council")
        table = doc.add_table(rows=3, cols=3)
        for i, row in enumerate([("Section", "Strengths", "Priorities for change"),
                                 ("Children and families", "Family centres on every island (R2).", "N/A"),
                                 ("Criminal justice", "Throughcare plans for all.", "Women offenders service (R1).")]):
            for c, text in enumerate(row):
                table.cell(i, c).text = text

    record = extract(_docx(build))
    assert [(k, texts(record, k, "strengths"), texts(record, k, "priorities"))
            for k in ("children_families", "community_care", "criminal_justice")] == [
        ("children_families", ["Family centres on every island (R2)."], []),
        ("community_care", [], []),
        ("criminal_justice", ["Throughcare plans for all."], ["Women offenders service (R1)."]),
    ]
    assert record.services == ("children_families", "criminal_justice")


def test_vertical_layout_with_box_labels_in_the_first_column_is_read() -> None:
    def build(doc) -> None:  # type: ignore[no-untyped-def]
        doc.add_paragraph("Name of organisation: Clyde Carers Alliance")
        doc.add_paragraph("Section 2: Community care", style="Heading 1")
        table = doc.add_table(rows=2, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "Strengths", "Carers centre open daily."
        table.cell(1, 0).text, table.cell(1, 1).text = "Priorities for change", "Short breaks (R2)."

    record = extract(_docx(build))
    assert (texts(record, "community_care", "strengths"), texts(record, "community_care", "priorities")) == (
        ["Carers centre open daily."], ["Short breaks (R2)."])


def test_part_a_as_one_row_per_service_with_yes_or_no() -> None:
    form = filled()
    table = form.doc.add_table(rows=3, cols=2)
    for i, (service, answer) in enumerate([("Children and families", "No"), ("Community care", "Yes"),
                                           ("Criminal justice", "X")]):
        table.cell(i, 0).text, table.cell(i, 1).text = service, answer
    form.tables[0]._tbl.addnext(table._tbl)  # right after Part A, before the sections
    form.part_a("Fife Council", "Local authority", "")
    form.strengths("community_care", ["Joint working."])
    assert extract(form.bytes()).services == ("community_care", "criminal_justice")


def test_a_word_paragraph_is_never_joined_to_the_one_before() -> None:
    # Word marks where each paragraph ends: one starting in lower case, one after a
    # bullet with no full stop, or one holding only a citation is still its own item.
    data = (
        filled()
        .strengths("children_families", ["Kinship carers are supported (R2).", "iPads for every social worker (R8).",
                                         "e-learning for all staff."])
        .priorities("children_families", ["Family centres open at weekends", "(R3)"])
        .strengths("criminal_justice", ["Throughcare begins before release"], "List Bullet")
        .priorities("criminal_justice", ["Unpaid work starts within a week", "and is supervised locally."],
                    "List Bullet")
        .bytes()
    )
    record = extract(data)
    assert texts(record, "children_families", "strengths") == [
        "Kinship carers are supported (R2).", "iPads for every social worker (R8).", "e-learning for all staff."]
    assert [(i.text, i.recommendations) for i in record.sections["children_families"].priorities] == [
        ("Family centres open at weekends", ()), ("(R3)", (3,))]
    assert texts(record, "criminal_justice", "priorities") == ["Unpaid work starts within a week",
                                                               "and is supervised locally."]


def test_a_lower_case_paragraph_in_a_freeform_return_is_its_own_item() -> None:
    data = freeform_docx([
        ("Name of organisation: Clyde Carers Alliance", None),
        ("Section 2 - Community care", "Heading 1"),
        ("Strengths", "Heading 2"),
        ("Carers' centre open seven days a week.", None),
        ("eligibility for short breaks widened in 2006 (R2).", None),
        ("Signed: A Brown", None), ("Position: Chief Executive", None), ("Date: 20/10/2006", None),
    ])
    assert texts(extract(data), "community_care", "strengths") == [
        "Carers' centre open seven days a week.", "eligibility for short breaks widened in 2006 (R2)."]


def test_a_citation_wrapped_onto_its_own_line_inside_a_paragraph_stays_with_its_item() -> None:
    data = filled().national(["c) Funding of kinship care.\n- R4, R9, R13", "d) Outcome measures (R3)."]).bytes()
    assert [(i.text, i.recommendations) for i in extract(data).sections["national_priorities"].items] == [
        ("Funding of kinship care. - R4, R9, R13", (4, 9, 13)), ("Outcome measures (R3).", (3,))]
