"""The page buttons of the public lists: answered from the custom id and the stored list,
as after a restart.

A restart is simulated by emptying the bot's view store, as a new process starts with
none, and registering what the extension registers at start: only those dynamic items
remain to understand a click.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord.http import handle_message_parameters

from cogs.views import EXPIRED, NOT_YOURS, PageButton, register_buttons
from tests.cogs.conftest import EXTRA_EVENTS, Harness, private_story
from tests.discord_standin import Guild

pytestmark = pytest.mark.asyncio(loop_scope="module")

OWNER = "guild-owner"
TOO_LARGE = str(2**63)  # no SQLite integer: no list can have this number
# discord.py's names for a running command and a running dynamic-item click
HANDLER_TASKS = ("CommandTree-invoker", "discord-ui-dynamic-item-")


def buttons(message: dict) -> dict[str, dict]:
    """A message's buttons by label."""
    rows = message.get("components") or []
    return {b["label"]: b for row in rows for b in row["components"]}


def footer(message: dict) -> str:
    return message["embeds"][0]["footer"]["text"]


def member_id(guild: Guild, name: str) -> int:
    return next(m.id for m in guild.members.values() if m.user["username"] == name)


async def restart(harness: Harness) -> None:
    """Forget every view and dynamic item, then register what `cogs.exits` does at start.

    The member sees an answer before discord.py has stored its view, so the handlers
    still running finish first; otherwise they would store the view after the "restart".
    """
    running = [t for t in asyncio.all_tasks() if t.get_name().startswith(HANDLER_TASKS)]
    if running:
        await asyncio.wait(running)
    store = harness.bot._connection._view_store
    store._views.clear()
    store._synced_message_views.clear()
    store._dynamic_items.clear()
    register_buttons(harness.bot)


async def click(harness: Harness, message: dict, label: str, **who: Any) -> dict:
    """Click a button by its label and wait for what the member sees."""
    call = await harness.api.click(message, buttons(message)[label]["custom_id"], **who)
    return await call.wait_final()


async def forged(harness: Harness, guild: Guild, channel: str, *items: PageButton) -> dict:
    """A message carrying page buttons made up outside any command."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    with handle_message_parameters(content="pages", view=view) as params:
        sent = await harness.bot.http.send_message(guild.channel(channel).id, params=params)
    message = harness.api.state.find_message(int(sent["id"]))
    assert message is not None
    return message


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def private(harness: Harness) -> int:
    """The newest event, from a feed only the first guild added: the others never see it."""
    return await private_story(harness, "Nimbus Mail quits Norway over a backdoor")


async def test_the_ids_carry_the_list_the_page_and_the_owner(harness: Harness) -> None:
    reply = await (await harness.invoke("exits latest")).wait_final()
    reader = member_id(harness.guild, "reader")
    ids = {label: b["custom_id"] for label, b in buttons(reply).items()}
    list_id = ids["Next"].split(":")[3]
    assert ids == {
        "Previous": f"exitwatch:page:prev:{list_id}:1:{reader}",
        "Next": f"exitwatch:page:next:{list_id}:2:{reader}",
    }
    listed = await harness.app.store.page_lists.get(int(list_id))
    assert listed is not None and (listed.command, listed.owner_id) == ("latest", reader)
    assert not harness.bot._connection._view_store._views.get(int(reply["id"]))


async def test_pages_turn_after_a_restart(harness: Harness) -> None:
    reply = await (await harness.invoke("exits latest")).wait_final()
    await restart(harness)
    turned = await click(harness, reply, "Next")
    assert turned["id"] == reply["id"] and footer(turned).startswith("Page 2 of 6")
    await restart(harness)
    further = await click(harness, turned, "Next")
    assert footer(further).startswith("Page 3 of 6")
    back = await click(harness, further, "Previous")
    assert footer(back).startswith("Page 2 of 6")


async def test_a_search_longer_than_an_id_pages_after_a_restart(harness: Harness) -> None:
    query = ("withdraws from Brazil over a data retention law " * 5)[:200]
    reply = await (await harness.invoke("exits search", query=query)).wait_final()
    assert footer(reply) == "Page 1 of 6 · 28 stories"
    assert all(len(b["custom_id"]) <= 100 for b in buttons(reply).values())
    await restart(harness)
    turned = await click(harness, reply, "Next")
    assert footer(turned) == "Page 2 of 6 · 28 stories"
    assert turned["embeds"][0]["title"] == reply["embeds"][0]["title"]


async def test_a_country_timeline_pages_after_a_restart(harness: Harness) -> None:
    reply = await (await harness.invoke("exits country", name="Brazil")).wait_final()
    await restart(harness)
    turned = await click(harness, reply, "Next")
    assert footer(turned) == f"Page 2 of 3 · {EXTRA_EVENTS} events"
    assert "Cipherline 10 " in turned["embeds"][0]["description"]


async def test_a_company_list_of_one_page_has_no_buttons_and_stores_nothing(
    harness: Harness,
) -> None:
    before = await harness.app.store.db.scalar("SELECT count(*) FROM page_lists")
    reply = await (await harness.invoke("exits company", name="Signalcast")).wait_final()
    assert not reply.get("components")
    assert await harness.app.store.db.scalar("SELECT count(*) FROM page_lists") == before


async def test_another_member_cannot_turn_the_pages(harness: Harness) -> None:
    reply = await (await harness.invoke("exits latest")).wait_final()
    await restart(harness)
    call = await harness.api.click(reply, buttons(reply)["Next"]["custom_id"], user=OWNER)
    refusal = await call.wait_final()
    assert call.ephemeral and refusal["content"] == NOT_YOURS
    page = harness.api.interactions.stored(reply["id"])
    assert page is not None and footer(page).startswith("Page 1 of 6")


async def test_an_expired_list_says_to_run_the_command_again(harness: Harness) -> None:
    reply = await (await harness.invoke("exits latest")).wait_final()
    list_id = int(buttons(reply)["Next"]["custom_id"].split(":")[3])
    await harness.app.store.db.execute(
        "UPDATE page_lists SET expires_at = 0 WHERE id = ?", (list_id,)
    )
    call = await harness.api.click(reply, buttons(reply)["Next"]["custom_id"])
    answer = await call.wait_final()
    assert call.ephemeral and answer["content"] == EXPIRED
    page = harness.api.interactions.stored(reply["id"])
    assert page is not None and footer(page).startswith("Page 1 of 6")


async def test_an_unknown_list_says_to_run_the_command_again(harness: Harness) -> None:
    reader = member_id(harness.guild, "reader")
    message = await forged(harness, harness.guild, "news", PageButton("next", 999999, 2, reader))
    call = await harness.api.click(message, f"exitwatch:page:next:999999:2:{reader}")
    answer = await call.wait_final()
    assert call.ephemeral and answer["content"] == EXPIRED


@pytest.mark.parametrize("forgery", ["number past SQLite", "another member's list"])
async def test_a_forged_id_is_refused_cleanly(
    harness: Harness, forgery: str, caplog: pytest.LogCaptureFixture
) -> None:
    theirs = await (await harness.invoke("exits latest", user=OWNER)).wait_final()
    list_id = buttons(theirs)["Next"]["custom_id"].split(":")[3]
    reader = member_id(harness.guild, "reader")
    claimed = TOO_LARGE if forgery == "number past SQLite" else list_id
    message = await forged(harness, harness.guild, "news", PageButton("next", claimed, 2, reader))
    with caplog.at_level(logging.WARNING):
        call = await harness.api.click(message, f"exitwatch:page:next:{claimed}:2:{reader}")
        answer = await call.wait_final()
    assert call.ephemeral and answer["content"] == EXPIRED
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_page_past_the_end_shows_the_last_one(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    reply = await (await harness.invoke("exits latest")).wait_final()
    _, _, _, list_id, _, owner = buttons(reply)["Next"]["custom_id"].split(":")
    far = PageButton("next", list_id, 999999, owner)
    message = await forged(harness, harness.guild, "news", far)
    with caplog.at_level(logging.WARNING):
        call = await harness.api.click(message, f"exitwatch:page:next:{list_id}:999999:{owner}")
        turned = await call.wait_final()
    assert footer(turned).startswith("Page 6 of 6")
    assert buttons(turned)["Next"]["disabled"] and not buttons(turned)["Previous"]["disabled"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_page_is_rebuilt_for_the_clicking_members_server(
    harness: Harness, private: int
) -> None:
    """The stored list names no server: each click sees what its own server may see."""
    pages = {}
    for guild, channel in ((harness.guild, "news"), (harness.other, "wire")):
        reader = member_id(guild, "reader")
        list_id = await harness.app.store.page_lists.create(
            "latest", {"count": 1}, owner_id=reader, lifetime=60.0
        )
        message = await forged(harness, guild, channel, PageButton("prev", list_id, 1, reader))
        await restart(harness)
        call = await harness.api.click(message, f"exitwatch:page:prev:{list_id}:1:{reader}")
        pages[guild.name] = await call.wait_final()
    assert pages[harness.guild.name]["embeds"][0]["description"].startswith(f"**#{private}** ·")
    assert "Nimbus" not in pages[harness.other.name]["embeds"][0]["description"]
    assert footer(pages[harness.other.name]).startswith(f"Page 1 of {EXTRA_EVENTS + 2}")
