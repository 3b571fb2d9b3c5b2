"""Retention: old entries and finished deliveries are pruned so the database stays small.

What is kept forever: events and the stories attached to them (the record `/exits`
answers from), undated entries, and anything a queued delivery or a live event still needs.
What goes, once older than `storage.retention`: entries that never became part of an
event, sent and failed outbox rows, and posts of events nothing can update any more.
Page lists (what the page buttons of `/exits` lists rebuild from) go once they expire.

Retention is at least `analysis.event_window` + `poll.max_age` (the config refuses less):
an entry a feed still carries then comes back as old news (stored as seen, never posted),
and no new source, up to `max_age` old itself, can join an event whose post was forgotten.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from bot.storage import Store
from bot.storage.maintenance import MaintenanceRepository

log = logging.getLogger(__name__)

# Entries are deleted in batches, each its own transaction, so a large first prune does
# not hold the database lock (and every poll waiting on it) for long.
BATCH = 500


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What one prune removed, and the cutoff it used."""

    cutoff: float
    entries: int = 0
    outbox: int = 0
    posts: int = 0
    page_lists: int = 0

    def describe(self) -> str:
        """One log line."""
        return (
            f"pruned {self.entries} entries, {self.outbox} deliveries and {self.posts} posts "
            f"older than the retention period, and {self.page_lists} expired page lists"
        )


async def prune(store: Store, *, older_than: float, now: float | None = None) -> PruneReport:
    """Delete what is older than `older_than` seconds; see the module docstring for what."""
    at = time.time() if now is None else now
    cutoff = at - older_than
    repo = MaintenanceRepository(store.db)
    entries = 0
    while deleted := await repo.prune_entries(cutoff, BATCH):
        entries += deleted
    outbox = await repo.prune_outbox(cutoff)
    posts = await repo.prune_posts(cutoff)
    page_lists = await repo.prune_page_lists(at)
    return PruneReport(
        cutoff=cutoff, entries=entries, outbox=outbox, posts=posts, page_lists=page_lists
    )


async def run_retention(store: Store, every: float, older_than: float) -> None:
    """Prune now and then every `every` seconds, until cancelled; a failure is logged."""
    while True:
        try:
            report = await prune(store, older_than=older_than)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention prune failed; trying again in %gs", every)
        else:
            log.info("%s", report.describe())
        await asyncio.sleep(every)
