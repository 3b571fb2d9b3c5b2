"""Members' verdicts on posted stories, and the "flagged" mark on a server's post.

A "Not relevant" click is evidence for tuning the analyzer later, so each member's verdict
is kept (one per member, story and server; a second click only refreshes it), and the
server's post of that event is marked so nobody needs to flag it twice.
"""

from __future__ import annotations

from bot.storage.database import Database, now


class FeedbackRepository:
    """Writes the `feedback` table and the `posts.flagged` column."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def flag(
        self,
        *,
        story_id: int,
        event_id: int,
        guild_id: int,
        user_id: int,
        destination: str,
        verdict: str,
    ) -> bool:
        """Record a member's verdict and mark the post; True when it was not flagged yet."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO feedback (story_id, guild_id, user_id, verdict, at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (story_id, guild_id, user_id) "
                "DO UPDATE SET verdict = excluded.verdict, at = excluded.at",
                (story_id, guild_id, user_id, verdict, now()),
            )
            cursor = await conn.execute(
                "UPDATE posts SET flagged = 1 WHERE destination = ? AND event_id = ? "
                "AND flagged = 0",
                (destination, event_id),
            )
            return cursor.rowcount > 0
