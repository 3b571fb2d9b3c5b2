"""Storage: migrations, deduplication, events and the outbox, against a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import FeedNotFound, InvalidInput, StoryNotFound
from bot.models import Analysis, FeedItem, Signal, Stage
from bot.storage import Store
from bot.storage.database import migrations
from bot.storage.records import KeyedItem, Target
from tests.store_setup import config_feed

WINDOW = 60 * 86400.0
CONSOLE = [Target("console")]


def keyed(key: str, title: str = "A title", *, eligible: bool = True, day: int = 1) -> KeyedItem:
    item = FeedItem(
        title=title,
        link=f"https://news.example/{key}",
        summary="summary",
        published=datetime(2026, 11, day, tzinfo=UTC),
    )
    return KeyedItem(key=key, content_hash=f"{key}:{title}", item=item, eligible=eligible)


def relevant(stage: Stage = Stage.ANNOUNCED, company: str = "Lockbox") -> Analysis:
    return Analysis(
        relevant=True,
        score=0.9,
        company=company,
        country="India",
        stage=stage,
        demand="log VPN users' data",
        summary=f"{company} pulls its servers from India.",
        signals=[Signal("exit", 0.5, "It pulls out.")],
        sentences=["It pulls out."],
    )


async def add_feed(store: Store, url: str = "https://feeds.example/a.xml") -> int:
    return (await config_feed(store, url, url, interval_s=900.0)).id


async def test_migrations_set_schema_version(store: Store) -> None:
    newest = migrations()[-1][0]
    assert await store.db.scalar("PRAGMA user_version") == newest
    assert await store.db.scalar("PRAGMA journal_mode") == "wal"
    assert await store.db.integrity_check() == "ok"


async def test_reopening_does_not_migrate_twice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first = await Store.open(path)
    feed_id = await add_feed(first)
    await first.close()
    second = await Store.open(path)
    assert (await second.feeds.get(feed_id)).url == "https://feeds.example/a.xml"
    await second.close()


async def test_same_key_in_two_feeds_is_one_entry_with_two_sources(store: Store) -> None:
    a = await add_feed(store, "https://feeds.example/a.xml")
    b = await add_feed(store, "https://feeds.example/b.xml")
    first = await store.entries.save_items(a, [keyed("k1")])
    second = await store.entries.save_items(b, [keyed("k1")])
    assert first.new == 1 and len(first.pending) == 1
    assert second.new == 0 and second.pending == [] and second.new_sources == 1
    assert await store.entries.count() == 1
    sources = await store.db.scalar("SELECT count(*) FROM entry_sources")
    assert sources == 2


async def test_same_key_with_new_title_is_an_update(store: Store) -> None:
    feed = await add_feed(store)
    await store.entries.save_items(feed, [keyed("k1", "Old title")])
    again = await store.entries.save_items(feed, [keyed("k1", "New title")])
    assert again.new == 0 and again.updated == 1 and again.pending == []
    [entry] = await store.entries.get_many([1])
    assert entry.title == "New title"


async def test_ineligible_entries_are_seen_not_pending(store: Store) -> None:
    feed = await add_feed(store)
    saved = await store.entries.save_items(
        feed, [keyed("old", eligible=False), keyed("new", eligible=True)]
    )
    assert [entry.key for entry in saved.pending] == ["new"]
    assert [entry.key for entry in await store.entries.pending()] == ["new"]


async def test_sources_of_one_event_group_and_stage_changes(store: Store) -> None:
    feed = await add_feed(store)
    saved = await store.entries.save_items(
        feed, [keyed("a", day=1), keyed("b", day=3), keyed("c", day=9)]
    )
    a, b, c = saved.pending
    stories = store.stories
    first = await stories.save_analysis(
        a,
        relevant(Stage.THREATENED),
        outlet="A",
        event_key="lockbox|india",
        event_window=WINDOW,
        destinations=CONSOLE,
    )
    second = await stories.save_analysis(
        b,
        relevant(Stage.THREATENED),
        outlet="B",
        event_key="lockbox|india",
        event_window=WINDOW,
        destinations=CONSOLE,
    )
    third = await stories.save_analysis(
        c,
        relevant(Stage.COMPLETED),
        outlet="C",
        event_key="lockbox|india",
        event_window=WINDOW,
        destinations=CONSOLE,
    )
    assert first.change == "new_event"
    assert second.change == "new_source" and second.event_id == first.event_id
    assert third.change == "stage_change" and third.event_id == first.event_id
    event = await stories.get_event(first.event_id)
    assert event.stage == "completed" and event.source_count == 3
    assert [step.stage for step in await stories.timeline(first.event_id)] == [
        "threatened",
        "completed",
    ]
    kinds = [row[0] for row in await store.db.fetchall("SELECT kind FROM outbox ORDER BY id")]
    assert kinds == ["post", "source", "stage"]


async def test_event_window_separates_distant_stories(store: Store) -> None:
    feed = await add_feed(store)
    a, b = (await store.entries.save_items(feed, [keyed("a", day=1), keyed("b", day=20)])).pending
    one = await store.stories.save_analysis(
        a, relevant(), outlet="", event_key="k", event_window=86400.0, destinations=[]
    )
    two = await store.stories.save_analysis(
        b, relevant(), outlet="", event_key="k", event_window=86400.0, destinations=[]
    )
    assert one.event_id != two.event_id


async def test_saving_an_analysis_twice_enqueues_once(store: Store) -> None:
    feed = await add_feed(store)
    [entry] = (await store.entries.save_items(feed, [keyed("a")])).pending
    args = {"outlet": "", "event_key": "k", "event_window": WINDOW, "destinations": CONSOLE}
    first = await store.stories.save_analysis(entry, relevant(), **args)
    again = await store.stories.save_analysis(entry, relevant(), **args)
    assert first.enqueued == 1 and again.change is None and again.enqueued == 0
    assert await store.outbox.depth() == 1
    assert await store.entries.pending() == []


async def test_irrelevant_story_is_stored_without_event_or_delivery(store: Store) -> None:
    feed = await add_feed(store)
    [entry] = (await store.entries.save_items(feed, [keyed("a")])).pending
    stored = await store.stories.save_analysis(
        entry,
        Analysis(relevant=False, score=0.1),
        outlet="",
        event_key=None,
        event_window=WINDOW,
        destinations=CONSOLE,
    )
    assert stored.event_id is None and stored.enqueued == 0
    story = await store.stories.get_story(stored.story_id)
    assert story.relevant is False


async def test_outbox_lifecycle_records_message_and_post(store: Store) -> None:
    feed = await add_feed(store)
    [entry] = (await store.entries.save_items(feed, [keyed("a")])).pending
    stored = await store.stories.save_analysis(
        entry,
        relevant(),
        outlet="",
        event_key="k",
        event_window=WINDOW,
        destinations=[Target("guild:1")],
    )
    [item] = await store.outbox.due(prefix="guild:")
    await store.outbox.mark_sending(item.id)
    [interrupted] = await store.outbox.due(prefix="guild:")
    assert interrupted.status == "sending" and interrupted.attempts == 1
    await store.outbox.mark_sent(item, channel_id=10, message_id=20)
    assert await store.outbox.due(prefix="guild:") == []
    post = await store.outbox.post_for("guild:1", stored.event_id)
    assert post is not None and post.message_id == 20
    assert await store.outbox.counts() == {"sent": 1}


async def test_feed_health_streak_and_reset(store: Store) -> None:
    feed_id = await add_feed(store)
    for _ in range(3):
        await store.feeds.record_failure(feed_id, "HTTP 404 from feeds.example", next_poll_at=1.0)
    feed = await store.feeds.get(feed_id)
    assert feed.failing and feed.last_error == "HTTP 404 from feeds.example"
    await store.feeds.record_success(feed_id, next_poll_at=2.0, etag='"v1"')
    feed = await store.feeds.get(feed_id)
    assert not feed.failing and feed.error_count == 0 and feed.etag == '"v1"'
    assert feed.first_polled_at is not None


async def test_config_sync_deactivates_removed_feeds(store: Store) -> None:
    await add_feed(store, "https://feeds.example/a.xml")
    await add_feed(store, "https://feeds.example/b.xml")
    assert [feed.url for feed in await store.feeds.list()] == ["https://feeds.example/b.xml"]


async def test_guild_feed_duplicates_are_refused(store: Store) -> None:
    await store.feeds.add(url="https://feeds.example/g.xml", name="G", guild_id=5, interval_s=60)
    with pytest.raises(InvalidInput):
        await store.feeds.add(
            url="https://feeds.example/g.xml", name="G", guild_id=5, interval_s=60
        )
    with pytest.raises(FeedNotFound):
        await store.feeds.get(999)


async def test_missing_story_raises_story_not_found(store: Store) -> None:
    with pytest.raises(StoryNotFound):
        await store.stories.get_story(42)


async def test_guild_settings_merge_and_remove(store: Store) -> None:
    assert await store.settings.get(7) == {}
    await store.settings.update(7, {"channel": 11, "threshold": 0.6})
    assert await store.settings.update(7, {"threshold": None}) == {"channel": 11}


async def test_a_late_reversal_joins_the_exit_it_ends(store: Store) -> None:
    feed = await add_feed(store)
    exit_story, unrelated, reversal = (
        await store.entries.save_items(
            feed, [keyed("exit", day=1), keyed("other", day=2), keyed("back", day=28)]
        )
    ).pending
    window = 86400.0
    exited = await store.stories.save_analysis(
        exit_story,
        relevant(Stage.COMPLETED),
        outlet="",
        event_key="k",
        event_window=window,
        destinations=CONSOLE,
    )
    other = await store.stories.save_analysis(
        unrelated,
        relevant(Stage.COMPLETED, company="Other"),
        outlet="",
        event_key="other",
        event_window=window,
        destinations=CONSOLE,
    )
    back = await store.stories.save_analysis(
        reversal,
        relevant(Stage.REVERSED),
        outlet="",
        event_key="k",
        event_window=window,
        destinations=CONSOLE,
    )
    assert back.event_id == exited.event_id != other.event_id
    assert back.change == "stage_change"


async def test_storing_a_first_poll_marks_the_feed_polled_in_the_same_transaction(
    store: Store,
) -> None:
    feed = await add_feed(store)
    assert (await store.feeds.get(feed)).first_polled_at is None
    await store.entries.save_items(feed, [keyed("a", eligible=False)])
    assert (await store.feeds.get(feed)).first_polled_at is not None


async def test_a_shared_feed_names_the_outlet_before_a_servers_own_feed(store: Store) -> None:
    """The first outlet is shown to every server that sees the story; a server's private
    feed, even when it carried the entry first, must not be the one named."""
    private = await store.feeds.add(
        url="https://private.example/feed", name="Desk memo", guild_id=5, interval_s=60
    )
    shared = await config_feed(store, "https://wire.example/feed", "Wire")
    item = FeedItem(title="Exit", link="https://news.example/exit")
    first = await store.entries.save_items(private.id, [KeyedItem("url:exit", "h", item, True)])
    await store.entries.save_items(shared.id, [KeyedItem("url:exit", "h", item, True)])
    [entry] = await store.entries.get_many([first.pending[0].id])
    assert entry.outlets == ("Wire", "Desk memo")
