"""The outbox worker: exactly-once bookkeeping, retries, permanent failures, the daily cap."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.delivery import CapLookup, Delivered, Delivery, DeliveryError, OutboxWorker
from bot.models import Analysis, FeedItem, Stage
from bot.storage import Store
from bot.storage.records import KeyedItem, Target
from tests.query.conftest import add_feed, add_story, day
from tests.store_setup import config_feed

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
    feed = await config_feed(store)
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


# -- a bug in the sender ----------------------------------------------------------------------


@dataclass
class BrokenSender(RecordingSender):
    """Fails one destination with a bug, not a DeliveryError (a category set as the channel)."""

    broken: str = "guild:1"

    async def send(self, delivery: Delivery) -> Delivered:
        if delivery.item.destination == self.broken:
            raise AttributeError("'CategoryChannel' object has no attribute 'send'")
        return await super().send(delivery)


async def exit_story(
    store: Store, key: str, company: str, *, stage: Stage = Stage.ANNOUNCED, to: str = "guild:1"
) -> None:
    """A story about `company` leaving India: a new event, or a source or stage of its event."""
    await add_story(
        store, await add_feed(store), key, f"{company} {stage.value} its exit", [f"{company}."],
        when=day(11, 1), company=company, country="India", stage=stage, destinations=(to,),
    )  # fmt: skip


async def outbox_rows(store: Store) -> list[tuple[str, str, str, int]]:
    rows = await store.db.fetchall(
        "SELECT destination, kind, status, attempts FROM outbox ORDER BY id"
    )
    return [tuple(row) for row in rows]


async def test_a_bug_for_one_server_is_retried_and_every_other_server_still_gets_its_posts(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await exit_story(store, "a-1", "Aster", to="guild:1")
    await exit_story(store, "b-1", "Birch", to="guild:2")
    sender = BrokenSender()
    worker = OutboxWorker(store, sender, prefix="guild:", base_delay=0.0, max_attempts=3)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        assert await worker.drain() == 1, "the broken item does not stop the drain"
        [row] = await store.db.fetchall("SELECT last_error FROM outbox WHERE status = 'pending'")
        assert row[0].startswith("unexpected error: AttributeError(")
        await worker.drain()
        await worker.drain()
    assert [d.item.destination for d in sender.sent] == ["guild:2"]
    assert await outbox_rows(store) == [
        ("guild:1", "post", "failed", 3),
        ("guild:2", "post", "sent", 1),
    ]
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1, "the traceback is logged once, not on every retry"
    assert "failed for good" in caplog.text


# -- the daily cap counts and holds every new message -----------------------------------------


def cap_of(limit: int) -> CapLookup:
    async def cap(destination: str) -> int:
        return limit

    return cap


async def test_a_source_of_a_held_event_is_held_too_not_posted_uncounted(store: Store) -> None:
    await exit_story(store, "a-1", "Aster")
    await exit_story(store, "b-1", "Birch")
    sender = RecordingSender()
    worker = OutboxWorker(store, sender, prefix="guild:", daily_cap=cap_of(1))
    assert await worker.drain() == 1
    await exit_story(store, "b-2", "Birch")
    assert await worker.drain() == 0, "Birch is not posted past the cap by its second source"
    assert [d.story.company for d in sender.sent] == ["Aster"]
    assert [(kind, status) for _, kind, status, _ in await outbox_rows(store)] == [
        ("post", "sent"),
        ("post", "held"),
        ("source", "held"),
    ]
    assert sender.summaries[-1] == ("guild:1", 1), "one event held back, listed once"


async def test_a_source_that_posts_its_event_counts_towards_the_cap(store: Store) -> None:
    await exit_story(store, "a-1", "Aster")
    await exit_story(store, "a-2", "Aster")
    sender = RecordingSender(failures=[DeliveryError("Discord answered 503", permanent=False)])
    worker = OutboxWorker(store, sender, prefix="guild:", daily_cap=cap_of(1), base_delay=60.0)
    assert await worker.drain() == 1, "the post waits for its retry; its source posts Aster"
    await exit_story(store, "b-1", "Birch")
    assert await worker.drain() == 0
    assert [d.item.kind for d in sender.sent] == ["source"]
    assert [status for _, _, status, _ in await outbox_rows(store)] == ["pending", "sent", "held"]


async def test_an_item_already_tried_is_not_held_by_the_cap(store: Store) -> None:
    """Its first try may have reached Discord: holding it could strand that message."""
    await exit_story(store, "a-1", "Aster")
    await exit_story(store, "b-1", "Birch")
    sender = RecordingSender(failures=[DeliveryError("timed out", permanent=False)])
    worker = OutboxWorker(store, sender, prefix="guild:", daily_cap=cap_of(1), base_delay=0.0)
    assert await worker.drain() == 1, "Aster's answer is lost; Birch takes the day's one post"
    assert await worker.drain() == 1, "Aster was admitted before the cap was reached"
    assert [d.story.company for d in sender.sent] == ["Birch", "Aster"]
    assert await store.outbox.counts() == {"sent": 2}


async def test_stage_updates_count_as_new_messages_and_edits_do_not(store: Store) -> None:
    await exit_story(store, "a-1", "Aster", stage=Stage.THREATENED)
    await exit_story(store, "a-2", "Aster", stage=Stage.THREATENED)
    await exit_story(store, "a-3", "Aster", stage=Stage.COMPLETED)
    sender = RecordingSender()
    worker = OutboxWorker(store, sender, prefix="guild:", daily_cap=cap_of(3))
    assert await worker.drain() == 3, "a post, an edit and a stage reply"
    await exit_story(store, "b-1", "Birch")
    assert await worker.drain() == 1, "two messages so far, so one more fits"
    await exit_story(store, "c-1", "Cedar")
    assert await worker.drain() == 0
    assert await store.outbox.counts() == {"sent": 4, "held": 1}


async def test_the_held_summary_leaves_out_an_event_posted_since(store: Store) -> None:
    await exit_story(store, "a-1", "Aster")
    await exit_story(store, "b-1", "Birch")
    sender = RecordingSender()
    worker = OutboxWorker(store, sender, prefix="guild:", daily_cap=cap_of(1))
    assert await worker.drain() == 1
    assert sender.summaries == [("guild:1", 1)]
    await store.db.execute("UPDATE outbox SET sent_at = sent_at - 2 * 86400")
    await store.db.execute("UPDATE posts SET posted_at = posted_at - 2 * 86400")
    await exit_story(store, "b-2", "Birch")
    await exit_story(store, "c-1", "Cedar")
    assert await worker.drain() == 1, "a new day: Birch's second source posts Birch"
    assert [d.story.company for d in sender.sent] == ["Aster", "Birch"]
    assert sender.summaries[-1] == ("guild:1", 1), "Cedar only: Birch is posted"
