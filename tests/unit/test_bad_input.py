"""Broken, hostile and wrong files are refused through `extractors.read` with the
project's own errors: a one-line message naming the file, in bounded time."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

import extractors
from core.errors import (
    DocumentError,
    DocumentTooLarge,
    EncryptedDocument,
    UnreadableDocument,
    UnsupportedDocument,
)
from tests.factories import bad_files
from tests.hostile import build

SMALL_DOCX = bad_files.small_docx("Name of organisation: Fife Council")
SMALL_PDF = bad_files.small_pdf()


def refused(data: bytes, filename: str, expected: type[DocumentError], seconds: float) -> str:
    """Read `data`, expecting `expected` within `seconds`; return its message."""
    started = time.monotonic()
    with pytest.raises(DocumentError) as caught:
        extractors.read(data, extractors.ExtractContext.build(filename))
    elapsed = time.monotonic() - started
    assert type(caught.value) is expected, repr(caught.value)
    message = str(caught.value)
    assert message.startswith(f"{filename}: ")
    assert "\n" not in message
    assert elapsed < seconds
    return message


def test_empty_file_is_refused_as_unreadable() -> None:
    assert refused(b"", "empty.docx", UnreadableDocument, 1) == "empty.docx: the file is empty"


def test_truncated_pdf_is_refused_as_unreadable() -> None:
    refused(SMALL_PDF[: len(SMALL_PDF) // 3], "truncated.pdf", UnreadableDocument, 10)


def test_truncated_docx_is_refused_as_unreadable() -> None:
    refused(SMALL_DOCX[:3000], "truncated.docx", UnreadableDocument, 5)


def test_random_bytes_are_refused_as_unsupported() -> None:
    message = refused(bytes(range(256)) * 16, "noise.docx", UnsupportedDocument, 1)
    assert message == "noise.docx: a file of unknown type is not a format returns are read from"


def test_password_protected_pdf_is_refused_as_encrypted() -> None:
    message = refused(bad_files.encrypted_pdf(), "locked.pdf", EncryptedDocument, 5)
    assert message == "locked.pdf: the PDF is encrypted and needs a password to open"


def test_password_protected_docx_is_refused_as_encrypted() -> None:
    message = refused(bad_files.password_protected_docx(), "locked.docx", EncryptedDocument, 1)
    assert message == (
        "locked.docx: the document is password-protected; please send it again without a password"
    )


def test_spreadsheet_renamed_docx_is_refused_as_unsupported() -> None:
    message = refused(bad_files.spreadsheet_xlsx(), "return.docx", UnsupportedDocument, 1)
    assert message == "return.docx: an Excel spreadsheet is not a format returns are read from"


@pytest.mark.parametrize(
    ("data", "kind"),
    [(bad_files.PNG_1X1, "a PNG image"), (bad_files.JPEG_HEADER, "a JPEG image")],
)
def test_image_renamed_pdf_is_refused_as_unsupported(data: bytes, kind: str) -> None:
    message = refused(data, "scan.pdf", UnsupportedDocument, 1)
    assert message == f"scan.pdf: {kind} is not a format returns are read from"


def test_300_page_pdf_is_refused_as_too_large_quickly() -> None:
    writer = PdfWriter()
    for _ in range(300):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    message = refused(out.getvalue(), "appendix.pdf", DocumentTooLarge, 5)
    assert message == "appendix.pdf: 300 pages is over the 60-page limit for a return"


def test_zip_bomb_disguised_as_docx_is_refused_without_inflating_it() -> None:
    message = refused(bad_files.zip_bomb_docx(201), "bomb.docx", DocumentTooLarge, 1)
    assert message.endswith("refused as a likely zip bomb")


def test_docx_with_too_many_entries_is_refused_as_too_large() -> None:
    message = refused(bad_files.many_entries_docx(5001), "many.docx", DocumentTooLarge, 2)
    assert message == (
        "many.docx: the archive holds 5,001 entries, over the limit of 5,000 "
        "(a Word document holds a few dozen)"
    )


# -- hostile PDFs fail fast, before pdfminer walks them (extractors.pdf.guard) ---------

LOOP = "the PDF's page tree loops back on itself"
OBJECT_LOOP = "the PDF's objects refer to each other in a loop"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (build.pdf_count_loop, LOOP),
        (build.pdf_mediabox_loop, LOOP),
        (build.pdf_pages_self_reference, LOOP),
        (build.pdf_kids_loop, LOOP),
        (build.pdf_font_loop, f"page 1 could not be read: {OBJECT_LOOP} (object 5)"),
        (build.pdf_info_loop, f"the PDF could not be opened: {OBJECT_LOOP} (object 4)"),
    ],
    ids=["count", "mediabox", "pages", "kids", "font", "info"],
)
def test_a_reference_loop_is_refused_instead_of_spinning(make: Callable[[], bytes], message: str) -> None:
    assert refused(make(), "loop.pdf", UnreadableDocument, 10) == f"loop.pdf: {message}"


def test_100000_pages_declaring_count_1_are_refused_from_the_raw_kids() -> None:
    message = refused(build.pdf_count_lie(100_000), "lie.pdf", DocumentTooLarge, 10)
    assert message == "lie.pdf: 100,000 pages is over the 60-page limit for a return"


def test_pages_spread_over_a_tree_are_counted_not_trusted() -> None:
    message = refused(build.pdf_count_lie(100_000, fanout=50), "lie.pdf", DocumentTooLarge, 10)
    assert message == (
        "lie.pdf: the PDF says it has 1 page but holds more than 60 pages, over the 60-page limit for a return")


def test_a_content_stream_bomb_is_refused_after_inflating_the_limit_only() -> None:
    message = refused(build.pdf_deflate_bomb(1024), "bomb.pdf", DocumentTooLarge, 10)
    assert message == (
        "bomb.pdf: page 1's content inflates to more than 52,428,800 bytes; refused as a likely decompression bomb")


def test_a_content_stream_under_the_limit_is_read() -> None:
    ctx = extractors.ExtractContext.build("ok.pdf")
    document = extractors.read(build.pdf_undefined_font().replace(b"/F9", b"/F1"), ctx)
    assert [getattr(block, "text", None) for block in document.blocks] == ["Dear Jane"]


def test_an_image_declaring_900_megapixels_is_refused() -> None:
    message = refused(build.pdf_huge_image(30_000), "image.pdf", DocumentTooLarge, 10)
    assert message == (
        "image.pdf: page 1 holds an image of 30,000 x 30,000 pixels, over the limit of 200,000,000 pixels")


def test_pdf_library_warnings_never_reach_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(DocumentError):
        extractors.extract(build.pdf_undefined_font(), extractors.ExtractContext.build("font.pdf"))
    assert capfd.readouterr().err == ""


# -- hostile Word files -----------------------------------------------------------------


def test_a_190_mb_xml_body_is_refused_before_it_is_parsed() -> None:
    message = refused(build.docx_huge_body(190), "body.docx", DocumentTooLarge, 10)
    assert message == (
        "body.docx: its part 'word/document.xml' would inflate to 199,206,126 bytes of XML, over the limit of "
        "16,777,216 (a long Word document holds a few MB)")


def test_an_entity_bomb_is_refused_by_the_xml_parser() -> None:
    message = refused(build.docx_billion_laughs(), "laughs.docx", UnreadableDocument, 10)
    assert message.startswith("laughs.docx: the Word file's XML could not be read (Maximum entity amplification")


def test_an_external_entity_reads_as_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    document = extractors.read(build.docx_external_entity(secret.as_uri()), extractors.ExtractContext.build("x.docx"))
    assert [getattr(block, "text", None) for block in document.blocks] == [
        "Name of organisation: ", "Dear Jane, our return is attached."]


def test_a_macro_enabled_document_is_read_as_xml_only() -> None:
    document = extractors.read(build.docm_with_macros(["Hello"]), extractors.ExtractContext.build("m.docm"))
    assert (document.media_type, [getattr(b, "text", None) for b in document.blocks]) == (
        "application/vnd.ms-word.document.macroEnabled.12", ["Hello"])


# -- fuzzing: whatever the bytes, only DocumentError comes out -------------------------

_FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


def _read_or_refuse(data: bytes, filename: str) -> None:
    try:
        extractors.read(data, extractors.ExtractContext.build(filename))
    except DocumentError as err:
        assert str(err).startswith(f"{filename}: ")


@_FUZZ
@given(data=st.binary(max_size=4096))
def test_arbitrary_bytes_raise_only_document_errors(data: bytes) -> None:
    _read_or_refuse(data, "fuzz.docx")


def _mutate(original: bytes) -> st.SearchStrategy[bytes]:
    """Truncations and byte flips of a real file."""
    edits = st.lists(
        st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), min_size=1, max_size=8
    )

    def apply(cut: int, changes: list[tuple[int, int]]) -> bytes:
        data = bytearray(original[:cut])
        for at, value in changes:
            if at < len(data):
                data[at] = value
        return bytes(data)

    return st.builds(apply, st.integers(1, len(original)), edits)


@_FUZZ
@given(data=_mutate(SMALL_DOCX))
def test_mutated_docx_raises_only_document_errors(data: bytes) -> None:
    _read_or_refuse(data, "mutated.docx")


@_FUZZ
@given(data=_mutate(SMALL_PDF))
def test_mutated_pdf_raises_only_document_errors(data: bytes) -> None:
    _read_or_refuse(data, "mutated.pdf")
