"""Fifty SIGKILLs at random points of the poll-and-post cycle lose and double nothing.

Every few runs add a new story to the feed, and each run is killed between 2.5 and 6
seconds after its start — the span in which the bot connects, polls, analyses, stores,
sends to Discord and records message ids — so the kills land all through real work.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

from tests.discord_standin import DiscordStandIn, Guild
from tests.e2e.crash_stories import COMPANIES, story
from tests.e2e.harness import BotProcess, write_config
from tests.feed_site import FeedSite, rss

KILLS = 50
SEED = 20261130


def posted_companies(discord_api: DiscordStandIn, guild: Guild) -> list[str]:
    companies = []
    for message in discord_api.messages(guild.channel("news")):
        for embed in message.get("embeds", []):
            title = embed.get("title", "")
            companies += [name for name, _, _ in COMPANIES if title.startswith(name)]
    return companies


async def test_fifty_kills_then_every_story_posted_exactly_once(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite
) -> None:
    rng = random.Random(SEED)
    site.put("/feed.xml", rss("Crash Wire", [story(0)]))
    write_config(
        tmp_path / "config.yaml",
        discord_api,
        guild,
        [{"url": site.url("/feed.xml"), "name": "Crash Wire", "interval": "1s", "backfill": 50}],
    )
    bot = BotProcess(tmp_path / "config.yaml", tmp_path / "bot.log")
    try:
        for kill in range(KILLS):
            published = min(len(COMPANIES), 1 + kill // 4)
            site.put("/feed.xml", rss("Crash Wire", [story(i) for i in range(published)]))
            await bot.start()
            await asyncio.sleep(rng.uniform(2.5, 6.0))
            await bot.kill()
        await bot.start()
        for name, _, _ in COMPANIES:
            await discord_api.wait_for_message(
                lambda m, name=name: any(
                    e.get("title", "").startswith(name) for e in m.get("embeds", [])
                ),
                channel=guild.channel("news"),
            )
        await asyncio.sleep(4)
    finally:
        await bot.stop()
    posted = posted_companies(discord_api, guild)
    assert sorted(posted) == sorted(name for name, _, _ in COMPANIES), bot.log()[-4000:]
    database = sqlite3.connect(tmp_path / "exitwatch.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    outbox = dict(database.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
    assert outbox == {"sent": len(COMPANIES)}
