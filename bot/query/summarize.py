"""`/exits summarize <url>`: fetch any article, analyse it on demand, and explain the verdict.

The page goes through the shared fetcher, so the address guard, the size cap and the
timeouts are the same as for feeds; a refused address or a timeout surfaces as the
fetcher's own FetchRefused / FetchFailed message. A page with no article text (a home
page, a PDF, a paywall) is refused with InvalidInput naming why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from yarl import URL

from bot.errors import InvalidInput
from bot.feeds.article import extract_article
from bot.feeds.fetch import PAGE_ACCEPT, Fetcher, FetchResult
from bot.feeds.parse import html_document
from bot.feeds.text import truncate
from bot.models import Analysis, Article
from bot.query.results import SummarizeResult
from bot.query.views import analysis_card, signal_views

Analyzer = Callable[[Article], Analysis]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TITLE_BYTES = 256 * 1024
MAX_TITLE = 300


def page_title(body: bytes, charset: str | None, fallback: str) -> str:
    """The page's own headline: og:title, else <title>, else `fallback`.

    Read by lxml's HTML parser, linear in the page: the regular expressions used before
    backtracked cubically on a head repeating `<meta property='og:title' ` (a 64 KB head
    froze the bot for minutes). CPU work: callers run it off the event loop.
    """
    page = html_document(body[:_TITLE_BYTES], charset)
    if page is None:
        return fallback
    og_titles = (
        meta.get("content") or ""
        for meta in page.iter("meta")
        if (meta.get("property") or "").strip().lower() == "og:title"
    )
    raw = next((text for text in og_titles if text.strip()), None)
    if raw is None:
        title_tag = page.find(".//title")
        raw = title_tag.text_content() if title_tag is not None else ""
    title = " ".join(raw.split())
    return truncate(title, MAX_TITLE) if title else fallback


def read_page(page: FetchResult, fallback_title: str) -> tuple[str | None, str]:
    """The article text and the title of a fetched page, in one trip to a worker thread."""
    return extract_article(page.body, page.url), page_title(page.body, page.charset, fallback_title)


async def summarize_url(
    fetcher: Fetcher, analyzer: Analyzer, url: str, *, threshold: float
) -> SummarizeResult:
    """Fetch, extract, analyse; the card when the article is about an exit, else why not."""
    page = await fetcher.fetch(url, accept=PAGE_ACCEPT)
    host = URL(page.url).host or page.url
    content_type = (page.content_type or "").lower()
    if content_type and content_type not in HTML_TYPES:
        raise InvalidInput(f"{page.url} is not an article page: it serves {content_type}")
    text, title = await asyncio.to_thread(read_page, page, host)
    if text is None:
        raise InvalidInput(
            f"{page.url} has no article text to read (an index page, a paywall or an error page?)"
        )
    article = Article(id=page.url, title=title, url=page.url, content=text, outlet=host)
    analysis = await asyncio.to_thread(analyzer, article)
    card = None
    if analysis.relevant:
        card = analysis_card(analysis, title=title, url=page.url, outlet=host, published_at=None)
    return SummarizeResult(
        url=page.url,
        title=title,
        relevant=analysis.relevant,
        score=analysis.score,
        threshold=threshold,
        verdict=verdict(analysis, threshold),
        card=card,
        signals=signal_views(analysis.signals),
    )


def verdict(analysis: Analysis, threshold: float) -> str:
    """One sentence on what the analyzer concluded, and whether it would be posted here."""
    if not analysis.relevant:
        return (
            "Not about a surveillance-driven exit: no company leaving a country over a "
            f"government's surveillance demand was found (score {analysis.score:.2f})."
        )
    stage = analysis.stage.value if analysis.stage else "unknown stage"
    found = f"{analysis.company} · {analysis.country} · {stage}"
    if analysis.score < threshold:
        return (
            f"About a surveillance-driven exit ({found}), but the score {analysis.score:.2f} is "
            f"below this server's threshold {threshold:.2f}, so it would not be posted."
        )
    return f"About a surveillance-driven exit: {found} (score {analysis.score:.2f})."
