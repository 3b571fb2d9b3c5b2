"""Which Discord servers (and channels) a relevant story goes to.

A story reaches a server when the server has somewhere to put it, its score clears the
server's threshold, and the server's filters let it in. Feeds added by one server
(`/feeds add`) or tied to one in config.yaml only feed that server, in the channel the
feed names when it names one; configured feeds feed every server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from bot.app import console_router
from bot.config import Config
from bot.models import Analysis
from bot.query.settings import guild_settings
from bot.storage import Store
from bot.storage.maintenance import MaintenanceRepository
from bot.storage.records import EntryRecord, FeedRecord, Target
from bot.watch import Router

log = logging.getLogger(__name__)

GUILD_PREFIX = "guild:"


def destination(guild_id: int) -> str:
    """The outbox destination of a server."""
    return f"{GUILD_PREFIX}{guild_id}"


def guild_router(store: Store, config: Config, guild_ids: Callable[[], Iterable[int]]) -> Router:
    """A router over the servers the bot is in (and those configured in config.yaml)."""

    async def route(analysis: Analysis, entry: EntryRecord) -> Sequence[Target]:
        feeds = await store.feeds.of_entry(entry.id)
        candidates = _candidates(feeds, set(guild_ids()) | set(config.discord.guilds))
        targets = []
        for guild_id, channel_id in sorted(candidates.items()):
            reason = await _refusal(store, config, guild_id, analysis)
            if reason is None:
                targets.append(Target(destination(guild_id), channel_id))
            else:
                log.debug("story for %s not sent to guild %d: %s", entry.url, guild_id, reason)
        return targets

    return route


def offline_router(store: Store, config: Config) -> Router:
    """Without Discord (`poll --once`, local mode): the terminal, and the servers as well.

    Each entry is analysed once, so a story routed only to the terminal would never reach
    Discord: a later Discord run on the same database takes it as done. It is queued, too,
    for the servers a Discord run would post it to, as far as storage knows them: those in
    config.yaml, those with stored `/settings`, and those owning the story's feed. A server
    with none of these has no channel to post in, so a Discord run posts nothing there.
    """
    to_console = console_router(config)
    maintenance = MaintenanceRepository(store.db)

    async def route(analysis: Analysis, entry: EntryRecord) -> Sequence[Target]:
        servers = await maintenance.guilds_with_settings()
        to_servers = guild_router(store, config, lambda: servers)
        return [*await to_console(analysis, entry), *await to_servers(analysis, entry)]

    return route


def _candidates(feeds: Sequence[FeedRecord], guilds: set[int]) -> dict[int, int | None]:
    """Servers that may receive the story, with a fixed channel where a feed names one."""
    candidates: dict[int, int | None] = {}
    if not feeds or any(feed.guild_id == 0 for feed in feeds):
        candidates = dict.fromkeys(guilds)
    for feed in feeds:
        if feed.guild_id:
            candidates[feed.guild_id] = feed.channel_id or candidates.get(feed.guild_id)
    return candidates


async def _refusal(store: Store, config: Config, guild_id: int, analysis: Analysis) -> str | None:
    """Why a server does not get this story, or None when it does."""
    settings = await guild_settings(store, guild_id, config.discord.guilds.get(guild_id))
    threshold = settings.effective_threshold(config.analysis.threshold)
    if analysis.score < threshold:
        return f"score {analysis.score:.2f} below the threshold {threshold:.2f}"
    return settings.refusal(
        score=analysis.score,
        company=analysis.company,
        country=analysis.country,
        stage=analysis.stage.value if analysis.stage else None,
    )
