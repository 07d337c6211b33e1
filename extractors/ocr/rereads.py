"""Words read a second time, from crops of the page, where the first reading failed.

One whole-page Tesseract run reads most of a scan; these passes mend what it got
wrong, each bounded per page (one Tesseract process costs ~0.1 s):

* `reread_unsure`: low-confidence words, each from a 3x enlarged crop read as a line.
* `reread_unknown`: words in no English word list (`extractors.ocr.lexicon`), the
  same way; a new reading counts only when it is a word close to the first.
* `read_stray_marks`: glyph-sized ink left of a line that no word covers (the number
  column of a hanging-indent list), all marks stacked into one image.
* `read_unread_regions`: ink regions no word explains (signature candidates) that
  hold print after all, such as a label on a grey header row.

Coordinates are pixels of the deskewed page; `image` is the cleaned page image and
`ink` its ink mask (`extractors.ocr.image`).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
from PIL import Image, ImageOps
from rapidfuzz.distance import Levenshtein

from extractors.layout.types import Box
from extractors.ocr import image as ocr_image
from extractors.ocr.lexicon import core, is_checkable, is_known
from extractors.ocr.marks import stray_marks
from extractors.ocr.tesseract import remaining, run_tesseract
from extractors.ocr.words import GOOD_CONFIDENCE, OcrWord, has_glitch

REREAD_SCALE = 3
MAX_REREADS = 10  # per page: each is one more Tesseract run (~0.1 s)
MARK_SCALE = 2  # stray marks are read at twice the scan's size
MAX_MARKS = 60  # per page, all read in one Tesseract run
MAX_REGION_READS = 6  # unread ink regions read again per page (one or two Tesseract runs each)
REGION_WORD_CONF = 80.0  # every word read from such a region must be this sure to count as print
REGION_MARGIN = 20  # white pixels around such a region's crop
REGION_BLOCK = 10_000  # block numbers for those words' lines, apart from Tesseract's own
MAX_UNKNOWN_REREADS = 12  # words in no word list read again per page
MAX_UNKNOWN_EDITS = 2  # letters a new reading may change
LIST_NUMBER = re.compile(r"^\(?\d{1,2}[.)]$")


def reread_unsure(
    image: Image.Image, words: list[OcrWord], number: int, deadline: float
) -> list[OcrWord]:
    """Re-read low-confidence words from an enlarged crop; keep the surer reading.

    A list number ("1.", "2)") is left as read: cropped alone it has no context and
    comes back as letters ("ie"), which would lose the item's start.
    """
    unsure = [
        i
        for i, w in enumerate(words)
        if (w.conf <= GOOD_CONFIDENCE or has_glitch(w.text))
        and w.height >= 6
        and any(ch.isalnum() for ch in w.text)
        and not LIST_NUMBER.match(w.text)
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
        again = [
            OcrWord(
                text=w.text,
                conf=w.conf,
                left=box[0] + w.left // REREAD_SCALE,
                top=box[1] + w.top // REREAD_SCALE,
                width=max(1, w.width // REREAD_SCALE),
                height=max(1, w.height // REREAD_SCALE),
                line=word.line,
            )
            for w in run_tesseract(big, number, remaining(deadline, number), psm=7)
        ]
        # Only what stands on the word: the crop's margin holds bits of its neighbours.
        again = [w for w in again if word.left <= w.left + w.width / 2 <= word.right]
        if not again or sum(w.conf for w in again) / len(again) <= word.conf:
            continue
        replaced[i] = again
    out: list[OcrWord] = []
    for i, w in enumerate(words):
        out.extend(replaced.get(i, [w]))
    return out


def reread_unknown(
    image: Image.Image, words: list[OcrWord], number: int, deadline: float, lexicon: frozenset[str] | None
) -> list[OcrWord]:
    """Words that are in no English word list ("littte", "lacal", "Sociat") read again.

    Each is read from a 3x enlarged crop as a line (`--psm 7`), like an unsure word;
    the new reading replaces it only when it is a known word (or two, for words run
    together: "allthat") within two letters of the first reading. Names, places and
    the field's own words ("throughcare") read back the same and stay as they are.
    """
    if lexicon is None:
        return words
    out = list(words)
    unknown = [i for i, w in enumerate(words) if w.height >= 6 and not is_known(w.text, lexicon)]
    for i in unknown[:MAX_UNKNOWN_REREADS]:
        word = words[i]
        again = run_tesseract(_enlarged(image, word), number, remaining(deadline, number), psm=7)
        parts = core(" ".join(w.text for w in again)).split()
        first = core(word.text)
        if not parts or not all(is_checkable(p) and is_known(p, lexicon) for p in parts):
            continue
        if Levenshtein.distance(first.lower(), "".join(parts).lower()) > MAX_UNKNOWN_EDITS:
            continue
        lead = word.text[: word.text.index(first)] if first in word.text else ""
        trail = word.text[len(lead) + len(first) :]
        out[i] = replace(word, text=f"{lead}{' '.join(parts)}{trail}", conf=max(word.conf, GOOD_CONFIDENCE))
    return out


def _enlarged(image: Image.Image, word: OcrWord) -> Image.Image:
    pad = max(4, word.height // 3)
    crop = image.crop((word.left - pad, word.top - pad, word.right + pad, word.bottom + pad))
    return crop.resize((crop.width * REREAD_SCALE, crop.height * REREAD_SCALE), Image.Resampling.LANCZOS)


def read_unread_regions(
    image: Image.Image,
    ink: ocr_image.Ink,
    words: list[OcrWord],
    regions: list[Box],
    number: int,
    deadline: float,
) -> tuple[list[OcrWord], list[Box]]:
    """Printed text that Tesseract's page layout skipped, read from its region alone.

    Ink that no word explains is a signature candidate (`signature_regions`); but a
    shaded, noisy table cell can hide a printed label from the page layout too
    ("Strengths" on a grey header row). Each region is read once more on a white
    margin, from the page enlarged twice and, when that is unsure, from its ink mask
    (the grey of the shading gone): when every word comes back confident and one of
    them is a real word, the words join the page and the region is no picture.
    Handwriting reads back as unsure fragments and stays a picture (the signature).
    """
    kept: list[Box] = []
    added: list[OcrWord] = []
    read_regions: list[Box] = []
    for k, region in enumerate(regions):
        found = _read_region(image, ink, region, number, deadline) if k < MAX_REGION_READS else None
        if found is None:
            kept.append(region)
            continue
        added += [replace(w, line=(REGION_BLOCK + k, *w.line[1:])) for w in found]
        read_regions.append(region)
    # The unsure readings inside a region read again give way to the new reading.
    words = [
        w
        for w in words
        if w.conf >= GOOD_CONFIDENCE
        or not any(
            r.x0 <= w.left + w.width / 2 <= r.x1 and r.top <= w.top + w.height / 2 <= r.bottom for r in read_regions
        )
    ]
    return words + added, kept


def _read_region(
    image: Image.Image, ink: ocr_image.Ink, region: Box, number: int, deadline: float
) -> list[OcrWord] | None:
    """The print in `region`, in page pixels, or None when it does not read as print."""
    pad = 4
    x0, top = max(0, int(region.x0) - pad), max(0, int(region.top) - pad)
    x1, bottom = int(region.x1) + pad, int(region.bottom) + pad
    gray = image.crop((x0, top, x1, bottom))
    mask = Image.fromarray(np.where(ink[top:bottom, x0:x1], 0, 255).astype(np.uint8))
    for crop, scale in ((gray, MARK_SCALE), (mask, 1)):
        big = crop.resize((crop.width * scale, crop.height * scale), Image.Resampling.LANCZOS) if scale > 1 else crop
        big = ImageOps.expand(big, border=REGION_MARGIN, fill=255)  # Tesseract reads best with a margin
        read = run_tesseract(big, number, remaining(deadline, number), psm=6)
        confident = bool(read) and all(w.conf >= REGION_WORD_CONF for w in read)
        if confident and any(sum(ch.isalpha() for ch in w.text) >= 3 for w in read):
            return [
                replace(
                    w,
                    left=x0 + (w.left - REGION_MARGIN) // scale,
                    top=top + (w.top - REGION_MARGIN) // scale,
                    width=max(1, w.width // scale),
                    height=max(1, w.height // scale),
                )
                for w in read
            ]
    return None


def read_stray_marks(
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
    for w in run_tesseract(strip, number, remaining(deadline, number), psm=6):
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
    # An unsure word over a mark that was read again ("ue" for "1.") gives way to it.
    kept = [
        w
        for w in words
        if w.conf >= GOOD_CONFIDENCE
        or not any(
            w.left < m.x1 and m.x0 < w.right and w.top < m.bottom and m.top < w.bottom for m in read
        )
    ]
    return kept + added


__all__ = ["read_stray_marks", "read_unread_regions", "reread_unknown", "reread_unsure"]
