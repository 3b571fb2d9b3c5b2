"""Point discord.py at the configured Discord API base: Discord itself, a REST proxy or a stand-in.

discord.py keeps its endpoints in class attributes rather than on the client, so this module sets
those and nothing else:

- ``discord.http.Route.BASE`` prefixes every REST call. The webhook adapter that answers
  interactions and sends follow-ups imports that same ``Route`` class, so one assignment moves
  REST, interaction callbacks and follow-ups together.
- ``DiscordWebSocket.DEFAULT_GATEWAY`` is what ``Client.connect()`` dials: a plain ``Client`` never
  asks ``/gateway/bot``, so with only a REST base set it would still open Discord's gateway. The
  client also falls back to this attribute after an invalidated session, so setting it (instead
  of passing a URL to one connection) keeps every reconnect on the configured gateway.

Both are process-wide, which fits one bot per process. Every call sets them fully (back to
Discord's own when nothing is configured), so an earlier configuration never leaks into a later
start in the same process.
"""

from __future__ import annotations

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route

DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


def configure_rest(api_base_url: str | None) -> None:
    """Send REST, interaction and webhook calls to ``api_base_url`` (Discord's when ``None``).

    Call before ``Client.login``, whose first request already uses the base.
    """
    Route.BASE = (api_base_url or DISCORD_API_BASE_URL).rstrip("/")


async def configure_gateway(
    http: HTTPClient, api_base_url: str | None, gateway_url: str | None
) -> yarl.URL:
    """Choose the gateway: ``gateway_url`` if given, else what a custom base's ``/gateway/bot``
    answers, else Discord's. Call after ``Client.login`` (the request needs the logged-in HTTP
    session and token) and before ``Client.connect``. Returns the chosen URL.
    """
    if gateway_url:
        url = gateway_url
    elif api_base_url and api_base_url.rstrip("/") != DISCORD_API_BASE_URL:
        _shards, url, _limits = await http.get_bot_gateway()
    else:
        url = DISCORD_GATEWAY_URL
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
    return DiscordWebSocket.DEFAULT_GATEWAY


async def start(
    client: discord.Client,
    token: str,
    *,
    api_base_url: str | None = None,
    gateway_url: str | None = None,
    reconnect: bool = True,
) -> None:
    """Do what ``Client.start`` does (log in, then connect) with the endpoints configured."""
    configure_rest(api_base_url)
    await client.login(token)
    await configure_gateway(client.http, api_base_url, gateway_url)
    await client.connect(reconnect=reconnect)
