"""Feeds set up in a test store the way config.yaml declares them."""

from __future__ import annotations

from bot.storage import Store
from bot.storage.records import FeedRecord


async def config_feed(
    store: Store,
    url: str = "https://feeds.example/a.xml",
    name: str = "A",
    *,
    interval_s: float = 60.0,
    origin: str = "config",
) -> FeedRecord:
    """One feed for every server, no backfill, as a config.yaml entry makes it.

    Syncing replaces the feeds of `origin`, as a changed config.yaml would: tests that need
    several feeds at once give each its own `origin`.
    """
    [feed] = await store.feeds.sync_configured(
        [
            {
                "url": url,
                "guild_id": 0,
                "name": name,
                "interval_s": interval_s,
                "backfill": 0,
                "channel_id": None,
            }
        ],
        origin,
    )
    return feed
