""".doc and .rtf returns are converted by a real headless LibreOffice and read as .docx."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

import docx
import pytest

from core.errors import ConfigurationError, ConversionTimeout, UnreadableDocument
from extractors import detect
from extractors.context import ExtractContext
from extractors.document import Paragraph, Table
from extractors.limits import Limits
from extractors.word.legacy import convert_to_docx, read_legacy, soffice_path
from tests.factories.forms import FormFiller

pytestmark = pytest.mark.live

RTF_RETURN = rb"""{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}
\pard\b Changing Lives: Self Assessment Return\b0\par
\pard Section 1: Children and families\par
\trowd\cellx4000\cellx8000
\intbl Strengths\cell Priorities for change\cell\row
\trowd\cellx4000\cellx8000
\intbl Kinship care team (R2)\par Family group conferencing\cell Throughcare\cell\row
\pard Signed: J. Smith\par
}"""


def _soffice(source: Path, target: str, out: Path) -> Path:
    profile = Path(tempfile.mkdtemp(prefix="lo-fixture-"))
    subprocess.run(
        [
            soffice_path(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out / f"{source.stem}.{target}"


@pytest.fixture(scope="module")
def filled_template_doc(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The official template filled in, saved as Word 97-2003 (.docx -> .odt -> .doc).

    Going through .odt keeps the tables; .docx straight to .doc can flatten them.
    """
    folder = tmp_path_factory.mktemp("doc")
    source = folder / "return.docx"
    source.write_bytes(
        FormFiller()
        .part_a(name="Fife Council", org_type="Local authority")
        .strengths("children_families", ["Kinship care team (R2)", "Family group conferencing"])
        .sign(name="J. Smith", position="Chief Social Work Officer", date="20/10/2006")
        .bytes()
    )
    odt = _soffice(source, "odt", folder / "odt")
    return _soffice(odt, "doc", folder / "doc").read_bytes()


def test_doc_fixture_is_detected_as_word_97(filled_template_doc: bytes) -> None:
    assert detect.sniff(filled_template_doc, "return.doc") == detect.DOC


def test_doc_is_converted_to_docx_with_its_tables(filled_template_doc: bytes) -> None:
    converted = convert_to_docx(filled_template_doc, detect.DOC, Limits())
    tables = docx.Document(io.BytesIO(converted)).tables
    assert [c.text for c in tables[0].rows[0].cells] == ["Name of organisation", "Fife Council"]
    assert [p.text for p in tables[1].rows[1].cells[0].paragraphs] == [
        "Kinship care team (R2)",
        "Family group conferencing",
    ]


def test_rtf_written_by_hand_is_converted_to_docx() -> None:
    converted = convert_to_docx(RTF_RETURN, detect.RTF, Limits())
    document = docx.Document(io.BytesIO(converted))
    assert [p.text for p in document.paragraphs if p.text] == [
        "Changing Lives: Self Assessment Return",
        "Section 1: Children and families",
        "Signed: J. Smith",
    ]
    assert [[c.text for c in row.cells] for row in document.tables[0].rows] == [
        ["Strengths", "Priorities for change"],
        ["Kinship care team (R2)\nFamily group conferencing", "Throughcare"],
    ]


def test_doc_is_read_into_the_document_model_as_msword(filled_template_doc: bytes) -> None:
    document = read_legacy(filled_template_doc, ExtractContext.build(limits=Limits()))
    assert (document.media_type, document.pages) == ("application/msword", None)
    tables = [b for b in document.blocks if isinstance(b, Table)]
    assert [c.text for c in tables[0].rows[0]] == ["Name of organisation", "Fife Council"]
    assert tables[1].rows[1][0].text == "Kinship care team (R2)\nFamily group conferencing"


def test_rtf_is_read_into_the_document_model_as_rtf() -> None:
    document = read_legacy(RTF_RETURN, ExtractContext.build(limits=Limits()))
    assert (document.media_type, document.pages) == ("application/rtf", None)
    paragraphs = [b.text for b in document.blocks if isinstance(b, Paragraph) and b.text]
    assert paragraphs == [
        "Changing Lives: Self Assessment Return",
        "Section 1: Children and families",
        "Signed: J. Smith",
    ]


def test_truncated_doc_is_refused_as_unreadable(filled_template_doc: bytes) -> None:
    with pytest.raises(UnreadableDocument) as caught:
        read_legacy(filled_template_doc[:3000], ExtractContext.build(limits=Limits()))
    assert str(caught.value) == "LibreOffice could not read this .doc file"


def _leftover_converters() -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if "returns-legacy-" in cmdline:
                found.append(cmdline)
    return found


def test_slow_conversion_times_out_and_leaves_no_libreoffice_running(
    filled_template_doc: bytes,
) -> None:
    started = time.monotonic()
    with pytest.raises(ConversionTimeout) as caught:
        convert_to_docx(filled_template_doc, detect.DOC, Limits(convert_timeout_s=0.2))
    assert time.monotonic() - started < 5
    assert str(caught.value) == "LibreOffice did not convert this .doc file within 0.2 s"
    time.sleep(0.5)  # SIGKILL is delivered asynchronously
    assert _leftover_converters() == []


def test_missing_libreoffice_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    with pytest.raises(ConfigurationError, match="apt-get install -y --no-install-recommends"):
        convert_to_docx(RTF_RETURN, detect.RTF, Limits())
