"""OCR of image-only PDF pages with the real Tesseract.

Scanned fixtures are built in code: a page is drawn (or a text PDF rendered) at
150 dpi, rotated a little, speckled with noise and saved as an image-only PDF, so
each test shows what it feeds in. The sample scan s002 is checked as well.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytesseract
import pytest
from PIL import Image, ImageDraw, ImageFont

from core.errors import ConversionTimeout, UnreadableDocument
from extractors.layout.types import Box, PageLayout, Rule
from extractors.limits import Limits
from extractors.ocr.image import binarise, estimate_skew
from extractors.ocr.lexicon import english_words, is_known
from extractors.ocr.reader import page_image, scanned_page_layouts
from extractors.ocr.rereads import read_unread_regions, reread_unknown
from extractors.ocr.words import OcrWord
from tests.paths import SAMPLES

pytestmark = pytest.mark.live

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
WIDTH, HEIGHT = 1240, 1754  # A4 at 150 dpi
ROTATION = 1.5  # degrees, counter-clockwise

# The drawn form: Part A table (5 rows) and sign-off table (2 rows), two columns each.
LEFT, MIDDLE, RIGHT = 120, 470, 1120
PART_A_ROWS = (300, 345, 390, 435, 480, 525)
SIGN_OFF_ROWS = (800, 920, 965)
SIGNATURE_CELL = Box(MIDDLE, SIGN_OFF_ROWS[0], RIGHT, SIGN_OFF_ROWS[1])


def drawn_form() -> Image.Image:
    """A form page like annex C: title, Part A table with tick boxes, sign-off table."""
    page = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(page)
    body = ImageFont.truetype(FONT, 20)
    bold = ImageFont.truetype(BOLD, 20)
    draw.text(
        (LEFT, 150), "Changing Lives: Self Assessment Return", font=ImageFont.truetype(BOLD, 34)
    )
    draw.text((LEFT, 250), "Part A: About your organisation", font=ImageFont.truetype(BOLD, 26))
    part_a = (
        ("Name of organisation", "Highland Council"),
        ("Type of organisation", "Local authority"),
        ("Services provided", "☒ Children and families  ☐ Community care  ☒ Criminal justice"),
        ("Contact name", "Morag Fraser"),
        ("Contact email", "m.fraser@highland.example"),
    )
    for (label, value), top in zip(part_a, PART_A_ROWS, strict=False):
        draw.text((LEFT + 10, top + 10), label, font=bold)
        draw.text((MIDDLE + 10, top + 10), value, font=body)
    draw.text((LEFT, 700), "Sign-off", font=ImageFont.truetype(BOLD, 26))
    draw.text((LEFT + 10, SIGN_OFF_ROWS[0] + 10), "Signature", font=bold)
    draw.text((LEFT + 10, SIGN_OFF_ROWS[1] + 10), "Position", font=bold)
    draw.text((MIDDLE + 10, SIGN_OFF_ROWS[1] + 10), "Chief Social Work Officer", font=body)
    for rows in (PART_A_ROWS, SIGN_OFF_ROWS):
        for y in rows:
            draw.line((LEFT, y, RIGHT, y), fill=0, width=2)
        for x in (LEFT, MIDDLE, RIGHT):
            draw.line((x, rows[0], x, rows[-1]), fill=0, width=2)
    # Handwriting: a looping scribble in the signature cell.
    t = np.linspace(0, 5 * np.pi, 300)
    xs = 560 + 24 * t + 18 * np.sin(3 * t)
    ys = 860 + 30 * np.sin(2.2 * t) + 8 * np.cos(7 * t)
    draw.line([(float(x), float(y)) for x, y in zip(xs, ys, strict=True)], fill=20, width=3)
    return page


def scanned(page: Image.Image, angle: float = ROTATION, seed: int = 2006) -> Image.Image:
    """`page` as a scanner returns it: rotated, gray noise, dust specks."""
    rotated = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    rng = np.random.default_rng(seed)
    values = np.asarray(rotated).astype(np.int16)
    values = values + rng.normal(0, 12, values.shape).astype(np.int16)
    for _ in range(150):  # specks of dust
        y, x = int(rng.integers(0, values.shape[0] - 2)), int(rng.integers(0, values.shape[1] - 2))
        values[y : y + 2, x : x + 2] = 40
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))


def image_pdf(*pages: Image.Image) -> bytes:
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=150, save_all=True, append_images=list(pages[1:]))
    return out.getvalue()


def text_of(layout: PageLayout) -> str:
    return " ".join(w.text for w in layout.words)


def words_in(layout: PageLayout, box: Box) -> list[str]:
    return [
        w.text
        for w in layout.words
        if box.x0 <= (w.x0 + w.x1) / 2 <= box.x1 and box.top <= (w.top + w.bottom) / 2 <= box.bottom
    ]


def near(value: float, expected: float, slack: float = 6) -> bool:
    return abs(value - expected) <= slack


@pytest.fixture(scope="module")
def drawn_layout() -> PageLayout:
    data = image_pdf(scanned(drawn_form()))
    (layout,) = scanned_page_layouts(data, [1], Limits())
    return layout


@pytest.fixture(scope="module")
def s002_layouts() -> list[PageLayout]:
    data = (SAMPLES / "s002-scanned-pdf.pdf").read_bytes()
    return list(scanned_page_layouts(data, [1, 2, 3], Limits()))


def test_deskew_estimates_the_scan_rotation_within_a_third_of_a_degree() -> None:
    gray = np.asarray(scanned(drawn_form()))

    assert abs(estimate_skew(binarise(gray)) - ROTATION) <= 0.3


def test_ocr_reads_the_table_cells_as_exact_phrases(drawn_layout: PageLayout) -> None:
    text = text_of(drawn_layout)

    assert "Changing Lives: Self Assessment Return" in text
    assert "Name of organisation Highland Council" in text
    assert "Contact name Morag Fraser" in text
    assert "Contact email m.fraser@highland.example" in text
    assert "Position Chief Social Work Officer" in text


def test_ocr_turns_tick_boxes_into_ticked_and_empty_glyphs(drawn_layout: PageLayout) -> None:
    assert "☒ Children and families ☐ Community care ☒ Criminal justice" in text_of(drawn_layout)


def test_rules_form_the_grids_of_both_tables(drawn_layout: PageLayout) -> None:
    horizontals = [r for r in drawn_layout.rules if r.horizontal]
    verticals = [r for r in drawn_layout.rules if not r.horizontal]

    assert [round(r.top) for r in horizontals] == pytest.approx(
        [*PART_A_ROWS, *SIGN_OFF_ROWS], abs=4
    )
    assert all(near(r.x0, LEFT) and near(r.x1, RIGHT) for r in horizontals)
    expected = [
        (x, rows[0], rows[-1])
        for rows in (PART_A_ROWS, SIGN_OFF_ROWS)
        for x in (LEFT, MIDDLE, RIGHT)
    ]
    assert len(verticals) == len(expected)
    for rule, (x, top, bottom) in zip(verticals, expected, strict=True):
        assert near(rule.x0, x) and near(rule.top, top) and near(rule.bottom, bottom), rule


def test_handwriting_in_the_signature_cell_becomes_one_image_box(drawn_layout: PageLayout) -> None:
    (ink,) = drawn_layout.images

    assert SIGNATURE_CELL.x0 < ink.x0 < ink.x1 < SIGNATURE_CELL.x1
    assert SIGNATURE_CELL.top < ink.top < ink.bottom < SIGNATURE_CELL.bottom
    assert words_in(drawn_layout, SIGNATURE_CELL) == []


def test_ocr_reads_a_rendered_text_pdf_after_scanning(tmp_path: Path) -> None:
    pdf = pdfium.PdfDocument((SAMPLES / "s003-template-pdf.pdf").read_bytes())
    try:
        rendered = pdf[0].render(scale=150 / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()
    path = tmp_path / "scanned_no_text_layer.pdf"
    scanned(rendered, angle=-1.2).save(path, "PDF", resolution=150)

    (layout,) = scanned_page_layouts(path.read_bytes(), [1], Limits())

    text = text_of(layout)
    assert "Pentland Recovery" in text
    assert "linda.anderson@pentland-recovery.org.example" in text
    assert "☒ Community care ☒ Criminal justice" in text


def test_s002_page_1_reads_part_a(s002_layouts: list[PageLayout]) -> None:
    text = text_of(s002_layouts[0])

    assert "Name of organisation Angus Council" in text
    assert "Contact email l.innes@angus.council.example" in text
    assert "Contact telephone 0141 496 0503" in text
    assert "☒ Children and families ☒ Community care ☒ Criminal justice" in text


def table_spans(rules: tuple[Rule, ...]) -> list[tuple[int, int]]:
    """(top, bottom) of each distinct set of vertical rules: one per table."""
    spans = sorted({(round(r.top / 10), round(r.bottom / 10)) for r in rules if not r.horizontal})
    return [(top * 10, bottom * 10) for top, bottom in spans]


def test_s002_page_1_has_the_rules_of_three_tables(s002_layouts: list[PageLayout]) -> None:
    page = s002_layouts[0]

    assert len(table_spans(page.rules)) == 3
    assert [len([r for r in page.rules if not r.horizontal])] == [9]


def test_s002_signature_is_an_image_box_with_no_garbage_words(
    s002_layouts: list[PageLayout],
) -> None:
    page = s002_layouts[2]
    (ink,) = page.images

    assert words_in(page, ink) == []
    assert "Signature Name Ms Gillian Innes" in text_of(page)
    assert "Date 9 Nov. 2006" in text_of(page)


def test_embedded_scan_is_used_at_its_native_resolution() -> None:
    pdf = pdfium.PdfDocument((SAMPLES / "s002-scanned-pdf.pdf").read_bytes())
    try:
        image, dpi = page_image(pdf, 1, Limits())
    finally:
        pdf.close()

    assert (image.mode, image.size, round(dpi)) == ("L", (1241, 1754), 150)


def test_a_page_that_is_not_one_scan_is_rendered_at_the_ocr_resolution() -> None:
    pdf = pdfium.PdfDocument((SAMPLES / "s003-template-pdf.pdf").read_bytes())
    try:
        image, dpi = page_image(pdf, 1, Limits(ocr_dpi=100))
    finally:
        pdf.close()

    assert (image.mode, image.size, round(dpi)) == ("L", (827, 1170), 100)


def test_missing_tesseract_is_an_unreadable_document_naming_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    data = image_pdf(Image.new("L", (200, 200), 255), Image.new("L", (200, 200), 255))

    with pytest.raises(UnreadableDocument, match=r"page 2 .*tesseract is not installed"):
        list(scanned_page_layouts(data, [2], Limits()))


def test_ocr_over_its_time_limit_is_a_conversion_timeout() -> None:
    data = image_pdf(scanned(drawn_form()))

    with pytest.raises(ConversionTimeout, match="page 1"):
        list(scanned_page_layouts(data, [1], Limits(ocr_timeout_s=0.05)))


def test_bytes_that_are_not_a_pdf_are_an_unreadable_document() -> None:
    with pytest.raises(UnreadableDocument, match="could not be opened"):
        list(scanned_page_layouts(b"not a pdf at all", [1], Limits()))


def test_a_page_number_past_the_end_is_an_unreadable_document() -> None:
    data = image_pdf(Image.new("L", (200, 200), 255))

    with pytest.raises(UnreadableDocument, match="page 3 is not in the PDF"):
        list(scanned_page_layouts(data, [3], Limits()))


# --- second readings: words in no word list, print in regions the page layout skipped ---


def printed(text: str, size: int = 22, shade: int = 255, seed: int = 3) -> tuple[Image.Image, Box]:
    """`text` printed on a strip (grey when `shade` < 255) with scanner noise; its box."""
    font = ImageFont.truetype(BOLD, size)
    strip = Image.new("L", (600, 60), shade)
    draw = ImageDraw.Draw(strip)
    draw.text((20, 15), text, font=font, fill=0)
    left, top, right, bottom = draw.textbbox((20, 15), text, font=font)
    noisy = np.asarray(strip).astype(np.int16) + np.random.default_rng(seed).normal(0, 12, (60, 600)).astype(np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)), Box(left, top, right, bottom)


def test_tesseract_word_list_knows_english_words_but_not_misreadings() -> None:
    words = english_words()

    assert words is not None and len(words) > 100_000
    assert [is_known(w, words) for w in ("local", "(local).", "front-line", "SSSC", "R5.")] == [True] * 5
    assert [is_known(w, words) for w in ("lacal", "littte", "Sociat", "tocourton")] == [False] * 4


def _word_over(text: str, box: Box, conf: float = 85.0) -> OcrWord:
    left, top = int(box.x0), int(box.top)
    return OcrWord(text, conf, left, top, int(box.x1) - left, int(box.bottom) - top, (1, 1, 1))


def test_word_in_no_word_list_is_read_again_and_mended_only_into_a_close_word() -> None:
    image, box = printed("local")
    name_image, name_box = printed("Kirkbrae")  # a place name in no word list
    lexicon = english_words()

    (mended,) = reread_unknown(image, [_word_over("lacal.", box)], 1, time.monotonic() + 60, lexicon)
    (kept,) = reread_unknown(name_image, [_word_over("Kirkbrae", name_box)], 1, time.monotonic() + 60, lexicon)

    assert (mended.text, kept.text) == ("local.", "Kirkbrae")


def test_print_in_a_region_no_word_explains_is_read_and_handwriting_stays_a_picture() -> None:
    label, label_box = printed("Strengths", shade=215)  # a grey header cell
    page = Image.new("L", (600, 200), 255)
    page.paste(label, (0, 0))
    t = np.linspace(0, 4 * np.pi, 200)
    ImageDraw.Draw(page).line(
        [(float(80 + 30 * x), float(140 + 25 * np.sin(2.3 * x))) for x in t], fill=20, width=3)
    scribble = Box(70.0, 110.0, 470.0, 170.0)
    ink = binarise(np.asarray(page), 150)

    words, pictures = read_unread_regions(page, ink, [], [label_box, scribble], 1, time.monotonic() + 60)

    assert [w.text.strip(".-‘'") for w in words] == ["Strengths"]
    assert pictures == [scribble]
