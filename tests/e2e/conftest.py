"""Fixtures shared by the end-to-end tests: the Discord stand-in, a feed site, a guild."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.discord_standin import DiscordStandIn, Guild
from tests.e2e.harness import TOKEN
from tests.feed_site import FeedSite


@pytest.fixture
async def discord_api() -> AsyncIterator[DiscordStandIn]:
    """The stand-in; waits are bounded generously because the bot is a separate process."""
    async with DiscordStandIn(token=TOKEN, wait_limit=60.0) as running:
        yield running


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    """A local site whose feeds the test changes while the bot runs."""
    async with FeedSite() as running:
        yield running


@pytest.fixture
def guild(discord_api: DiscordStandIn) -> Guild:
    """One server with a #news channel (where stories go) and an #admin channel."""
    return discord_api.add_guild("Newsroom", channels=["news", "admin"])
