"""Keeps every active feed polling on its own interval, one poll per feed at a time.

Each feed has its own task, so a slow feed delays nobody else; every poll is guarded, so
an unexpected error is logged and the feed carries on; a watchdog restarts a task that
died anyway. Cancelling `run` stops everything between polls or mid-request — storage
writes are transactions, so nothing is left half-written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from bot.errors import NotFound, StorageError
from bot.feeds.poller import FeedPoller, PollOutcome
from bot.metrics import Metrics
from bot.storage import Store
from bot.storage.records import FeedRecord

log = logging.getLogger(__name__)

_GOLDEN = 0.6180339887
FIRST_POLL_SPREAD = 5.0
STORAGE_RETRY = 30.0


def initial_delay(feed: FeedRecord, now: float) -> float:
    """When a feed's task should first poll.

    A feed polled before keeps its stored schedule (a restart does not poll everything at
    once); a new feed starts at an offset spread by its id, so feeds do not fire together.
    """
    if feed.next_poll_at is not None:
        return max(0.0, feed.next_poll_at - now)
    spread = min(feed.interval_s, FIRST_POLL_SPREAD)
    return (feed.id * _GOLDEN % 1.0) * spread


class FeedScheduler:
    """One task per active, unpaused feed; refreshed when the feed list changes."""

    def __init__(
        self,
        store: Store,
        poller: FeedPoller,
        on_outcome: Callable[[PollOutcome], Awaitable[None]],
        *,
        refresh_every: float = 60.0,
        clock: Callable[[], float] = time.time,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self._poller = poller
        self._on_outcome = on_outcome
        self._refresh_every = refresh_every
        self._clock = clock
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._changed = asyncio.Event()
        self._metrics = metrics or Metrics()

    def refresh(self) -> None:
        """Ask the scheduler to re-read the feed list now (after /feeds add, pause...)."""
        self._changed.set()

    async def run(self) -> None:
        """Run until cancelled, then cancel every feed task and wait for them.

        The feed list is re-read as soon as the store reports a change, and every
        `refresh_every` seconds anyway (a change made by another process sharing the
        database has no other way in).
        """
        unsubscribe = self._store.feeds.on_change(self.refresh)
        try:
            while True:
                self._changed.clear()
                await self._sync_tasks()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), self._refresh_every)
        finally:
            unsubscribe()
            await self._stop_all()

    async def _sync_tasks(self) -> None:
        feeds = {feed.id: feed for feed in await self._store.feeds.list() if not feed.paused}
        for feed_id in list(self._tasks):
            task = self._tasks[feed_id]
            if feed_id not in feeds:
                task.cancel()
                del self._tasks[feed_id]
            elif task.done():
                log.error("poll task for feed #%d stopped; restarting it", feed_id)
                del self._tasks[feed_id]
        for feed_id, feed in feeds.items():
            if feed_id not in self._tasks:
                self._tasks[feed_id] = asyncio.create_task(
                    self._feed_loop(feed), name=f"poll-feed-{feed_id}"
                )

    async def _feed_loop(self, feed: FeedRecord) -> None:
        await asyncio.sleep(initial_delay(feed, self._clock()))
        while True:
            try:
                feed = await self._store.feeds.get(feed.id)
            except NotFound:
                return
            next_poll_at = await self._guarded_poll(feed)
            await asyncio.sleep(max(1.0, next_poll_at - self._clock()))

    async def _guarded_poll(self, feed: FeedRecord) -> float:
        """Poll once; an unexpected error is logged and retried after the interval."""
        try:
            outcome = await self._poller.poll(feed)
            self._count(failed=outcome.status == "error")
            await self._on_outcome(outcome)
        except asyncio.CancelledError:
            raise
        except StorageError as exc:
            self._count(failed=True)
            log.error("feed %s: %s; will retry", feed.name, exc)
            return self._clock() + min(feed.interval_s, STORAGE_RETRY)
        except Exception:
            self._count(failed=True)
            log.exception("unexpected error while polling feed %s", feed.name)
            return self._clock() + feed.interval_s
        return outcome.next_poll_at

    def _count(self, *, failed: bool) -> None:
        self._metrics.polls.inc()
        if failed:
            self._metrics.poll_failures.inc()

    async def _stop_all(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
