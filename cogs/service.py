"""The one QueryService of a running bot, shared by every cog and the story buttons.

Built on first use from the bot's App (store, fetcher, config), so the cogs create no
resources of their own and all of them see the same rate limits and caches.
"""

from __future__ import annotations

import weakref

import discord

from bot.query.service import QueryService

_services: weakref.WeakKeyDictionary[discord.Client, QueryService] = weakref.WeakKeyDictionary()


def query_service(client: discord.Client) -> QueryService:
    """The query service of `client` (an ExitWatchBot), created once per bot."""
    service = _services.get(client)
    if service is None:
        app = client.app  # type: ignore[attr-defined]
        service = _services[client] = QueryService(app.store, app.fetcher, app.config)
    return service
