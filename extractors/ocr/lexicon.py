"""English words, taken from Tesseract's own language data, to tell a misread word.

Tesseract's ``eng.traineddata`` holds the word list its recogniser prefers (about
340,000 words). The tools installed with Tesseract unpack it (``combine_tessdata
-e``) and print it (``dawg2wordlist``); that takes under a second, once per process,
and the words are kept in memory in lower case. When the tools or the data are
missing, `english_words` gives None and the OCR reader simply skips the check.

`is_known` says whether a token, punctuation stripped, is a word of the list: every
part of a hyphenated word must be ("front-line"), a word in capitals (an acronym,
"SSSC") always counts as known, and so does anything with a digit.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import pytesseract

_TOOL_TIMEOUT_S = 30
_LANG_DIR = re.compile(r'"([^"]+)"')
_EDGES = "()[]{}\"'‘’“”.,;:!?"
_WORDLIKE = re.compile(r"^[A-Za-z][A-Za-z'’-]*$")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str] | None:
    """Tesseract's English word list in lower case, or None when it cannot be read."""
    tesseract = shutil.which(pytesseract.pytesseract.tesseract_cmd)
    combine, dawg2wordlist = shutil.which("combine_tessdata"), shutil.which("dawg2wordlist")
    if tesseract is None or combine is None or dawg2wordlist is None:
        return None
    try:
        listing = subprocess.run(
            [tesseract, "--list-langs"], capture_output=True, text=True, timeout=_TOOL_TIMEOUT_S, check=True
        )
        found = _LANG_DIR.search(listing.stdout + listing.stderr)
        if found is None:
            return None
        data = Path(found.group(1)) / "eng.traineddata"
        with tempfile.TemporaryDirectory(prefix="ocr-lexicon-") as tmp:
            dawg, charset, out = (Path(tmp) / name for name in ("eng.lstm-word-dawg", "eng.lstm-unicharset", "w"))
            subprocess.run(
                [combine, "-e", str(data), str(dawg), str(charset)],
                capture_output=True, timeout=_TOOL_TIMEOUT_S, check=True,
            )
            subprocess.run(
                [dawg2wordlist, str(charset), str(dawg), str(out)],
                capture_output=True, timeout=_TOOL_TIMEOUT_S, check=True,
            )
            words = frozenset(line.strip().lower() for line in out.read_text(encoding="utf-8").splitlines())
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return None
    return words or None


def core(token: str) -> str:
    """`token` without the brackets, quotes and punctuation around it."""
    return token.strip(_EDGES)


def is_checkable(token: str) -> bool:
    """A lower-case or capitalised word of three letters or more (not an acronym)."""
    word = core(token)
    return len(word) >= 3 and bool(_WORDLIKE.match(word)) and not word.isupper()


def is_known(token: str, words: frozenset[str]) -> bool:
    word = core(token).replace("’", "'")
    if not is_checkable(word):
        return True
    return all(part.lower() in words for part in word.split("-") if part)
