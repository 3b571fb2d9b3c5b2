"""Refusals and failures: the production address guard, direct messages, bad option values,
and a bug, each answered with a short private message (and the bug logged)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cogs.service import query_service
from tests.cogs.conftest import Harness
from tests.discord_standin import InteractionCall
from tests.discord_standin.interactions import APPLICATION_COMMAND
from tests.discord_standin.invocation import command_data

pytestmark = pytest.mark.asyncio(loop_scope="module")

ALLOW_PRIVATE = False  # the production rule: private and loopback addresses are refused
DM_CONTEXT = 1


async def invoke_in_dm(
    harness: Harness, command: str, options: dict[str, Any] | None = None
) -> InteractionCall:
    """A slash command sent from a direct message with the bot.

    The stand-in only models guild interactions, so a guild interaction is built and then
    reshaped the way Discord sends a DM one: no guild or member, the user at the top level,
    a DM channel. Its replies are still recorded on the returned call.
    """
    guild = harness.guild
    member = next(m for m in guild.members.values() if m.user["username"] == "reader")
    data, _ = command_data(harness.api.state, guild, command, options or {}, user_id=member.id)
    call = harness.api.interactions.create(
        APPLICATION_COMMAND,
        data,
        guild=guild,
        channel=guild.channel("news"),
        user_id=member.id,
        permissions=0,
    )
    payload = dict(call.payload)  # the stand-in keeps reading the original
    for key in ("guild_id", "guild", "guild_locale", "member", "app_permissions"):
        payload.pop(key, None)
    dm_id = str(harness.api.state.ids.next())
    payload |= {
        "user": member.user,
        "channel_id": dm_id,
        "channel": {"id": dm_id, "type": 1, "recipients": [member.user]},
        "context": DM_CONTEXT,
        "authorizing_integration_owners": {"0": str(guild.id)},
    }
    await harness.api.gateway.dispatch("INTERACTION_CREATE", payload)
    return call


# --- the address guard ------------------------------------------------------------------


async def test_summarize_refuses_a_private_address(harness: Harness) -> None:
    call = await harness.invoke("exits summarize", url=f"{harness.site}/article")
    reply = await call.wait_final()
    assert reply["flags"] & 64
    assert reply["content"].startswith("That address is not allowed:")
    assert call.original is None  # the public placeholder made way for the private reply


async def test_feeds_add_refuses_a_private_address(harness: Harness) -> None:
    call = await harness.admin("feeds add", url=f"{harness.site}/feed.xml")
    reply = await call.wait_final()
    assert reply["content"].startswith("That address is not allowed:")


async def test_summarize_refuses_what_is_not_a_web_address(harness: Harness) -> None:
    reply = await (
        await harness.invoke("exits summarize", url="ftp://files.example/a", user="guild-owner")
    ).wait_final()
    assert reply["flags"] & 64 and "http" in reply["content"]


# --- direct messages --------------------------------------------------------------------


async def test_stats_need_a_server(harness: Harness) -> None:
    call = await invoke_in_dm(harness, "exits stats")
    reply = await call.wait_final()
    assert call.ephemeral and not call.deferred
    assert reply["content"] == "This command works in a server, not in direct messages."


async def test_admin_commands_refuse_in_direct_messages(harness: Harness) -> None:
    for command in ("feeds list", "settings show"):
        reply = await (await invoke_in_dm(harness, command)).wait_final()
        assert reply["content"] == "This command works in a server, not in direct messages."


async def test_reading_commands_work_in_direct_messages(harness: Harness) -> None:
    call = await invoke_in_dm(harness, "exits story", {"story": str(harness.seeded.signalcast)})
    reply = await call.wait_final()
    assert reply["embeds"][0]["title"].startswith("Signalcast threatens")


# --- option values ----------------------------------------------------------------------


async def test_a_blank_story_is_refused_before_any_work(harness: Harness) -> None:
    call = await harness.invoke("exits why", story="   ")
    reply = await call.wait_final()
    assert not call.deferred and call.ephemeral
    assert reply["content"] == "Name a story"


async def test_markdown_in_what_the_member_typed_is_shown_literally(harness: Harness) -> None:
    reply = await (await harness.invoke("exits story", story="**bold** @everyone")).wait_final()
    assert "\\*\\*bold\\*\\*" in reply["content"]
    assert "@everyone" not in reply["content"]


# --- a bug ------------------------------------------------------------------------------


async def test_an_unexpected_error_is_logged_and_answered_politely(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(**_: Any) -> None:
        raise RuntimeError("index out of range somewhere deep")

    monkeypatch.setattr(query_service(harness.bot), "latest", broken)
    with caplog.at_level(logging.ERROR, logger="cogs.errors"):
        call = await harness.invoke("exits latest")
        reply = await call.wait_final()
    assert reply["flags"] & 64
    assert reply["content"].startswith("Sorry, something went wrong")
    assert "index out of range" not in reply["content"] and "Traceback" not in reply["content"]
    member = next(m for m in harness.guild.members.values() if m.user["username"] == "reader")
    [record] = [r for r in caplog.records if r.name == "cogs.errors"]
    assert record.getMessage() == (
        f"unexpected error in /exits latest (guild {harness.guild.id}, user {member.id})"
    )
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


async def test_an_unexpected_error_in_a_button_is_answered_too(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from discord.http import handle_message_parameters

    from cogs.views import story_view

    async def broken(*_: Any, **__: Any) -> None:
        raise KeyError("lost")

    monkeypatch.setattr(query_service(harness.bot), "why", broken)
    channel = harness.guild.channel("news")
    ref = harness.seeded.lockbox
    with handle_message_parameters(content="story", view=story_view(ref)) as params:
        sent = await harness.bot.http.send_message(channel.id, params=params)
    message = harness.api.state.find_message(int(sent["id"]))
    with caplog.at_level(logging.ERROR, logger="cogs.errors"):
        click = await harness.api.click(message, f"exitwatch:why:{ref}")
        reply = await click.wait_final()
    assert reply["flags"] & 64 and reply["content"].startswith("Sorry, something went wrong")
    assert any(f"component exitwatch:why:{ref}" in r.getMessage() for r in caplog.records)
