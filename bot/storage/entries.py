"""Entries: feed items deduplicated by key, with the feeds that carried them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import aiosqlite

from bot.storage.database import Database, now
from bot.storage.records import EntryRecord, KeyedItem, SaveResult

_ENTRY_COLUMNS = (
    "e.id, e.key, e.title, e.url, e.published_at, e.summary, e.content, e.page_text, e.status, "
    "e.first_seen_at"
)


# SQLite allows 32766 bound parameters per statement since 3.32; these stay well below it.
_KEYS_PER_QUERY = 500
_ROWS_PER_INSERT = 100

T = TypeVar("T")


class EntryRepository:
    """Stores what feeds publish, once per story however many feeds carry it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_items(self, feed_id: int, items: list[KeyedItem]) -> SaveResult:
        """Insert new entries, record sources, apply updates — all in one transaction.

        A new eligible entry is `pending` (to analyse and maybe post); a new ineligible one
        (old, or on a feed's first poll beyond its backfill) is `seen` and never posted. An
        entry already known keeps its status: a changed title or text updates it in place.

        Every statement covers the whole batch (a lookup by key, one insert, one update,
        one source insert) because each call crosses to aiosqlite's thread and back: done
        per item, those round trips were most of a first poll's time. An item whose key
        came earlier in the same batch is treated as already known, as it would be if the
        items were stored one at a time.
        """
        stamp = now()
        async with self._db.transaction() as conn:
            known = await self._known(conn, list({keyed.key for keyed in items}))
            hashes = {key: content_hash for key, (_, content_hash) in known.items()}
            fresh: dict[str, KeyedItem] = {}
            changed: dict[str, KeyedItem] = {}
            updated = 0
            for keyed in items:
                if keyed.key not in hashes:
                    fresh[keyed.key] = keyed
                elif hashes[keyed.key] != keyed.content_hash:
                    changed[keyed.key] = keyed
                    updated += 1
                hashes[keyed.key] = keyed.content_hash
            ids = {key: entry_id for key, (entry_id, _) in known.items()}
            ids.update(await self._insert(conn, list(fresh.values()), stamp))
            await self._update(conn, ids, list(changed.values()), stamp)
            cursor = await conn.executemany(
                "INSERT OR IGNORE INTO entry_sources (entry_id, feed_id, link, seen_at) "
                "VALUES (?, ?, ?, ?)",
                [(ids[keyed.key], feed_id, keyed.item.link, stamp) for keyed in items],
            )
            sources = cursor.rowcount
        pending = await self.get_many([ids[k] for k, keyed in fresh.items() if keyed.eligible])
        return SaveResult(
            new=len(fresh),
            pending=pending,
            updated=updated,
            new_sources=sources - len(fresh),
        )

    async def _known(
        self, conn: aiosqlite.Connection, keys: list[str]
    ) -> dict[str, tuple[int, str]]:
        """Stored entries among `keys`: key -> (id, content_hash)."""
        found: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(keys, _KEYS_PER_QUERY):
            marks = ",".join("?" * len(chunk))
            rows = await conn.execute_fetchall(
                f"SELECT id, key, content_hash FROM entries WHERE key IN ({marks})", chunk
            )
            found.update((row["key"], (row["id"], row["content_hash"])) for row in rows)
        return found

    async def _insert(
        self, conn: aiosqlite.Connection, items: list[KeyedItem], stamp: float
    ) -> dict[str, int]:
        """Insert new entries; returns key -> id (RETURNING order is not defined)."""
        ids: dict[str, int] = {}
        for chunk in _chunks(items, _ROWS_PER_INSERT):
            values = ",".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            params = [value for keyed in chunk for value in _entry_row(keyed, stamp)]
            rows = await conn.execute_fetchall(
                "INSERT INTO entries (key, title, url, published_at, summary, content, "
                f"content_hash, status, first_seen_at, updated_at) VALUES {values} "
                "RETURNING id, key",
                params,
            )
            ids.update((row["key"], row["id"]) for row in rows)
        return ids

    async def _update(
        self,
        conn: aiosqlite.Connection,
        ids: dict[str, int],
        items: list[KeyedItem],
        stamp: float,
    ) -> None:
        if not items:
            return
        await conn.executemany(
            "UPDATE entries SET title = ?, summary = ?, content = ?, content_hash = ?, "
            "updated_at = ? WHERE id = ?",
            [
                (
                    keyed.item.title,
                    keyed.item.summary,
                    keyed.item.content,
                    keyed.content_hash,
                    stamp,
                    ids[keyed.key],
                )
                for keyed in items
            ],
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


def _entry_row(keyed: KeyedItem, stamp: float) -> tuple[object, ...]:
    item = keyed.item
    return (
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
    )


def _chunks(values: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
