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

from bot.analysis.events import event_key
from bot.analysis.pipeline import analyze
from bot.errors import FeedError, StorageError
from bot.feeds.article import extract_article, needs_page
from bot.feeds.fetch import Fetcher
from bot.models import Analysis, Article, FeedItem
from bot.storage import Store
from bot.storage.records import EntryRecord, StoredAnalysis, Target

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"

Router = Callable[[Analysis, EntryRecord], Awaitable[Sequence[Target]]]


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
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._router = router
        self._event_window = event_window
        self._fetch_pages = fetch_pages

    async def process(
        self, entries: Sequence[EntryRecord], *, fetch_pages: bool = True
    ) -> list[Processed]:
        """Analyse and store each entry; one entry's failure does not stop the rest.

        `fetch_pages=False` is for bundled samples, whose links lead nowhere.
        """
        done = []
        for entry in entries:
            try:
                done.append(await self._process_one(entry, fetch_pages and self._fetch_pages))
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

    async def _process_one(self, entry: EntryRecord, fetch_pages: bool) -> Processed:
        article = await self._article(entry, fetch_pages)
        analysis = await asyncio.to_thread(analyze, article)
        destinations = await self._router(analysis, entry) if analysis.relevant else []
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
        if fetch_pages and entry.page_text is None and _teaser_only(entry):
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
    """True when the feed gave only a teaser and the entry has a page to read instead."""
    item = FeedItem(title=entry.title, link=entry.url, summary=entry.summary, content=entry.content)
    return bool(entry.url) and needs_page(item)
