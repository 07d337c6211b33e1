"""The one markdown escaper for everything the dashboard shows (status board, chase run,
intake summary, reports): text an outside sender wrote (a subject, a file name, a
position, a sender address) goes through `md` before it goes into markdown.

    md(value, width=300)   one line (line breaks and other control characters become
                           spaces), cut at `width` characters with "…", `& < >` as HTML
                           entities (no tag, no autolink) and `\\ | [ ] * _ ` # ~`
                           backslash-escaped (no table break, link, image, emphasis,
                           code or heading); None is "", booleans "yes"/"no", lists
                           joined with "; "
"""

from __future__ import annotations

from typing import Any

MAX_CELL = 300
_SPECIALS = "|[]*_`#~"


def md(value: Any, width: int = MAX_CELL) -> str:
    """`value` safe inside markdown, a table cell included (see module)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list | tuple):
        text = "; ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in _SPECIALS:
        text = text.replace(char, "\\" + char)
    return text
