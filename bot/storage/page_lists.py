"""The lists behind page buttons: what a click needs to rebuild a page after a restart.

A button's custom id holds at most 100 characters and a search query alone may take 200,
so the command and its arguments are kept here under a short number the buttons carry.
Each list expires: a click after that is answered "run the command again", and retention
deletes the row (`MaintenanceRepository.prune_page_lists`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.storage.database import Database, now


@dataclass(frozen=True, slots=True)
class PageList:
    """One stored list: which command, with which arguments, for which member."""

    id: int
    command: str
    args: dict[str, Any]
    owner_id: int


class PageListRepository:
    """Writes and reads the `page_lists` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self, command: str, args: dict[str, Any], *, owner_id: int, lifetime: float
    ) -> int:
        """Store a list for `lifetime` seconds; returns its number."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO page_lists (command, args, owner_id, expires_at) VALUES (?, ?, ?, ?)",
                (command, json.dumps(args), owner_id, now() + lifetime),
            )
            return int(cursor.lastrowid or 0)

    async def get(self, list_id: int) -> PageList | None:
        """The list numbered `list_id`, or None when there is none or it has expired.

        Expiry is checked here, so it holds however long ago retention last ran.
        """
        row = await self._db.fetchone(
            "SELECT id, command, args, owner_id FROM page_lists WHERE id = ? AND expires_at >= ?",
            (list_id, now()),
        )
        if row is None:
            return None
        return PageList(int(row[0]), str(row[1]), json.loads(row[2]), int(row[3]))
