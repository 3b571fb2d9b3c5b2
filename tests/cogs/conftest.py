"""The real ExitWatch client, its command cogs, a seeded store, the Discord stand-in and a
local web site, started once per test module.

Only the command extensions are loaded (not `cogs.posting`), so no feed is polled and no
story is posted behind a test's back. A module sets `ALLOW_PRIVATE = False` to run with the
production address guard; by default the fetcher may reach the local site on 127.0.0.1. A
module sets `FORUMS = {name: {"tags": [...]}}` to give the first guild forum channels (the
options of `DiscordStandIn.add_forum`), which must exist before the bot connects, and
`MEMBERS = ("reader", ...)` to give both guilds more plain members.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import App, open_app
from bot.config import parse_config
from bot.models import Stage
from bot.storage import Store
from cogs import endpoint
from cogs.client import ExitWatchBot
from tests.discord_standin import DiscordStandIn, Guild, InteractionCall, Permission
from tests.local_http import serve_pages
from tests.query import texts
from tests.query.conftest import ARTICLE_HTML, INDEX_HTML, add_feed, add_story, day, rss

TOKEN = "test-token"
COMMAND_EXTENSIONS = ("cogs.exits", "cogs.feeds", "cogs.settings")
ADMIN = Permission.all() & ~Permission.ADMINISTRATOR
EXTRA_EVENTS = 28  # with the two fixture exits: 30 events, more than autocomplete shows


@dataclass
class Seeded:
    """Numbers of the seeded stories."""

    lockbox: int  # the event's number (its first story)
    lockbox_later: int
    lockbox_event: int
    signalcast: int
    signalcast_event: int
    bakery: int


@dataclass
class Harness:
    """Everything a cog test drives: the stand-in, the bot, two guilds, the local site."""

    api: DiscordStandIn
    bot: ExitWatchBot
    app: App
    guild: Guild
    other: Guild
    site: str
    seeded: Seeded

    async def invoke(self, command: str, **options: Any) -> InteractionCall:
        """A slash command in the first guild as its plain member, unless told otherwise:
        `guild`, `in_channel`, `user`, `permissions` and `bypass_default_permissions` say
        where and as whom; every other keyword is a command option."""
        context = {_CONTEXT[k]: options.pop(k) for k in list(options) if k in _CONTEXT}
        context.setdefault("guild", self.guild)
        return await self.api.invoke(command, options=options, **context)

    async def admin(self, command: str, **options: Any) -> InteractionCall:
        """A slash command by a member with Manage Server."""
        return await self.invoke(command, permissions=ADMIN, **options)

    async def autocomplete(self, command: str, option: str, typed: str) -> list[dict]:
        """The suggestions shown while `typed` is in `option`."""
        call = await self.api.autocomplete(command, option, typed, guild=self.guild)
        await call.wait_response()
        return call.choices


_CONTEXT = {
    "guild": "guild",
    "in_channel": "channel",
    "user": "user",
    "permissions": "permissions",
    "bypass_default_permissions": "bypass_default_permissions",
}


async def seed(store: Store, guild_id: int) -> Seeded:
    """Two fixture exits (one with a later source and a stage change), an unrelated story,
    and enough further exits for six pages of /exits latest."""
    feed = await add_feed(store)
    here = (f"guild:{guild_id}",)
    lockbox, event = await add_story(
        store, feed, "lockbox-1",
        "Lockbox VPN to pull its servers out of India over logging rule",
        texts.LOCKBOX_FIRST, when=day(5, 12), company="Lockbox VPN", country="India",
        stage=Stage.ANNOUNCED, quote="We will not keep logs of what our users do",
        speaker="Priya Raman", effective="June 27",
        demand="log users' identities for five years", destinations=here,
    )  # fmt: skip
    later, _ = await add_story(
        store, feed, "lockbox-2", "Lockbox completes its withdrawal from India",
        texts.LOCKBOX_LATER, when=day(6, 20), company="Lockbox VPN", country="India",
        stage=Stage.COMPLETED, outlet="Daily Wire Example",
    )  # fmt: skip
    signalcast, signalcast_event = await add_story(
        store, feed, "signalcast-1",
        "Signalcast threatens to withdraw messaging app from the UK", texts.SIGNALCAST,
        when=day(3, 2), company="Signalcast", country="United Kingdom",
        stage=Stage.THREATENED, demand="a backdoor that breaks end-to-end encryption",
        destinations=here,
    )  # fmt: skip
    bakery, _ = await add_story(
        store, feed, "bakery-1", "Leeds bakery opens third shop", texts.BAKERY,
        when=day(5, 1), relevant=False, score=0.05,
    )  # fmt: skip
    for number in range(EXTRA_EVENTS):
        name = f"Cipherline {number}"
        await add_story(
            store, feed, f"cipherline-{number}",
            f"{name} withdraws from Brazil over a data retention law",
            [f"{name} will withdraw from Brazil.", "A law demands data retention for a year."],
            when=day(1, 1 + number), company=name, country="Brazil", stage=Stage.ANNOUNCED,
        )  # fmt: skip
    assert event is not None and signalcast_event is not None
    return Seeded(lockbox, later, event, signalcast, signalcast_event, bakery)


@asynccontextmanager
async def local_site() -> AsyncIterator[str]:
    """An article, a page that is not an article, and a feed, on 127.0.0.1."""
    pages = {
        "/article": (ARTICLE_HTML, "text/html"),
        "/index": (INDEX_HTML, "text/html"),
        "/feed.xml": (
            rss(
                [
                    (
                        "Lockbox VPN will pull out of India",
                        " ".join(texts.LOCKBOX_FIRST),
                        day(5, 12),
                    ),
                    ("Bakery opens a third shop", " ".join(texts.BAKERY), day(5, 12)),
                ]
            ),
            "application/rss+xml",
        ),
    }

    async with serve_pages(pages) as base:
        yield base


def bot_config(api: DiscordStandIn, storage: Path, guild: Guild, *, allow_private: bool) -> str:
    """The YAML a deployment against the stand-in would use."""
    return f"""
discord:
  api_base_url: {api.api_base_url}
  guilds:
    "{guild.id}":
      channel: {guild.channel("news").id}
samples: false
fetch:
  allow_private_networks: {str(allow_private).lower()}
  timeout: 5s
storage:
  path: {storage}
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def harness(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Harness]:
    """One stand-in, one bot and one seeded store for a whole test module."""
    allow_private = getattr(request.module, "ALLOW_PRIVATE", True)
    forums: dict[str, dict[str, Any]] = getattr(request.module, "FORUMS", {})
    members: tuple[str, ...] = getattr(request.module, "MEMBERS", ("reader",))
    storage = tmp_path_factory.mktemp("cogs") / "exitwatch.sqlite3"
    async with local_site() as site, DiscordStandIn(token=TOKEN, wait_limit=10.0) as api:
        guild = api.add_guild("Newsroom", channels=["news", "admin"], members=members)
        other = api.add_guild("Second desk", channels=["wire"], members=members)
        for name, options in forums.items():
            api.add_forum(guild, name, **options)
        config = parse_config(bot_config(api, storage, guild, allow_private=allow_private))
        async with open_app(config) as app:
            seeded = await seed(app.store, guild.id)
            bot = ExitWatchBot(app, extensions=COMMAND_EXTENSIONS, guild_ready_timeout=0.05)
            running = asyncio.create_task(
                endpoint.start(bot, TOKEN, api_base_url=config.discord.api_base_url)
            )
            await api.wait_until_ready()
            async with asyncio.timeout(10):
                await bot.wait_until_ready()
            try:
                yield Harness(api, bot, app, guild, other, site, seeded)
            finally:
                await bot.close()
                await running
                endpoint.configure_rest(None)
                await endpoint.configure_gateway(bot.http, None, None)


async def private_story(harness: Harness, title: str) -> int:
    """A story (its number) that only the first guild's own feed carried: no other server
    ever sees it."""
    store = harness.app.store
    feed = await store.feeds.add(
        url="https://tips.example/private.xml",
        name="Our tip line",
        guild_id=harness.guild.id,
        interval_s=900.0,
    )
    story, _ = await add_story(
        store, feed.id, "private-nimbus", title,
        ["Nimbus Mail will leave Norway.", "The law demands a backdoor."],
        when=day(7, 1), company="Nimbus Mail", country="Norway", stage=Stage.ANNOUNCED,
        destinations=(f"guild:{harness.guild.id}",),
    )  # fmt: skip
    return story
