"""The outbox worker: exactly-once bookkeeping, retries, permanent failures, the daily cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.delivery import Delivered, Delivery, DeliveryError, OutboxWorker
from bot.models import Analysis, FeedItem, Stage
from bot.storage import Store
from bot.storage.records import KeyedItem, Target

WINDOW = 60 * 86400.0


@dataclass
class RecordingSender:
    """A destination that records what it was asked to send and fails on request."""

    failures: list[DeliveryError] = field(default_factory=list)
    sent: list[Delivery] = field(default_factory=list)
    summaries: list[tuple[str, int]] = field(default_factory=list)

    async def send(self, delivery: Delivery) -> Delivered:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(delivery)
        return Delivered(channel_id=10, message_id=100 + len(self.sent))

    async def summarise_held(self, destination: str, held: list[Delivery]) -> None:
        self.summaries.append((destination, len(held)))


async def enqueue(store: Store, count: int, destination: str = "guild:1") -> None:
    """`count` relevant stories, each its own event, queued for one destination."""
    [feed] = await store.feeds.sync_configured(
        [
            {
                "url": "https://feeds.example/a.xml",
                "guild_id": 0,
                "name": "A",
                "interval_s": 60.0,
                "backfill": 0,
                "channel_id": None,
            }
        ],
        "config",
    )
    items = [
        KeyedItem(
            f"url:{n}",
            f"h{n}",
            FeedItem(title=f"Story {n}", link=f"https://n.example/{n}",
                     published=datetime(2026, 11, 1, tzinfo=UTC)),
            eligible=True,
        )
        for n in range(count)
    ]  # fmt: skip
    for n, entry in enumerate((await store.entries.save_items(feed.id, items)).pending):
        analysis = Analysis(
            relevant=True, score=0.9, company=f"Firm{n}", country="India", stage=Stage.ANNOUNCED
        )
        await store.stories.save_analysis(
            entry, analysis, outlet="A", event_key=f"firm{n}|IN",
            event_window=WINDOW, destinations=[Target(destination)],
        )  # fmt: skip


async def test_each_item_is_sent_once_and_recorded(store: Store) -> None:
    await enqueue(store, 3)
    sender = RecordingSender()
    worker = OutboxWorker(store, sender, prefix="guild:")
    assert await worker.drain() == 3
    assert await worker.drain() == 0
    assert len(sender.sent) == 3
    assert await store.outbox.counts() == {"sent": 3}


async def test_transient_error_is_retried_later_not_lost(store: Store) -> None:
    await enqueue(store, 1)
    sender = RecordingSender(failures=[DeliveryError("Discord answered 503", permanent=False)])
    worker = OutboxWorker(store, sender, prefix="guild:", base_delay=0.0)
    assert await worker.drain() == 0
    [row] = await store.db.fetchall("SELECT status, attempts, last_error FROM outbox")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "503" in row["last_error"]
    assert await worker.drain() == 1
    assert await store.outbox.counts() == {"sent": 1}


async def test_retry_after_is_honoured(store: Store) -> None:
    await enqueue(store, 1)
    sender = RecordingSender(failures=[DeliveryError("429", permanent=False, retry_after=60)])
    worker = OutboxWorker(store, sender, prefix="guild:", base_delay=0.0)
    await worker.drain()
    assert await worker.drain() == 0, "not before Retry-After has passed"


async def test_permanent_error_is_kept_and_not_retried(store: Store) -> None:
    await enqueue(store, 1)
    sender = RecordingSender(failures=[DeliveryError("missing permission", permanent=True)])
    worker = OutboxWorker(store, sender, prefix="guild:")
    await worker.drain()
    assert await worker.drain() == 0
    assert await store.outbox.counts() == {"failed": 1}


async def test_too_many_transient_failures_end_as_failed(store: Store) -> None:
    await enqueue(store, 1)
    errors = [DeliveryError("Discord answered 500", permanent=False) for _ in range(3)]
    sender = RecordingSender(failures=errors)
    worker = OutboxWorker(store, sender, prefix="guild:", base_delay=0.0, max_attempts=3)
    for _ in range(3):
        await worker.drain()
    assert await store.outbox.counts() == {"failed": 1}


async def test_daily_cap_holds_the_excess_and_summarises_it(store: Store) -> None:
    await enqueue(store, 5)
    sender = RecordingSender()

    async def cap(destination: str) -> int:
        return 2

    worker = OutboxWorker(store, sender, prefix="guild:", daily_cap=cap)
    assert await worker.drain() == 2
    assert await store.outbox.counts() == {"sent": 2, "held": 3}
    assert sender.summaries == [("guild:1", 3)]


async def test_other_destinations_are_left_alone(store: Store) -> None:
    await enqueue(store, 2, destination="console")
    worker = OutboxWorker(store, RecordingSender(), prefix="guild:")
    assert await worker.drain() == 0
    assert await store.outbox.counts() == {"pending": 2}
