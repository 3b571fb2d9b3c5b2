"""Deciding when a feed item is only a teaser, and extracting article text from its page.

Extraction uses trafilatura, chosen over readability-lxml and jusText on measured
boilerplate removal (see docs/feeds.md): news pages carry cookie banners, event promotions
("Register here"), related links and newsletter boxes that would otherwise reach the
classifier as if the outlet had said them.
"""

from __future__ import annotations

import re

import trafilatura

from bot.feeds.text import html_to_text
from bot.models import FeedItem

TEASER_WORDS = 80
# Endings outlets use to say "the rest is on the site".
_TEASER_ENDINGS = re.compile(
    r"(…|\.\.\.|\[…\]|\[\.\.\.\]|read more|continue reading|read the full (story|article))"
    r"\W*$",
    re.IGNORECASE,
)
MIN_ARTICLE_WORDS = 40
# Promotions and sign-up boxes placed inside the article body survive generic boilerplate
# detection; they are recognisable by their class or id names, so they are pruned first.
_BOILERPLATE_MARKERS = ("promo", "newsletter", "cookie", "related", "advert", "sponsor", "signup")
PRUNE_XPATH = [
    f"//*[contains(@class, '{marker}') or contains(@id, '{marker}')]"
    for marker in _BOILERPLATE_MARKERS
]
_LINE_BREAKS = re.compile(r"\s*\n\s*")


def needs_page(item: FeedItem) -> bool:
    """True when the feed gives only a teaser, so the article page should be fetched.

    The fuller of content and summary is judged: under `TEASER_WORDS` words of text, or
    ending in an ellipsis or a "Read more" link, means the story is on the page.
    """
    text = max(
        (html_to_text(item.content), html_to_text(item.summary)), key=lambda t: len(t.split())
    )
    return len(text.split()) < TEASER_WORDS or bool(_TEASER_ENDINGS.search(text))


def extract_article(html: bytes | str, url: str) -> str | None:
    """The article text of a page, paragraphs separated by blank lines; None if there is none.

    Precision is favoured over recall: a missing paragraph costs less than a promotion or a
    related headline read as part of the story. Pages with fewer than `MIN_ARTICLE_WORDS`
    words of main text (index pages, paywalls, errors) give None.
    """
    text = trafilatura.extract(
        html,
        url=url,
        output_format="txt",
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
        prune_xpath=PRUNE_XPATH,
    )
    if not text or len(text.split()) < MIN_ARTICLE_WORDS:
        return None
    return _LINE_BREAKS.sub("\n\n", text.strip())
