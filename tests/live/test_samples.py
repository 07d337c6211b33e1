"""Every bundled sample extracts equal to its expected record (item text compared
after whitespace normalisation). Reads ../shared/samples, which CI has beside the clone;
scanned and legacy samples use real Tesseract and LibreOffice."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from extractors import extract

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
CASES = sorted(p for p in SAMPLES.glob("s*.*") if not p.name.endswith(".json"))

pytestmark = pytest.mark.live


def _normalised(record: dict[str, Any]) -> dict[str, Any]:
    for section in record["sections"].values():
        for items in section.values():
            for item in items:
                item["text"] = re.sub(r"\s+", " ", item["text"]).strip()
    return record


def test_the_samples_are_there() -> None:
    assert len(CASES) == 12, f"expected the 12 samples in {SAMPLES}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_sample_extracts_to_its_expected_record(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    record = extract(path.read_bytes(), path.name)
    assert _normalised(record.model_dump(mode="json")) == _normalised(expected)
