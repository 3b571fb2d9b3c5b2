"""Migration 0002 (visibility scopes) on a database that already holds stories."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.models import Analysis, FeedItem, Stage
from bot.storage import Store
from bot.storage.database import _statements, migrations
from bot.storage.records import KeyedItem

DAY = 86400.0
AT = 1_780_000_000.0


def schema_1_database(path: Path) -> None:
    """A database as the previous release left it: schema 1, a feed, a story, its event."""
    version, _, sql = migrations()[0]
    assert version == 1
    with sqlite3.connect(path) as conn:
        for statement in _statements(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={version}")
        conn.execute(
            "INSERT INTO feeds (id, url, name, origin, interval_s, created_at) "
            "VALUES (1, 'https://feeds.example/world.xml', 'World desk', 'config', 900, ?)",
            (AT,),
        )
        conn.execute(
            "INSERT INTO entries (id, key, title, url, published_at, content_hash, status, "
            "first_seen_at, updated_at) VALUES (1, 'old', 'Lockbox leaves India', "
            "'https://news.example/old', ?, 'h', 'done', ?, ?)",
            (AT, AT, AT),
        )
        conn.execute("INSERT INTO entry_sources VALUES (1, 1, NULL, ?)", (AT,))
        conn.execute(
            "INSERT INTO events (id, key, company, country, stage, first_at, last_at, "
            "created_at) VALUES (1, 'lockbox vpn|india', 'Lockbox VPN', 'India', "
            "'announced', ?, ?, ?)",
            (AT, AT, AT),
        )
        conn.execute(
            "INSERT INTO stories (id, entry_id, event_id, relevant, score, company, country, "
            "stage, analysed_at) VALUES (1, 1, 1, 1, 0.9, 'Lockbox VPN', 'India', "
            "'announced', ?)",
            (AT,),
        )


async def save(store: Store, feed_id: int, key: str) -> tuple[int | None, str | None]:
    """A Lockbox/India story from one feed, a day after the old one: (event id, change)."""
    when = datetime.fromtimestamp(AT + DAY, UTC)
    item = FeedItem(title=key, link=f"https://news.example/{key}", summary="Lockbox left.",
                    published=when)  # fmt: skip
    keyed = KeyedItem(key=key, content_hash=key, item=item, eligible=True)
    [entry] = (await store.entries.save_items(feed_id, [keyed])).pending
    stored = await store.stories.save_analysis(
        entry,
        Analysis(
            relevant=True, score=0.9, company="Lockbox VPN", country="India", stage=Stage.COMPLETED
        ),
        outlet="x",
        event_key="lockbox vpn|india",
        event_window=60 * DAY,
        destinations=(),
    )
    return stored.event_id, stored.change


async def test_existing_rows_become_shared_and_keep_matching(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    schema_1_database(path)
    store = await Store.open(path)
    try:
        assert await store.db.scalar("PRAGMA user_version") == migrations()[-1][0]
        assert [tuple(r) for r in await store.db.fetchall("SELECT id, scope FROM events")] == [
            (1, 0)
        ]
        assert [tuple(r) for r in await store.db.fetchall("SELECT id, scope FROM stories")] == [
            (1, 0)
        ]
        assert await store.db.integrity_check() == "ok"
        assert await save(store, 1, "configured") == (1, "stage_change")
        private = await store.feeds.add(
            url="https://tips.example/x.xml", name="Tips", guild_id=777, interval_s=900.0
        )
        event_id, change = await save(store, private.id, "private")
        assert event_id != 1 and change == "new_event"
        assert (await store.stories.get_event(1)).source_count == 2
    finally:
        await store.close()
