"""Attachment file names: decoded for display, sanitised for anything path-like.

    part_filename(part)        the name as the sender meant it: RFC 2231
                               (`filename*=utf-8''...`, continuations), encoded words
                               (`"=?utf-8?B?...?="`, which Outlook still sends; decoded
                               tolerantly by `mail.mime.headers.decode_words`), raw
                               UTF-8 bytes; Content-Disposition first, then the
                               Content-Type `name`; control characters removed
    safe_name(name, fallback)  an ASCII name that is safe even if used as a path: no
                               directory parts, no "..", no leading dot, no control or
                               shell-special characters, no Windows device names, at
                               most `max_len` characters with the extension kept

Callers never use a name from an email as a path; `safe_name` exists so that a
mistake there cannot write outside a folder.
"""

from __future__ import annotations

import re
import unicodedata
from email.message import Message

from mail.mime.headers import clean_display, decode_words

_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+,=@&'-]")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": "", "\u201d": ""})
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)


def part_filename(part: Message) -> str:
    """The decoded file name of a MIME part, or "" when it has none."""
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError, IndexError, AttributeError):
        name = None  # a header the email package cannot parse at all
    if name is None:
        param = part.get_param("name")
        name = param if isinstance(param, str) else None
    if not name:
        return ""
    return decode_words(str(name))


def safe_name(name: str, fallback: str = "attachment", max_len: int = 120) -> str:
    """A file name that can do no harm as a path (ASCII, no directories, capped)."""
    base = re.split(r"[/\\]", name)[-1]
    base = clean_display(base).translate(_DASHES).translate(_QUOTES)
    base = unicodedata.normalize("NFKD", base)
    base = "".join(c for c in base if not unicodedata.combining(c))
    base = _UNSAFE.sub("_", base)
    base = re.sub(r"_{2,}", "_", base)
    base = re.sub(r"\.{2,}", ".", base)
    base = base.strip(" ._")
    stem, ext = _split_ext(base)
    if not stem or set(stem) <= {"_"}:
        fallback_stem, fallback_ext = _split_ext(fallback)
        stem, ext = fallback_stem or "attachment", ext or fallback_ext
    if stem.split(".")[0].upper() in _WINDOWS_DEVICES:
        stem = "_" + stem
    ext = ext[:16]
    room = max_len - (len(ext) + 1 if ext else 0)
    stem = stem[: max(room, 1)].rstrip(" .")
    return f"{stem}.{ext}" if ext else stem


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    return (stem, ext) if dot and stem else (name, "")
