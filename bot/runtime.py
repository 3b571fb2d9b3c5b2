"""The long-running services of a process: polling, catch-up, delivery, retention, health.

Local mode and the Discord bot run the same set, differing only in the outbox worker
(terminal or Discord); each loop runs under supervision so none can die silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.app import App
from bot.delivery import OutboxWorker
from bot.feeds.poller import PollOutcome
from bot.feeds.scheduler import FeedScheduler
from bot.health import HealthServer
from bot.retention import run_retention
from bot.supervise import every, keep_running

log = logging.getLogger(__name__)

CATCH_UP_EVERY = 30.0
DRAIN_EVERY = 2.0
RETENTION_EVERY = 86400.0


async def run_services(app: App, worker: OutboxWorker, *, drain_every: float = DRAIN_EVERY) -> None:
    """Run every background service until cancelled, then stop them all."""

    async def on_outcome(outcome: PollOutcome) -> None:
        if outcome.pending:
            await app.watcher.process(outcome.pending, fetch_pages=outcome.feed.origin != "sample")

    scheduler = FeedScheduler(app.store, app.poller, on_outcome, metrics=app.metrics)
    tasks = [
        asyncio.create_task(keep_running("feed polling", scheduler.run), name="polling"),
        asyncio.create_task(every(CATCH_UP_EVERY, app.watcher.resume, "catch-up")),
        asyncio.create_task(every(drain_every, worker.drain, "delivery"), name="delivery"),
        asyncio.create_task(
            run_retention(app.store, RETENTION_EVERY, app.config.storage.retention)
        ),
    ]
    health = _health_server(app, lambda: not tasks[0].done())
    try:
        async with health if health else contextlib.nullcontext():
            await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _health_server(app: App, scheduler_running: Callable[[], bool]) -> HealthServer | None:
    settings = app.config.health
    if not settings.enabled:
        return None
    return HealthServer(
        app.store,
        app.metrics,
        host=settings.host,
        port=settings.port,
        scheduler_running=scheduler_running,
    )
