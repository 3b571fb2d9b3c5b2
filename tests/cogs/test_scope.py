"""A server's own feed, end to end: its stories answer only in that server.

The fixture stories are shared (a configured feed); the module adds a feed the first guild
added itself, with one story, and asks about it from both guilds.
"""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from discord.http import handle_message_parameters

from cogs.views import story_view
from tests.cogs.conftest import EXTRA_EVENTS, Harness, private_story

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHARED_EVENTS = EXTRA_EVENTS + 2


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def private(harness: Harness) -> int:
    """The number of a story only the first guild's own feed carried."""
    return await private_story(harness, "Nimbus Mail quits Norway over a quokka backdoor")


async def test_another_server_never_sees_it(harness: Harness, private: int) -> None:
    other = {"guild": harness.other}
    latest = await (await harness.invoke("exits latest", **other)).wait_final()
    assert "Nimbus" not in latest["embeds"][0]["description"]
    assert latest["embeds"][0]["footer"]["text"].endswith(f"· {SHARED_EVENTS} events")
    story = await (await harness.invoke("exits story", story=str(private), **other)).wait_final()
    assert story["flags"] & 64 and story["content"] == f"No story #{private}"
    why = await (await harness.invoke("exits why", story=str(private), **other)).wait_final()
    assert why["content"] == f"No story #{private}"
    found = await (await harness.invoke("exits search", query="quokka", **other)).wait_final()
    assert "Nimbus" not in str(found)
    call = await harness.api.autocomplete("exits story", "story", "Nimbus", guild=harness.other)
    await call.wait_response()
    assert call.choices == []
    buttons = await _buttons(harness, harness.other.channel("wire"), private)
    click = await harness.api.click(buttons, f"exitwatch:sources:{private}")
    assert (await click.wait_final())["content"] == f"No story #{private}"


async def test_its_own_server_sees_it(harness: Harness, private: int) -> None:
    latest = await (await harness.invoke("exits latest")).wait_final()
    assert latest["embeds"][0]["description"].startswith(f"**#{private}** ·")
    assert latest["embeds"][0]["footer"]["text"].endswith(f"· {SHARED_EVENTS + 1} events")
    story = await (await harness.invoke("exits story", story="Nimbus")).wait_final()
    assert story["embeds"][0]["title"].startswith("Nimbus Mail quits Norway")
    assert [c["value"] for c in await harness.autocomplete("exits story", "story", "Nimbus")] == [
        str(private)
    ]
    buttons = await _buttons(harness, harness.guild.channel("news"), private)
    click = await harness.api.click(buttons, f"exitwatch:sources:{private}")
    assert "Nimbus" in str(await click.wait_final())


async def _buttons(harness: Harness, channel: Any, ref: int) -> dict[str, Any]:
    """A message carrying a story's buttons, as a post of it would."""
    with handle_message_parameters(content="story", view=story_view(ref)) as params:
        sent = await harness.bot.http.send_message(channel.id, params=params)
    message = harness.api.state.find_message(int(sent["id"]))
    assert message is not None
    return message
