"""extractors.pdf.reader on the sample PDFs (live) and on PDFs built here with reportlab.

The sample returns are LibreOffice prints of the official template; the PDFs built
in code come from another tool (reportlab) with other layouts: tables ruled with
horizontal lines only, a free-form letter, running headers and footers.
"""

from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen import canvas
from reportlab.platypus import ListFlowable, ListItem, SimpleDocTemplate
from reportlab.platypus import Paragraph as RLParagraph

from core.errors import DocumentTooLarge, EncryptedDocument, UnreadableDocument
from extractors.context import ExtractContext
from extractors.document import Block, Cell, Document, Paragraph, Table, iter_paragraphs
from extractors.limits import Limits
from extractors.pdf.reader import read_pdf
from tests.paths import SAMPLES


def _read(data: bytes, limits: Limits | None = None) -> Document:
    return read_pdf(data, ExtractContext.build(limits=limits or Limits()))


def _table_after(blocks: tuple[Block, ...], heading: str) -> Table:
    for i, block in enumerate(blocks):
        if isinstance(block, Paragraph) and block.text == heading:
            return next(b for b in blocks[i + 1 :] if isinstance(b, Table))
    raise AssertionError(f"no heading {heading!r}")


def _texts(cell: Cell) -> list[str]:
    return [b.text for b in cell.blocks if isinstance(b, Paragraph)]


# --- the sample returns ---------------------------------------------------------------


@pytest.mark.live
def test_s003_section_table_items_and_item_joined_across_page() -> None:
    doc = _read((SAMPLES / "s003-template-pdf.pdf").read_bytes())
    assert (doc.media_type, doc.pages, doc.ocr) == ("application/pdf", 2, False)
    table = _table_after(doc.blocks, "Section 2: Community care")
    assert _texts(table.rows[0][0]) == ["Strengths"]
    assert _texts(table.rows[0][1]) == ["Priorities for change"]
    assert len(table.rows) == 2  # the content row split by the page break is one row
    assert _texts(table.rows[1][0]) == [
        "1. We provide care at home to around 350 older people across the area, and our annual "
        "survey shows that 94% are satisfied or very satisfied with the service. An evaluation "
        "is due to report in spring 2007 (R1).",
        "2. Substance misuse services are jointly commissioned through the Alcohol and Drug Action "
        "Team, with shared waiting time targets and a single referral route. We would be happy to "
        "share this practice with other organisations (R4).",
        "3. Community mental health teams now include support workers and peer support workers, "
        "and a crisis service operates seven days a week (R1/R2).",
        "4. Our befriending volunteers, many of them older people themselves, provide weekly "
        "contact for isolated people in remote and island communities, and volunteer numbers have "
        "grown every year since 2003. An evaluation is due to report in spring 2007. (R3)",
    ]
    assert _texts(table.rows[1][1])[1] == (
        "6. Improve transitions for young people with learning disabilities leaving school. "
        "This supports recommendation 1."
    )


@pytest.mark.live
def test_s003_running_footer_and_page_numbers_removed() -> None:
    doc = _read((SAMPLES / "s003-template-pdf.pdf").read_bytes())
    texts = [p.text for p in iter_paragraphs(doc.blocks)]
    assert [t for t in texts if t.startswith(("Return to the Social Work", "Page "))] == []
    assert texts[:2] == [
        "Changing Lives: Self Assessment Return",
        "Annex C - to be returned by 31 October 2006",
    ]
    assert doc.blocks[0] == Paragraph("Changing Lives: Self Assessment Return", heading=1)
    assert doc.blocks[3] == Paragraph("Part A: About your organisation", heading=2, bold=True)


@pytest.mark.live
def test_s009_items_as_paragraphs_and_sign_off_table_joined_across_pages() -> None:
    doc = _read((SAMPLES / "s009-template-pdf.pdf").read_bytes())
    assert doc.pages == 3
    whole = _table_after(doc.blocks, "Section 4: Social work services as a whole")
    assert [t[:40] for t in _texts(whole.rows[1][1])] == [
        "Increase the capacity of our training se",
        "Improve the quality and consistency of s",
        "Achieve registration of all care staff w",
        "Make better use of the skills of unquali",
        "Establish a research and evaluation capa",
    ]
    assert _texts(whole.rows[1][1])[0] == (
        "Increase the capacity of our training section to support the post-registration "
        "training and learning requirements of the SSSC. - R8"
    )
    sign_off = _table_after(doc.blocks, "Sign-off")
    assert [[" | ".join(_texts(c)) for c in row] for row in sign_off.rows] == [
        ["Signature", "/s/ Sandra Stewart"],
        ["Name", "Sandra Stewart"],
        ["Position", "Chief Executive Officer"],
        ["Date", "26 Sep. 2006"],
    ]
    part_a = _table_after(doc.blocks, "Part A: About your organisation")
    assert _texts(part_a.rows[2][1]) == [
        "☐ Children and families ☑ Community care ☑ Criminal justice"
    ]


# --- PDFs made by another tool ---------------------------------------------------------


def _ruled_form_pdf() -> bytes:
    """A reportlab form whose tables are ruled with horizontal lines only."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4

    def y(top: float) -> float:
        return height - top

    c.setFont("Helvetica-Bold", 12)
    c.drawString(60, y(80), "Section 2: Community care")
    c.setLineWidth(0.5)
    for top in (90, 106, 150):
        c.line(60, y(top), width - 60, y(top))
    c.setFont("Helvetica-Bold", 10)
    c.drawString(64, y(101), "Strengths")
    c.drawString(310, y(101), "Priorities for change")
    c.setFont("Helvetica", 10)
    c.drawString(64, y(119), "Joint teams with health (R4).")
    c.drawString(64, y(131), "Carers assessed (R2).")
    c.drawString(310, y(119), "More direct payments (R2).")
    c.drawString(60, y(180), "Signed on behalf of the organisation.")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_table_ruled_with_horizontal_lines_only() -> None:
    doc = _read(_ruled_form_pdf())
    assert doc.blocks == (
        Paragraph("Section 2: Community care", heading=2, bold=True),
        Table(
            (
                (
                    Cell((Paragraph("Strengths", bold=True),)),
                    Cell((Paragraph("Priorities for change", bold=True),)),
                ),
                (
                    Cell(
                        (
                            Paragraph("Joint teams with health (R4)."),
                            Paragraph("Carers assessed (R2)."),
                        )
                    ),
                    Cell((Paragraph("More direct payments (R2)."),)),
                ),
            )
        ),
        Paragraph("Signed on behalf of the organisation."),
    )


def _letter_pdf() -> bytes:
    """A free-form letter: headings, body paragraphs and bullet lists (platypus)."""
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    buf = io.BytesIO()
    story = [
        RLParagraph("Fife Council self assessment", styles["Heading1"]),
        RLParagraph(
            "This letter sets out our strengths and priorities for change under each "
            "heading of annex C, as the implementation plan asks, for the services the "
            "council provides.",
            body,
        ),
        RLParagraph("Children and families", styles["Heading2"]),
        ListFlowable(
            [
                ListItem(RLParagraph("Integrated assessment with health visitors (R1).", body)),
                ListItem(
                    RLParagraph(
                        "Family support teams based in schools across the whole of the council "
                        "area, working with the police and the health board (R3).",
                        body,
                    )
                ),
            ],
            bulletType="bullet",
            start="•",
        ),
    ]
    SimpleDocTemplate(buf, pagesize=A4).build(story)
    return buf.getvalue()


def test_letter_with_headings_and_bullets() -> None:
    doc = _read(_letter_pdf())
    assert doc.blocks == (
        Paragraph("Fife Council self assessment", heading=1, bold=True),
        Paragraph(
            "This letter sets out our strengths and priorities for change under each heading of "
            "annex C, as the implementation plan asks, for the services the council provides."
        ),
        Paragraph("Children and families", heading=1, bold=True),
        Paragraph("• Integrated assessment with health visitors (R1).", list_item=True),
        Paragraph(
            "• Family support teams based in schools across the whole of the council area, "
            "working with the police and the health board (R3).",
            list_item=True,
        ),
    )


def _running_header_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    for number in (1, 2, 3):
        c.setFont("Helvetica", 9)
        c.drawString(60, height - 40, "Fife Council - Self assessment")
        c.drawRightString(width - 60, 30, f"Page {number} of 3")
        c.setFont("Helvetica", 11)
        c.drawString(60, height - 120, f"Body text of page {number}.")
        c.showPage()
    c.save()
    return buf.getvalue()


def test_running_header_and_page_of_pages_removed() -> None:
    doc = _read(_running_header_pdf())
    assert doc.pages == 3
    assert doc.blocks == (
        Paragraph("Body text of page 1."),
        Paragraph("Body text of page 2."),
        Paragraph("Body text of page 3."),
    )


# --- refusals --------------------------------------------------------------------------


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_running_header_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_password_protected_pdf_is_encrypted_document() -> None:
    with pytest.raises(EncryptedDocument, match="encrypted and needs a password"):
        _read(_encrypted("secret"))


def test_pdf_encrypted_with_empty_user_password_is_read() -> None:
    assert _read(_encrypted("")).blocks[0] == Paragraph("Body text of page 1.")


def test_too_many_pages_refused_before_reading_pages() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for number in range(300):
        c.drawString(60, 700, f"Appendix page {number}")
        c.showPage()
    c.save()
    started = time.perf_counter()
    message = r"^300 pages is over the 60-page limit for a return$"
    with pytest.raises(DocumentTooLarge, match=message):
        _read(buf.getvalue())
    assert time.perf_counter() - started < 3.0


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\nnot really a pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4, _ruled_form_pdf()[:900]],
    ids=["garbage", "binary-noise", "truncated"],
)
def test_damaged_pdf_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableDocument):
        _read(data)


@pytest.mark.live
def test_image_only_pdf_with_no_text_is_unreadable() -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (620, 877), "white").save(buf, "PDF", resolution=75)
    with pytest.raises(UnreadableDocument, match="image-only PDF with no readable text"):
        _read(buf.getvalue())
