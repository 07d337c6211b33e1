"""Tesseract, run as a subprocess on one image, with its errors put in words.

`run_tesseract` is the one place the OCR reader calls Tesseract (the page, and the
crops read again in `extractors.ocr.rereads`); `remaining` turns a page's deadline
into the time left for the next call.
"""

from __future__ import annotations

import os
import time

import pytesseract
from PIL import Image

from core.errors import ConversionTimeout, UnreadableDocument
from extractors.ocr.words import OcrWord


def remaining(deadline: float, number: int) -> float:
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


__all__ = ["remaining", "run_tesseract"]
