"""The health endpoint over real HTTP on 127.0.0.1: /healthz, /metrics, and loop lag."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.health import HealthServer, render
from bot.metrics import LoopLag, Metrics
from bot.storage import Store
from tests.store_setup import config_feed


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(loop_lag=LoopLag(interval=0.01, window=50))


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(client: aiohttp.ClientSession, server: HealthServer, path: str):
    async with client.get(f"http://127.0.0.1:{server.port}{path}") as response:
        body = await response.text()
        return response.status, response.headers.get("Content-Type", ""), body


async def test_healthz_reports_ok_with_database_and_scheduler(
    store: Store, metrics: Metrics, client: aiohttp.ClientSession
) -> None:
    async with HealthServer(store, metrics, port=0, scheduler_running=lambda: True) as server:
        status, _, body = await get(client, server, "/healthz")
    assert status == 200
    document = json.loads(body)
    assert document == {
        "ok": True,
        "database": "ok",
        "scheduler_running": True,
        "outbox_depth": 0,
        "last_poll_at": None,
    }


async def test_a_stopped_scheduler_makes_healthz_fail(
    store: Store, metrics: Metrics, client: aiohttp.ClientSession
) -> None:
    async with HealthServer(store, metrics, port=0, scheduler_running=lambda: False) as server:
        status, _, body = await get(client, server, "/healthz")
    assert status == 503 and '"scheduler_running": false' in body


async def test_a_closed_database_makes_healthz_fail_with_a_reason(
    tmp_path, metrics: Metrics, client: aiohttp.ClientSession
) -> None:
    broken = await Store.open(tmp_path / "db.sqlite3")
    await broken.close()
    async with HealthServer(broken, metrics, port=0) as server:
        status, _, body = await get(client, server, "/healthz")
    assert status == 503 and '"ok": false' in body and '"database": "ok"' not in body


async def test_metrics_are_prometheus_text(
    store: Store, metrics: Metrics, client: aiohttp.ClientSession
) -> None:
    metrics.polls.inc(3)
    metrics.poll_failures.inc()
    metrics.posts_delivered.inc(2)
    async with HealthServer(store, metrics, port=0) as server:
        status, content_type, body = await get(client, server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    samples = dict(
        line.split(" ", 1) for line in body.splitlines() if line and not line.startswith("#")
    )
    assert samples["exitwatch_feed_polls_total"] == "3"
    assert samples["exitwatch_feed_poll_failures_total"] == "1"
    assert samples["exitwatch_posts_delivered_total"] == "2"
    assert samples["exitwatch_stories"] == "0"
    assert samples["exitwatch_relevant_stories"] == "0"
    assert samples["exitwatch_outbox_depth"] == "0"
    for name in samples:
        assert f"# TYPE {name} " in body and f"# HELP {name} " in body
    assert body.endswith("\n")


async def test_last_poll_time_comes_from_the_database(
    store: Store, metrics: Metrics, client: aiohttp.ClientSession
) -> None:
    feed = await config_feed(store, "https://a.example/feed", "a")
    await store.feeds.record_success(feed.id, next_poll_at=time.time() + 60)
    async with HealthServer(store, metrics, port=0) as server:
        _, _, health = await get(client, server, "/healthz")
        _, _, page = await get(client, server, "/metrics")
    assert '"last_poll_at": "20' in health
    assert "exitwatch_last_poll_timestamp_seconds 0\n" not in page


async def test_loop_lag_sees_a_blocked_loop(store: Store, metrics: Metrics) -> None:
    async with HealthServer(store, metrics, port=0):
        await asyncio.sleep(0.05)
        time.sleep(0.1)  # noqa: ASYNC251 - blocks the loop on purpose, as CPU-bound work would
        await asyncio.sleep(0.05)
    assert metrics.loop_lag.p99() >= 0.05
    assert metrics.loop_lag.last < 0.05, "the loop recovered after the block"


def test_p99_and_rendering_of_numbers() -> None:
    lag = LoopLag(window=100)
    lag.samples.extend([0.001] * 98 + [0.5, 0.9])
    assert lag.p99() == 0.5
    assert LoopLag().p99() == 0.0 and LoopLag().last == 0.0
    metrics = Metrics()
    with pytest.raises(ValueError):
        metrics.polls.inc(-1)


async def test_the_server_binds_loopback_by_default(store: Store, metrics: Metrics) -> None:
    server = HealthServer(store, metrics, port=0)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            status, _, _ = await get(session, server, "/healthz")
        assert status == 200
        assert render([]) == "\n"
    finally:
        await server.stop()
        await server.stop()
