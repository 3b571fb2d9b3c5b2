"""Fixtures for the hardening tests: the hostile site and a poller over a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.feeds.fetch import Fetcher, FetchLimits, make_session
from bot.feeds.poller import FeedPoller, PollOutcome, PollPolicy
from bot.storage import Store
from bot.storage.records import FeedRecord
from tests.feeds.conftest import feed_server, make_fetcher
from tests.hardening.hostile_site import HostileSite
from tests.store_setup import config_feed

__all__ = ["feed_server", "make_fetcher"]  # the feed layer's loopback server and fetchers

LIMITS = FetchLimits(
    max_bytes=5 * 1024 * 1024,
    connect_timeout=2.0,
    read_timeout=0.5,
    total_timeout=2.0,
    max_redirects=5,
)


@pytest.fixture
async def hostile() -> AsyncIterator[HostileSite]:
    async with HostileSite() as site:
        yield site


@dataclass
class Polling:
    """A poller over the test store, and helpers to add feeds and read what they stored."""

    store: Store
    poller: FeedPoller

    async def add(self, url: str, name: str) -> FeedRecord:
        return await config_feed(self.store, url, name, origin=f"test-{name}")

    async def stored_titles(self, feed: FeedRecord) -> list[str]:
        rows = await self.store.db.fetchall(
            "SELECT e.title FROM entries e JOIN entry_sources s ON s.entry_id = e.id "
            "WHERE s.feed_id = ? ORDER BY e.id",
            (feed.id,),
        )
        return [row[0] for row in rows]

    async def poll(self, feed: FeedRecord) -> PollOutcome:
        return await self.poller.poll(await self.store.feeds.get(feed.id))


@pytest.fixture
async def polling(store: Store) -> AsyncIterator[Polling]:
    async with make_session(LIMITS, allow_private=True) as session:
        yield Polling(store, FeedPoller(store, Fetcher(session, LIMITS, True), PollPolicy()))
