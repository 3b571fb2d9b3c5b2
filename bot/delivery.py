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

    @property
    def tried(self) -> bool:
        """Whether an earlier attempt may already have reached the destination.

        A crash mid-send, a timeout or a 5xx can each come after Discord stored the message,
        so the sender must not simply send it again (and the cap must not hold it back).
        """
        return self.item.attempts > 0

    @property
    def creates_message(self) -> bool:
        """Whether delivering this makes a new message rather than editing the event's post:
        a stage update always does (a reply), a post or source only when nothing is posted."""
        return self.post is None or self.item.kind == "stage"


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
UNEXPECTED = "unexpected error"


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
                delivery = await self._load(item)
                if await self._over_cap(delivery):
                    await self._store.outbox.hold(item.id, "held back by the daily cap")
                    capped.add(item.destination)
                    continue
                delivered += await self._deliver(delivery)
            if len(batch) < limit:
                break
        for destination in sorted(capped):
            await self._summarise_held(destination)
        return delivered

    async def _over_cap(self, delivery: Delivery) -> bool:
        """New messages beyond the destination's daily cap are held back; edits never are.

        Whether an item makes a new message depends on whether its event is posted yet, not
        on its kind: a source of a held event would otherwise post that event uncounted. An
        item already tried was admitted before and may be on Discord: holding it now could
        leave a message the outbox never records.
        """
        if self._daily_cap is None or not delivery.creates_message or delivery.tried:
            return False
        cap = await self._daily_cap(delivery.item.destination)
        if cap is None:
            return False
        return await self._store.outbox.sent_since(delivery.item.destination, now() - DAY) >= cap

    async def _summarise_held(self, destination: str) -> None:
        """Tell the destination which events the cap holds back: each event once, however many
        of its items are held, and not a held post whose event a later item has posted."""
        held: dict[int, Delivery] = {}
        for item in await self._store.outbox.held(destination):
            delivery = await self._load(item)
            if delivery.creates_message:
                held.setdefault(item.event_id, delivery)
        try:
            await self._sender.summarise_held(destination, list(held.values()))
        except Exception:
            log.exception("could not summarise what the daily cap held for %s", destination)

    async def _deliver(self, delivery: Delivery) -> bool:
        item = delivery.item
        await self._store.outbox.mark_sending(item.id)
        try:
            result = await self._sender.send(delivery)
        except DeliveryError as exc:
            await self._failed(item, exc)
            return False
        except Exception as exc:
            # A bug or an unforeseen answer must not leave the item `sending` and escape the
            # drain: it would come first again at once, forever, and nothing queued behind it
            # would go out. It gets the usual backoff and attempt limit instead.
            # The traceback is logged once, not on every retry of the same failure.
            if not (item.last_error or "").startswith(UNEXPECTED):
                log.exception("delivery %d to %s failed", item.id, item.destination)
            await self._failed(item, DeliveryError(f"{UNEXPECTED}: {exc!r}", permanent=False))
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
