"""Stories posted into a forum, or with a thread per event, through the real posting path.

The outbox is drained here with the posting cog's own `DiscordSender`, so each delivery runs
the real bookkeeping, the real sender and discord.py against the stand-in's forum: a post is
a thread with a starter message, a new source edits that message, a stage change speaks in
the thread, and a post interrupted before it was recorded is found again, not doubled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord.http import handle_message_parameters

from bot.delivery import OutboxWorker
from bot.models import Stage
from bot.routing import GUILD_PREFIX
from cogs.embeds import footer_marker
from cogs.posting import DiscordSender
from tests.cogs.conftest import Harness
from tests.discord_standin import Channel, Permission
from tests.query.conftest import add_feed, add_story, day

pytestmark = pytest.mark.asyncio(loop_scope="module")

TAGS = ["Threatened", "Announced", "Completed", "India", "Brazil"]
FORUMS = {"exits": {"tags": TAGS}, "strict": {"tags": ["Brazil"], "require_tag": True}}
THREADS = "/channels/{channel_id}/threads"
ACTIVE_THREADS = "/guilds/{guild_id}/threads/active"
ARCHIVED_THREADS = "/channels/{channel_id}/threads/archived/public"


class Killed(BaseException):
    """The process dies here: nothing after it runs and nothing catches it."""


async def deliver(harness: Harness) -> int:
    """Drain the guild's outbox once, as the posting cog's worker does."""
    worker = OutboxWorker(harness.app.store, DiscordSender(harness.bot), prefix=GUILD_PREFIX)
    return await worker.drain()


async def use_channel(harness: Harness, channel: Channel, *, thread: bool = False) -> None:
    """Point the server's stories at `channel`, as an admin does with /settings channel."""
    call = await harness.admin("settings channel", channel=channel.id, thread=thread)
    reply = await call.wait_final()
    assert reply["content"] == "Saved.", "no warning that the bot cannot post there"


async def exit_story(
    harness: Harness, key: str, company: str, country: str, stage: Stage, when: datetime
) -> int:
    """A story for this server about `company` leaving `country`; returns its event id."""
    store = harness.app.store
    _, event = await add_story(
        store, await add_feed(store), key, f"{company} {stage.value} its exit from {country}",
        [f"{company} says it is leaving {country}.", "A new law demands its users' data."],
        when=when, company=company, country=country, stage=stage, outlet=f"Outlet {key}",
        destinations=(f"{GUILD_PREFIX}{harness.guild.id}",),
    )  # fmt: skip
    assert event is not None
    return event


def post_in(harness: Harness, forum: Channel, company: str) -> Channel:
    """The one forum post (thread) about `company`."""
    [thread] = [t for t in harness.api.threads(forum) if t.name.startswith(company)]
    return thread


def tag_names(forum: Channel, thread: Channel) -> list[str]:
    names = {tag["id"]: tag["name"] for tag in forum.available_tags}
    return [names[tag_id] for tag_id in thread.applied_tags or []]


async def post_record(harness: Harness, event_id: int) -> tuple[int, int, int | None]:
    """Where the store says the event was posted: channel, message and thread ids."""
    row = await harness.app.store.db.fetchone(
        "SELECT channel_id, message_id, thread_id FROM posts WHERE destination = ? "
        "AND event_id = ?",
        (f"{GUILD_PREFIX}{harness.guild.id}", event_id),
    )
    assert row is not None
    return row[0], row[1], row[2]


async def outbox_status(harness: Harness, event_id: int) -> list[str]:
    rows = await harness.app.store.db.fetchall(
        "SELECT status FROM outbox WHERE event_id = ? AND destination LIKE 'guild:%' ORDER BY id",
        (event_id,),
    )
    return [row[0] for row in rows]


def footer(message: dict[str, Any]) -> str:
    return message["embeds"][0]["footer"]["text"]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def forum(harness: Harness) -> Channel:
    """The forum as the server's story channel, with the seeded stories posted in it."""
    forum = harness.guild.channel("exits")
    await use_channel(harness, forum)
    assert await deliver(harness) == 2
    return forum


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def quillpost(harness: Harness, forum: Channel) -> int:
    """A threatened exit from Brazil, posted in the forum; its event id."""
    event = await exit_story(harness, "quill-1", "Quillpost", "Brazil", Stage.THREATENED, day(7, 1))
    assert await deliver(harness) == 1
    return event


async def test_stories_become_forum_posts_tagged_by_stage_and_country(
    harness: Harness, forum: Channel
) -> None:
    seeded = harness.seeded
    lockbox = post_in(harness, forum, "Lockbox VPN")
    signalcast = post_in(harness, forum, "Signalcast")
    assert len(harness.api.threads(forum)) == 2
    assert tag_names(forum, lockbox) == ["Completed", "India"]
    assert tag_names(forum, signalcast) == ["Threatened"], "no tag for the United Kingdom"
    cached = harness.bot.get_channel(lockbox.id)
    assert isinstance(cached, discord.Thread)
    assert [tag.name for tag in cached.applied_tags] == ["Completed", "India"]
    assert lockbox.name == "Lockbox VPN to pull its servers out of India over logging rule"
    [request] = [r for r in harness.api.requests("POST", THREADS) if r.body["name"] == lockbox.name]
    assert request.body["message"]["allowed_mentions"]["parse"] == [], "a post pings no one"
    [starter] = harness.api.messages(lockbox)
    assert starter["id"] == str(lockbox.id) == starter["channel_id"]
    assert starter["author"]["id"] == str(harness.api.application_id)
    assert footer(starter).startswith(footer_marker(seeded.lockbox))
    assert starter["components"], "the story buttons are on the starter message"
    assert lockbox.parent_id == forum.id and lockbox.owner_id == harness.api.application_id
    assert await post_record(harness, seeded.lockbox_event) == (lockbox.id, lockbox.id, lockbox.id)
    assert harness.api.messages(forum) == [], "nothing is sent to the forum itself"
    assert harness.api.messages(harness.guild.channel("news")) == []


async def test_a_new_source_edits_the_starter_message_in_place(
    harness: Harness, forum: Channel, quillpost: int
) -> None:
    thread = post_in(harness, forum, "Quillpost")
    assert tag_names(forum, thread) == ["Threatened", "Brazil"]
    assert "Sources (2)" not in str(harness.api.messages(thread)[0]["embeds"])
    await exit_story(harness, "quill-2", "Quillpost", "Brazil", Stage.THREATENED, day(7, 2))
    assert await deliver(harness) == 1
    assert post_in(harness, forum, "Quillpost") is thread, "still one post"
    [starter] = harness.api.messages(thread)
    assert starter["id"] == str(thread.id) and starter["edited_timestamp"] is not None
    assert "Sources (2)" in str(starter["embeds"][0]["fields"])
    edits = harness.api.requests("PATCH", f"/channels/{thread.id}/messages/{thread.id}")
    assert [edit.status for edit in edits] == [200]
    assert await outbox_status(harness, quillpost) == ["sent", "sent"]


async def test_a_new_source_reopens_an_archived_post_to_edit_it(
    harness: Harness, forum: Channel
) -> None:
    event = await exit_story(harness, "fern-1", "Fernwire", "India", Stage.THREATENED, day(7, 8))
    assert await deliver(harness) == 1
    thread = post_in(harness, forum, "Fernwire")
    await harness.api.archive_thread(thread)
    await exit_story(harness, "fern-2", "Fernwire", "India", Stage.THREATENED, day(7, 9))
    assert await deliver(harness) == 1
    edits = harness.api.requests("PATCH", f"/channels/{thread.id}/messages/{thread.id}")
    assert [edit.status for edit in edits] == [400, 200], "refused while archived, then done"
    reopened = harness.api.requests("PATCH", f"/channels/{thread.id}")
    assert [(r.status, r.body) for r in reopened] == [(200, {"archived": False})]
    assert not thread.archived
    [starter] = harness.api.messages(thread)
    assert "Sources (2)" in str(starter["embeds"][0]["fields"])
    assert post_in(harness, forum, "Fernwire") is thread, "still one post"
    assert await outbox_status(harness, event) == ["sent", "sent"]


async def test_a_stage_change_is_posted_inside_the_thread(
    harness: Harness, forum: Channel, quillpost: int
) -> None:
    thread = post_in(harness, forum, "Quillpost")
    await exit_story(harness, "quill-3", "Quillpost", "Brazil", Stage.ANNOUNCED, day(7, 3))
    assert await deliver(harness) == 1
    assert post_in(harness, forum, "Quillpost") is thread, "still one post"
    starter, update = harness.api.messages(thread)
    assert starter["id"] == str(thread.id)
    assert "Exit announced" in str(starter["embeds"][0]["fields"]), "the post shows the stage"
    assert update["embeds"][0]["title"] == "Update: Exit announced"
    assert update["channel_id"] == str(thread.id) and "message_reference" not in update
    assert harness.api.messages(forum) == []
    assert await post_record(harness, quillpost) == (thread.id, thread.id, thread.id)


async def test_thread_per_event_in_a_text_channel(harness: Harness, forum: Channel) -> None:
    news = harness.guild.channel("news")
    await use_channel(harness, news, thread=True)
    event = await exit_story(harness, "tide-1", "Tidecrypt", "India", Stage.ANNOUNCED, day(7, 4))
    assert await deliver(harness) == 1
    [post] = harness.api.messages(news)
    [thread] = harness.api.threads(news)
    assert thread.id == int(post["id"]), "a thread started from a message takes its id"
    assert thread.name.startswith("Tidecrypt") and post["thread"]["id"] == str(thread.id)
    assert await post_record(harness, event) == (news.id, thread.id, thread.id)
    await exit_story(harness, "tide-2", "Tidecrypt", "India", Stage.COMPLETED, day(7, 5))
    assert await deliver(harness) == 1
    [update] = harness.api.messages(thread)
    assert update["embeds"][0]["title"] == "Update: Exit completed"
    assert "message_reference" not in update, "in the thread, not as a reply"
    assert len(harness.api.messages(news)) == 1
    assert "Exit completed" in str(harness.api.messages(news)[0]["embeds"][0]["fields"])


async def interrupted_post(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, company: str, when: datetime
) -> tuple[int, Channel]:
    """A story whose forum post is made, but the bot dies before recording it."""
    forum = harness.guild.channel("exits")
    await use_channel(harness, forum)
    event = await exit_story(harness, company.lower(), company, "Brazil", Stage.ANNOUNCED, when)

    async def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(harness.app.store.outbox, "mark_sent", killed)
    with pytest.raises(Killed):
        await deliver(harness)
    monkeypatch.undo()
    assert await outbox_status(harness, event) == ["sending"]
    return event, post_in(harness, forum, company)


async def assert_recovered_once(harness: Harness, event: int, thread: Channel) -> None:
    """The retry finds the post: one thread, one starter message, the delivery recorded."""
    assert await deliver(harness) == 1
    forum = harness.guild.channel("exits")
    assert [t for t in harness.api.threads(forum) if t.name == thread.name] == [thread]
    assert [m["id"] for m in harness.api.messages(thread)] == [str(thread.id)]
    posts = harness.api.requests("POST", THREADS)
    assert len([r for r in posts if r.body["name"] == thread.name]) == 1
    assert await outbox_status(harness, event) == ["sent"]
    assert await post_record(harness, event) == (thread.id, thread.id, thread.id)


async def test_a_forum_post_interrupted_before_it_was_recorded_is_not_posted_twice(
    harness: Harness, forum: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, thread = await interrupted_post(harness, monkeypatch, "Saltline", day(7, 6))
    looked = len(harness.api.requests("GET", ACTIVE_THREADS))
    await assert_recovered_once(harness, event, thread)
    assert len(harness.api.requests("GET", ACTIVE_THREADS)) == looked + 1
    assert harness.api.requests("GET", ARCHIVED_THREADS) == [], "found among active posts"


async def test_an_interrupted_post_archived_meanwhile_is_not_posted_twice(
    harness: Harness, forum: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, thread = await interrupted_post(harness, monkeypatch, "Brightnode", day(7, 7))
    await harness.api.archive_thread(thread)
    await assert_recovered_once(harness, event, thread)
    [listing] = harness.api.requests("GET", ARCHIVED_THREADS)
    assert listing.path == f"/channels/{forum.id}/threads/archived/public"


# -- the stand-in's forum rules --------------------------------------------------------------


async def test_a_forum_refuses_plain_messages(harness: Harness, forum: Channel) -> None:
    with (
        handle_message_parameters(content="hello") as params,
        pytest.raises(discord.HTTPException) as refused,
    ):
        await harness.bot.http.send_message(forum.id, params=params)
    assert refused.value.status == 400 and refused.value.code == 50008
    assert harness.api.messages(forum) == []


async def test_forum_posts_are_checked_like_messages(harness: Harness, forum: Channel) -> None:
    channel = harness.bot.get_channel(forum.id)
    assert isinstance(channel, discord.ForumChannel)
    before = len(harness.api.threads(forum))
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.create_thread(name="Big", embed=discord.Embed(description="x" * 4097))
    assert too_long.value.code == 50035 and "message.embeds.0.description" in too_long.value.text
    with pytest.raises(discord.HTTPException) as too_many:
        await channel.create_thread(
            name="Tagged", content="story", applied_tags=channel.available_tags[:5] * 2
        )
    assert too_many.value.code == 50035 and "applied_tags" in too_many.value.text
    await harness.api.set_bot_permissions(forum, deny=Permission.SEND_MESSAGES)
    try:
        with pytest.raises(discord.Forbidden) as forbidden:
            await channel.create_thread(name="Denied", content="story")
    finally:
        await harness.api.set_bot_permissions(forum)
    assert forbidden.value.code == 50013
    assert len(harness.api.threads(forum)) == before


async def test_a_forum_that_requires_a_tag(harness: Harness) -> None:
    strict = harness.guild.channel("strict")
    channel = harness.bot.get_channel(strict.id)
    assert isinstance(channel, discord.ForumChannel)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.create_thread(name="Untagged", content="story")
    assert refused.value.code == 40067
    created = await channel.create_thread(
        name="Tagged", content="story", applied_tags=channel.available_tags
    )
    assert [tag.name for tag in created.thread.applied_tags] == ["Brazil"]
    assert created.message.id == created.thread.id
    assert [t.id for t in harness.api.threads(strict)] == [created.thread.id]
