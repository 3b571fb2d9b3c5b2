"""Feeds and their polling health."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiosqlite

from bot.errors import FeedNotFound, InvalidInput
from bot.storage.database import Database, now
from bot.storage.entries import GroupCommit
from bot.storage.records import FeedRecord

# One small UPDATE per feed: hundreds fit in a transaction that still commits in a few ms.
_FEEDS_PER_TRANSACTION = 500

_FEED_COLUMNS = (
    "id, url, name, origin, guild_id, interval_s, backfill, channel_id, paused, title, etag, "
    "last_modified, body_hash, first_polled_at, last_polled_at, last_success_at, last_error, "
    "last_error_at, error_count, next_poll_at, item_count"
)


def _feed(row: aiosqlite.Row) -> FeedRecord:
    values = dict(row)
    values["paused"] = bool(values["paused"])
    return FeedRecord(**values)


class FeedRepository:
    """Which feeds to poll, and how each one has been doing."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._successes: GroupCommit[dict[str, Any], None] = GroupCommit(
            db, self._record_successes, max_group=_FEEDS_PER_TRANSACTION
        )
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever the set of feeds to poll changes (added, removed, paused,
        resumed, synced from config), so the scheduler acts on a /feeds command at once
        instead of at its next periodic look. Returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def sync_configured(self, feeds: list[dict[str, Any]], origin: str) -> list[FeedRecord]:
        """Make the stored feeds of `origin` match the config: add, update, deactivate.

        Feeds dropped from the config are deactivated, not deleted, so their entries and
        history stay and re-adding a feed does not re-post its old items.
        """
        stamp = now()
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE feeds SET active = 0 WHERE origin = ?", (origin,))
            for feed in feeds:
                await conn.execute(
                    "INSERT INTO feeds (url, guild_id, name, origin, interval_s, backfill, "
                    "channel_id, created_at) VALUES (:url, :guild_id, :name, :origin, "
                    ":interval_s, :backfill, :channel_id, :stamp) "
                    "ON CONFLICT (url, guild_id) DO UPDATE SET name = excluded.name, "
                    "origin = excluded.origin, interval_s = excluded.interval_s, "
                    "backfill = excluded.backfill, channel_id = excluded.channel_id, active = 1",
                    {**feed, "origin": origin, "stamp": stamp},
                )
        self._changed()
        return await self.list(origin=origin)

    async def add(
        self,
        *,
        url: str,
        name: str,
        guild_id: int,
        interval_s: float,
        backfill: int = 0,
        channel_id: int | None = None,
        added_by: int | None = None,
    ) -> FeedRecord:
        """Add a feed for one guild; a duplicate URL in that guild is refused."""
        existing = await self._db.fetchone(
            "SELECT id FROM feeds WHERE url = ? AND guild_id IN (?, 0) AND active = 1",
            (url, guild_id),
        )
        if existing is not None:
            raise InvalidInput(f"that feed is already watched (feed #{existing['id']})")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO feeds (url, guild_id, name, origin, interval_s, backfill, "
                "channel_id, created_at, added_by) VALUES (?, ?, ?, 'guild', ?, ?, ?, ?, ?) "
                "ON CONFLICT (url, guild_id) DO UPDATE SET active = 1, paused = 0, "
                "name = excluded.name, channel_id = excluded.channel_id RETURNING id",
                (url, guild_id, name, interval_s, backfill, channel_id, now(), added_by),
            )
            row = await cursor.fetchone()
        self._changed()
        return await self.get(row[0])

    async def get(self, feed_id: int) -> FeedRecord:
        """One feed by id, or FeedNotFound."""
        row = await self._db.fetchone(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE id = ?", (feed_id,))
        if row is None:
            raise FeedNotFound(f"no feed #{feed_id}")
        return _feed(row)

    async def list(
        self, *, guild_id: int | None = None, origin: str | None = None, active: bool = True
    ) -> list[FeedRecord]:
        """Feeds, optionally those visible to one guild (its own plus the configured ones)."""
        clauses, params = ["active = ?"], [int(active)]
        if guild_id is not None:
            clauses.append("guild_id IN (?, 0)")
            params.append(guild_id)
        if origin is not None:
            clauses.append("origin = ?")
            params.append(origin)
        rows = await self._db.fetchall(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE {' AND '.join(clauses)} ORDER BY id",
            params,
        )
        return [_feed(row) for row in rows]

    async def of_entry(self, entry_id: int) -> list[FeedRecord]:
        """The feeds that carried an entry (its sources), for routing its story."""
        rows = await self._db.fetchall(
            f"SELECT {_FEED_COLUMNS.replace('id,', 'f.id,', 1)} FROM feeds f "
            "JOIN entry_sources s ON s.feed_id = f.id WHERE s.entry_id = ? ORDER BY f.id",
            (entry_id,),
        )
        return [_feed(row) for row in rows]

    async def remove(self, feed_id: int) -> None:
        """Stop watching a feed; its stories stay."""
        await self._db.execute("UPDATE feeds SET active = 0 WHERE id = ?", (feed_id,))
        self._changed()

    async def set_paused(self, feed_id: int, paused: bool) -> None:
        """Pause or resume polling of one feed."""
        await self._db.execute(
            "UPDATE feeds SET paused = ?, next_poll_at = NULL WHERE id = ?", (int(paused), feed_id)
        )
        self._changed()

    async def pause_guild(self, guild_id: int) -> int:
        """Pause every feed a server added itself (config feeds are not its own); returns
        how many were running."""
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "UPDATE feeds SET paused = 1, next_poll_at = NULL WHERE guild_id = ? "
                "AND origin = 'guild' AND active = 1 AND paused = 0 RETURNING id",
                (guild_id,),
            )
        if rows:
            self._changed()
        return len(rows)

    async def record_success(
        self,
        feed_id: int,
        *,
        next_poll_at: float,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        title: str | None = None,
        item_count: int | None = None,
    ) -> None:
        """A poll worked (new body, 304, or same body): clear the error streak.

        Feeds polled together share one transaction (`GroupCommit`): in a cycle where
        most feeds answer 304 this update is nearly all the storage work there is.
        """
        await self._successes.submit(
            {
                "stamp": now(),
                "next": next_poll_at,
                "etag": etag,
                "lm": last_modified,
                "hash": body_hash,
                "title": title,
                "count": item_count,
                "id": feed_id,
            }
        )

    @staticmethod
    async def _record_successes(
        conn: aiosqlite.Connection, successes: list[dict[str, Any]]
    ) -> list[None]:
        await conn.executemany(
            "UPDATE feeds SET last_polled_at = :stamp, last_success_at = :stamp, "
            "first_polled_at = COALESCE(first_polled_at, :stamp), error_count = 0, "
            "last_error = NULL, next_poll_at = :next, etag = COALESCE(:etag, etag), "
            "last_modified = COALESCE(:lm, last_modified), "
            "body_hash = COALESCE(:hash, body_hash), title = COALESCE(:title, title), "
            "item_count = COALESCE(:count, item_count) WHERE id = :id",
            successes,
        )
        return [None] * len(successes)

    async def record_failure(self, feed_id: int, error: str, *, next_poll_at: float) -> int:
        """A poll failed: keep the message, count the streak; returns the new streak."""
        stamp = now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE feeds SET last_polled_at = ?, last_error = ?, last_error_at = ?, "
                "error_count = error_count + 1, next_poll_at = ? WHERE id = ? "
                "RETURNING error_count",
                (stamp, error[:500], stamp, next_poll_at, feed_id),
            )
            row = await cursor.fetchone()
        return int(row[0]) if row else 0
