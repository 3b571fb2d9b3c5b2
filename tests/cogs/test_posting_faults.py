"""Posting when Discord fails halfway: through the real worker, sender and discord.py.

Each failure here comes after Discord has done (part of) the work: a thread the bot may not
open under a post it has sent, an answer lost after the post or reply was stored (and its
nonce expired), a crash between the post and its thread, a channel id that names a
category. The promise is the same in each: no post lost, none doubled, and an admin told.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import discord
import pytest
import pytest_asyncio

from bot.delivery import OutboxWorker
from bot.models import Stage
from bot.routing import GUILD_PREFIX
from cogs.posting import DiscordSender
from cogs.service import query_service
from tests.cogs.conftest import Harness
from tests.cogs.test_forum_posting import (
    TAGS,
    THREADS,
    Killed,
    exit_story,
    outbox_status,
    post_record,
    use_channel,
)
from tests.discord_standin import Channel, Permission
from tests.query.conftest import day

pytestmark = pytest.mark.asyncio(loop_scope="module")

FORUMS = {"exits": {"tags": TAGS}}
MESSAGES = "/channels/{channel_id}/messages"
MESSAGE_THREADS = "/channels/{channel_id}/messages/{message_id}/threads"
CATEGORY = 4


async def drain(harness: Harness) -> int:
    """One drain by the posting cog's worker, retrying a failed item at the next drain."""
    worker = OutboxWorker(
        harness.app.store, DiscordSender(harness.bot), prefix=GUILD_PREFIX, base_delay=0.0
    )
    return await worker.drain()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def news(harness: Harness) -> Channel:
    """#news, the server's story channel, with the seeded stories already posted."""
    news = harness.guild.channel("news")
    assert await drain(harness) == 2
    return news


def posts_about(harness: Harness, channel: Channel, company: str) -> list[dict[str, Any]]:
    """The story posts (not replies) about `company` in a channel."""
    return [
        m
        for m in harness.api.messages(channel)
        if m["embeds"] and m["embeds"][0].get("title", "").startswith(company)
    ]


def replies_to(harness: Harness, channel: Channel, post: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        m
        for m in harness.api.messages(channel)
        if str(m.get("message_reference", {}).get("message_id")) == post["id"]
    ]


async def settings_show(harness: Harness) -> dict[str, Any]:
    return await (await harness.admin("settings show")).wait_final()


def problems(shown: dict[str, Any]) -> str:
    fields = shown["embeds"][0]["fields"]
    return next((f["value"] for f in fields if f["name"] == "Delivery problems"), "")


# -- a thread per event ------------------------------------------------------------------------


async def test_without_create_public_threads_the_post_stands_and_updates_reply(
    harness: Harness, news: Channel
) -> None:
    await use_channel(harness, news, thread=True)
    await harness.api.set_bot_permissions(news, deny=Permission.CREATE_PUBLIC_THREADS)
    try:
        event = await exit_story(harness, "ink-1", "Inkwell", "India", Stage.THREATENED, day(8, 1))
        assert await drain(harness) == 1, "the post is delivered although its thread is not"
        [post] = posts_about(harness, news, "Inkwell")
        assert await post_record(harness, event) == (news.id, int(post["id"]), None)
        assert harness.api.threads(news) == []
        await exit_story(harness, "ink-2", "Inkwell", "India", Stage.ANNOUNCED, day(8, 2))
        assert await drain(harness) == 1
        assert len(posts_about(harness, news, "Inkwell")) == 1, "the update is not a new post"
        [reply] = replies_to(harness, news, post)
        assert reply["embeds"][0]["title"] == "Update: Exit announced"
        assert await outbox_status(harness, event) == ["sent", "sent"]
        shown = await settings_show(harness)
        assert "Create Public Threads" in problems(shown)
        assert "Create Public Threads" in shown["content"], "/settings show warns as well"
    finally:
        await harness.api.set_bot_permissions(news)
    await exit_story(harness, "ink-3", "Inkwell", "India", Stage.COMPLETED, day(8, 3))
    assert await drain(harness) == 1
    [thread] = harness.api.threads(news)
    assert thread.id == int(post["id"]), "the thread is opened on the post, once allowed"
    assert await post_record(harness, event) == (news.id, thread.id, thread.id)
    [update] = harness.api.messages(thread)
    assert update["embeds"][0]["title"] == "Update: Exit completed"
    assert len(posts_about(harness, news, "Inkwell")) == 1


async def test_settings_channel_warns_when_threads_cannot_be_opened(
    harness: Harness, news: Channel
) -> None:
    await harness.api.set_bot_permissions(news, deny=Permission.CREATE_PUBLIC_THREADS)
    try:
        call = await harness.admin("settings channel", channel=news.id, thread=True)
        reply = await call.wait_final()
        assert reply["content"].startswith(
            f"Saved, but I cannot open a thread for each event in <#{news.id}>: give me "
            "Create Public Threads there"
        )
        off = await (await harness.admin("settings channel", thread=False)).wait_final()
        assert off["content"] == "Saved.", "no thread per event, nothing missing"
    finally:
        await harness.api.set_bot_permissions(news)


async def test_a_crash_between_the_post_and_its_thread_opens_the_thread_on_retry(
    harness: Harness, news: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    await use_channel(harness, news, thread=True)
    event = await exit_story(harness, "quarry-1", "Quarry", "India", Stage.ANNOUNCED, day(8, 4))

    async def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(discord.Message, "create_thread", killed)
    with pytest.raises(Killed):
        await drain(harness)
    monkeypatch.undo()
    assert await outbox_status(harness, event) == ["sending"]
    assert await drain(harness) == 1
    [post] = posts_about(harness, news, "Quarry")
    [thread] = [t for t in harness.api.threads(news) if t.id == int(post["id"])]
    assert await post_record(harness, event) == (news.id, thread.id, thread.id)


async def test_a_thread_whose_answer_was_lost_is_found_by_the_next_update(
    harness: Harness, news: Channel
) -> None:
    await use_channel(harness, news, thread=True)
    event = await exit_story(harness, "rill-1", "Rillstone", "India", Stage.THREATENED, day(8, 5))
    harness.api.fail("POST", MESSAGE_THREADS, status=503, after_handling=True)
    assert await drain(harness) == 1
    [post] = posts_about(harness, news, "Rillstone")
    assert await post_record(harness, event) == (news.id, int(post["id"]), None)
    await exit_story(harness, "rill-2", "Rillstone", "India", Stage.COMPLETED, day(8, 6))
    assert await drain(harness) == 1
    [thread] = [t for t in harness.api.threads(news) if t.id == int(post["id"])]
    [update] = harness.api.messages(thread)
    assert update["embeds"][0]["title"] == "Update: Exit completed"
    assert replies_to(harness, news, post) == []
    assert await post_record(harness, event) == (news.id, thread.id, thread.id)


# -- answers lost after Discord stored the message -----------------------------------------------


@pytest.fixture
def expired_nonces(harness: Harness) -> Iterator[None]:
    """Discord has forgotten every nonce, as it does after a few minutes."""
    lifetime = harness.api.nonce_lifetime
    harness.api.nonce_lifetime = 0.0
    yield
    harness.api.nonce_lifetime = lifetime


async def minutes_later(harness: Harness) -> None:
    """The waiting deliveries were first tried minutes ago (their backoff has grown)."""
    await harness.app.store.db.execute(
        "UPDATE outbox SET created_at = created_at - 600 WHERE status = 'pending'"
    )


async def test_a_post_whose_answer_was_lost_is_not_sent_again(
    harness: Harness, news: Channel, expired_nonces: None
) -> None:
    await use_channel(harness, news)
    event = await exit_story(harness, "sorrel-1", "Sorrel", "India", Stage.ANNOUNCED, day(8, 7))
    harness.api.fail("POST", MESSAGES, status=503, after_handling=True)
    assert await drain(harness) == 0
    assert await outbox_status(harness, event) == ["pending"]
    await minutes_later(harness)
    assert await drain(harness) == 1
    [post] = posts_about(harness, news, "Sorrel")
    assert await post_record(harness, event) == (news.id, int(post["id"]), None)


async def test_a_stage_update_whose_answer_was_lost_is_not_sent_again(
    harness: Harness, news: Channel, expired_nonces: None
) -> None:
    await use_channel(harness, news)
    event = await exit_story(harness, "tarn-1", "Tarnlight", "India", Stage.THREATENED, day(8, 8))
    assert await drain(harness) == 1
    await exit_story(harness, "tarn-2", "Tarnlight", "India", Stage.ANNOUNCED, day(8, 9))
    harness.api.fail("POST", MESSAGES, status=503, after_handling=True)
    assert await drain(harness) == 0
    await minutes_later(harness)
    assert await drain(harness) == 1
    [post] = posts_about(harness, news, "Tarnlight")
    assert len(replies_to(harness, news, post)) == 1
    assert await outbox_status(harness, event) == ["sent", "sent"]


async def test_a_forum_post_whose_answer_was_lost_is_not_posted_twice(
    harness: Harness, news: Channel
) -> None:
    forum = harness.guild.channel("exits")
    await use_channel(harness, forum)
    event = await exit_story(harness, "gale-1", "Galeway", "Brazil", Stage.ANNOUNCED, day(8, 10))
    harness.api.fail("POST", THREADS, status=503, after_handling=True)
    assert await drain(harness) == 0
    assert await outbox_status(harness, event) == ["pending"]
    assert await drain(harness) == 1
    [thread] = [t for t in harness.api.threads(forum) if t.name.startswith("Galeway")]
    assert await post_record(harness, event) == (thread.id, thread.id, thread.id)
    created = [r for r in harness.api.requests("POST", THREADS) if r.body["name"] == thread.name]
    assert [r.status for r in created] == [503], "the retry found the post instead"


# -- a channel that holds no messages ----------------------------------------------------------


async def test_a_category_as_the_channel_is_a_clear_permanent_problem(
    harness: Harness, news: Channel
) -> None:
    category = harness.api.state.add_channel(harness.guild, "Desks", type=CATEGORY)
    service = query_service(harness.bot)
    await service.settings_channel(harness.guild.id, category.id)
    try:
        event = await exit_story(harness, "umber-1", "Umber", "India", Stage.ANNOUNCED, day(8, 11))
        assert await drain(harness) == 0
        assert await outbox_status(harness, event) == ["failed"]
        error = await harness.app.store.db.scalar(
            "SELECT last_error FROM outbox WHERE event_id = ?", (event,)
        )
        assert error.startswith(f"Desks ({category.id}) is a category channel, where ExitWatch")
        shown = problems(await settings_show(harness))
        assert f"<#{category.id}>: Desks" in shown and "is a category channel" in shown
    finally:
        await service.settings_channel(harness.guild.id, news.id)


async def test_a_flagged_post_keeps_its_mark_when_a_new_source_edits_it(
    harness: Harness, news: Channel
) -> None:
    await use_channel(harness, news)
    event = await exit_story(harness, "wren-1", "Wrenmail", "India", Stage.THREATENED, day(8, 12))
    assert await drain(harness) == 1
    [post] = posts_about(harness, news, "Wrenmail")
    ref = int(post["embeds"][0]["footer"]["text"].split("#")[1].split()[0])
    await query_service(harness.bot).flag_not_relevant(
        ref, guild_id=harness.guild.id, user_id=harness.guild.owner_id
    )
    await exit_story(harness, "wren-2", "Wrenmail", "India", Stage.THREATENED, day(8, 13))
    assert await drain(harness) == 1
    [post] = posts_about(harness, news, "Wrenmail")
    assert "Sources (2)" in str(post["embeds"][0]["fields"]), "the edit happened"
    assert post["embeds"][0]["footer"]["text"].endswith(" · flagged not relevant")
    assert await outbox_status(harness, event) == ["sent", "sent"]
