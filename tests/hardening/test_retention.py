"""Retention against a real database: what goes, what must stay, and the schedule."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from bot import retention
from bot.models import Analysis, FeedItem, Stage
from bot.retention import prune, run_retention
from bot.storage import Store
from bot.storage.records import EntryRecord, KeyedItem, Target
from tests.store_setup import config_feed

DAY = 86400.0
RETENTION = 180 * DAY
OLD = datetime(2020, 1, 1, tzinfo=UTC)


def fresh() -> datetime:
    return datetime.fromtimestamp(time.time() + 10 * DAY, UTC)


def keyed(key: str, published: datetime | None, *, eligible: bool = True) -> KeyedItem:
    item = FeedItem(title=key, link=f"https://n.example/{key}", published=published)
    return KeyedItem(key=key, content_hash=key, item=item, eligible=eligible)


def analysis(relevant: bool, company: str = "Lockbox") -> Analysis:
    if not relevant:
        return Analysis(relevant=False, score=0.1, summary="not about an exit")
    return Analysis(
        relevant=True, score=0.9, company=company, country="India", stage=Stage.ANNOUNCED
    )


async def save(store: Store, entry: EntryRecord, relevant: bool, company: str = "Lockbox"):
    return await store.stories.save_analysis(
        entry,
        analysis(relevant, company),
        outlet="Outlet",
        event_key=f"{company}|india" if relevant else None,
        event_window=60 * DAY,
        destinations=[Target("guild:1")] if relevant else [],
    )


async def deliver_all(store: Store) -> None:
    for item in await store.outbox.due(prefix="guild:"):
        await store.outbox.mark_sending(item.id)
        await store.outbox.mark_sent(item, channel_id=5, message_id=item.id + 100)


@pytest.fixture
async def populated(store: Store) -> dict[str, int]:
    feed = await config_feed(store, "https://n.example/feed", "n")
    items = [
        keyed("old-irrelevant", OLD),
        keyed("old-unanalysed", OLD, eligible=False),
        keyed("old-event", OLD),
        keyed("old-undated", None, eligible=False),
        keyed("old-pending", OLD),
        keyed("fresh-event", fresh()),
        keyed("fresh-unanalysed", fresh(), eligible=False),
    ]
    saved = await store.entries.save_items(feed.id, items)
    by_key = {entry.key: entry for entry in saved.pending}
    await save(store, by_key["old-irrelevant"], relevant=False)
    old_event = await save(store, by_key["old-event"], relevant=True, company="Oldco")
    fresh_event = await save(store, by_key["fresh-event"], relevant=True, company="Newco")
    await deliver_all(store)
    return {"old_event": old_event.event_id, "fresh_event": fresh_event.event_id}


async def keys(store: Store) -> set[str]:
    return {row[0] for row in await store.db.fetchall("SELECT key FROM entries")}


async def test_prune_removes_old_leftovers_and_keeps_what_matters(
    store: Store, populated: dict[str, int]
) -> None:
    report = await prune(store, older_than=RETENTION, now=time.time() + RETENTION + 1)
    assert await keys(store) == {
        "old-event",
        "old-undated",
        "old-pending",
        "fresh-event",
        "fresh-unanalysed",
    }
    assert report.entries == 2
    assert report.outbox == 2, "both deliveries were sent before the cutoff"
    assert report.posts == 1, "only the old event's post is forgotten"
    posts = await store.db.fetchall("SELECT event_id FROM posts")
    assert [row[0] for row in posts] == [populated["fresh_event"]]
    assert await store.db.scalar("SELECT count(*) FROM events") == 2
    assert await store.db.scalar("SELECT count(*) FROM stories") == 2
    fts = await store.db.scalar("SELECT count(*) FROM stories_fts")
    assert fts == 2, "the pruned story's search row went with it"
    assert await store.db.integrity_check() == "ok"


async def test_nothing_recent_is_pruned(store: Store, populated: dict[str, int]) -> None:
    before = await keys(store)
    report = await prune(store, older_than=RETENTION)
    assert (report.entries, report.outbox, report.posts) == (0, 0, 0)
    assert await keys(store) == before


async def test_queued_deliveries_keep_their_post(store: Store, populated: dict[str, int]) -> None:
    await store.db.execute("UPDATE outbox SET status = 'pending'")
    report = await prune(store, older_than=RETENTION, now=time.time() + RETENTION + 1)
    assert (report.outbox, report.posts) == (0, 0)


async def test_large_prunes_run_in_batches(
    store: Store, populated: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 1)
    report = await prune(store, older_than=RETENTION, now=time.time() + RETENTION + 1)
    assert report.entries == 2


async def test_run_retention_keeps_going_after_a_failure(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    third_run = asyncio.Event()

    async def flaky(store: Store, *, older_than: float) -> retention.PruneReport:
        calls.append(older_than)
        if len(calls) == 3:
            third_run.set()
        if len(calls) == 1:
            raise RuntimeError("disk hiccup")
        return retention.PruneReport(cutoff=0.0)

    monkeypatch.setattr(retention, "prune", flaky)
    task = asyncio.create_task(run_retention(store, every=0.01, older_than=RETENTION))
    await asyncio.wait_for(third_run.wait(), 2.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls[:3] == [RETENTION] * 3
