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
   (confidence < 60) are re-read once from a 3x enlarged crop as a single line
   (`--psm 7`), which fixes most small-print misreads at 150 dpi.
5. **Words** (`extractors.ocr.words`): tick-box glyphs restored as ☒/☐, ink that
   no confident word explains (the handwritten signature) -> `Box` images with
   the garbage OCR inside them dropped, dust and noise dropped.

Coordinates are pixels of the deskewed page image, origin top left.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytesseract
from PIL import Image

from core.errors import ConversionTimeout, UnreadableDocument
from extractors.layout.types import Box, PageLayout
from extractors.limits import Limits
from extractors.ocr import image as ocr_image
from extractors.ocr.marks import drop_noise, fit_to_ink, mark_tick_boxes, signature_regions, stray_marks
from extractors.ocr.words import (
    GOOD_CONFIDENCE,
    OcrWord,
    has_glitch,
    normalise_words,
    to_layout_words,
)

PSM = 3
REREAD_SCALE = 3
MAX_REREADS = 10  # per page: each is one more Tesseract run (~0.1 s)
MAX_PIXELS = 40_000_000  # rendering bound for huge pages
MARK_SCALE = 2  # stray marks are read at twice the scan's size
MAX_MARKS = 60  # per page, all read in one Tesseract run


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

    words = run_tesseract(clean_image, number, _remaining(deadline, number), PSM)
    words = _reread_unsure(clean_image, words, number, deadline)
    words = _read_stray_marks(clean_image, text_ink, words, number, deadline)
    words = mark_tick_boxes(words, text_ink, dpi)
    images = signature_regions(text_ink, words, dpi)
    words = normalise_words(fit_to_ink(drop_noise(words, images), text_ink))
    return PageLayout(
        number=number,
        width=float(straight.width),
        height=float(straight.height),
        words=to_layout_words(words),
        rules=rules,
        images=tuple(images),
        source="ocr",
    )


def _remaining(deadline: float, number: int) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ConversionTimeout(f"page {number}: OCR ran out of time")
    return left


def run_tesseract(image: Image.Image, number: int, timeout_s: float, psm: int) -> list[OcrWord]:
    """Tesseract's words for `image` (empty texts skipped), errors converted.

    Tesseract is kept to one core (``OMP_THREAD_LIMIT=1`` unless the operator set
    it): pages are OCRed in parallel by the pipeline, not inside Tesseract.
    """
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data = pytesseract.image_to_data(
            image,
            lang="eng",
            config=f"--psm {psm}",
            output_type=pytesseract.Output.DICT,
            timeout=max(timeout_s, 0.1),
        )
    except pytesseract.TesseractNotFoundError as err:
        raise UnreadableDocument(
            f"page {number} has no text layer and OCR is unavailable: tesseract is not installed"
        ) from err
    except RuntimeError as err:  # pytesseract's timeout
        if "timeout" in str(err).lower():
            raise ConversionTimeout(
                f"page {number}: OCR did not finish within {timeout_s:.0f} s"
            ) from err
        raise UnreadableDocument(f"page {number} has no text layer and OCR failed: {err}") from err
    except (pytesseract.TesseractError, OSError) as err:
        raise UnreadableDocument(f"page {number} has no text layer and OCR failed: {err}") from err
    words: list[OcrWord] = []
    for i, text in enumerate(data["text"]):
        text = str(text).strip()
        if not text:
            continue
        words.append(
            OcrWord(
                text=text,
                conf=float(data["conf"][i]),
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                line=(int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])),
            )
        )
    return words


def _reread_unsure(
    image: Image.Image, words: list[OcrWord], number: int, deadline: float
) -> list[OcrWord]:
    """Re-read low-confidence words from an enlarged crop; keep the surer reading."""
    unsure = [
        i
        for i, w in enumerate(words)
        if (w.conf <= GOOD_CONFIDENCE or has_glitch(w.text))
        and w.height >= 6
        and any(ch.isalnum() for ch in w.text)
    ]
    unsure.sort(key=lambda i: words[i].conf)
    replaced: dict[int, list[OcrWord]] = {}
    for i in unsure[:MAX_REREADS]:
        word = words[i]
        pad = max(4, word.height // 3)
        box = (word.left - pad, word.top - pad, word.right + pad, word.bottom + pad)
        crop = image.crop(box)
        big = crop.resize(
            (crop.width * REREAD_SCALE, crop.height * REREAD_SCALE), Image.Resampling.LANCZOS
        )
        again = run_tesseract(big, number, _remaining(deadline, number), psm=7)
        if not again:
            continue
        mean_conf = sum(w.conf for w in again) / len(again)
        if mean_conf <= word.conf:
            continue
        replaced[i] = [
            OcrWord(
                text=w.text,
                conf=w.conf,
                left=box[0] + w.left // REREAD_SCALE,
                top=box[1] + w.top // REREAD_SCALE,
                width=max(1, w.width // REREAD_SCALE),
                height=max(1, w.height // REREAD_SCALE),
                line=word.line,
            )
            for w in again
        ]
    out: list[OcrWord] = []
    for i, w in enumerate(words):
        out.extend(replaced.get(i, [w]))
    return out


def _read_stray_marks(
    image: Image.Image,
    ink: ocr_image.Ink,
    words: list[OcrWord],
    number: int,
    deadline: float,
) -> list[OcrWord]:
    """Words added for the stray marks left of text lines (list numbers Tesseract skipped).

    Each mark is cropped together with the first word of its line ("2. Substance":
    a lone "2." loses its full stop), the crops are stacked into one image at
    `MARK_SCALE` and read in a single Tesseract run as a block (`--psm 6`); a
    reading whose middle falls on the mark, confident and holding a letter or
    digit, joins the line.
    """
    marks = stray_marks(ink, words)[:MAX_MARKS]
    if not marks:
        return words
    firsts: dict[tuple[int, int, int], OcrWord] = {}
    for w in words:
        if w.conf >= GOOD_CONFIDENCE and (w.line not in firsts or w.left < firsts[w.line].left):
            firsts[w.line] = w
    pad, gap = 4, 20 * MARK_SCALE
    crops: list[tuple[Box, tuple[int, int, int], tuple[int, int, int, int], Image.Image]] = []
    for mark, line in marks:
        first = firsts[line]
        box = (
            int(mark.x0) - pad,
            min(int(mark.top), first.top) - pad,
            first.right + pad,
            max(int(mark.bottom), first.bottom) + pad,
        )
        crop = image.crop(box)
        crop = crop.resize(
            (crop.width * MARK_SCALE, crop.height * MARK_SCALE), Image.Resampling.LANCZOS
        )
        crops.append((mark, line, box, crop))
    width = max(c.width for *_, c in crops) + 2 * gap
    height = sum(c.height for *_, c in crops) + gap * (len(crops) + 1)
    strip = Image.new("L", (width, height), 255)
    bands: list[int] = []
    y = gap
    for *_, crop in crops:
        strip.paste(crop, (gap, y))
        bands.append(y)
        y += crop.height + gap
    added: list[OcrWord] = []
    read: list[Box] = []
    for w in run_tesseract(strip, number, _remaining(deadline, number), psm=6):
        if w.conf < GOOD_CONFIDENCE or not any(ch.isalnum() for ch in w.text):
            continue
        cy, cx = w.top + w.height / 2, w.left + w.width / 2 - gap
        for (mark, line, box, crop), top in zip(crops, bands, strict=True):
            if not top <= cy <= top + crop.height:
                continue
            x0 = box[0] + w.left // MARK_SCALE - gap // MARK_SCALE
            if mark.x0 - pad <= box[0] + cx / MARK_SCALE <= mark.x1 + pad:
                added.append(
                    OcrWord(
                        text=w.text,
                        conf=w.conf,
                        left=x0,
                        top=box[1] + (w.top - top) // MARK_SCALE,
                        width=max(1, w.width // MARK_SCALE),
                        height=max(1, w.height // MARK_SCALE),
                        line=line,
                    )
                )
                read.append(mark)
            break
    # An unsure word on a mark that was read again ("ue" for "1.") gives way to it.
    kept = [
        w
        for w in words
        if w.conf >= GOOD_CONFIDENCE
        or not any(
            m.x0 <= w.left + w.width / 2 <= m.x1 and m.top <= w.top + w.height / 2 <= m.bottom
            for m in read
        )
    ]
    return kept + added


__all__ = ["layout_from_image", "page_image", "run_tesseract", "scanned_page_layouts"]
