"""The scheduler acts on a feed added, paused or resumed at once, not at its next look.

The periodic re-read is set to an hour here, so a feed that starts (or stops) polling
within seconds can only have been picked up through the store's change notice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.feeds.poller import PollOutcome
from bot.feeds.scheduler import FeedScheduler
from bot.storage import Store
from bot.storage.records import FeedRecord

WAIT = 10.0  # generous: the first poll of a one-second feed comes within a second


class RecordingPoller:
    """Stands in for FeedPoller: notes each poll and schedules the next an hour away."""

    def __init__(self) -> None:
        self.polled: asyncio.Queue[int] = asyncio.Queue()

    async def poll(self, feed: FeedRecord) -> PollOutcome:
        self.polled.put_nowait(feed.id)
        return PollOutcome(feed, "not_modified", next_poll_at=time.time() + 3600)


async def _ignore(outcome: PollOutcome) -> None:
    return None


@pytest.fixture
async def scheduler(store: Store) -> AsyncIterator[tuple[FeedScheduler, RecordingPoller]]:
    poller = RecordingPoller()
    scheduler = FeedScheduler(store, poller, _ignore, refresh_every=3600)  # type: ignore[arg-type]
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(0.05)  # the first read of the (empty) feed list
    yield scheduler, poller
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def polling(feed_id: int) -> bool:
    """Whether a poll task for the feed exists (tasks are named after their feed)."""
    return any(task.get_name() == f"poll-feed-{feed_id}" for task in asyncio.all_tasks())


async def added(store: Store) -> FeedRecord:
    return await store.feeds.add(
        url="https://news.example.org/feed.xml", name="News", guild_id=7, interval_s=1.0
    )


async def test_a_feed_added_is_polled_without_waiting_for_the_next_look(
    store: Store, scheduler: tuple[FeedScheduler, RecordingPoller]
) -> None:
    _, poller = scheduler
    feed = await added(store)
    assert await asyncio.wait_for(poller.polled.get(), WAIT) == feed.id


async def test_pausing_stops_the_feed_and_resuming_starts_it_again(
    store: Store, scheduler: tuple[FeedScheduler, RecordingPoller]
) -> None:
    _, poller = scheduler
    feed = await added(store)
    await asyncio.wait_for(poller.polled.get(), WAIT)
    await store.feeds.set_paused(feed.id, True)
    await asyncio.sleep(0.05)
    assert not polling(feed.id)
    await store.feeds.set_paused(feed.id, False)
    assert await asyncio.wait_for(poller.polled.get(), WAIT) == feed.id
    await store.feeds.remove(feed.id)
    await asyncio.sleep(0.05)
    assert not polling(feed.id)


async def test_a_stopped_scheduler_no_longer_listens(store: Store) -> None:
    scheduler = FeedScheduler(store, RecordingPoller(), _ignore, refresh_every=3600)  # type: ignore[arg-type]
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    feed = await added(store)
    assert not polling(feed.id)
    assert store.feeds._listeners == []
