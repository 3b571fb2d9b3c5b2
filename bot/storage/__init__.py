"""Storage behind a narrow interface: one repository per concern over one database.

Callers only see `Store` and its repositories; the SQLite specifics stay in `database.py`
and the SQL of each repository, so another engine can stand in later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.storage.database import Database
from bot.storage.entries import EntryRepository
from bot.storage.feeds import FeedRepository
from bot.storage.outbox import OutboxRepository
from bot.storage.page_lists import PageListRepository
from bot.storage.settings import SettingsRepository
from bot.storage.stories import StoryRepository


@dataclass(frozen=True, slots=True)
class Store:
    """Everything the core persists, grouped by concern."""

    db: Database
    feeds: FeedRepository
    entries: EntryRepository
    stories: StoryRepository
    outbox: OutboxRepository
    settings: SettingsRepository
    page_lists: PageListRepository

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout: float = 5.0) -> Store:
        """Open the database at `path` (migrating it) and build the repositories."""
        db = await Database.open(path, busy_timeout=busy_timeout)
        return cls(
            db=db,
            feeds=FeedRepository(db),
            entries=EntryRepository(db),
            stories=StoryRepository(db),
            outbox=OutboxRepository(db),
            settings=SettingsRepository(db),
            page_lists=PageListRepository(db),
        )

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()
