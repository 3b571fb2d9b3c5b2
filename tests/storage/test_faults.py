"""The database busy or full: a clear error, no corruption, recovery when it passes."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.models import FeedItem
from bot.storage import Store
from bot.storage.records import KeyedItem
from tests.store_setup import config_feed


def keyed(number: int) -> KeyedItem:
    item = FeedItem(
        title=f"Story {number} " + "padding " * 200,
        link=f"https://news.example/{number}",
        summary="text " * 500,
        published=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return KeyedItem(f"url:{number}", f"hash:{number}", item, eligible=True)


@pytest.fixture
async def quick_store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "db.sqlite3", busy_timeout=0.2)
    yield opened
    await opened.close()


async def feed_id(store: Store) -> int:
    return (await config_feed(store)).id


async def test_busy_database_is_a_clear_error_then_recovers(
    quick_store: Store, tmp_path: Path
) -> None:
    feed = await feed_id(quick_store)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StorageError, match="busy"):
        await quick_store.entries.save_items(feed, [keyed(1)])
    other.execute("ROLLBACK")
    other.close()
    saved = await quick_store.entries.save_items(feed, [keyed(1)])
    assert saved.new == 1
    assert await quick_store.db.integrity_check() == "ok"


async def test_full_disk_rolls_back_whole_batch_then_recovers(quick_store: Store) -> None:
    feed = await feed_id(quick_store)
    pages = await quick_store.db.scalar("PRAGMA page_count")
    await quick_store.db.fetchall(f"PRAGMA max_page_count={pages + 2}")
    with pytest.raises(StorageError, match="full"):
        await quick_store.entries.save_items(feed, [keyed(n) for n in range(50)])
    assert await quick_store.entries.count() == 0, "no half-written batch"
    await quick_store.db.fetchall("PRAGMA max_page_count=1073741823")
    saved = await quick_store.entries.save_items(feed, [keyed(n) for n in range(50)])
    assert saved.new == 50
    assert await quick_store.db.integrity_check() == "ok"
