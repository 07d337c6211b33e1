"""Bounds that keep one hostile or huge file from taking the pipeline down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024  # a return is a few hundred KB; scans a few MB
    max_pages: int = 60  # the form is 2-4 pages; a long appendix is still fine
    convert_timeout_s: float = 90.0  # LibreOffice .doc/.rtf -> .docx, per file
    ocr_timeout_s: float = 60.0  # Tesseract, per page
    ocr_dpi: int = 300  # render resolution for pages without an embedded scan image
    max_zip_entries: int = 5000  # .docx is a zip: refuse zip bombs
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_xml_part_bytes: int = 16 * 1024 * 1024  # one XML part of a .docx (a 60-page body is ~5 MB)
    max_stream_bytes: int = 50 * 1024 * 1024  # one PDF content stream, inflated
    max_image_pixels: int = 200_000_000  # one PDF image as declared (a 600 dpi A3 scan is 70 M)
