"""Story numbers no story can have — past SQLite's integers, or digits that are not ASCII —
are answered "not found" in commands, buttons and autocomplete, with nothing logged as a
bug."""

from __future__ import annotations

import logging
from typing import Any

import discord
import pytest
from discord.http import handle_message_parameters

from cogs.errors import APOLOGY
from cogs.views import STORY_ACTIONS, StoryButton
from tests.cogs.conftest import Harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOO_LARGE = "9999999999999999999"  # 19 digits: the button pattern's longest, past 2**63 - 1
ODD = ["99999999999999999999", TOO_LARGE, "²", "#١٢"]


async def buttons(harness: Harness, ref: str) -> dict[str, Any]:
    """A message carrying the story buttons of `ref`, as an old or forged post might."""
    channel = harness.guild.channel("news")
    view = discord.ui.View(timeout=None)
    for action in STORY_ACTIONS:
        view.add_item(StoryButton(action, ref))
    with handle_message_parameters(content="story", view=view) as params:
        sent = await harness.bot.http.send_message(channel.id, params=params)
    message = harness.api.state.find_message(int(sent["id"]))
    assert message is not None
    return message


@pytest.mark.parametrize("action", ["why", "timeline", "sources"])
async def test_a_button_for_a_number_past_sqlite_is_not_found(
    harness: Harness, action: str, caplog: pytest.LogCaptureFixture
) -> None:
    message = await buttons(harness, TOO_LARGE)
    with caplog.at_level(logging.WARNING):
        click = await harness.api.click(message, f"exitwatch:{action}:{TOO_LARGE}")
        reply = await click.wait_final()
    assert reply["flags"] & 64 and reply["content"] == f"No story #{TOO_LARGE}"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("typed", ["99999999999999999999", TOO_LARGE, "#١٢"])
async def test_autocomplete_answers_odd_numbers(harness: Harness, typed: str) -> None:
    assert await harness.autocomplete("exits story", "story", typed) == []


async def test_autocomplete_reads_a_superscript_as_text(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        choices = await harness.autocomplete("exits story", "story", "²")
    assert choices and all("2" in choice["name"] for choice in choices)  # folded, as text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("typed", ODD)
async def test_a_story_command_reads_an_odd_number_as_text(
    harness: Harness, typed: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        reply = await (await harness.invoke("exits story", story=typed)).wait_final()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if typed == "²":  # folded to "2" as text, like autocomplete: a card or "no story"
        assert reply.get("content") != APOLOGY
    else:
        assert reply["flags"] & 64 and reply["content"].startswith("No story matches")
