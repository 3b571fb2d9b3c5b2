"""Discord misbehaving, end to end: the real bot recovers with no post lost or doubled.

Each test runs `python -m bot run` against the Discord stand-in and a local feed site, then
makes Discord fail the way it does in production: a storm of 429s (one of them global), a
burst of 5xx on creating and on editing messages, a gateway that reconnects or drops, and an
interaction answered after its deadline.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.discord_standin import DiscordStandIn, Guild
from tests.e2e import stories
from tests.e2e.crash_stories import COMPANIES, story
from tests.e2e.harness import BotProcess, write_config
from tests.feed_site import FeedSite, rss

MESSAGES = "/channels/{channel_id}/messages"
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
CALLBACK = "/interactions/{webhook_id}/{webhook_token}/callback"

THIRD_SOURCE = {
    "title": "Vaultmail confirms Kazakhstan exit over encryption key order",
    "link": "https://steppepost.example/vaultmail",
    "guid": "steppepost-5",
    "published": stories.NOW,
    "description": (
        "Vaultmail has closed its servers in Kazakhstan and left the country, the company "
        "confirmed, after officials ordered it to hand over the encryption keys that protect "
        "users' email."
    ),
}


@pytest.fixture
async def bot(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite
) -> AsyncIterator[BotProcess]:
    """The bot, configured for one guild and the site's /feed.xml (not yet started)."""
    feed = {"url": site.url("/feed.xml"), "name": "Fault Wire", "interval": "1s", "backfill": 20}
    write_config(tmp_path / "config.yaml", discord_api, guild, [feed])
    process = BotProcess(tmp_path / "config.yaml", tmp_path / "bot.log")
    yield process
    await process.stop()


def publish(site: FeedSite, items: list[dict[str, Any]]) -> None:
    site.put("/feed.xml", rss("Fault Wire", items))


def companies(count: int) -> list[str]:
    return [name for name, _, _ in COMPANIES[:count]]


def titles(discord_api: DiscordStandIn, guild: Guild) -> list[str]:
    """Headlines of the story posts in #news (command answers there are not posts)."""
    return [
        embed.get("title", "")
        for message in discord_api.messages(guild.channel("news"))
        for embed in message.get("embeds", [])
        if embed.get("footer", {}).get("text", "").startswith("Story #")
    ]


async def posted(discord_api: DiscordStandIn, guild: Guild, name: str) -> dict[str, Any]:
    """The post whose headline starts with `name`, once it exists."""
    return await discord_api.wait_for_message(
        lambda m: any(e.get("title", "").startswith(name) for e in m.get("embeds", [])),
        channel=guild.channel("news"),
    )


async def settle_and_stop(bot: BotProcess, seconds: float = 2.5) -> None:
    """Give a duplicate a few delivery rounds to show up, then stop the bot cleanly."""
    await asyncio.sleep(seconds)
    assert bot.process is not None and bot.process.returncode is None, bot.log()[-3000:]
    assert await bot.stop() == 0, bot.log()[-3000:]


def outbox(tmp_path: Path) -> dict[str, int]:
    database = sqlite3.connect(tmp_path / "exitwatch.sqlite3")
    try:
        return dict(database.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
    finally:
        database.close()


async def test_429_storm_with_a_global_limit_posts_every_story_once(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    publish(site, [story(i) for i in range(3)])
    # 13 rate limits in a row: discord.py gives up on a message after 5, so whole deliveries
    # fail and go back to the outbox, while the global one stalls every request at once.
    discord_api.fail("POST", MESSAGES, status=429, times=6, retry_after=0.05)
    discord_api.fail("POST", MESSAGES, status=429, times=3, retry_after=0.1, is_global=True)
    discord_api.fail("POST", MESSAGES, status=429, times=4, retry_after=0.05)
    await bot.start()
    await discord_api.wait_for_requests("POST", MESSAGES, lambda r: r.status == 429)
    publish(site, [story(i) for i in range(6)])
    for name in companies(6):
        await posted(discord_api, guild, name)
    await settle_and_stop(bot)

    statuses = [r.status for r in discord_api.requests("POST", MESSAGES)]
    assert statuses.count(429) == 13
    assert sorted(titles(discord_api, guild)) == sorted(set(titles(discord_api, guild)))
    assert len(titles(discord_api, guild)) == 6
    assert outbox(tmp_path) == {"sent": 6}


async def test_5xx_bursts_on_create_and_edit_end_in_one_post_with_every_source(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    # Two sources of one event arrive together. The first post fails (503: retried later by
    # the outbox) while the second source's delivery goes through (after a 500 that
    # discord.py retries itself): the retried post must then edit, not post again.
    publish(site, [stories.FIRST_SOURCE, stories.SECOND_SOURCE])
    discord_api.fail("POST", MESSAGES, status=503, times=1)
    discord_api.fail("POST", MESSAGES, status=500, times=1)
    discord_api.fail("PATCH", MESSAGE, status=503, times=1)
    discord_api.fail("PATCH", MESSAGE, status=502, times=1)
    await bot.start()
    post = await discord_api.wait_for_message(
        lambda m: "Sources (2)" in str(m.get("embeds")), channel=guild.channel("news")
    )
    publish(site, [THIRD_SOURCE, stories.FIRST_SOURCE, stories.SECOND_SOURCE])
    edited = await discord_api.wait_for_message(
        lambda m: m["id"] == post["id"] and "Sources (3)" in str(m["embeds"]),
        channel=guild.channel("news"),
    )
    assert "steppepost.example" in str(edited["embeds"][0]["fields"])
    # Two edits succeed in the end: the retried first post's and the third source's.
    await discord_api.wait_for_requests("PATCH", MESSAGE, lambda r: r.status == 200, count=2)
    await settle_and_stop(bot)

    assert len(discord_api.messages(guild.channel("news"))) == 1, bot.log()[-3000:]
    created = [r.status for r in discord_api.requests("POST", MESSAGES)]
    edits = [r.status for r in discord_api.requests("PATCH", MESSAGE)]
    assert created.count(503) == 1 and created.count(500) == 1 and created.count(200) == 1
    assert edits.count(503) == 1 and edits.count(502) == 1 and edits.count(200) == 2
    assert outbox(tmp_path) == {"sent": 3}


async def test_gateway_reconnect_drop_and_expired_session_lose_and_double_nothing(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    publish(site, [story(0)])
    await bot.start()
    await discord_api.wait_until_ready()
    await posted(discord_api, guild, COMPANIES[0][0])

    disruptions = (
        discord_api.reconnect,  # op 7: the bot resumes
        discord_api.disconnect,  # the connection drops: the bot resumes
        lambda: discord_api.disconnect(resumable=False),  # session gone: identify again
    )
    for count, disrupt in enumerate(disruptions, start=2):
        publish(site, [story(i) for i in range(count)])
        await disrupt()
        await posted(discord_api, guild, COMPANIES[count - 1][0])
    assert (discord_api.gateway.resumes, discord_api.gateway.identifies) == (2, 2)

    publish(site, [story(i) for i in range(5)])
    await posted(discord_api, guild, COMPANIES[4][0])
    call = await discord_api.invoke("exits latest", options={"count": 5})
    reply = await call.wait_final()
    assert COMPANIES[4][0] in str(reply["embeds"]), "commands work on the new session"
    await settle_and_stop(bot)

    assert sorted(titles(discord_api, guild)) == sorted(set(titles(discord_api, guild)))
    assert sorted(t.split(" ")[0] for t in titles(discord_api, guild)) == sorted(
        name.split(" ")[0] for name in companies(5)
    )
    assert outbox(tmp_path) == {"sent": 5}


async def test_an_expired_interaction_is_logged_plainly_and_the_next_command_works(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    publish(site, [story(0)])
    await bot.start()
    await posted(discord_api, guild, COMPANIES[0][0])  # on_ready has fired: commands answer

    discord_api.response_deadline = 0.0  # every answer is too late: the token has expired
    late = await discord_api.invoke("exits latest")
    [refused] = await discord_api.wait_for_requests(
        "POST", CALLBACK, lambda r: r.path.startswith(f"/interactions/{late.id}/")
    )
    assert refused.status == 404 and late.response is None

    discord_api.response_deadline = 3.0
    call = await discord_api.invoke("exits latest")
    reply = await call.wait_final()
    assert COMPANIES[0][0] in str(reply["embeds"])
    await settle_and_stop(bot, 0.5)

    log = bot.log()
    assert "/exits latest expired before ExitWatch answered" in log, log[-3000:]
    assert "Unknown interaction" in log
    assert "Traceback" not in log and "unexpected error" not in log, log[-3000:]
    late_calls = [r for r in discord_api.requests("POST", CALLBACK) if f"/{late.id}/" in r.path]
    assert len(late_calls) == 1, "no second answer is attempted on an expired token"
