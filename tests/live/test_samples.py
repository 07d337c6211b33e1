"""Every bundled sample extracts equal to its expected record (item text compared
after whitespace normalisation). Reads ../shared/samples, which CI has beside the clone;
scanned and legacy samples use real Tesseract and LibreOffice."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from extractors import ExtractContext, extract
from tests.paths import SAMPLES

CASES = sorted(p for p in SAMPLES.glob("s*.*") if not p.name.endswith(".json"))
# The one known gap: in s002's scan, "...management team in December." ends a full-width
# line and "Reduce the time..." starts the next with no extra spacing or indent, so
# nothing in the image separates the two items (measured; see the extraction issue notes).
OCR_AMBIGUOUS = {
    "s002-scanned-pdf": "two criminal justice priorities are read as one: 'Strengthen links ... in December.' "
    "ends a full-width line and 'Reduce the time taken ...' starts the next with no spacing or indent",
}

pytestmark = pytest.mark.live


def _normalised(record: dict[str, Any]) -> dict[str, Any]:
    for section in record["sections"].values():
        for items in section.values():
            for item in items:
                item["text"] = re.sub(r"\s+", " ", item["text"]).strip()
    return record


def _expected(path: Path) -> dict[str, Any]:
    return _normalised(json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8")))


def _items(record: dict[str, Any]) -> list[tuple[str, str, str, tuple[int, ...]]]:
    return [(s, box, i["text"], tuple(i["recommendations"]))
            for s, section in record["sections"].items() for box, items in section.items() for i in items]


def test_the_samples_are_there() -> None:
    assert len(CASES) == 12, f"expected the 12 samples in {SAMPLES}"


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=OCR_AMBIGUOUS[p.stem]))
     if p.stem in OCR_AMBIGUOUS else p for p in CASES],
    ids=[p.stem for p in CASES],
)
def test_sample_extracts_to_its_expected_record(path: Path) -> None:
    record = extract(path.read_bytes(), ExtractContext.build(path.name))
    assert _normalised(record.model_dump(mode="json")) == _expected(path)


@pytest.mark.parametrize("stem", sorted(OCR_AMBIGUOUS))
def test_scanned_sample_has_every_field_and_all_but_the_inseparable_items(stem: str) -> None:
    path = next(p for p in CASES if p.stem == stem)
    got = _normalised(extract(path.read_bytes(), ExtractContext.build(path.name)).model_dump(mode="json"))
    want = _expected(path)
    assert {k: v for k, v in got.items() if k != "sections"} == {k: v for k, v in want.items() if k != "sections"}
    got_items, want_items = _items(got), _items(want)
    matched = len(set(got_items) & set(want_items))
    assert matched >= len(want_items) - 2  # exactly the two merged items are missing
    assert len(got_items) == len(want_items) - 1
