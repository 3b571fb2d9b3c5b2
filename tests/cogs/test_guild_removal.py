"""A server that removes the bot stops costing polls: the feeds it added are paused.

This module removes the bot from the harness's second server, so it runs last in its own
module and leaves the first server, which the other cog tests use, untouched.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.cogs.conftest import Harness

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_feeds_a_server_added_are_paused_when_it_removes_the_bot(
    harness: Harness,
) -> None:
    feeds = harness.app.store.feeds
    theirs = await feeds.add(
        url="https://wire.example/feed.xml", name="Wire", guild_id=harness.other.id, interval_s=60
    )
    ours = await feeds.add(
        url="https://desk.example/feed.xml", name="Desk", guild_id=harness.guild.id, interval_s=60
    )
    configured = [feed for feed in await feeds.list() if feed.origin == "config"]
    assert configured, "the seeded stories come from a config.yaml feed"
    changed = asyncio.Event()
    unsubscribe = feeds.on_change(changed.set)
    try:
        await harness.api.remove_bot(harness.other)
        await asyncio.wait_for(changed.wait(), 10)
    finally:
        unsubscribe()
    assert (await feeds.get(theirs.id)).paused
    assert harness.bot.get_guild(harness.other.id) is None
    assert not (await feeds.get(ours.id)).paused, "another server's feed keeps polling"
    for feed in configured:
        assert not (await feeds.get(feed.id)).paused, "config.yaml's feeds are no server's"
