"""Why config.py refuses `storage.retention` < `analysis.event_window` + `poll.max_age`.

A new source may be published up to `poll.max_age` ago and still joins an event whose
last source is up to `analysis.event_window` older than it. At the shortest retention the
config accepts, pruning keeps the post such a source edits; at retention = event_window
(the bound that looks sufficient) the post is gone and the event would be posted twice.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.config import Config, parse_config
from bot.errors import ConfigError
from bot.models import Analysis, FeedItem, Stage
from bot.retention import prune
from bot.storage import Store
from bot.storage.records import EntryRecord, KeyedItem, Target
from tests.store_setup import config_feed

DAY = 86400.0
HOUR = 3600.0
GUILD = "guild:1"


def shortest_accepted_retention() -> Config:
    """The defaults with the least retention that config validation lets through."""
    with pytest.raises(ConfigError, match=r"storage\.retention"):
        parse_config("storage:\n  retention: 66d\n")
    return parse_config("storage:\n  retention: 67d\n")


async def entry(store: Store, key: str, published: float) -> EntryRecord:
    feed = await config_feed(store, "https://n.example/feed", "n")
    item = FeedItem(
        title=key, link=f"https://n.example/{key}", published=datetime.fromtimestamp(published, UTC)
    )
    saved = await store.entries.save_items(feed.id, [KeyedItem(key, key, item, eligible=True)])
    return saved.pending[0]


async def save_source(store: Store, config: Config, record: EntryRecord) -> str | None:
    stored = await store.stories.save_analysis(
        record,
        Analysis(
            relevant=True, score=0.9, company="Lockbox", country="India", stage=Stage.ANNOUNCED
        ),
        outlet="Outlet",
        event_key="lockbox|india",
        event_window=config.analysis.event_window,
        destinations=[Target(GUILD)],
    )
    return stored.change


@pytest.mark.parametrize(
    ("retention", "post_kept"),
    [("accepted minimum", True), ("event_window alone", False)],
)
async def test_a_source_that_can_still_join_finds_its_event_post(
    store: Store, retention: str, post_kept: bool
) -> None:
    config = shortest_accepted_retention()
    window, max_age = config.analysis.event_window, config.poll.max_age
    older_than = config.storage.retention if post_kept else window
    prune_at = time.time() + config.storage.retention + DAY
    # The event's only source is (an hour short of) as old as a source published max_age
    # ago can still join; the hour keeps the test off the exact boundary, where the
    # rounding of stored dates would decide.
    first = await entry(store, "first", prune_at - max_age - window + HOUR)
    assert await save_source(store, config, first) == "new_event"
    [item] = await store.outbox.due(prefix=GUILD)
    await store.outbox.mark_sending(item.id)
    await store.outbox.mark_sent(item, channel_id=5, message_id=500)

    await prune(store, older_than=older_than, now=prune_at)

    late = await entry(store, "late", prune_at - max_age)
    assert await save_source(store, config, late) == "new_source", "it joins the event"
    post = await store.outbox.post_for(GUILD, item.event_id)
    assert (post is not None) is post_kept
