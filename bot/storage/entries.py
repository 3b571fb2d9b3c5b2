"""Entries: feed items deduplicated by key, with the feeds that carried them."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

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
_SOURCES_PER_INSERT = 250
# Feeds stored per transaction: past about ten a larger group saves little, and a group of
# 50 ordinary feeds holds the write lock for tens of milliseconds, not seconds.
_FEEDS_PER_TRANSACTION = 50

T = TypeVar("T")
Request = TypeVar("Request")
Result = TypeVar("Result")


class GroupCommit(Generic[Request, Result]):
    """Writes that arrive while the database is busy, committed together in one transaction.

    A poll cycle polls every feed at once, so hundreds of small writes (one feed's items,
    one feed's health) queue behind each other on the one connection. Each transaction
    costs a commit and a few trips to aiosqlite's thread whatever its size, so one
    transaction per waiting group instead of one per write is most of the storage time
    saved. Nothing is delayed on purpose: a write that finds no batch running starts one
    at once, and the writes that arrive meanwhile form the next one.

    A group holds at most `max_group` writes, so that one transaction cannot keep the
    database locked for long while other readers and writers wait.

    Every caller still waits until its own write is committed. When a transaction fails,
    every write in it fails with the same error (a busy or full database is not one
    feed's fault anyway); the next group is tried afresh.
    """

    def __init__(
        self,
        db: Database,
        write: Callable[[aiosqlite.Connection, list[Request]], Awaitable[list[Result]]],
        *,
        max_group: int,
    ) -> None:
        self._db = db
        self._write = write
        self._max_group = max_group
        self._waiting: list[tuple[Request, asyncio.Future[Result]]] = []
        self._running: asyncio.Task[None] | None = None

    async def submit(self, request: Request) -> Result:
        """Queue `request` and wait until the transaction holding it has committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._running is None:
            self._running = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                await self._commit(group)
        finally:
            self._running = None

    async def _commit(self, group: list[tuple[Request, asyncio.Future[Result]]]) -> None:
        try:
            async with self._db.transaction() as conn:
                results = await self._write(conn, [request for request, _ in group])
        except Exception as exc:
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:
            for _, future in group:
                future.cancel()
            raise
        for (_, future), result in zip(group, results, strict=True):
            if not future.done():
                future.set_result(result)


@dataclass
class _Saved:
    """What one feed's save changed, before its pending entries are read back."""

    new: int = 0
    updated: int = 0
    sources: int = 0
    pending_keys: list[str] = field(default_factory=list)
    pending_ids: list[int] = field(default_factory=list)


class EntryRepository:
    """Stores what feeds publish, once per story however many feeds carry it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._saves: GroupCommit[tuple[int, list[KeyedItem]], _Saved] = GroupCommit(
            db, self._save_group, max_group=_FEEDS_PER_TRANSACTION
        )

    async def save_items(self, feed_id: int, items: list[KeyedItem]) -> SaveResult:
        """Insert new entries, record sources, apply updates — all in one transaction.

        A new eligible entry is `pending` (to analyse and maybe post); a new ineligible one
        (old, or on a feed's first poll beyond its backfill) is `seen` and never posted. An
        entry already known keeps its status: a changed title or text updates it in place.

        Saves of feeds polled together share a transaction (`GroupCommit`). Within it the
        feeds are taken in turn, as if stored one after the other: an item whose key came
        earlier, in this feed or an earlier one of the group, is treated as already known.
        """
        saved = await self._saves.submit((feed_id, items))
        return SaveResult(
            new=saved.new,
            pending=await self.get_many(saved.pending_ids),
            updated=saved.updated,
            new_sources=saved.sources - saved.new,
        )

    async def _save_group(
        self, conn: aiosqlite.Connection, saves: list[tuple[int, list[KeyedItem]]]
    ) -> list[_Saved]:
        """Every statement covers the whole group (a lookup by key, one insert, one update,
        one source insert), because each call crosses to aiosqlite's thread and back."""
        stamp = now()
        keys = list({keyed.key for _, items in saves for keyed in items})
        known = await self._known(conn, keys)
        hashes = {key: content_hash for key, (_, content_hash) in known.items()}
        fresh: dict[str, KeyedItem] = {}
        changed: dict[str, KeyedItem] = {}
        results = []
        for _, items in saves:
            saved = _Saved()
            for keyed in items:
                if keyed.key not in hashes:
                    fresh[keyed.key] = keyed
                    saved.new += 1
                    if keyed.eligible:
                        saved.pending_keys.append(keyed.key)
                elif hashes[keyed.key] != keyed.content_hash:
                    changed[keyed.key] = keyed
                    saved.updated += 1
                hashes[keyed.key] = keyed.content_hash
            results.append(saved)
        ids = {key: entry_id for key, (entry_id, _) in known.items()}
        ids.update(await self._insert(conn, list(fresh.values()), stamp))
        await self._update(conn, ids, list(changed.values()), stamp)
        sources = await self._add_sources(conn, ids, saves, stamp)
        # The first poll is the one whose items are stored, in this same transaction:
        # a crash after it cannot make a later poll decide again what was old news.
        await conn.executemany(
            "UPDATE feeds SET first_polled_at = COALESCE(first_polled_at, ?) WHERE id = ?",
            [(stamp, feed_id) for feed_id in dict.fromkeys(feed_id for feed_id, _ in saves)],
        )
        for (feed_id, _), saved in zip(saves, results, strict=True):
            saved.sources = sources[feed_id]
            saved.pending_ids = [ids[key] for key in saved.pending_keys]
        return results

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
            found.update((row[1], (row[0], row[2])) for row in rows)
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
            ids.update((row[1], row[0]) for row in rows)
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

    async def _add_sources(
        self,
        conn: aiosqlite.Connection,
        ids: dict[str, int],
        saves: list[tuple[int, list[KeyedItem]]],
        stamp: float,
    ) -> Counter[int]:
        """Record which feed carried which entry; returns the rows added per feed.

        RETURNING lists only the rows inserted, not those ignored as already there, so
        one statement serves many feeds and still tells each feed what it added.
        """
        rows = [
            (ids[keyed.key], feed_id, keyed.item.link, stamp)
            for feed_id, items in saves
            for keyed in items
        ]
        added: Counter[int] = Counter()
        for chunk in _chunks(rows, _SOURCES_PER_INSERT):
            values = ",".join(["(?, ?, ?, ?)"] * len(chunk))
            inserted = await conn.execute_fetchall(
                "INSERT OR IGNORE INTO entry_sources (entry_id, feed_id, link, seen_at) "
                f"VALUES {values} RETURNING feed_id",
                [value for row in chunk for value in row],
            )
            added.update(row[0] for row in inserted)
        return added

    async def get_many(self, entry_ids: list[int]) -> list[EntryRecord]:
        """Entries by id, in the given order, with the names of the feeds that carried them.

        Shared feeds (config.yaml's) are named before a server's own: the first name is the
        story's outlet, shown to every server that sees a shared story, and a server's
        private feed must not be named to the others.
        """
        by_id: dict[int, dict[str, object]] = {}
        outlets: dict[int, list[str]] = {}
        for chunk in _chunks(entry_ids, _KEYS_PER_QUERY):
            marks = ",".join("?" * len(chunk))
            rows = await self._db.fetchall(
                f"SELECT {_ENTRY_COLUMNS}, COALESCE(f.title, f.name) AS outlet FROM entries e "
                "LEFT JOIN entry_sources s ON s.entry_id = e.id "
                f"LEFT JOIN feeds f ON f.id = s.feed_id WHERE e.id IN ({marks}) "
                "ORDER BY e.id, f.origin = 'guild', s.seen_at, s.feed_id",
                chunk,
            )
            for row in rows:
                values = dict(row)
                outlet = values.pop("outlet")
                by_id.setdefault(values["id"], values)
                names = outlets.setdefault(values["id"], [])
                if outlet and outlet not in names:
                    names.append(outlet)
        return [EntryRecord(**by_id[i], outlets=tuple(outlets[i])) for i in entry_ids if i in by_id]

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
