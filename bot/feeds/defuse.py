"""Defusing a feed body before feedparser: entity declarations disarmed, markup budgeted.

Entities: feedparser strips entity declarations only at the start of a line and keeps
"safe" ones (plain text values), which expat then expands. expat stops at a hundredfold
amplification, but a hundredfold of a 5 MiB body is 500 MB handed to Python a few dozen
characters at a time (a 1 MiB feed of one 10 kB entity used 200,000 times took 16 s).
Every declaration is disarmed instead; a feed that uses its own entities then goes
through the tolerant parser, which leaves `&name;` as literal text.

Markup: feedparser's cost grows with the number of tags, not bytes: a well-formed feed
costs about 20 µs a tag, and malformed XML goes through its tolerant fallback parser at
about twice that. Within the 5 MiB body cap a hostile feed can carry over a million tags
(half a minute of one executor thread), so the body is trimmed to `MAX_TAGS` tags.

Escaped tags (`&lt;p&gt;`, `&#60;p>`) cost as much, because feedparser unescapes and
sanitizes HTML content tag by tag, so every `&` counts as a tag too: an over-count for
`&amp;` and `&#8217;`, but one that no spelling of an escaped tag can slip past, and that
bytes.count measures at memory speed. Trimming keeps whole items from the top of the
document (feeds list newest first) and then the document's closing tags, so a well-formed
feed stays well-formed and keeps the fast parser.
"""

from __future__ import annotations

import itertools
import re
from collections import deque

# About 1 s of strict parsing, 2 s of the fallback; a thousand items with rich HTML fit.
MAX_TAGS = 50_000
# The closing part after the last item (`</channel></rss>`) is kept only when small, or a
# hostile feed could hide its markup there.
MAX_TRAILER_TAGS = 64

_TAG = re.compile(rb"[<&]")
# `<!ENTITY` in any case: XML is case-sensitive, but feedparser's tolerant parser is not.
_ENTITY_KEYWORD = re.compile(rb"<!(?=entity)", re.IGNORECASE)
_ITEM_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)


def defuse(body: bytes) -> bytes:
    """The body feedparser should parse: entity declarations disarmed, markup trimmed."""
    return trim_markup(disarm_entity_declarations(body))


def disarm_entity_declarations(body: bytes) -> bytes:
    """`body` with every `<!ENTITY` turned into `<!-ENTITY`, which declares nothing.

    Rewriting the keyword, not deleting whole declarations, takes one linear pass that
    cannot be walked around: deleting `<!ENTITY a "b">` from `<!ENTITY x <!ENTITY a "b">">`
    would assemble a new declaration, while the inserted `-` can never complete one.
    """
    return _ENTITY_KEYWORD.sub(b"<!-", body)


def count_tags(body: bytes) -> int:
    """An upper bound on the tags in `body`, raw or escaped."""
    return body.count(b"<") + body.count(b"&")


def trim_markup(body: bytes, max_tags: int = MAX_TAGS) -> bytes:
    """`body` unchanged when within `max_tags`, else its first items within the budget.

    When not even one whole item fits (markup piled into the header or into one item),
    the body is cut at the budget; feedparser's fallback reads such a prefix tolerantly.
    """
    if count_tags(body) <= max_tags:
        return body
    limit = _start_of_tag(body, max_tags + 1)
    cut = _last_item_end(body, 0, limit)
    if cut is None:
        return body[:limit]
    trailer_start = _last_item_end(body, cut, len(body)) or cut
    trailer = body[trailer_start:]
    if count_tags(trailer) > MAX_TRAILER_TAGS:
        return body[:cut]
    return body[:cut] + trailer


def _start_of_tag(body: bytes, number: int) -> int:
    """The offset where tag number `number` (1-based) starts; the caller knows it exists."""
    match = next(itertools.islice(_TAG.finditer(body), number - 1, None))
    return match.start()


def _last_item_end(body: bytes, start: int, end: int) -> int | None:
    """The offset just past the last closing item or entry tag in body[start:end]."""
    last = deque(_ITEM_END.finditer(body, start, end), maxlen=1)
    return last[0].end() if last else None
