"""Identity of an email and of a submission: one definition for the mail and the warehouse.

    normalise_message_id(" <a@b> ")   -> "<a@b>"      (None when unusable)
    submission_key(message_id, sha)   -> "mid:<a@b>"  or "sha:<raw sha256>"
"""

from __future__ import annotations

import hashlib
import re

MAX_MESSAGE_ID = 998  # RFC 5322 line limit; anything longer is not a usable id
_BRACKETED = re.compile(r"<([^<>\s]+)>")


def normalise_message_id(value: str | None) -> str | None:
    """`<id@host>` from a Message-ID header value (comments, folding and stray text
    removed); None when there is none or it is unusable."""
    if not value:
        return None
    text = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value).strip()
    found = _BRACKETED.search(text)
    ident = found.group(1) if found else "".join(text.split()).strip("<>")
    if not ident or len(ident) + 2 > MAX_MESSAGE_ID:
        return None
    return f"<{ident}>"


def submission_key(message_id: str | None, raw_sha256: str) -> str:
    """The identity of an email: `mid:<id>` when it has a Message-ID, else `sha:<raw>`."""
    normal = normalise_message_id(message_id)
    if normal is None:
        return f"sha:{raw_sha256}"
    if len(normal) > 512:
        return "mid-sha:" + hashlib.sha256(normal.encode("utf-8", "replace")).hexdigest()
    return f"mid:{normal}"
