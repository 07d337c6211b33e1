"""Whole returns through OCR: text-layer samples printed and scanned in code.

The template PDFs s003 (items as numbered lists) and s009 (items as plain paragraphs)
are rendered with pdfium at 150 and 200 dpi, rotated a little, speckled with noise and
saved as image-only PDFs; the scan must extract to the sample's expected record with
`source.ocr` true. Tesseract slips single characters ("hére", a dropped dash), so item
texts are matched allowing a few characters (rapidfuzz ratio >= 95) with the cited
recommendations equal; the layout is judged by the item counts of every box, which
must be exact, and an item-level F1 >= 0.9.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from rapidfuzz import fuzz

from extractors import ExtractContext, extract
from extractors.document import Cell, Document, Paragraph, Table
from extractors.interpret import interpret
from schemas.canonical import BoxedSection
from schemas.collection import load_collection
from tests.factories.forms import FormFiller
from tests.factories.pdf_forms import docx_to_pdf
from tests.paths import SAMPLES

FIELD_GROUPS = ("organisation", "contact", "services", "sign_off", "source")

pytestmark = pytest.mark.live


def scan_pdf(source: Path, dpi: int, angle: float, seed: int = 7) -> bytes:
    """`source` printed at `dpi` and scanned: rotated, gray noise, dust, image-only PDF."""
    pdf = pdfium.PdfDocument(source.read_bytes())
    rng = np.random.default_rng(seed)
    pages: list[Image.Image] = []
    try:
        for page in pdf:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
            values = np.asarray(image).astype(np.int16)
            values = values + rng.normal(0, 12, values.shape).astype(np.int16)
            for _ in range(150):  # specks of dust
                y = int(rng.integers(0, values.shape[0] - 2))
                x = int(rng.integers(0, values.shape[1] - 2))
                values[y : y + 2, x : x + 2] = 40
            pages.append(Image.fromarray(np.clip(values, 0, 255).astype(np.uint8)))
    finally:
        pdf.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return out.getvalue()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _boxes(record: dict[str, Any]) -> dict[str, list[tuple[str, list[int]]]]:
    return {
        f"{section}.{box}": [(_norm(i["text"]), i["recommendations"]) for i in items]
        for section, boxes in record["sections"].items()
        for box, items in boxes.items()
    }


def _item_f1(got: dict[str, Any], want: dict[str, Any]) -> float:
    """Items matched one to one within their box: near-equal text, equal recommendations."""
    matched = total_got = total_want = 0
    for name, wanted in _boxes(want).items():
        left = list(_boxes(got)[name])
        total_got += len(left)
        total_want += len(wanted)
        for text, recs in wanted:
            hit = next(
                (g for g in left if g[1] == recs and fuzz.ratio(g[0], text) >= 95), None
            )
            if hit is not None:
                left.remove(hit)
                matched += 1
    if not matched:
        return 0.0
    precision, recall = matched / total_got, matched / total_want
    return 2 * precision * recall / (precision + recall)


@functools.cache
def _scanned(stem: str, dpi: int, angle: float) -> str:
    """The sample printed and scanned, extracted (JSON text; OCR runs once per scan)."""
    source = SAMPLES / f"{stem}.pdf"
    return json.dumps(extract(scan_pdf(source, dpi, angle), ExtractContext.build(source.name)).model_dump(mode="json"))


def _check(stem: str, dpi: int, angle: float, misread: tuple[str, ...] = ()) -> None:
    """The scan extracts like the sample, but for the `misread` fields ("contact.email")."""
    expected = json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))
    expected["source"]["ocr"] = True
    got = json.loads(_scanned(stem, dpi, angle))
    for field in misread:
        group, name = field.split(".")
        got[group].pop(name)
        expected[group].pop(name)
    for group in FIELD_GROUPS:
        assert got[group] == expected[group], group
    counts = {name: len(items) for name, items in _boxes(got).items()}
    assert counts == {name: len(items) for name, items in _boxes(expected).items()}
    assert _item_f1(got, expected) >= 0.9


@pytest.mark.parametrize(("dpi", "angle"), [(150, -0.8), (200, 1.4)])
def test_scanned_paragraph_items_extract_like_the_text_pdf(dpi: int, angle: float) -> None:
    """s009: items typed as plain paragraphs with no spacing between them. At 200 dpi
    OCR reads the e-mail's last dot as a comma ("housing.org,example"): read as a dot."""
    _check("s009-template-pdf", dpi, angle)


# The one field the 200 dpi scan of s003 cannot give: OCR reads the e-mail address as
# "inda.anderson@pentland-recovery:org.example"; the ':' is read back as a dot, but the
# lost first letter cannot be recovered, so the e-mail is wrong.
_OCR_LOSES_A_LETTER = pytest.mark.xfail(
    strict=True,
    reason="OCR at 200 dpi drops the first letter of the contact e-mail "
    "('inda.anderson@...' for 'linda.anderson@pentland-recovery.org.example')",
)


@pytest.mark.parametrize(
    ("dpi", "angle"), [(150, 1.2), pytest.param(200, -1.5, marks=_OCR_LOSES_A_LETTER)]
)
def test_scanned_list_items_extract_like_the_text_pdf(dpi: int, angle: float) -> None:
    """s003: items as numbered lists, some with soft line breaks inside an item."""
    _check("s003-template-pdf", dpi, angle)


def test_scanned_list_items_at_200_dpi_are_right_but_for_the_misread_e_mail() -> None:
    """Everything else of the 200 dpi scan of s003, including the sign-off date whose
    label OCR reads with a speck after it ("Date oe")."""
    _check("s003-template-pdf", 200, -1.5, misread=("contact.email",))


def _row(label: str, value: str) -> tuple[Cell, Cell]:
    return (Cell((Paragraph(label),)), Cell((Paragraph(value),)))


@pytest.mark.parametrize("ocr", [True, False])
def test_ocr_slips_in_labels_and_e_mail_are_read_back_only_from_a_scan(ocr: bool) -> None:
    document = Document(
        blocks=(
            Table((_row("Name of organisation", "Fife Council"), _row("Contact email", "a.person@fife,example"))),
            Paragraph("Section 1: Children and families", heading=1),
            Table(((Cell((Paragraph("Strengths"),)),), (Cell((Paragraph("Family centres open daily."),)),))),
            Table((_row("Signature", "/s/ J Smith"), _row("Position", "Chief Social Work Officer"),
                   _row("Date oe", "20/10/2006"))),
        ),
        media_type="application/pdf", pages=1, ocr=ocr,
    )
    record = interpret(document, load_collection())
    assert (record.contact.email, record.sign_off.date) == (
        ("a.person@fife.example", dt.date(2006, 10, 20)) if ocr else (None, None))


# --- a return typed with bullet lists and tick boxes, printed and scanned ----------------

BULLETED_STRENGTHS = [
    "Joint assessment with health visitors is now routine in all three localities (R1, R3).",
    "Our family centres offer drop-in sessions and outreach to families (R2).",
    "Residential units were all graded 'very good' at their last inspection.",
]
BULLETED_PRIORITIES = [
    "Reduce waiting times for assessment, working with the NHS board (R3).",
    "Recruit and retain more foster carers, particularly for teenagers (R4).",
]


@functools.cache
def _bulleted_return_pdf() -> bytes:
    filler = (
        FormFiller()
        .part_a("Fife Council", "☒ Local authority ☐ Voluntary sector ☐ Private sector",
                "☒ Children and families ☐ Community care ☒ Criminal justice",
                "Alex Person", "alex.person@fife.example", "01592 000000")
        .strengths("children_families", BULLETED_STRENGTHS, style="List Bullet")
        .priorities("children_families", BULLETED_PRIORITIES, style="List Bullet")
        .strengths("criminal_justice", ["Community service orders start within a week (R4)."], style="List Bullet")
        .sign("/s/ J. Smith", "J. Smith", "Chief Social Work Officer", "20/10/2006")
    )
    return docx_to_pdf({"bulleted": filler.bytes()})["bulleted"]


@pytest.mark.parametrize(("dpi", "angle"), [(150, 1.1), (200, -0.7)])
def test_scanned_bullet_lists_and_tick_boxes_keep_every_item_and_tick(tmp_path: Path, dpi: int, angle: float) -> None:
    """Tesseract reads a bullet at these resolutions as "¢", "e" or not at all, and a
    tick box as "&", "J" or a letter run into the option: the bullets are told from the
    ink, so the items stay apart, and the boxes are read wherever they sit."""
    source = tmp_path / "bulleted.pdf"
    source.write_bytes(_bulleted_return_pdf())

    got = extract(scan_pdf(source, dpi, angle), ExtractContext.build("bulleted.pdf"))

    assert (got.organisation.type, got.services) == ("local_authority", ("children_families", "criminal_justice"))
    section = got.sections["children_families"]
    assert isinstance(section, BoxedSection)
    for items, wanted in ((section.strengths, BULLETED_STRENGTHS), (section.priorities, BULLETED_PRIORITIES)):
        assert len(items) == len(wanted)
        assert all(fuzz.ratio(item.text, text) >= 95 for item, text in zip(items, wanted, strict=True))
