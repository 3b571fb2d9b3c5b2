"""Page lists: stored under a number, refused once expired, deleted by retention."""

from __future__ import annotations

import time

from bot.retention import prune
from bot.storage import Store

RETENTION = 180 * 86400.0
SEARCH = {"query": "a long search query " * 10}


async def test_a_list_comes_back_as_stored(store: Store) -> None:
    list_id = await store.page_lists.create("search", SEARCH, owner_id=2**62, lifetime=60.0)
    listed = await store.page_lists.get(list_id)
    assert listed is not None
    assert (listed.id, listed.command, listed.args, listed.owner_id) == (
        list_id,
        "search",
        SEARCH,
        2**62,
    )
    assert await store.page_lists.get(list_id + 1) is None


async def test_an_expired_list_is_refused_before_retention_runs(store: Store) -> None:
    list_id = await store.page_lists.create("latest", {"count": 5}, owner_id=1, lifetime=-1.0)
    assert await store.page_lists.get(list_id) is None
    assert await store.db.scalar("SELECT count(*) FROM page_lists") == 1


async def test_retention_deletes_only_expired_lists(store: Store) -> None:
    gone = await store.page_lists.create("country", {"name": "India"}, owner_id=1, lifetime=-1.0)
    kept = await store.page_lists.create("company", {"name": "Lockbox"}, owner_id=1, lifetime=60)
    report = await prune(store, older_than=RETENTION, now=time.time())
    assert report.page_lists == 1 and "1 expired page lists" in report.describe()
    rows = await store.db.fetchall("SELECT id FROM page_lists")
    assert [row[0] for row in rows] == [kept]
    assert await store.page_lists.get(gone) is None


async def test_a_number_is_never_reused(store: Store) -> None:
    first = await store.page_lists.create("latest", {"count": 5}, owner_id=1, lifetime=-1.0)
    await prune(store, older_than=RETENTION, now=time.time())
    second = await store.page_lists.create("latest", {"count": 5}, owner_id=1, lifetime=60.0)
    assert second > first
