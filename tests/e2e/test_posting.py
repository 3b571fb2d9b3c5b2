"""The real bot, end to end: local feeds in, posts in the Discord stand-in out.

Each test starts `python -m bot run` as a child process, so these prove the product as a
user runs it: config, polling, analysis, the outbox, embeds and Discord's own rules.
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
from tests.e2e.harness import BotProcess, write_config
from tests.feed_site import FeedSite, rss

MESSAGES = "/channels/{channel_id}/messages"
DISCORD_PY_TRIES = 5  # discord.py tries a request five times before raising


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(tmp_path / "config.yaml", tmp_path / "bot.log")
    yield process
    await process.stop()


def feed_of(*items: dict[str, Any]) -> str:
    return rss("North Wire", list(items))


def configure(tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite) -> None:
    write_config(
        tmp_path / "config.yaml",
        discord_api,
        guild,
        [{"url": site.url("/feed.xml"), "name": "North Wire", "interval": "1s", "backfill": 10}],
    )


def titles(discord_api: DiscordStandIn, guild: Guild) -> list[str]:
    return [
        embed.get("title", "")
        for message in discord_api.messages(guild.channel("news"))
        for embed in message.get("embeds", [])
    ]


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"].startswith(name))


async def settle(bot: BotProcess, seconds: float = 3.0) -> None:
    """Let the bot run a few more poll and delivery cycles."""
    await asyncio.sleep(seconds)
    assert bot.process is not None and bot.process.returncode is None, bot.log()


async def test_story_lifecycle_post_source_edit_and_stage_reply(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    site.put("/feed.xml", feed_of(stories.FIRST_SOURCE, stories.NOT_AN_EXIT))
    configure(tmp_path, discord_api, guild, site)
    await bot.start()
    await discord_api.wait_until_ready()
    names = {command["name"] for command in discord_api.commands()}
    assert {"exits", "feeds", "settings"} <= names

    post = await discord_api.wait_for_message(
        lambda m: any("Vaultmail" in e.get("title", "") for e in m.get("embeds", [])),
        channel=guild.channel("news"),
    )
    embed = post["embeds"][0]
    assert field(embed, "Company") == "Vaultmail"
    assert "Kazakhstan" in field(embed, "Country") and "🇰🇿" in field(embed, "Country")
    assert embed["footer"]["text"].startswith("Story #")
    assert embed["url"] == stories.FIRST_SOURCE["link"]
    assert post["components"], "the story buttons are attached"
    await settle(bot)
    assert len(titles(discord_api, guild)) == 1, "one post; the tax story is not posted"

    site.put("/feed.xml", feed_of(stories.SECOND_SOURCE, stories.FIRST_SOURCE, stories.NOT_AN_EXIT))
    edited = await discord_api.wait_for_message(
        lambda m: m["id"] == post["id"] and "Sources (2)" in str(m["embeds"][0]["fields"]),
        channel=guild.channel("news"),
    )
    assert "eastledger.example" in field(edited["embeds"][0], "Sources")
    assert len(discord_api.messages(guild.channel("news"))) == 1, "a new source edits the post"

    site.put(
        "/feed.xml",
        feed_of(stories.REVERSAL, stories.SECOND_SOURCE, stories.FIRST_SOURCE),
    )
    reply = await discord_api.wait_for_message(
        lambda m: m["id"] != post["id"], channel=guild.channel("news")
    )
    assert str(reply["message_reference"]["message_id"]) == post["id"]
    assert "Reversed" in reply["embeds"][0]["title"]
    await settle(bot)
    assert len(discord_api.messages(guild.channel("news"))) == 2


async def test_rate_limits_and_server_errors_still_deliver_exactly_once(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    site.put("/feed.xml", feed_of(stories.FIRST_SOURCE))
    configure(tmp_path, discord_api, guild, site)
    discord_api.fail("POST", MESSAGES, status=429, times=2, retry_after=0.2)
    await bot.start()
    await discord_api.wait_until_ready()
    await discord_api.wait_for_message(lambda m: bool(m.get("embeds")))
    discord_api.fail("POST", MESSAGES, status=500, times=3)
    site.put("/feed.xml", feed_of(stories.HOSTILE_HEADLINE, stories.FIRST_SOURCE))
    await discord_api.wait_for_message(
        lambda m: any("Pingmail" in e.get("title", "") for e in m.get("embeds", []))
    )
    await settle(bot, 4.0)
    statuses = [r.status for r in discord_api.requests("POST", MESSAGES)]
    assert statuses.count(429) == 2 and statuses.count(500) == 3
    assert sorted(titles(discord_api, guild)) == sorted(set(titles(discord_api, guild)))
    assert len(titles(discord_api, guild)) == 2


async def test_feed_text_pings_nobody_and_renders_literally(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    site.put("/feed.xml", feed_of(stories.HOSTILE_HEADLINE))
    configure(tmp_path, discord_api, guild, site)
    await bot.start()
    post = await discord_api.wait_for_message(lambda m: bool(m.get("embeds")))
    [request] = [r for r in discord_api.requests("POST", MESSAGES) if r.status == 200]
    assert request.body["allowed_mentions"]["parse"] == []
    assert not request.body["allowed_mentions"].get("roles")
    assert not post.get("mentions") and not post.get("mention_roles")
    assert not post.get("mention_everyone")
    title = post["embeds"][0]["title"]
    assert "\\*\\*Pingmail\\*\\*" in title, "markdown is escaped"
    assert "[wiretap](" not in title, "the masked link no longer works"
    assert "@everyone" not in title and "<@&" not in title
    assert "@here" not in post["embeds"][0].get("description", "")


async def test_sigkill_at_any_point_loses_and_doubles_nothing(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    site.put("/feed.xml", feed_of(stories.FIRST_SOURCE, stories.HOSTILE_HEADLINE))
    configure(tmp_path, discord_api, guild, site)
    for delay in (0.0, 0.5, 1.0, 1.5, 2.5):
        await bot.start()
        await asyncio.sleep(delay + 1.5)
        await bot.kill()
    await bot.start()
    await discord_api.wait_for_message(
        lambda m: any("Pingmail" in e.get("title", "") for e in m.get("embeds", []))
    )
    await discord_api.wait_for_message(
        lambda m: any("Vaultmail" in e.get("title", "") for e in m.get("embeds", []))
    )
    await settle(bot, 4.0)
    assert len(titles(discord_api, guild)) == 2, bot.log()[-3000:]
    await bot.stop()
    database = sqlite3.connect(tmp_path / "exitwatch.sqlite3")
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = dict(database.execute("SELECT status, count(*) FROM outbox GROUP BY status"))
    assert statuses == {"sent": 2}


async def test_story_buttons_still_work_after_a_restart(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    site.put("/feed.xml", feed_of(stories.FIRST_SOURCE))
    configure(tmp_path, discord_api, guild, site)
    await bot.start()
    post = await discord_api.wait_for_message(lambda m: bool(m.get("embeds")))
    buttons = [c["custom_id"] for row in post["components"] for c in row["components"]]
    assert len(buttons) == 4
    await bot.stop()
    await bot.start()
    await discord_api.wait_until_ready()
    await asyncio.sleep(2.5)  # discord.py waits guild_ready_timeout before on_ready
    sources = next(custom_id for custom_id in buttons if ":sources:" in custom_id)
    call = await discord_api.click(post, sources)
    reply = await call.wait_final()
    assert call.ephemeral
    assert "northwire.example" in str(reply)


async def test_a_lost_answer_to_a_stored_message_does_not_double_it(
    tmp_path: Path, discord_api: DiscordStandIn, guild: Guild, site: FeedSite, bot: BotProcess
) -> None:
    """Discord stores the message but every answer is lost, until discord.py gives up.

    discord.py's own retries reuse one nonce; the outbox's later retry is a new send, so it
    must carry the outbox item's nonce for Discord to return the stored message.
    """
    site.put("/feed.xml", feed_of(stories.FIRST_SOURCE))
    configure(tmp_path, discord_api, guild, site)
    discord_api.fail("POST", MESSAGES, status=500, times=DISCORD_PY_TRIES, after_handling=True)
    await bot.start()
    await discord_api.wait_for_requests("POST", MESSAGES, lambda r: r.status == 200)
    await settle(bot, 3.0)
    statuses = [r.status for r in discord_api.requests("POST", MESSAGES)]
    assert statuses == [500] * DISCORD_PY_TRIES + [200]
    assert len(discord_api.messages(guild.channel("news"))) == 1
