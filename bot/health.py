"""An optional local HTTP endpoint: `/healthz` for probes, `/metrics` for Prometheus.

Off by default and bound to 127.0.0.1 unless `health.host` says otherwise, because the
numbers (feed failures, queue depth) are operational detail, not something to publish.

`Metrics` holds the counters the rest of the process increments (`metrics.polls.inc()`);
everything that already lives in the database (stories, outbox depth, the last poll) is
read from there at scrape time, so it cannot drift from the truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web

from bot.errors import StorageError
from bot.metrics import Metrics
from bot.storage import Store
from bot.storage.maintenance import MaintenanceRepository

log = logging.getLogger(__name__)

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# A probe must answer even when a long transaction holds the database.
CHECK_TIMEOUT = 2.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Metric:
    name: str
    kind: str
    help: str
    value: float


class HealthServer:
    """Serves `/healthz` and `/metrics` from the store and the metrics; start, then stop."""

    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        *,
        host: str = "127.0.0.1",
        port: int = 8787,
        scheduler_running: Callable[[], bool] | None = None,
    ) -> None:
        self._store = store
        self._repo = MaintenanceRepository(store.db)
        self._metrics = metrics
        self._host = host
        self._port = port
        self._scheduler_running = scheduler_running
        self._runner: web.AppRunner | None = None
        self._sampler: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when 0 asked the system to pick one)."""
        if self._runner is None or not self._runner.addresses:
            return self._port
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Bind and serve, and start sampling loop lag."""
        if self._host not in LOOPBACK_HOSTS:
            log.warning("health endpoint listens on %s: metrics are visible there", self._host)
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        self._sampler = asyncio.create_task(self._metrics.loop_lag.run(), name="loop-lag")
        log.info("health endpoint on http://%s:%d/healthz", self._host, self.port)

    async def stop(self) -> None:
        """Stop serving and sampling; safe to call twice."""
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> HealthServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def health(self) -> dict[str, Any]:
        """The health document; `ok` is false when the database or the scheduler is down."""
        database = await self._database_status()
        running = self._scheduler_running() if self._scheduler_running else None
        depth = await self._quietly(self._store.outbox.depth())
        last = await self._quietly(self._repo.last_poll_at())
        return {
            "ok": database == "ok" and running is not False,
            "database": database,
            "scheduler_running": running,
            "outbox_depth": depth,
            "last_poll_at": datetime.fromtimestamp(last, UTC).isoformat() if last else None,
        }

    async def _healthz(self, request: web.Request) -> web.Response:
        document = await self.health()
        return web.json_response(document, status=200 if document["ok"] else 503)

    async def _metrics_page(self, request: web.Request) -> web.Response:
        text = render(await self._collect())
        return web.Response(body=text.encode(), headers={"Content-Type": PROMETHEUS_TYPE})

    async def _database_status(self) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._repo.ping()
        except TimeoutError:
            return f"busy: no answer within {CHECK_TIMEOUT:g}s"
        except Exception as exc:  # a probe reports whatever broke; it must not crash itself
            return f"{type(exc).__name__}: {exc}"
        return "ok"

    async def _quietly(self, query: Awaitable[T]) -> T | None:
        """A value for the health document, or None when the database cannot answer now."""
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                return await query
        except (TimeoutError, StorageError, ValueError):
            return None

    async def _collect(self) -> list[_Metric]:
        metrics = self._metrics
        stories, relevant = await self._repo.story_counts()
        last_poll = await self._repo.last_poll_at()
        return [
            _Metric("exitwatch_feed_polls_total", "counter", "Feed polls completed.",
                    metrics.polls.value),
            _Metric("exitwatch_feed_poll_failures_total", "counter",
                    "Feed polls that ended in an error.", metrics.poll_failures.value),
            _Metric("exitwatch_posts_delivered_total", "counter",
                    "Outbox deliveries sent.", metrics.posts_delivered.value),
            _Metric("exitwatch_stories", "gauge", "Stories stored (analysed entries).",
                    stories),
            _Metric("exitwatch_relevant_stories", "gauge", "Stored stories judged relevant.",
                    relevant),
            _Metric("exitwatch_outbox_depth", "gauge", "Deliveries waiting to be sent.",
                    await self._store.outbox.depth()),
            _Metric("exitwatch_last_poll_timestamp_seconds", "gauge",
                    "Unix time of the latest feed poll.", last_poll or 0.0),
            _Metric("exitwatch_event_loop_lag_seconds", "gauge",
                    "Latest event-loop lag sample.", metrics.loop_lag.last),
            _Metric("exitwatch_event_loop_lag_p99_seconds", "gauge",
                    "99th percentile event-loop lag over the sampling window.",
                    metrics.loop_lag.p99()),
        ]  # fmt: skip


def render(metrics: list[_Metric]) -> str:
    """The Prometheus text exposition format (version 0.0.4)."""
    lines = []
    for metric in metrics:
        lines.append(f"# HELP {metric.name} {metric.help}")
        lines.append(f"# TYPE {metric.name} {metric.kind}")
        lines.append(f"{metric.name} {_number(metric.value)}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    """Integers without a trailing .0; floats in full precision."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
