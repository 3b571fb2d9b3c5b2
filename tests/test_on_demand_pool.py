"""Fetches members start (summarize, feeds test, feeds add) have their own small pool: however
many are stuck on slow pages, they hold at most `ON_DEMAND_CONNECTIONS` connections, and a
feed poll on the same host still gets through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import ON_DEMAND_CONNECTIONS, App, open_app
from bot.config import parse_config
from bot.errors import FetchRefused
from bot.query.service import QueryService
from tests.local_http import serve_app
from tests.query.conftest import ARTICLE_HTML, day, keyword_analyzer, rss

ASKED = ON_DEMAND_CONNECTIONS * 3
FEED = rss([("Lockbox VPN will pull out of India", "Lockbox leaves India.", day(5, 12))])


@dataclass
class SlowSite:
    """A page that answers only when released, and a feed that answers at once."""

    base: str = ""
    waiting: int = 0
    most_waiting: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def slow(self, request: web.Request) -> web.Response:
        async with self.changed:
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
            self.changed.notify_all()
        await self.release.wait()
        self.waiting -= 1
        return web.Response(text=ARTICLE_HTML, content_type="text/html")

    async def feed(self, request: web.Request) -> web.Response:
        return web.Response(text=FEED, content_type="application/rss+xml")

    async def until_waiting(self, count: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.waiting >= count)


@pytest.fixture
async def site() -> AsyncIterator[SlowSite]:
    state = SlowSite()
    app = web.Application()
    app.add_routes([web.get("/slow", state.slow), web.get("/feed.xml", state.feed)])
    async with serve_app(app) as base:
        state.base = base
        try:
            yield state
        finally:
            state.release.set()


def config_yaml(tmp_path: Path, feed_url: str, *, allow_private: bool) -> str:
    return f"""
samples: false
feeds:
  - url: {feed_url}
fetch:
  allow_private_networks: {str(allow_private).lower()}
  timeout: 60s
  read_timeout: 60s
  per_host: 50  # one local host: only the pools' own limits apply
storage:
  path: {tmp_path / "exitwatch.sqlite3"}
"""


@pytest.fixture
async def app(tmp_path: Path, site: SlowSite) -> AsyncIterator[App]:
    config = parse_config(config_yaml(tmp_path, f"{site.base}/feed.xml", allow_private=True))
    async with open_app(config) as opened:
        yield opened


async def test_on_demand_fetches_cannot_starve_a_feed_poll(app: App, site: SlowSite) -> None:
    service = QueryService(app.store, app.on_demand, app.config, analyzer=keyword_analyzer)
    asked = [
        asyncio.create_task(service.summarize(f"{site.base}/slow?n={n}")) for n in range(ASKED)
    ]
    async with asyncio.timeout(30):
        await site.until_waiting(ON_DEMAND_CONNECTIONS)
        (feed,) = await app.store.feeds.list()
        outcome = await app.poller.poll(feed)
    assert outcome.status == "fetched" and outcome.items == 1
    assert site.waiting == site.most_waiting == ON_DEMAND_CONNECTIONS
    assert not any(task.done() for task in asked)
    site.release.set()
    async with asyncio.timeout(30):
        summaries = await asyncio.gather(*asked)
    assert all(summary.url.startswith(f"{site.base}/slow") for summary in summaries)
    assert site.most_waiting == ON_DEMAND_CONNECTIONS


async def test_the_on_demand_pool_has_the_same_guard(tmp_path: Path, site: SlowSite) -> None:
    config = parse_config(config_yaml(tmp_path, f"{site.base}/feed.xml", allow_private=False))
    async with open_app(config) as guarded:
        with pytest.raises(FetchRefused):
            await guarded.on_demand.fetch(f"{site.base}/feed.xml")
    assert site.waiting == 0
