"""Per-guild settings and small process state."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.database import Database, now


class SettingsRepository:
    """Guild settings as JSON documents (the keys are defined by the posting layer)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> dict[str, Any]:
        """A guild's stored overrides (empty when it has none)."""
        raw = await self._db.scalar(
            "SELECT settings FROM guild_settings WHERE guild_id = ?", (guild_id,)
        )
        return json.loads(raw) if raw else {}

    async def lowest_threshold(self) -> float | None:
        """The lowest `/settings threshold` any server has stored, or None if none has."""
        value = await self._db.scalar(
            "SELECT min(json_extract(settings, '$.threshold')) FROM guild_settings"
        )
        return None if value is None else float(value)

    async def update(self, guild_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge changes into a guild's settings; a None value removes the key."""
        async with self._db.transaction() as conn:
            row = await (
                await conn.execute(
                    "SELECT settings FROM guild_settings WHERE guild_id = ?", (guild_id,)
                )
            ).fetchone()
            current = json.loads(row[0]) if row else {}
            for key, value in changes.items():
                if value is None:
                    current.pop(key, None)
                else:
                    current[key] = value
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, settings, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET settings = excluded.settings, "
                "updated_at = excluded.updated_at",
                (guild_id, json.dumps(current), now()),
            )
        return current

    async def get_meta(self, key: str) -> str | None:
        """A small piece of process state, such as the registered command tree's hash."""
        return await self._db.scalar("SELECT value FROM meta WHERE key = ?", (key,))

    async def set_meta(self, key: str, value: str) -> None:
        """Store a small piece of process state."""
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def record_problem(self, guild_id: int, channel_id: int, problem: str) -> bool:
        """Note a delivery problem; True the first time (so the admin is told only once)."""
        stamp = now()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO delivery_problems (guild_id, channel_id, problem, first_at, last_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, channel_id) DO UPDATE SET "
                "problem = excluded.problem, last_at = excluded.last_at RETURNING reported",
                (guild_id, channel_id, problem[:500], stamp, stamp),
            )
            row = await cursor.fetchone()
            first = not row[0]
            if first:
                await conn.execute(
                    "UPDATE delivery_problems SET reported = 1 "
                    "WHERE guild_id = ? AND channel_id = ?",
                    (guild_id, channel_id),
                )
        return first

    async def clear_problem(self, guild_id: int, channel_id: int) -> None:
        """Forget a delivery problem once posting to that channel works again."""
        await self._db.execute(
            "DELETE FROM delivery_problems WHERE guild_id = ? AND channel_id = ?",
            (guild_id, channel_id),
        )
