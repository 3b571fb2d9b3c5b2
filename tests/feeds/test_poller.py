"""The poll of one feed, end to end against a local site: dedupe, first poll, 304s, health."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.feeds.fetch import Fetcher, FetchLimits, make_session
from bot.feeds.poller import FeedPoller, PollPolicy
from bot.storage import Store
from bot.storage.records import FeedRecord
from tests.feed_site import FeedSite, rss

NOW = datetime.now(UTC)


def items(*numbers: int, days_old: float = 0.5) -> list[dict]:
    return [
        {
            "title": f"Story number {n}",
            "link": f"https://outlet.example/story-{n}?utm_source=feed",
            "guid": f"https://outlet.example/story-{n}",
            "description": f"Text of story {n}.",
            "published": NOW - timedelta(days=days_old, minutes=n),
        }
        for n in numbers
    ]


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    async with FeedSite() as running:
        yield running


@pytest.fixture
async def poller(store: Store) -> AsyncIterator[FeedPoller]:
    limits = FetchLimits(total_timeout=5)
    async with make_session(limits, allow_private=True) as session:
        yield FeedPoller(store, Fetcher(session, limits, True), PollPolicy())


async def feed(store: Store, url: str, *, backfill: int = 0) -> FeedRecord:
    [record] = await store.feeds.sync_configured(
        [
            {
                "url": url,
                "guild_id": 0,
                "name": "Outlet",
                "interval_s": 60.0,
                "backfill": backfill,
                "channel_id": None,
            }
        ],
        f"test-{url}",
    )
    return record


async def test_first_poll_stores_items_as_seen_and_posts_nothing(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/feed.xml", rss("Outlet", items(1, 2, 3)))
    outcome = await poller.poll(await feed(store, url))
    assert (outcome.status, outcome.items, outcome.new, outcome.pending) == ("fetched", 3, 3, [])
    assert await store.entries.count() == 3


async def test_backfill_opts_in_to_the_newest_items(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/feed.xml", rss("Outlet", items(1, 2, 3, 4)))
    outcome = await poller.poll(await feed(store, url, backfill=2))
    assert sorted(entry.title for entry in outcome.pending) == ["Story number 1", "Story number 2"]


async def test_later_polls_emit_only_new_items_and_skip_old_ones(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/feed.xml", rss("Outlet", items(1, 2)))
    record = await feed(store, url)
    await poller.poll(record)
    site.put("/feed.xml", rss("Outlet", items(1, 2, 3) + items(9, days_old=30)))
    outcome = await poller.poll(await store.feeds.get(record.id))
    assert [entry.title for entry in outcome.pending] == ["Story number 3"]
    assert outcome.new == 2, "the month-old item is stored as seen, never posted"


async def test_unchanged_feed_is_a_304_and_costs_no_parse(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/feed.xml", rss("Outlet", items(1)))
    record = await feed(store, url)
    await poller.poll(record)
    outcome = await poller.poll(await store.feeds.get(record.id))
    assert outcome.status == "not_modified"
    assert (await store.feeds.get(record.id)).etag is not None


async def test_same_body_without_validators_hits_the_hash_fast_path(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/feed.xml", rss("Outlet", items(1)))
    record = await feed(store, url)
    await poller.poll(record)
    fresh = await store.feeds.get(record.id)
    no_validators = replace(fresh, etag=None, last_modified=None)
    assert (await poller.poll(no_validators)).status == "unchanged"


async def test_restart_does_not_re_emit_seen_entries(tmp_path, site: FeedSite) -> None:
    url = site.put("/feed.xml", rss("Outlet", items(1, 2)))
    path = tmp_path / "db.sqlite3"
    limits = FetchLimits(total_timeout=5)
    for round_number in range(2):
        store = await Store.open(path)
        async with make_session(limits, allow_private=True) as session:
            poller = FeedPoller(store, Fetcher(session, limits, True), PollPolicy())
            record = await feed(store, url, backfill=5)
            fresh = replace(record, etag=None, body_hash=None)
            outcome = await poller.poll(fresh)
        await store.close()
        expected = 2 if round_number == 0 else 0
        assert len(outcome.pending) == expected


async def test_one_story_in_two_feeds_is_one_entry(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    shared = items(1)
    first = site.put("/a.xml", rss("Outlet A", shared))
    second = site.put("/b.xml", rss("Outlet B", [{**shared[0], "guid": ""}]))
    outcome_a = await poller.poll(await feed(store, first, backfill=5))
    outcome_b = await poller.poll(await feed(store, second, backfill=5))
    assert len(outcome_a.pending) == 1 and outcome_b.pending == []
    assert await store.entries.count() == 1
    assert await store.db.scalar("SELECT count(*) FROM entry_sources") == 2


async def test_a_failing_feed_is_marked_and_backs_off(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/gone.xml", "", status=404)
    record = await feed(store, url)
    for _ in range(3):
        outcome = await poller.poll(await store.feeds.get(record.id))
        assert outcome.status == "error" and "404" in (outcome.error or "")
    failing = await store.feeds.get(record.id)
    assert failing.failing and failing.error_count == 3
    assert failing.next_poll_at is not None and failing.next_poll_at >= failing.last_polled_at + 60


async def test_malformed_feed_is_a_clear_per_feed_error(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/broken.xml", "<html><body><p>Not a feed at all</p></body></html>", "text/html")
    outcome = await poller.poll(await feed(store, url))
    assert outcome.status == "error"
    assert "feed" in (outcome.error or "").lower()


async def test_private_address_is_refused_by_default(store: Store, site: FeedSite) -> None:
    url = site.put("/feed.xml", rss("Outlet", items(1)))
    limits = FetchLimits(total_timeout=5)
    async with make_session(limits, allow_private=False) as session:
        guarded = FeedPoller(store, Fetcher(session, limits, False), PollPolicy())
        outcome = await guarded.poll(await feed(store, url))
    assert outcome.status == "error"
    assert "127.0.0.1" in (outcome.error or "") and site.requests == []


async def test_feeds_polled_together_store_as_if_one_after_another(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    """Their saves share transactions; shared stories must still be one entry each, with a
    source per feed, one "new" count per story and one pending entry per story."""
    records = []
    for n in range(12):
        url = site.put(f"/f{n}.xml", rss(f"Outlet {n}", items(n, n + 1, n + 2)))
        records.append(await feed(store, url, backfill=5))
    outcomes = await asyncio.gather(*(poller.poll(record) for record in records))
    stories = 14  # 0 .. 13
    assert [outcome.status for outcome in outcomes] == ["fetched"] * 12
    assert sum(outcome.new for outcome in outcomes) == stories
    pending = [entry.key for outcome in outcomes for entry in outcome.pending]
    assert sorted(pending) == sorted(set(pending)) and len(pending) == stories
    assert await store.entries.count() == stories
    assert await store.db.scalar("SELECT count(*) FROM entry_sources") == 36
    for record in records:
        polled = await store.feeds.get(record.id)
        assert polled.first_polled_at is not None and polled.item_count == 3
        assert polled.etag is not None and polled.error_count == 0


async def test_a_busy_database_fails_every_poll_of_the_group_then_recovers(
    tmp_path: Path, site: FeedSite
) -> None:
    """A storage error is no feed's fault: each poll raises it, none is marked failing, and
    the next cycle stores everything."""
    store = await Store.open(tmp_path / "db.sqlite3", busy_timeout=0.2)
    limits = FetchLimits(total_timeout=5)
    try:
        async with make_session(limits, allow_private=True) as session:
            poller = FeedPoller(store, Fetcher(session, limits, True), PollPolicy())
            records = [
                await feed(store, site.put(f"/f{n}.xml", rss("Outlet", items(n)))) for n in range(4)
            ]
            other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            results = await asyncio.gather(
                *(poller.poll(record) for record in records), return_exceptions=True
            )
            other.execute("ROLLBACK")
            other.close()
            assert all(isinstance(result, StorageError) for result in results)
            assert await store.entries.count() == 0
            assert [feed.error_count for feed in await store.feeds.list()] == [0, 0, 0, 0]
            outcomes = await asyncio.gather(*(poller.poll(record) for record in records))
            assert [outcome.new for outcome in outcomes] == [1, 1, 1, 1]
    finally:
        await store.close()


async def test_an_item_the_keying_cannot_read_fails_only_its_feed(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    odd = site.put("/odd.xml", rss("Odd", [{"title": "No link", "guid": "http://[oops/1"}]))
    good = site.put("/good.xml", rss("Good", items(1)))
    outcomes = [await poller.poll(await feed(store, url, backfill=5)) for url in (odd, good)]
    assert [outcome.status for outcome in outcomes] == ["fetched", "fetched"]
    assert await store.entries.count() == 2


async def test_a_flapping_feed_recovers_without_losing_or_doubling_items(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/flap.xml", rss("Outlet", items(1)))
    record = await feed(store, url, backfill=5)
    seen = len((await poller.poll(record)).pending)
    for round_number in range(2, 6):
        site.put("/flap.xml", "", status=503)
        broken = await poller.poll(await store.feeds.get(record.id))
        assert broken.status == "error"
        site.put("/flap.xml", rss("Outlet", items(*range(1, round_number + 1))))
        outcome = await poller.poll(await store.feeds.get(record.id))
        seen += len(outcome.pending)
        assert (await store.feeds.get(record.id)).error_count == 0
    assert seen == 5 and await store.entries.count() == 5


async def test_a_feed_gone_for_good_is_kept_reported_and_polled_ever_more_rarely(
    store: Store, site: FeedSite, poller: FeedPoller
) -> None:
    url = site.put("/gone.xml", "", status=404)
    record = await feed(store, url)
    delays = []
    for _ in range(8):
        current = await store.feeds.get(record.id)
        outcome = await poller.poll(current)
        delays.append(outcome.next_poll_at - (await store.feeds.get(record.id)).last_polled_at)
    final = await store.feeds.get(record.id)
    assert final.failing and final.error_count == 8 and "404" in (final.last_error or "")
    assert [f.id for f in await store.feeds.list()] == [record.id], "never removed silently"
    assert min(delays) >= record.interval_s, "a failing feed is never polled faster"
    assert max(delays[4:]) > max(delays[:2]), "and it backs off as the streak grows"
