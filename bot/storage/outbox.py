"""The outbox: deliveries recorded before they are sent, and marked once they are."""

from __future__ import annotations

import aiosqlite

from bot.storage.database import Database, now
from bot.storage.records import OutboxItem, PostRecord

_OUTBOX_COLUMNS = (
    "id, destination, kind, event_id, story_id, status, attempts, next_attempt_at, last_error, "
    "channel_id, message_id, created_at"
)


def _item(row: aiosqlite.Row) -> OutboxItem:
    return OutboxItem(**dict(row))


class OutboxRepository:
    """Each delivery moves pending -> sending -> sent (or failed/held), with its message id."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def due(self, *, prefix: str, limit: int = 50) -> list[OutboxItem]:
        """Deliveries for destinations starting with `prefix` that may be tried now.

        `sending` rows are included: they were interrupted (a crash after the send began)
        and the sender must check whether the message already exists before sending again.
        """
        rows = await self._db.fetchall(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE destination LIKE ? || '%' "
            "AND status IN ('pending', 'sending') AND next_attempt_at <= ? "
            "ORDER BY id LIMIT ?",
            (prefix, now(), limit),
        )
        return [_item(row) for row in rows]

    async def mark_sending(self, item_id: int) -> None:
        """Record that a send is about to start (so a crash leaves evidence)."""
        await self._db.execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
            (item_id,),
        )

    async def mark_sent(
        self,
        item: OutboxItem,
        *,
        channel_id: int | None,
        message_id: int | None,
        thread_id: int | None = None,
    ) -> None:
        """Record the message a delivery produced, and where its event now lives."""
        stamp = now()
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, channel_id = ?, message_id = ?, "
                "last_error = NULL WHERE id = ?",
                (stamp, channel_id, message_id, item.id),
            )
            await conn.execute(
                "INSERT INTO posts (destination, event_id, channel_id, message_id, thread_id, "
                "posted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (destination, event_id) "
                "DO UPDATE SET thread_id = COALESCE(excluded.thread_id, thread_id)",
                (item.destination, item.event_id, channel_id, message_id, thread_id, stamp),
            )

    async def retry(self, item_id: int, error: str, *, at: float) -> None:
        """A transient failure: try again at `at`."""
        await self._db.execute(
            "UPDATE outbox SET status = 'pending', last_error = ?, next_attempt_at = ? "
            "WHERE id = ?",
            (error[:500], at, item_id),
        )

    async def fail(self, item_id: int, error: str) -> None:
        """A permanent failure (no permission, channel gone): kept, shown, not retried."""
        await self._db.execute(
            "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?",
            (error[:500], item_id),
        )

    async def hold(self, item_id: int, reason: str) -> None:
        """Held back (e.g. the daily cap): summarised later, never silently dropped."""
        await self._db.execute(
            "UPDATE outbox SET status = 'held', last_error = ? WHERE id = ?", (reason, item_id)
        )

    async def held(self, destination: str) -> list[OutboxItem]:
        """Deliveries held back for one destination."""
        rows = await self._db.fetchall(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE destination = ? AND status = 'held' "
            "ORDER BY id",
            (destination,),
        )
        return [_item(row) for row in rows]

    async def sent_since(self, destination: str, since: float) -> int:
        """How many new messages (edits aside) a destination got since a time (daily cap).

        Counted from what was made, not from item kinds: each event's post, whichever item
        made it (a source finding no post posts the event), plus each stage update sent as a
        message of its own. A post or source that found its event posted only edited it.
        """
        return int(
            await self._db.scalar(
                "SELECT (SELECT count(*) FROM posts WHERE destination = :d AND posted_at >= :t) "
                "+ (SELECT count(*) FROM outbox o JOIN posts p ON p.destination = o.destination "
                "AND p.event_id = o.event_id WHERE o.destination = :d AND o.status = 'sent' "
                "AND o.kind = 'stage' AND o.sent_at >= :t AND o.message_id IS NOT p.message_id)",
                {"d": destination, "t": since},
            )
        )

    async def post_for(self, destination: str, event_id: int) -> PostRecord | None:
        """Where an event was first posted for a destination, if it was."""
        row = await self._db.fetchone(
            "SELECT destination, event_id, channel_id, message_id, thread_id, flagged "
            "FROM posts WHERE destination = ? AND event_id = ?",
            (destination, event_id),
        )
        if row is None:
            return None
        values = dict(row)
        values["flagged"] = bool(values["flagged"])
        return PostRecord(**values)

    async def depth(self) -> int:
        """Deliveries not yet sent (pending or interrupted): a health metric."""
        return int(
            await self._db.scalar(
                "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
            )
        )

    async def counts(self) -> dict[str, int]:
        """Deliveries by status."""
        rows = await self._db.fetchall("SELECT status, count(*) FROM outbox GROUP BY status")
        return {row[0]: row[1] for row in rows}
