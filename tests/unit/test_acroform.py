"""Fillable PDF forms are read from their fields into the official form's block layout."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from core.errors import EncryptedDocument
from extractors.document import Document, Paragraph, Table
from extractors.pdf.acroform import FormField, read_acroform
from extractors.pdf.acroform_map import FieldMapper, normalise
from schemas import load_collection
from tests.factories import bad_files
from tests.paths import SAMPLES, SPEC

COLLECTION = load_collection()

BLANK_FORM = SPEC / "annex-c-form.pdf"
S004 = SAMPLES / "s004-acroform-pdf.pdf"
SECTIONS = [
    "Section 1: Children and families",
    "Section 2: Community care",
    "Section 3: Criminal justice",
    "Section 4: Social work services as a whole",
]
ITEMS_HEADER = "Issues you would like the national change programmes to address"


def outline(document: Document) -> list[Any]:
    """The document as plain values: ("P", text, heading) or rows of cell line lists."""
    out: list[Any] = []
    for block in document.blocks:
        if isinstance(block, Paragraph):
            out.append(("P", block.text, block.heading))
        elif isinstance(block, Table):
            out.append(
                [[cell.text.split("\n") if cell.text else [] for cell in row] for row in block.rows]
            )
    return out


def expected_outline(
    part_a: list[list[str]],
    boxes: dict[int, tuple[list[str], list[str]]],
    items: list[str],
    sign: list[list[str]],
) -> list[Any]:
    labels = [
        "Name of organisation",
        "Type of organisation",
        "Services provided",
        "Contact name",
        "Contact email",
        "Contact telephone",
    ]
    out: list[Any] = [
        ("P", "Changing Lives self assessment return", None),
        ("P", "Part A: About your organisation", 1),
        [[[label], value] for label, value in zip(labels, part_a, strict=True)],
    ]
    for number, heading in enumerate(SECTIONS, start=1):
        strengths, priorities = boxes.get(number, ([], []))
        out.append(("P", heading, 1))
        out.append([[["Strengths"], ["Priorities for change"]], [strengths, priorities]])
    out.append(("P", "Section 5: Priority issues for the national change programmes", 1))
    out.append([[[ITEMS_HEADER]], [items]])
    out.append(("P", "Sign-off", 1))
    out.append(
        [
            [[label], value]
            for label, value in zip(["Signature", "Name", "Position", "Date"], sign, strict=True)
        ]
    )
    return out


def fill_official_form(values: dict[str, str]) -> bytes:
    """Fill the blank annex C form the way a PDF viewer does (NeedAppearances set)."""
    writer = PdfWriter(clone_from=str(BLANK_FORM))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- the official form (from ../shared/spec) ---------------------------------------


@pytest.mark.live
def test_official_form_filled_with_need_appearances_is_read_from_its_fields() -> None:
    data = fill_official_form(
        {
            "org_name": "Fife Council",
            "org_type": "Local authority",
            "services_cf": "/Yes",
            "services_cj": "/Yes",
            "contact_name": "Ann Byers",
            "contact_email": "ann.byers@fife.example",
            "contact_phone": "01592 000000",
            "s1_strengths": (
                "- Integrated assessment with health visitors (R1, R3)\n\n- Kinship care team"
            ),
            "s1_priorities": "1. Reduce waiting times\r2. More foster carers (R2)",
            "s3_priorities": "N/A",
            "s5_items": "Workforce shortages (R13)",
            "sign_signature": "/s/ J. Smith",
            "sign_name": "J. Smith",
            "sign_position": "Chief Social Work Officer",
            "sign_date": "20/10/2006",
        }
    )
    document = read_acroform(data, COLLECTION)
    assert document is not None
    assert (document.media_type, document.pages, document.ocr) == ("application/pdf", 3, False)
    assert outline(document) == expected_outline(
        part_a=[
            ["Fife Council"],
            ["Local authority"],
            ["☒ Children and families   ☐ Community care   ☒ Criminal justice"],
            ["Ann Byers"],
            ["ann.byers@fife.example"],
            ["01592 000000"],
        ],
        boxes={
            1: (
                ["- Integrated assessment with health visitors (R1, R3)", "- Kinship care team"],
                ["1. Reduce waiting times", "2. More foster carers (R2)"],
            ),
            3: ([], ["N/A"]),
        },
        items=["Workforce shortages (R13)"],
        sign=[["/s/ J. Smith"], ["J. Smith"], ["Chief Social Work Officer"], ["20/10/2006"]],
    )
    assert document.fields["services_cf"] == "Yes"
    assert "services_cc" not in document.fields


@pytest.mark.live
def test_blank_official_form_gives_none_so_the_text_layer_is_read() -> None:
    assert read_acroform(BLANK_FORM.read_bytes(), COLLECTION) is None


@pytest.mark.live
def test_sample_acroform_return_is_read_from_its_fields() -> None:
    document = read_acroform(S004.read_bytes(), COLLECTION)
    assert document is not None
    tables = [b for b in document.blocks if isinstance(b, Table)]
    assert [[c.text for c in row] for row in tables[0].rows][:3] == [
        ["Name of organisation", "Islands Befriending Scotland"],
        ["Type of organisation", "Voluntary"],
        ["Services provided", "☒ Children and families   ☒ Community care   ☐ Criminal justice"],
    ]
    assert [p.text for p in tables[3].rows[1][1].blocks if isinstance(p, Paragraph)] == [
        "Not applicable"
    ]
    assert [[c.text for c in row] for row in tables[-1].rows] == [
        ["Signature", "Eilidh Crawford"],
        ["Name", "Eilidh Crawford"],
        ["Position", "Director"],
        ["Date", "29/8/06"],
    ]


@pytest.mark.live
def test_field_values_the_page_does_not_show_are_still_read() -> None:
    writer = PdfWriter(clone_from=str(BLANK_FORM))
    for page in writer.pages:
        for annot in page.get("/Annots", []):
            field = annot.get_object()
            if field.get("/T") == "org_name":
                field[NameObject("/V")] = TextStringObject("Orkney Islands Council")
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    page_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Orkney" not in page_text

    document = read_acroform(data, COLLECTION)
    assert document is not None
    first_table = next(b for b in document.blocks if isinstance(b, Table))
    assert first_table.rows[0][1].text == "Orkney Islands Council"


# -- forms made by other tools ---------------------------------------------------


def reportlab_form(filled: bool = True) -> bytes:
    """A return built with reportlab, field names unlike the official form's."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    form = pdf.acroForm

    def text(name: str, tooltip: str, value: str, y: int) -> None:
        form.textfield(
            name=name,
            tooltip=tooltip,
            value=value if filled else "",
            x=50,
            y=y,
            width=400,
            height=20,
            fieldFlags="multiline",
        )

    text("OrgName", "", "Shetland Islands Council", 780)
    text("txtContactEmail", "", "social.work@shetland.example", 750)
    text("Text3", "Contact telephone number", "01595 000000", 720)
    text(
        "Text7", "Section 2 Community care - Strengths", "- Telecare in every home\n- Day care", 690
    )
    text("CommunityCare_Priorities", "", "Respite for carers (R2)", 660)
    text("Section5", "", "National workforce plan", 630)
    text("Signatory name", "", "P. Halcrow", 600)
    text("Sign-off date", "", "1 October 2006", 570)
    text("Job title", "", "CSWO", 540)
    text("Text99", "Comments", "Happy to share practice", 510)
    form.checkbox(
        name="chkCF",
        tooltip="Services provided - Children and families",
        checked=False,
        x=50,
        y=480,
    )
    form.checkbox(
        name="chkCC", tooltip="Services provided - Community care", checked=filled, x=80, y=480
    )
    for x, value in ((50, "LocalAuthority"), (80, "Voluntary"), (110, "Private")):
        form.radio(
            name="OrgType",
            tooltip="Type of organisation",
            value=value,
            selected=filled and value == "LocalAuthority",
            x=x,
            y=450,
        )
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_form_from_another_tool_is_mapped_by_name_and_tooltip() -> None:
    document = read_acroform(reportlab_form(), COLLECTION)
    assert document is not None
    assert document.pages == 1
    assert outline(document) == expected_outline(
        part_a=[
            ["Shetland Islands Council"],
            ["Local authority"],
            ["☐ Children and families   ☒ Community care   ☐ Criminal justice"],
            [],
            ["social.work@shetland.example"],
            ["01595 000000"],
        ],
        boxes={2: (["- Telecare in every home", "- Day care"], ["Respite for carers (R2)"])},
        items=["National workforce plan"],
        sign=[[], ["P. Halcrow"], ["CSWO"], ["1 October 2006"]],
    )
    assert document.fields["Text99"] == "Happy to share practice"  # kept, not placed


def test_form_from_another_tool_with_no_values_gives_none() -> None:
    assert read_acroform(reportlab_form(filled=False), COLLECTION) is None


def _raw_form(fields: list[DictionaryObject]) -> bytes:
    """A one-page PDF whose AcroForm holds exactly `fields` (built object by object)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    refs = ArrayObject(writer._add_object(f) for f in fields)
    for ref in refs:
        for kid in ref.get_object().get("/Kids", []):
            kid.get_object()[NameObject("/Parent")] = ref
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): refs, NameObject("/NeedAppearances"): NameObject("/true")}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _dict(**entries: Any) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{k}"): v for k, v in entries.items()})


def test_nested_fields_byte_string_values_and_every_checkbox_state_are_read() -> None:
    writer_names = TextStringObject
    section1 = _dict(
        T=writer_names("Section1"),
        FT=NameObject("/Tx"),
        Kids=ArrayObject(
            [
                _dict(
                    T=writer_names("Strengths"),
                    V=ByteStringObject(
                        "\ufeffCrèche partnership\rYoung carers".encode("utf-16-be")
                    ),
                ),
                _dict(T=writer_names("Priorities"), V=ByteStringObject(b"Throughcare")),
            ]
        ),
    )
    ticks = [
        _dict(
            T=writer_names("cb1"),
            TU=writer_names("Children and families"),
            FT=NameObject("/Btn"),
            V=NameObject("/On"),
        ),
        _dict(
            T=writer_names("cb2"),
            TU=writer_names("Community care"),
            FT=NameObject("/Btn"),
            V=NameObject("/Off"),
        ),
        # Only the widget's appearance state says it is ticked.
        _dict(
            T=writer_names("cb3"),
            TU=writer_names("Criminal justice"),
            FT=NameObject("/Btn"),
            Kids=ArrayObject([_dict(Subtype=NameObject("/Widget"), AS=NameObject("/1"))]),
        ),
    ]
    org_type = _dict(
        T=writer_names("sector"),
        FT=NameObject("/Btn"),
        Ff=NumberObject(1 << 15),
        V=NameObject("/1"),
        Opt=ArrayObject(
            [TextStringObject("Local authority"), TextStringObject("Voluntary sector")]
        ),
    )
    name = _dict(
        T=writer_names("Name of organisation"),
        FT=NameObject("/Tx"),
        V=TextStringObject("Quarriers"),
    )
    document = read_acroform(_raw_form([name, org_type, section1, *ticks]), COLLECTION)
    assert document is not None
    assert outline(document) == expected_outline(
        part_a=[
            ["Quarriers"],
            ["Voluntary sector"],
            ["☒ Children and families   ☐ Community care   ☒ Criminal justice"],
            [],
            [],
            [],
        ],
        boxes={1: (["Crèche partnership", "Young carers"], ["Throughcare"])},
        items=[],
        sign=[[], [], [], []],
    )


def test_pdf_without_a_form_gives_none() -> None:
    assert read_acroform(bad_files.small_pdf(), COLLECTION) is None


def test_unparseable_pdf_gives_none_for_the_text_reader_to_report() -> None:
    assert read_acroform(b"%PDF-1.7\n this is not a PDF body", COLLECTION) is None


def test_password_protected_pdf_is_refused_as_encrypted() -> None:
    with pytest.raises(EncryptedDocument, match=r"^the PDF is encrypted and needs a password"):
        read_acroform(bad_files.encrypted_pdf(), COLLECTION)


# -- name matching ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CommunityCare_Priorities", "community care priorities"),
        ("txtOrgName", "org name"),
        ("Section 2 Community care - Strengths", "section 2 community care strengths"),
        ("s1_strengths", "s 1 strengths"),
        ("Children & Families", "children and families"),
    ],
)
def test_field_names_are_normalised_to_words(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("name", "tooltip", "kind", "target"),
    [
        ("org_name", "", "text", "organisation_name"),
        ("Text1", "Name of organisation", "text", "organisation_name"),
        ("Organization", "", "text", "organisation_name"),
        (
            "Type of organisation (local authority / voluntary sector / private sector)",
            "",
            "text",
            "organisation_type",
        ),
        ("E-mail", "", "text", "contact_email"),
        ("ContactTel", "", "text", "contact_phone"),
        ("Section 2 Community care - Strengths", "", "text", "community_care.strengths"),
        ("CommunityCare_Priorities", "", "text", "community_care.priorities"),
        ("Sect4.AreasForDevelopment", "", "text", "whole_service.priorities"),
        ("Q5", "", "text", "national_priorities.items"),
        ("National priorities", "", "text", "national_priorities.items"),
        (
            "Criminal justice social work - what we do well",
            "",
            "text",
            "criminal_justice.strengths",
        ),
        ("Signatory name", "", "text", "sign_name"),
        ("Date signed", "", "text", "date"),
        ("Position held", "", "text", "position"),
        ("Signature1", "", "signature", "signature"),
        ("chkAdult", "Adult services", "checkbox", "services.community_care"),
        ("VoluntarySector", "", "checkbox", "organisation_type"),
        ("Text5", "Type here. Put each point on a new line", "text", None),
        ("Strengths", "", "text", None),  # no section: cannot be placed
        ("Comments", "", "text", None),
    ],
)
def test_fields_of_other_forms_map_to_their_place_on_the_form(
    name: str, tooltip: str, kind: str, target: str | None
) -> None:
    field = FormField(name=name, partial=name.split(".")[-1], tooltip=tooltip, kind=kind, value="x")
    assert FieldMapper(load_collection()).target(field) == target
