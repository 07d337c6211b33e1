"""OCR for PDF pages with no text layer: page image -> `PageLayout` in pixels.

`scanned_page_layouts(data, page_numbers, limits)` is what `pdf_reader` calls for
image-only pages. One page is held in memory at a time.

Per page:

1. **Image.** A page that is one upright image covering the page (a scan) yields
   that image at its native resolution; anything else is rendered with pdfium at
   `limits.ocr_dpi`.
2. **Clean-up** (`extractors.ocr.image`): grayscale, Otsu binarisation, skew from a
   projection-profile search over -5..+5 degrees, rotate level, isolated specks of
   dust painted white (`speck_mask`: tiny blobs with no other ink nearby; a full
   stop is larger and sits by its letter). Tesseract reads a speck in a word gap as
   "." or "," and glues it to the words around it ("policy.and").
3. **Rules.** Long thin runs of ink are table borders -> `Rule`s. They are painted
   white before OCR: Tesseract reads a cell border next to a letter as "|" or
   merges it into the word.
4. **Tesseract** (`image_to_data`, `--psm 3`, English) on the whole cleaned page.
   On the sample scans psm 3 read the most words right (psm 4 and 11 were close,
   psm 6 merged columns); one whole-page call is ~1.5 s where a call per table
   cell would cost ~0.1 s of process start each. Words Tesseract is unsure of
   (confidence < 60), and words in no English word list ("lacal"), are re-read
   once from a 3x enlarged crop as a single line (`--psm 7`), which fixes most
   small-print misreads at 150 dpi (`extractors.ocr.rereads`).
5. **Words**: tick-box glyphs restored as ☒/☐ (`marks`), bullets and dashes checked
   on the ink (`glyphs`), ink that no confident word explains (the handwritten
   signature) -> `Box` images with the garbage OCR inside them dropped, unless read
   again it is print after all (a label on a grey header row); dust and noise
   dropped; slips the context gives away mended (`slips`: quotes, "RS" for "R5",
   a stray full stop).

Coordinates are pixels of the deskewed page image, origin top left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from core.errors import UnreadableDocument
from extractors.layout.types import PageLayout
from extractors.limits import Limits
from extractors.ocr import image as ocr_image
from extractors.ocr.glyphs import mark_bullets, split_run_together
from extractors.ocr.lexicon import english_words
from extractors.ocr.marks import drop_flat_words, drop_noise, fit_to_ink, mark_tick_boxes, signature_regions
from extractors.ocr.rereads import read_stray_marks, read_unread_regions, reread_unknown, reread_unsure
from extractors.ocr.slips import fix_slips
from extractors.ocr.tesseract import remaining, run_tesseract
from extractors.ocr.words import normalise_words, to_layout_words

PSM = 3
MAX_PIXELS = 40_000_000  # rendering bound for huge pages


def scanned_page_layouts(
    data: bytes, page_numbers: Sequence[int], limits: Limits
) -> Iterator[PageLayout]:
    """OCR the given 1-based pages of the PDF in `data`, one `PageLayout` per page.

    Raises `UnreadableDocument` (PDF or page unreadable, Tesseract missing or
    failing) and `ConversionTimeout` (a page took over `limits.ocr_timeout_s`).
    """
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise UnreadableDocument(f"the PDF could not be opened for OCR: {err}") from err
    try:
        count = len(pdf)
        for number in page_numbers:
            if not 1 <= number <= count:
                raise UnreadableDocument(f"page {number} is not in the PDF ({count} pages)")
            image, dpi = page_image(pdf, number, limits)
            yield layout_from_image(image, number, limits.ocr_timeout_s, dpi)
            del image
    finally:
        pdf.close()


def page_image(pdf: pdfium.PdfDocument, number: int, limits: Limits) -> tuple[Image.Image, float]:
    """The page as a grayscale image and its resolution in dots per inch.

    The embedded scan at native resolution when the page is a single upright image
    covering the page, else a pdfium rendering at `limits.ocr_dpi`.
    """
    page = pdf[number - 1]
    try:
        embedded = _embedded_scan(page)
        if embedded is not None:
            return embedded
        width_pt, height_pt = page.get_size()
        scale = limits.ocr_dpi / 72.0
        pixels = width_pt * height_pt * scale * scale
        if pixels > MAX_PIXELS:
            scale *= (MAX_PIXELS / pixels) ** 0.5
        try:
            bitmap = page.render(scale=scale, grayscale=True)
            image = ocr_image.to_gray(bitmap.to_pil())
        except pdfium.PdfiumError as err:
            raise UnreadableDocument(f"page {number} could not be rendered for OCR: {err}") from err
        return image, scale * 72.0
    finally:
        page.close()


def _embedded_scan(page: pdfium.PdfPage) -> tuple[Image.Image, float] | None:
    if page.get_rotation() % 360 != 0:
        return None
    try:
        objects = list(page.get_objects())
        if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return None
        obj = objects[0]
        a, b, c, d, _, _ = obj.get_matrix().get()
        width_pt, height_pt = page.get_size()
        upright = a > 0 and d > 0 and abs(b) < 1e-3 * a and abs(c) < 1e-3 * d
        if not upright or a * d < 0.85 * width_pt * height_pt:
            return None
        px_width, px_height = obj.get_px_size()
        if px_width * px_height > MAX_PIXELS:
            return None
        image = ocr_image.to_gray(obj.get_bitmap(render=False).to_pil())
    except pdfium.PdfiumError:
        return None  # an image pdfium cannot decode on its own: render the page instead
    dpi = image.width / (a / 72.0)
    if not 50 <= dpi <= 1200:
        return None
    return image, dpi


def layout_from_image(
    image: Image.Image, number: int, timeout_s: float, dpi: float = 300.0
) -> PageLayout:
    """OCR one page image (any mode) into a `PageLayout` in deskewed pixels."""
    deadline = time.monotonic() + timeout_s
    gray = ocr_image.to_gray(image)
    values = np.asarray(gray)
    threshold = ocr_image.otsu_threshold(values)
    angle = ocr_image.estimate_skew(ocr_image.binarise(values, threshold))
    straight = ocr_image.deskew(gray, angle)
    values = np.asarray(straight)
    ink = ocr_image.binarise(values, threshold)
    specks = ocr_image.speck_mask(ink, dpi)
    ink &= ~specks
    rules = ocr_image.find_rules(ink)
    lines_mask = ocr_image.rule_mask(ink.shape, rules, margin=2)
    cleaned = values.copy()
    cleaned[lines_mask | specks] = 255
    clean_image = Image.fromarray(cleaned)
    text_ink = ink & ~lines_mask

    words = run_tesseract(clean_image, number, remaining(deadline, number), PSM)
    words = reread_unsure(clean_image, words, number, deadline)
    words = reread_unknown(clean_image, words, number, deadline, english_words())
    words = read_stray_marks(clean_image, text_ink, words, number, deadline)
    words = mark_bullets(mark_tick_boxes(words, text_ink, dpi), text_ink)
    words = split_run_together(words, text_ink, english_words())
    images = signature_regions(text_ink, words, dpi)
    words, images = read_unread_regions(clean_image, text_ink, words, images, number, deadline)
    words = drop_flat_words(fit_to_ink(drop_noise(words, images), text_ink))
    words = fix_slips(normalise_words(words))
    return PageLayout(
        number=number,
        width=float(straight.width),
        height=float(straight.height),
        words=to_layout_words(words),
        rules=rules,
        images=tuple(images),
        source="ocr",
    )


__all__ = ["layout_from_image", "page_image", "run_tesseract", "scanned_page_layouts"]
