"""Plain text from an HTML mail body, for spotting a return pasted into the email.

    html_to_text(html) -> str   visible text only: tags, scripts, styles and comments
                                dropped; block elements and <br> become line breaks

Layout is not kept (that is the extractors' job for documents); the text is used only
to recognise the return's headings and answers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset({
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
    "blockquote", "pre", "hr", "td", "th",
})
_INVISIBLE = frozenset({"script", "style", "head", "title"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.chunks.append("\t" if tag in ("td", "th") else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS and tag not in ("td", "th"):
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.chunks).splitlines())
    # cells of a row end up on one line, separated by a space
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
