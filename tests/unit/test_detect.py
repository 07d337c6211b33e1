"""Type detection from bytes, and the zip guard that runs before anything is inflated."""

from __future__ import annotations

import tracemalloc

import pytest

from core.errors import DocumentTooLarge, EncryptedDocument, UnreadableDocument
from extractors import detect
from extractors.limits import Limits
from extractors.zipguard import check_zip
from tests.factories import bad_files


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return bad_files.zip_bomb_docx(inflated_mb=201)


def test_word_document_is_detected_by_content_not_name() -> None:
    assert detect.sniff(bad_files.small_docx(), "return.pdf") == detect.DOCX


def test_pdf_is_detected_with_junk_before_the_header() -> None:
    assert detect.sniff(b"\r\n" + bad_files.small_pdf(), "return.docx") == detect.PDF


def test_rtf_is_detected_after_a_byte_order_mark() -> None:
    assert detect.sniff(b"\xef\xbb\xbf{\\rtf1\\ansi hello}", None) == detect.RTF


def test_spreadsheet_renamed_docx_is_detected_as_a_spreadsheet() -> None:
    assert detect.sniff(bad_files.spreadsheet_xlsx(), "return.docx") == detect.XLSX


@pytest.mark.parametrize(
    ("data", "media_type", "description"),
    [
        (bad_files.PNG_1X1, detect.PNG, "a PNG image"),
        (bad_files.JPEG_HEADER, detect.JPEG, "a JPEG image"),
        (b"GIF89a\x01\x00\x01\x00", detect.GIF, "a GIF image"),
    ],
)
def test_images_renamed_pdf_are_detected_as_images(
    data: bytes, media_type: str, description: str
) -> None:
    assert detect.sniff(data, "return.pdf") == media_type
    assert detect.describe(media_type) == description


def test_random_bytes_are_of_unknown_type() -> None:
    assert detect.sniff(bytes(range(256)) * 4, "return.docx") == detect.UNKNOWN


def test_truncated_docx_is_still_detected_as_docx() -> None:
    assert detect.sniff(bad_files.small_docx()[:3000], "return.docx") == detect.DOCX


def test_zip_with_a_made_up_mimetype_entry_is_only_a_zip() -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/pdf")
    assert detect.sniff(out.getvalue(), "return.pdf") == detect.ZIP


def test_opendocument_text_is_detected_from_its_mimetype_entry() -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", detect.ODT)
    assert detect.sniff(out.getvalue(), "return.odt") == detect.ODT
    assert detect.describe(detect.ODT) == "an OpenDocument text file"


def test_password_protected_docx_is_refused_as_encrypted_when_sniffed() -> None:
    with pytest.raises(EncryptedDocument) as caught:
        detect.sniff(bad_files.password_protected_docx(), "fife-return.docx")
    assert str(caught.value) == (
        "fife-return.docx: the document is password-protected; "
        "please send it again without a password"
    )


def test_zip_bomb_docx_is_refused_by_sniff_without_inflating_it(zip_bomb: bytes) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(DocumentTooLarge) as caught:
            detect.sniff(zip_bomb, "bomb.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # refused from the declared sizes: 201 MB never inflated
    assert str(caught.value) == (
        "bomb.docx: the archive would inflate to more than 209,715,200 bytes "
        "(entry 'word/document.xml' alone declares 210,763,776); refused as a likely zip bomb"
    )


def test_check_zip_refuses_a_zip_bomb(zip_bomb: bytes) -> None:
    with pytest.raises(DocumentTooLarge, match="refused as a likely zip bomb"):
        check_zip(zip_bomb, Limits())


def test_check_zip_refuses_too_many_entries() -> None:
    data = bad_files.many_entries_docx(entries=101)
    with pytest.raises(DocumentTooLarge) as caught:
        check_zip(data, Limits(max_zip_entries=100))
    assert str(caught.value) == (
        "the archive holds 101 entries, over the limit of 100 (a Word document holds a few dozen)"
    )


def test_check_zip_accepts_a_real_docx() -> None:
    assert check_zip(bad_files.small_docx(), Limits()) is None


def test_check_zip_calls_a_truncated_docx_unreadable() -> None:
    with pytest.raises(UnreadableDocument, match=r"^the file is not a readable zip archive"):
        check_zip(bad_files.small_docx()[:3000], Limits())
