"""Builds the process's shared resources once, from the validated config.

One store, one fetcher, poller and watcher: created here, passed to whoever needs them
(CLI, console, Discord client), closed here. Fetches are split over two aiohttp sessions
with the same guard and limits: the poller's, and a small one for what members ask for
(`/exits summarize`, `/feeds test`, `/feeds add`), so slow pages fetched on demand can
never hold the connections feed polls wait for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

import aiohttp

from bot.config import Config
from bot.feeds.fetch import Fetcher, FetchLimits, make_session
from bot.feeds.poller import FeedPoller, PollOutcome, PollPolicy
from bot.feeds.samples import SAMPLE_BACKFILL, sample_feeds
from bot.metrics import Metrics
from bot.models import Analysis
from bot.storage import Store
from bot.storage.records import EntryRecord, Target
from bot.watch import Processed, Router, Watcher

log = logging.getLogger(__name__)

CONSOLE = "console"
SHORT_INTERVAL_WARNING = 60.0
# Connections for fetches members start; each may last the whole fetch timeout, and the
# per-member and per-server cooldowns in `cogs.service` keep the queue behind them short.
ON_DEMAND_CONNECTIONS = 4


@dataclass(frozen=True, slots=True)
class App:
    """The shared resources of one ExitWatch process.

    `fetcher` is for polling feeds and their pages; `on_demand` (its own pool of
    `ON_DEMAND_CONNECTIONS`) is for fetches a member starts, given to the QueryService.
    """

    config: Config
    store: Store
    session: aiohttp.ClientSession
    fetcher: Fetcher
    poller: FeedPoller
    watcher: Watcher
    metrics: Metrics
    on_demand: Fetcher


def fetch_limits(config: Config) -> FetchLimits:
    """The download limits from the `fetch` section."""
    fetch = config.fetch
    return FetchLimits(
        max_bytes=fetch.max_bytes,
        connect_timeout=fetch.connect_timeout,
        read_timeout=fetch.read_timeout,
        total_timeout=fetch.timeout,
        max_redirects=fetch.max_redirects,
        per_host=fetch.per_host,
        concurrency=fetch.concurrency,
    )


def on_demand_limits(limits: FetchLimits) -> FetchLimits:
    """The same download limits, over a pool of at most `ON_DEMAND_CONNECTIONS`."""
    return replace(limits, concurrency=min(limits.concurrency, ON_DEMAND_CONNECTIONS))


def console_router(config: Config) -> Router:
    """Local mode: every story at or above the threshold goes to the terminal."""

    async def route(analysis: Analysis, entry: EntryRecord) -> Sequence[Target]:
        return [Target(CONSOLE)] if analysis.score >= config.analysis.threshold else []

    return route


def analysis_floor(store: Store, config: Config) -> Callable[[], Awaitable[float]]:
    """The lowest threshold any destination applies: the config's, or a server's own.

    The watcher extracts company, country and stage only for stories scoring at least
    this (extraction is most of the analyzer's time), so a server that lowered its
    threshold still gets the stories between its bar and the analyzer's.
    """

    async def floor() -> float:
        lowest = await store.settings.lowest_threshold()
        return min(config.analysis.threshold, 1.0 if lowest is None else lowest)

    return floor


@asynccontextmanager
async def open_app(
    config: Config, route: Callable[[Store], Router] | None = None
) -> AsyncIterator[App]:
    """Open the store and the HTTP sessions, sync the configured feeds, and close all after.

    `route` builds the router that picks each story's destinations (the terminal by
    default; Discord guilds when running as a bot).
    """
    store = await Store.open(config.storage.path)
    allow_private = config.fetch.allow_private_networks
    limits = fetch_limits(config)
    asked = on_demand_limits(limits)
    session = make_session(limits, allow_private)
    asked_session = make_session(asked, allow_private)
    try:
        fetcher = Fetcher(session, limits, allow_private)
        poller = FeedPoller(
            store,
            fetcher,
            PollPolicy(max_age=config.poll.max_age, max_backoff=config.poll.max_backoff),
        )
        watcher = Watcher(
            store,
            fetcher,
            route(store) if route else console_router(config),
            event_window=config.analysis.event_window,
            fetch_pages=config.fetch.fetch_pages,
            floor=analysis_floor(store, config),
        )
        await sync_feeds(config, store)
        on_demand = Fetcher(asked_session, asked, allow_private)
        yield App(config, store, session, fetcher, poller, watcher, Metrics(), on_demand)
    finally:
        await asked_session.close()
        await session.close()
        await store.close()


async def sync_feeds(config: Config, store: Store) -> None:
    """Make the stored configured and sample feeds match config.yaml."""
    configured = []
    for feed in config.feeds:
        interval = feed.interval or config.poll.interval
        if interval < SHORT_INTERVAL_WARNING:
            log.warning(
                "feed %s polls every %gs: fine for tests, hard on servers", feed.url, interval
            )
        configured.append(
            {
                "url": feed.url,
                "guild_id": feed.guild or 0,
                "name": feed.name or feed.url,
                "interval_s": interval,
                "backfill": feed.backfill,
                "channel_id": feed.channel,
            }
        )
    await store.feeds.sync_configured(configured, "config")
    samples = [
        {
            "url": sample.url,
            "guild_id": 0,
            "name": sample.name,
            "interval_s": config.poll.interval,
            "backfill": SAMPLE_BACKFILL,
            "channel_id": None,
        }
        for sample in (sample_feeds() if config.samples else [])
    ]
    await store.feeds.sync_configured(samples, "sample")


async def poll_all(app: App) -> tuple[list[PollOutcome], list[Processed]]:
    """Poll every active feed once, concurrently, then analyse what is new."""
    feeds = [feed for feed in await app.store.feeds.list() if not feed.paused]
    outcomes = await asyncio.gather(*(app.poller.poll(feed) for feed in feeds))
    processed = []
    for outcome in outcomes:
        if outcome.pending:
            processed.extend(
                await app.watcher.process(
                    outcome.pending, fetch_pages=outcome.feed.origin != "sample"
                )
            )
    processed.extend(await app.watcher.resume())
    return list(outcomes), processed
