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


def _check(stem: str, dpi: int, angle: float) -> None:
    source = SAMPLES / f"{stem}.pdf"
    expected = json.loads((SAMPLES / f"{stem}.expected.json").read_text(encoding="utf-8"))
    expected["source"]["ocr"] = True
    got = extract(scan_pdf(source, dpi, angle), ExtractContext.build(source.name)).model_dump(mode="json")
    for group in FIELD_GROUPS:
        assert got[group] == expected[group], group
    counts = {name: len(items) for name, items in _boxes(got).items()}
    assert counts == {name: len(items) for name, items in _boxes(expected).items()}
    assert _item_f1(got, expected) >= 0.9


_OCR_FIELD_SLIPS = pytest.mark.xfail(
    reason="OCR misreads at 200 dpi: the e-mail loses its '.example' ending",
    strict=False,
)


@pytest.mark.parametrize(
    ("dpi", "angle"), [(150, -0.8), pytest.param(200, 1.4, marks=_OCR_FIELD_SLIPS)]
)
def test_scanned_paragraph_items_extract_like_the_text_pdf(dpi: int, angle: float) -> None:
    """s009: items typed as plain paragraphs with no spacing between them."""
    _check("s009-template-pdf", dpi, angle)


_OCR_EMAIL_SLIP = pytest.mark.xfail(
    reason="OCR misreads the e-mail address at 200 dpi ('inda.anderson@pentland-recovery:org"
    ".example'), so the contact e-mail is not found",
    strict=False,
)


@pytest.mark.parametrize(
    ("dpi", "angle"), [(150, 1.2), pytest.param(200, -1.5, marks=_OCR_EMAIL_SLIP)]
)
def test_scanned_list_items_extract_like_the_text_pdf(dpi: int, angle: float) -> None:
    """s003: items as numbered lists, some with soft line breaks inside an item."""
    _check("s003-template-pdf", dpi, angle)
