"""Which servers get a story: thresholds, filters, and feeds owned by one server."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import parse_config
from bot.models import Analysis, FeedItem, Stage
from bot.routing import guild_router, offline_router
from bot.storage import Store
from bot.storage.records import EntryRecord, KeyedItem, Target
from cogs.client import GuildDirectory
from tests.store_setup import config_feed

CONFIG = parse_config(
    "discord:\n  guilds:\n    111:\n      channel: 5\n    222:\n      channel: 6\n"
    "analysis:\n  threshold: 0.5\n"
)


def exit_story(score: float = 0.9, country: str = "India") -> Analysis:
    return Analysis(
        relevant=True, score=score, company="Lockwell", country=country, stage=Stage.COMPLETED
    )


async def entry_from(
    store: Store, *, guild_id: int = 0, channel_id: int | None = None
) -> EntryRecord:
    url = f"https://feeds.example/{guild_id}.xml"
    if guild_id:
        feed = await store.feeds.add(
            url=url, name="G", guild_id=guild_id, interval_s=60, channel_id=channel_id
        )
    else:
        feed = await config_feed(store, url, "C")
    item = FeedItem(title="t", link=f"https://n.example/{guild_id}",
                    published=datetime(2026, 11, 1, tzinfo=UTC))  # fmt: skip
    key = f"url:{guild_id}:{await store.entries.count()}"
    saved = await store.entries.save_items(feed.id, [KeyedItem(key, "h", item, True)])
    return saved.pending[0]


async def test_configured_feed_reaches_every_server(store: Store) -> None:
    route = guild_router(store, CONFIG, lambda: [333])
    targets = await route(exit_story(), await entry_from(store))
    assert targets == [Target("guild:111"), Target("guild:222"), Target("guild:333")]


async def test_a_servers_own_feed_reaches_only_that_server_and_its_channel(store: Store) -> None:
    route = guild_router(store, CONFIG, lambda: [111, 222])
    targets = await route(exit_story(), await entry_from(store, guild_id=222, channel_id=77))
    assert targets == [Target("guild:222", 77)]


async def test_threshold_and_filters_are_per_server(store: Store) -> None:
    await store.settings.update(111, {"threshold": 0.95})
    await store.settings.update(222, {"filters": {"countries": ["Pakistan"]}})
    route = guild_router(store, CONFIG, list)
    assert await route(exit_story(score=0.9), await entry_from(store)) == []
    assert await route(exit_story(score=0.97, country="Pakistan"), await entry_from(store)) == [
        Target("guild:111"),
        Target("guild:222"),
    ]


async def test_offline_routes_to_the_terminal_and_every_server_storage_knows(
    store: Store,
) -> None:
    """Without Discord: config.yaml's servers, those set up with /settings, the terminal."""
    await store.settings.update(444, {"channel": 9})
    await store.settings.update(0, {"threshold": 0.6})  # the console's own, no server's
    route = offline_router(store, CONFIG)
    assert await route(exit_story(), await entry_from(store)) == [
        Target("console"),
        Target("guild:111"),
        Target("guild:222"),
        Target("guild:444"),
    ]
    await store.settings.update(444, {"threshold": 0.95})
    assert await route(exit_story(score=0.6), await entry_from(store)) == [
        Target("console"),
        Target("guild:111"),
        Target("guild:222"),
    ], "each server's own threshold still applies"
    assert await route(exit_story(score=0.3), await entry_from(store)) == []


class FakeClient:
    """Just what GuildDirectory reads from a discord.py client."""

    def __init__(self, guild_ids: list[int], ready: bool) -> None:
        self.guilds = [type("G", (), {"id": guild_id})() for guild_id in guild_ids]
        self.ready = ready

    def is_ready(self) -> bool:
        return self.ready


def test_directory_keeps_the_servers_while_the_gateway_reconnects() -> None:
    directory = GuildDirectory()
    directory.bot = FakeClient([1, 2], ready=True)  # type: ignore[assignment]
    assert directory() == {1, 2}
    directory.bot = FakeClient([], ready=False)  # type: ignore[assignment]
    assert directory() == {1, 2}, "re-identifying: the cache is empty for a moment"
    directory.bot = FakeClient([2], ready=True)  # type: ignore[assignment]
    assert directory() == {2}, "ready again: a server that removed the bot is dropped"
