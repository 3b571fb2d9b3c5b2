"""The one QueryService of a running bot, shared by every cog and the story buttons.

Built on first use from the bot's App (store, on-demand fetcher, config), so the cogs
create no resources of their own and all of them see the same rate limits and caches.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.query.service import QueryService

T = TypeVar("T")

# Commands that fetch a page when a member asks (`/exits summarize`, `/feeds test`): each
# fetch may hold one of the few on-demand connections for the whole fetch timeout (30 s).
MEMBER_PERIOD = 30.0  # one fetch per member per period
SERVER_FETCHES = 5  # and at most this many per server (all DMs count as one) per period
SERVER_PERIOD = 60.0

_services: weakref.WeakKeyDictionary[discord.Client, QueryService] = weakref.WeakKeyDictionary()


def query_service(client: discord.Client) -> QueryService:
    """The query service of `client` (an ExitWatchBot), created once per bot.

    It gets the App's on-demand fetcher: what members ask for is fetched over its own
    small pool, never over the connections the feed poller needs.
    """
    service = _services.get(client)
    if service is None:
        app = client.app  # type: ignore[attr-defined]
        # Not the terminal's operator: outside a server (a DM) only shared stories show.
        service = _services[client] = QueryService(
            app.store, app.on_demand, app.config, operator=False
        )
    return service


def fetch_cooldowns() -> Callable[[T], T]:
    """Per-member, then per-server cooldowns for a command that fetches on demand.

    The member's bucket is checked first, so one member's refused retries never use up
    the server's allowance. A refusal raises CommandOnCooldown, which the central error
    handler answers privately with the seconds to wait.
    """
    per_member = app_commands.checks.cooldown(1, MEMBER_PERIOD, key=lambda i: i.user.id)
    per_server = app_commands.checks.cooldown(
        SERVER_FETCHES, SERVER_PERIOD, key=lambda i: i.guild_id
    )

    def decorate(command: T) -> T:
        return per_server(per_member(command))

    return decorate
