"""Drains the outbox through a sender (the terminal or Discord), exactly once per item.

The sender does the talking; this module owns the bookkeeping that makes delivery safe:
mark `sending` before the send, record the message id after, back off on transient
errors, and park permanent ones where an admin will see them.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.metrics import Metrics
from bot.storage import Store
from bot.storage.database import now
from bot.storage.records import EventRecord, OutboxItem, PostRecord, StoryRecord

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A send failed; `permanent` says whether trying again could help."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Delivery:
    """Everything a sender needs to render one outbox item."""

    item: OutboxItem
    story: StoryRecord
    event: EventRecord
    sources: list[StoryRecord]
    post: PostRecord | None


@dataclass(frozen=True, slots=True)
class Delivered:
    """Where a delivery landed."""

    channel_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None


class Sender(Protocol):
    """Talks to one kind of destination."""

    async def send(self, delivery: Delivery) -> Delivered:
        """Deliver, or raise DeliveryError."""
        ...

    async def summarise_held(self, destination: str, held: list[Delivery]) -> None:
        """Tell a destination what its daily cap held back (one message, kept up to date)."""
        ...


CapLookup = Callable[[str], Awaitable[int | None]]
DAY = 86400.0


class OutboxWorker:
    """Sends due outbox items of destinations matching a prefix."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        prefix: str,
        daily_cap: CapLookup | None = None,
        metrics: Metrics | None = None,
        base_delay: float = 2.0,
        max_delay: float = 600.0,
        max_attempts: int = 12,
    ) -> None:
        self._store = store
        self._sender = sender
        self._prefix = prefix
        self._daily_cap = daily_cap
        self._metrics = metrics or Metrics()
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._max_attempts = max_attempts
        self._rng = random.Random()

    async def drain(self, limit: int = 50) -> int:
        """Send what is due now, `limit` items per read; returns how many were delivered.

        A full batch means more may be due, so the next one is read at once rather than after
        the caller's pause: one story for fifty servers is fifty items, and a burst of them
        should go out as fast as Discord takes them. Each item leaves the due set (sent, held,
        failed, or retried later), so the loop ends.
        """
        delivered, capped = 0, set()
        while True:
            batch = await self._store.outbox.due(prefix=self._prefix, limit=limit)
            for item in batch:
                if await self._over_cap(item):
                    await self._store.outbox.hold(item.id, "held back by the daily cap")
                    capped.add(item.destination)
                    continue
                delivered += await self._deliver(item)
            if len(batch) < limit:
                break
        for destination in sorted(capped):
            held = [await self._load(item) for item in await self._store.outbox.held(destination)]
            await self._sender.summarise_held(destination, held)
        return delivered

    async def _over_cap(self, item: OutboxItem) -> bool:
        """New messages (not edits) beyond the destination's daily cap are held back."""
        if self._daily_cap is None or item.kind == "source":
            return False
        cap = await self._daily_cap(item.destination)
        if cap is None:
            return False
        return await self._store.outbox.sent_since(item.destination, now() - DAY) >= cap

    async def _deliver(self, item: OutboxItem) -> bool:
        delivery = await self._load(item)
        await self._store.outbox.mark_sending(item.id)
        try:
            result = await self._sender.send(delivery)
        except DeliveryError as exc:
            await self._failed(item, exc)
            return False
        await self._store.outbox.mark_sent(
            item,
            channel_id=result.channel_id,
            message_id=result.message_id,
            thread_id=result.thread_id,
        )
        self._metrics.posts_delivered.inc()
        return True

    async def _load(self, item: OutboxItem) -> Delivery:
        stories = self._store.stories
        return Delivery(
            item=item,
            story=await stories.get_story(item.story_id),
            event=await stories.get_event(item.event_id),
            sources=await stories.event_stories(item.event_id),
            post=await self._store.outbox.post_for(item.destination, item.event_id),
        )

    async def _failed(self, item: OutboxItem, exc: DeliveryError) -> None:
        attempts = item.attempts + 1
        if exc.permanent or attempts >= self._max_attempts:
            log.warning("delivery %d to %s failed for good: %s", item.id, item.destination, exc)
            await self._store.outbox.fail(item.id, str(exc))
            return
        delay = min(self._max_delay, self._base_delay * 2**attempts)
        delay = max(delay * self._rng.uniform(0.5, 1.0), exc.retry_after or 0.0)
        log.info("delivery %d to %s will retry in %.0fs: %s", item.id, item.destination, delay, exc)
        await self._store.outbox.retry(item.id, str(exc), at=now() + delay)
