"""From new entries to stored stories: page text, analysis, events, and the outbox.

This is the only place where the feed layer meets the analyzer and storage, so the order
of steps that makes delivery safe lives here: an entry stays `pending` until its story,
event and deliveries are saved together; a crash before that means it is simply analysed
again on the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.analysis.classify import THRESHOLD
from bot.analysis.events import event_key
from bot.analysis.pipeline import analyze, demoted
from bot.errors import FeedError, StorageError
from bot.feeds.article import extract_article, needs_page
from bot.feeds.fetch import Fetcher
from bot.models import Analysis, Article, FeedItem
from bot.storage import Store
from bot.storage.records import EntryRecord, StoredAnalysis, Target

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"

Router = Callable[[Analysis, EntryRecord], Awaitable[Sequence[Target]]]

# What decides posting is each destination's threshold (`analysis.threshold`,
# `/settings threshold`), applied by the router, and it may be below the analyzer's own
# 0.5; so stories are analysed down to the lowest threshold in use (`floor`), which gives
# them their company, country and stage. Without a floor, every story is. A story under
# 0.5 that no destination takes is then stored as the analyzer judges it: not relevant,
# founding no event.
ROUTING_FLOOR = 0.0
# A teaser is short: this much of an item's content and summary decides whether the page
# must be read, so a multi-megabyte item costs no more to judge than a normal one.
TEASER_SCAN_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Processed:
    """One entry's journey: its analysis and what storing it changed."""

    entry: EntryRecord
    analysis: Analysis
    stored: StoredAnalysis


class Watcher:
    """Analyses pending entries and stores the results with their deliveries."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        router: Router,
        *,
        event_window: float,
        fetch_pages: bool = True,
        floor: Callable[[], Awaitable[float]] | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._router = router
        self._event_window = event_window
        self._fetch_pages = fetch_pages
        self._floor = floor

    async def process(
        self, entries: Sequence[EntryRecord], *, fetch_pages: bool = True
    ) -> list[Processed]:
        """Analyse and store each entry; one entry's failure does not stop the rest.

        `fetch_pages=False` is for bundled samples, whose links lead nowhere.
        """
        done = []
        bar = min(THRESHOLD, await self._floor()) if self._floor else ROUTING_FLOOR
        for entry in entries:
            try:
                done.append(await self._process_one(entry, fetch_pages and self._fetch_pages, bar))
            except StorageError:
                raise
            except Exception:
                log.exception("entry %d (%s) could not be analysed; set aside", entry.id, entry.url)
                await self._store.entries.mark(entry.id, "failed")
        return done

    async def resume(self) -> list[Processed]:
        """Finish entries left pending by an interrupted run.

        Terminates: every entry either gets its story (status `done`) or is set aside
        (`failed`); only a storage error, which stops the loop, leaves one pending.
        """
        processed = []
        while batch := await self._store.entries.pending():
            processed.extend(await self.process(batch))
        return processed

    async def _process_one(self, entry: EntryRecord, fetch_pages: bool, bar: float) -> Processed:
        article = await self._article(entry, fetch_pages)
        analysis = await asyncio.to_thread(analyze, article, bar)
        destinations = await self._router(analysis, entry) if event_key(analysis) else []
        if not destinations and analysis.score < THRESHOLD:
            analysis = demoted(analysis)
        stored = await self._store.stories.save_analysis(
            entry,
            analysis,
            outlet=article.outlet,
            event_key=event_key(analysis),
            event_window=self._event_window,
            destinations=destinations,
        )
        if stored.change:
            log.info(
                "story #%d: %s leaves %s (%s), %s",
                stored.story_id,
                analysis.company,
                analysis.country,
                analysis.stage,
                stored.change.replace("_", " "),
            )
        return Processed(entry, analysis, stored)

    async def _article(self, entry: EntryRecord, fetch_pages: bool) -> Article:
        """The entry as the analyzer sees it, with the page's text when the feed teases."""
        text = entry.page_text or entry.content
        may_fetch = fetch_pages and entry.page_text is None and bool(entry.url)
        if may_fetch and await asyncio.to_thread(_teaser_only, entry):
            page_text = await self._page_text(entry.url or "")
            if page_text:
                await self._store.entries.set_page_text(entry.id, page_text)
                text = page_text
        published = datetime.fromtimestamp(entry.published_at, UTC) if entry.published_at else None
        return Article(
            id=str(entry.id),
            title=entry.title,
            url=entry.url or "",
            published=published,
            summary=entry.summary,
            content=text,
            outlet=entry.outlets[0] if entry.outlets else "",
        )

    async def _page_text(self, url: str) -> str | None:
        """The article's main text, or None (and a log line) when the page fails."""
        try:
            page = await self._fetcher.fetch(url, accept=PAGE_ACCEPT)
        except FeedError as exc:
            log.info("page %s not fetched, keeping the feed text: %s", url, exc)
            return None
        return await asyncio.to_thread(extract_article, page.body, page.url)


def _teaser_only(entry: EntryRecord) -> bool:
    """True when the feed gave only a teaser, judged on the first `TEASER_SCAN_CHARS`.

    The judgement parses HTML in pure Python, so the whole of a 4 MB item held the event
    loop for seconds. Reading a prefix changes little: a prefix with enough words means
    the item carries the story (even if it ends in "Read more"), and markup too heavy to
    hold them costs at most one page fetch. CPU work: the caller runs it off the loop.
    """
    item = FeedItem(
        title=entry.title,
        link=entry.url,
        summary=entry.summary[:TEASER_SCAN_CHARS],
        content=entry.content[:TEASER_SCAN_CHARS],
    )
    return needs_page(item)
