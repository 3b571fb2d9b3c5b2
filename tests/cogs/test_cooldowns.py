"""Commands that fetch on demand are rate limited per member and per server, and a refusal
is a private "try again in N seconds" that fetches nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.feeds.fetch import FetchResult
from cogs.service import SERVER_FETCHES
from tests.cogs.conftest import Harness
from tests.cogs.test_refusals import invoke_in_dm

pytestmark = pytest.mark.asyncio(loop_scope="module")

DESKS = tuple(f"desk-{n}" for n in range(SERVER_FETCHES + 1))
MEMBERS = ("reader", *DESKS)
SLOW_DOWN = re.compile(r"Slow down: try again in \d+ seconds?\.")


@pytest.fixture
def fetched(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The addresses the query service fetches during one test."""
    urls: list[str] = []
    fetch = harness.app.on_demand.fetch

    async def counting(url: str, **kwargs: str) -> FetchResult:
        urls.append(url)
        return await fetch(url, **kwargs)

    monkeypatch.setattr(harness.app.on_demand, "fetch", counting)
    yield urls


def refused(reply: dict) -> bool:
    """A private cooldown message."""
    return bool(reply["flags"] & 64) and SLOW_DOWN.fullmatch(reply["content"]) is not None


async def test_a_second_summarize_by_the_same_member_is_refused(
    harness: Harness, fetched: list[str]
) -> None:
    first = await harness.invoke("exits summarize", url=f"{harness.site}/article")
    assert (await first.wait_final())["embeds"][0]["title"] == "Lockbox VPN leaves India"
    again = await harness.invoke("exits summarize", url=f"{harness.site}/index")
    assert refused(await again.wait_final())
    assert not again.deferred
    assert fetched == [f"{harness.site}/article"]


async def test_the_cooldown_follows_the_member_into_direct_messages(
    harness: Harness, fetched: list[str]
) -> None:
    call = await invoke_in_dm(harness, "exits summarize", {"url": f"{harness.site}/article"})
    assert refused(await call.wait_final())
    assert fetched == []


async def test_a_server_has_a_shared_allowance(harness: Harness, fetched: list[str]) -> None:
    replies = []
    for desk in DESKS:
        call = await harness.invoke(
            "exits summarize", url=f"{harness.site}/index", guild=harness.other, user=desk
        )
        replies.append(await call.wait_final())
    assert [refused(reply) for reply in replies] == [False] * SERVER_FETCHES + [True]
    assert len(fetched) == SERVER_FETCHES


async def test_feeds_test_has_a_cooldown(harness: Harness, fetched: list[str]) -> None:
    feed = f"{harness.site}/feed.xml"
    first = await (await harness.admin("feeds test", url=feed)).wait_final()
    assert first["embeds"][0]["title"] == "Dry run: Test Wire"
    assert refused(await (await harness.admin("feeds test", url=feed)).wait_final())
    assert fetched == [feed]
