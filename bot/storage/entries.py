"""Entries: feed items deduplicated by key, with the feeds that carried them."""

from __future__ import annotations

import aiosqlite

from bot.storage.database import Database, now
from bot.storage.records import EntryRecord, KeyedItem, SaveResult

_ENTRY_COLUMNS = (
    "e.id, e.key, e.title, e.url, e.published_at, e.summary, e.content, e.page_text, e.status, "
    "e.first_seen_at"
)


class EntryRepository:
    """Stores what feeds publish, once per story however many feeds carry it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_items(self, feed_id: int, items: list[KeyedItem]) -> SaveResult:
        """Insert new entries, record sources, apply updates — all in one transaction.

        A new eligible entry is `pending` (to analyse and maybe post); a new ineligible one
        (old, or on a feed's first poll beyond its backfill) is `seen` and never posted. An
        entry already known keeps its status: a changed title or text updates it in place.
        """
        stamp = now()
        new, updated, sources, pending_ids = 0, 0, 0, []
        async with self._db.transaction() as conn:
            for keyed in items:
                row = await (
                    await conn.execute(
                        "SELECT id, content_hash FROM entries WHERE key = ?", (keyed.key,)
                    )
                ).fetchone()
                if row is None:
                    entry_id = await self._insert(conn, keyed, stamp)
                    new += 1
                    if keyed.eligible:
                        pending_ids.append(entry_id)
                else:
                    entry_id = row["id"]
                    if row["content_hash"] != keyed.content_hash:
                        await self._update(conn, entry_id, keyed, stamp)
                        updated += 1
                cursor = await conn.execute(
                    "INSERT OR IGNORE INTO entry_sources (entry_id, feed_id, link, seen_at) "
                    "VALUES (?, ?, ?, ?)",
                    (entry_id, feed_id, keyed.item.link, stamp),
                )
                sources += cursor.rowcount
        pending = await self.get_many(pending_ids)
        return SaveResult(new=new, pending=pending, updated=updated, new_sources=sources - new)

    async def _insert(self, conn: aiosqlite.Connection, keyed: KeyedItem, stamp: float) -> int:
        item = keyed.item
        cursor = await conn.execute(
            "INSERT INTO entries (key, title, url, published_at, summary, content, "
            "content_hash, status, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?) RETURNING id",
            (
                keyed.key,
                item.title,
                item.link,
                item.published.timestamp() if item.published else None,
                item.summary,
                item.content,
                keyed.content_hash,
                "pending" if keyed.eligible else "seen",
                stamp,
                stamp,
            ),
        )
        return (await cursor.fetchone())[0]

    async def _update(
        self, conn: aiosqlite.Connection, entry_id: int, keyed: KeyedItem, stamp: float
    ) -> None:
        item = keyed.item
        await conn.execute(
            "UPDATE entries SET title = ?, summary = ?, content = ?, content_hash = ?, "
            "updated_at = ? WHERE id = ?",
            (item.title, item.summary, item.content, keyed.content_hash, stamp, entry_id),
        )

    async def get_many(self, entry_ids: list[int]) -> list[EntryRecord]:
        """Entries by id, in the given order, with the names of the feeds that carried them."""
        if not entry_ids:
            return []
        marks = ",".join("?" * len(entry_ids))
        rows = await self._db.fetchall(
            f"SELECT {_ENTRY_COLUMNS}, group_concat(COALESCE(f.title, f.name), '\x1f') AS outlets "
            "FROM entries e LEFT JOIN entry_sources s ON s.entry_id = e.id "
            f"LEFT JOIN feeds f ON f.id = s.feed_id WHERE e.id IN ({marks}) GROUP BY e.id",
            entry_ids,
        )
        by_id = {}
        for row in rows:
            values = dict(row)
            outlets = tuple(filter(None, (values.pop("outlets") or "").split("\x1f")))
            by_id[values["id"]] = EntryRecord(**values, outlets=outlets)
        return [by_id[i] for i in entry_ids if i in by_id]

    async def pending(self, limit: int = 200) -> list[EntryRecord]:
        """Entries stored but not yet analysed (e.g. after a crash mid-cycle), oldest first."""
        rows = await self._db.fetchall(
            "SELECT id FROM entries WHERE status = 'pending' ORDER BY id LIMIT ?", (limit,)
        )
        return await self.get_many([row["id"] for row in rows])

    async def set_page_text(self, entry_id: int, text: str) -> None:
        """Keep the article text fetched from the entry's page."""
        await self._db.execute(
            "UPDATE entries SET page_text = ?, updated_at = ? WHERE id = ?",
            (text, now(), entry_id),
        )

    async def mark(self, entry_id: int, status: str) -> None:
        """Set an entry's status (e.g. `skipped` when it is too old to post)."""
        await self._db.execute("UPDATE entries SET status = ? WHERE id = ?", (status, entry_id))

    async def count(self) -> int:
        """How many entries are stored."""
        return int(await self._db.scalar("SELECT count(*) FROM entries"))
