"""One poll of one feed: fetch, parse, deduplicate, store, and record the feed's health.

Every failure ends as a per-feed error with a plain message; nothing here raises past
`poll`, so one broken feed cannot stop the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.errors import ExitWatchError, FeedParseError, FetchFailed, StorageError
from bot.feeds.fetch import Fetcher, FetchResult, backoff_delay
from bot.feeds.identity import content_hash, entry_key
from bot.feeds.parse import parse_feed
from bot.feeds.samples import is_sample, read_sample
from bot.models import FeedItem, ParsedFeed
from bot.storage import Store
from bot.storage.records import EntryRecord, FeedRecord, KeyedItem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll did, for the `poll --once` report and for metrics."""

    feed: FeedRecord
    status: str  # fetched | not_modified | unchanged | error
    items: int = 0
    new: int = 0
    pending: list[EntryRecord] = field(default_factory=list)
    error: str | None = None
    next_poll_at: float = 0.0

    def describe(self) -> str:
        """One plain line for the terminal."""
        name = self.feed.title or self.feed.name
        if self.status == "error":
            return f"{name}: error: {self.error}"
        if self.status == "not_modified":
            return f"{name}: not modified"
        if self.status == "unchanged":
            return f"{name}: unchanged"
        return f"{name}: {self.items} items, {self.new} new, {len(self.pending)} to analyse"


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How old is too old, and how a failing feed backs off."""

    max_age: float = 7 * 86400.0
    max_backoff: float = 6 * 3600.0
    failing_after: int = 3


class FeedPoller:
    """Polls feeds through the shared fetcher into the store."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        policy: PollPolicy,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._policy = policy
        self._clock = clock
        self._rng = rng or random.Random()

    async def poll(self, feed: FeedRecord) -> PollOutcome:
        """Poll one feed; never raises for a feed problem.

        A storage error is not the feed's fault: it propagates (the feed is not marked
        failing) and the scheduler retries once the database is usable again.
        """
        try:
            return await self._poll(feed)
        except StorageError:
            raise
        except ExitWatchError as exc:
            return await self._failed(feed, exc)

    async def _poll(self, feed: FeedRecord) -> PollOutcome:
        result = await self._fetch(feed)
        if result.not_modified:
            return await self._succeeded(feed, "not_modified", result)
        if feed.body_hash == result.body_hash:
            return await self._succeeded(feed, "unchanged", result)
        parsed, keyed = await asyncio.to_thread(self._parse, feed, result)
        saved = await self._store.entries.save_items(feed.id, keyed)
        outcome = await self._succeeded(
            feed, "fetched", result, title=parsed.title or None, items=len(parsed.items)
        )
        log.info(
            "polled %s: %d items, %d new, %d to analyse",
            feed.name,
            len(parsed.items),
            saved.new,
            len(saved.pending),
        )
        return PollOutcome(
            feed,
            "fetched",
            items=len(parsed.items),
            new=saved.new,
            pending=saved.pending,
            next_poll_at=outcome.next_poll_at,
        )

    async def _fetch(self, feed: FeedRecord) -> FetchResult:
        if is_sample(feed.url):
            body, content_type = read_sample(feed.url)
            return _sample_result(feed.url, body, content_type)
        return await self._fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)

    def _parse(self, feed: FeedRecord, result: FetchResult) -> tuple[ParsedFeed, list[KeyedItem]]:
        """Parse and key the items off the event loop.

        Keying is CPU work too (the content hash reads every item's text as HTML): on the
        loop it would stall every other feed's I/O for as long as parsing would.
        """
        try:
            parsed = parse_feed(result.body, url=result.url, content_type=result.content_type)
            return parsed, self._keyed(feed, parsed.items)
        except FeedParseError:
            raise
        except Exception as exc:
            # A parser bug met by a hostile document must cost this feed one poll, never the
            # whole cycle: it becomes a per-feed error with the exception in the log.
            log.exception("feed %s could not be read", feed.name)
            raise FeedParseError(f"this feed could not be read ({type(exc).__name__})") from exc

    def _keyed(self, feed: FeedRecord, items: list[FeedItem]) -> list[KeyedItem]:
        """Give each item its identity and decide whether it may ever be posted."""
        eligible = self._eligible(feed, items)
        return [
            KeyedItem(entry_key(item), content_hash(item), item, index in eligible)
            for index, item in enumerate(items)
        ]

    def _eligible(self, feed: FeedRecord, items: list[FeedItem]) -> set[int]:
        """Indexes of items that may be posted.

        On a feed's first poll only the newest `backfill` items may (its back catalogue
        is old news); later, any item not older than `max_age`. Bundled samples are demo
        material and skip the age rule, so the demo works whatever today's date is.
        """
        indexes: Iterable[int] = range(len(items))
        if feed.first_polled_at is None:
            # nlargest is sorted(..., reverse=True)[:n] without sorting the whole feed.
            indexes = heapq.nlargest(feed.backfill, indexes, key=lambda i: _sort_time(items[i], i))
        if feed.origin == "sample":
            return set(indexes)
        oldest = self._clock() - self._policy.max_age
        return {
            i
            for i in indexes
            if items[i].published is None or items[i].published.timestamp() >= oldest
        }

    async def _succeeded(
        self,
        feed: FeedRecord,
        status: str,
        result: FetchResult,
        *,
        title: str | None = None,
        items: int | None = None,
    ) -> PollOutcome:
        next_poll_at = self._clock() + feed.interval_s
        await self._store.feeds.record_success(
            feed.id,
            next_poll_at=next_poll_at,
            etag=result.etag,
            last_modified=result.last_modified,
            body_hash=result.body_hash if status == "fetched" else None,
            title=title,
            item_count=items,
        )
        return PollOutcome(feed, status, next_poll_at=next_poll_at)

    async def _failed(self, feed: FeedRecord, exc: ExitWatchError) -> PollOutcome:
        """Record the error and push the next poll back: further for longer streaks."""
        message = str(exc) or type(exc).__name__
        streak = feed.error_count + 1
        delay = feed.interval_s + backoff_delay(
            streak, feed.interval_s, self._policy.max_backoff, self._rng
        )
        retry_after = exc.retry_after if isinstance(exc, FetchFailed) else None
        if retry_after:
            delay = max(delay, retry_after)
        next_poll_at = self._clock() + delay
        await self._store.feeds.record_failure(feed.id, message, next_poll_at=next_poll_at)
        level = logging.WARNING if streak >= self._policy.failing_after else logging.INFO
        log.log(level, "feed %s failed (%d in a row): %s", feed.name, streak, message)
        return PollOutcome(feed, "error", error=message, next_poll_at=next_poll_at)


def _sort_time(item: FeedItem, index: int) -> tuple[float, int]:
    """Newest first by date; undated items keep document order (feeds list newest first)."""
    stamp = item.published.timestamp() if item.published else float("-inf")
    return (stamp, -index)


def _sample_result(url: str, body: bytes, content_type: str) -> FetchResult:
    return FetchResult(
        url=url,
        status=200,
        body=body,
        content_type=content_type,
        charset=None,
        etag=None,
        last_modified=None,
        not_modified=False,
        body_hash=hashlib.sha256(body).hexdigest(),
    )
