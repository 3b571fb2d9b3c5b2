"""HTML to plain text for titles, teasers and hashes.

Built on the standard library's tolerant `HTMLParser`, which never raises on broken markup
and decodes entities, so a hostile title costs linear time and yields text, not an error.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags whose start or end marks a paragraph boundary in the text we keep.
BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "table", "tr", "section", "article", "header", "footer",
        "figure", "figcaption", "hr",
    }
)  # fmt: skip
SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*(?:\n\s*)*")


class _TextCollector(HTMLParser):
    """Collects character data, marking block boundaries with newlines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(markup: str, *, paragraphs: bool = False) -> str:
    """Strip tags and decode entities.

    With `paragraphs`, block elements become blank-line separated paragraphs; otherwise all
    whitespace collapses to single spaces (what a title or a hash wants).
    """
    if "<" not in markup and "&" not in markup:
        text = markup
    else:
        collector = _TextCollector()
        collector.feed(markup)
        collector.close()
        text = "".join(collector.parts)
    if not paragraphs:
        return " ".join(text.split())
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
