"""Housekeeping queries: health probes, counts for metrics, pruning old rows, and the
servers set up in storage (for routing without Discord).

Kept apart from the repositories that write stories and deliveries so that what may be
deleted, and why, is decided in one place.
"""

from __future__ import annotations

from bot.storage.database import Database

# Entries that may go: dated before the cutoff, seen before it, and not the source of an
# event. Undated entries stay: if a feed still carried one, it would come back as new
# (undated items are always eligible) and could be posted a second time.
_PRUNABLE_ENTRIES = (
    "SELECT e.id FROM entries e WHERE e.published_at < :cutoff AND e.first_seen_at < :cutoff "
    "AND e.status != 'pending' AND NOT EXISTS (SELECT 1 FROM stories s "
    "WHERE s.entry_id = e.id AND s.event_id IS NOT NULL) LIMIT :batch"
)


class MaintenanceRepository:
    """Read-only probes (for /healthz, /metrics and offline routing) and retention's deletes."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def ping(self) -> None:
        """A trivial query: proves the connection and its thread answer."""
        await self._db.scalar("SELECT 1")

    async def story_counts(self) -> tuple[int, int]:
        """How many stories are stored, and how many of them are relevant."""
        row = await self._db.fetchone("SELECT count(*), COALESCE(sum(relevant), 0) FROM stories")
        return (int(row[0]), int(row[1])) if row is not None else (0, 0)

    async def guilds_with_settings(self) -> list[int]:
        """Servers with stored `/settings`: without Discord, the only sign of where the
        bot posts besides config.yaml (`/settings channel` is how most servers pick one).

        Id 0 is left out: it holds the console's settings and is no server.
        """
        rows = await self._db.fetchall(
            "SELECT guild_id FROM guild_settings WHERE guild_id > 0 ORDER BY guild_id"
        )
        return [int(row[0]) for row in rows]

    async def last_poll_at(self) -> float | None:
        """When any feed was last polled (successfully or not)."""
        value = await self._db.scalar("SELECT max(last_polled_at) FROM feeds")
        return float(value) if value is not None else None

    async def prune_entries(self, cutoff: float, batch: int) -> int:
        """Delete up to `batch` prunable entries (their stories and sources go with them).

        The full-text rows are deleted by hand: an FTS5 table has no foreign keys.
        """
        params = {"cutoff": cutoff, "batch": batch}
        async with self._db.transaction() as conn:
            rows = await (await conn.execute(_PRUNABLE_ENTRIES, params)).fetchall()
            ids = [row[0] for row in rows]
            if not ids:
                return 0
            marks = ",".join("?" * len(ids))
            await conn.execute(
                f"DELETE FROM stories_fts WHERE rowid IN "
                f"(SELECT id FROM stories WHERE entry_id IN ({marks}))",
                ids,
            )
            await conn.execute(f"DELETE FROM entries WHERE id IN ({marks})", ids)
        return len(ids)

    async def prune_outbox(self, cutoff: float) -> int:
        """Delete finished deliveries (sent or failed) from before the cutoff."""
        return await self._db.execute(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed') "
            "AND COALESCE(sent_at, created_at) < ?",
            (cutoff,),
        )

    async def prune_posts(self, cutoff: float) -> int:
        """Forget where old events were posted, once nothing can touch those posts again.

        A post is kept while its event is still live (updated since the cutoff) or while a
        delivery for it is still queued: a new source edits the post it finds here, and
        without it the event would be posted a second time.
        """
        return await self._db.execute(
            "DELETE FROM posts WHERE posted_at < :cutoff "
            "AND event_id IN (SELECT id FROM events WHERE last_at < :cutoff) "
            "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.destination = posts.destination "
            "AND o.event_id = posts.event_id)",
            {"cutoff": cutoff},
        )

    async def prune_page_lists(self, at: float) -> int:
        """Delete page lists that expired before `at`: their buttons only answer "expired"
        by then (a missing row reads the same), so nothing needs them."""
        return await self._db.execute("DELETE FROM page_lists WHERE expires_at < ?", (at,))
