"""The poll of one feed, end to end against a local site: dedupe, first poll, 304s, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

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
    no_validators = FeedRecord(**{**_fields(fresh), "etag": None, "last_modified": None})
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
            fresh = FeedRecord(**{**_fields(record), "etag": None, "body_hash": None})
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


def _fields(record: FeedRecord) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}
