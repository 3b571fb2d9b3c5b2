"""The buttons under a posted story: answered from the custom id alone, as after a restart.

The story messages are sent through discord.py's plain HTTP client, so the bot's view store
never sees the view that made the buttons: a click can only be understood through the
registered dynamic items, exactly as for a post made before the bot restarted.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from discord.http import handle_message_parameters

from cogs.embeds import story_embed
from cogs.views import story_view
from tests.cogs.conftest import Harness
from tests.discord_standin import Channel

pytestmark = pytest.mark.asyncio(loop_scope="module")

OWNER = "guild-owner"


async def post(harness: Harness, channel: Channel, ref: int, event_id: int) -> dict[str, Any]:
    """Post a story with its buttons and record the post, as the posting cog does."""
    store = harness.app.store
    event = await store.stories.get_event(event_id)
    sources = await store.stories.event_stories(event_id)
    embed = story_embed(event, sources[0], sources)
    with handle_message_parameters(embed=embed, view=story_view(ref)) as params:
        sent = await harness.bot.http.send_message(channel.id, params=params)
    destination = f"guild:{harness.guild.id}"
    due = await store.outbox.due(prefix="guild:")
    item = next(i for i in due if i.event_id == event_id and i.destination == destination)
    await store.outbox.mark_sent(item, channel_id=channel.id, message_id=int(sent["id"]))
    return harness.api.state.find_message(int(sent["id"]))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def story_message(harness: Harness) -> dict[str, Any]:
    """The Lockbox story, posted in #news."""
    seeded = harness.seeded
    return await post(harness, harness.guild.channel("news"), seeded.lockbox, seeded.lockbox_event)


def custom_id(action: str, ref: int) -> str:
    return f"exitwatch:{action}:{ref}"


async def test_every_story_gets_four_persistent_buttons(
    harness: Harness, story_message: dict[str, Any]
) -> None:
    ref = harness.seeded.lockbox
    row = story_message["components"][0]["components"]
    assert [(b["label"], b["custom_id"]) for b in row] == [
        ("Why this?", custom_id("why", ref)),
        ("Timeline", custom_id("timeline", ref)),
        ("Sources", custom_id("sources", ref)),
        ("Not relevant", custom_id("flag", ref)),
    ]
    assert story_view(ref).timeout is None
    assert not harness.bot._connection._view_store.persistent_views


async def test_why_this(harness: Harness, story_message: dict[str, Any]) -> None:
    ref = harness.seeded.lockbox
    click = await harness.api.click(story_message, custom_id("why", ref))
    reply = await click.wait_final()
    assert click.deferred and click.ephemeral
    embed = reply["embeds"][0]
    assert embed["title"].startswith(f"Why #{ref}:")
    assert "Judged **relevant**" in embed["description"]


async def test_timeline(harness: Harness, story_message: dict[str, Any]) -> None:
    ref = harness.seeded.lockbox
    reply = await (await harness.api.click(story_message, custom_id("timeline", ref))).wait_final()
    description = reply["embeds"][0]["description"]
    assert reply["flags"] & 64
    assert "**Exit announced**" in description and "**Exit completed**" in description
    assert description.index("Exit announced") < description.index("Exit completed")


async def test_sources(harness: Harness, story_message: dict[str, Any]) -> None:
    ref = harness.seeded.lockbox
    reply = await (await harness.api.click(story_message, custom_id("sources", ref))).wait_final()
    description = reply["embeds"][0]["description"]
    assert "**Example News**" in description and "**Daily Wire Example**" in description


async def test_flag_needs_manage_messages(harness: Harness, story_message: dict[str, Any]) -> None:
    ref = harness.seeded.lockbox
    click = await harness.api.click(story_message, custom_id("flag", ref))
    reply = await click.wait_final()
    assert click.ephemeral and not click.deferred
    assert reply["content"] == "You need the Manage Messages permission for this."
    assert not await _flagged(harness)
    assert "flagged" not in _message(harness, story_message)["embeds"][0]["footer"]["text"]


async def test_flag_stores_feedback_and_marks_the_post(
    harness: Harness, story_message: dict[str, Any]
) -> None:
    ref = harness.seeded.lockbox
    click = await harness.api.click(story_message, custom_id("flag", ref), user=OWNER)
    confirmation = (await click.wait_followups(1))[0]
    assert (
        confirmation["flags"] & 64
        and f"Story #{ref} is marked not relevant" in (confirmation["content"])
    )
    marked = _message(harness, story_message)
    footer = marked["embeds"][0]["footer"]["text"]
    assert footer.endswith(" · flagged not relevant")
    assert footer.startswith(story_message["embeds"][0]["footer"]["text"])
    assert marked["embeds"][0]["title"] == story_message["embeds"][0]["title"]
    assert marked["components"] == story_message["components"]
    assert await _flagged(harness)
    rows = await harness.app.store.db.fetchall("SELECT story_id, guild_id, verdict FROM feedback")
    assert [tuple(r) for r in rows] == [(ref, harness.guild.id, "not_relevant")]


async def test_ask_defaults_to_the_story_posted_in_this_channel(harness: Harness) -> None:
    seeded = harness.seeded
    admin = harness.guild.channel("admin")
    await post(harness, admin, seeded.signalcast, seeded.signalcast_event)
    here = await harness.invoke("exits ask", question="what do they want?", in_channel=admin)
    answer = (await here.wait_final())["embeds"][0]
    assert answer["title"].startswith(f"About story #{seeded.signalcast}:")
    assert "backdoor" in answer["description"]


async def test_a_button_for_a_story_that_is_gone(harness: Harness) -> None:
    message = await _raw_buttons(harness, 99999)
    reply = await (await harness.api.click(message, custom_id("sources", 99999))).wait_final()
    assert reply["flags"] & 64 and reply["content"] == "No story #99999"


async def _raw_buttons(harness: Harness, ref: int) -> dict[str, Any]:
    channel = harness.guild.channel("news")
    with handle_message_parameters(content="story", view=story_view(ref)) as params:
        sent = await harness.bot.http.send_message(channel.id, params=params)
    message = harness.api.state.find_message(int(sent["id"]))
    assert message is not None
    return message


def _message(harness: Harness, original: dict[str, Any]) -> dict[str, Any]:
    message = harness.api.state.find_message(int(original["id"]))
    assert message is not None
    return message


async def _flagged(harness: Harness) -> bool:
    flagged = await harness.app.store.db.scalar(
        "SELECT flagged FROM posts WHERE destination = ? AND event_id = ?",
        (f"guild:{harness.guild.id}", harness.seeded.lockbox_event),
    )
    return bool(flagged)
