"""The Discord client: one Bot that owns the shared resources and loads the cogs.

Built once in `run_discord` from the process's `App` (store, HTTP session, poller), so the
cogs never create resources of their own. Commands are registered with Discord only when
the command tree changed since the last registration (a stored hash), or on `bot sync`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands
from pydantic import SecretStr

from bot.app import App, open_app
from bot.config import Config
from bot.routing import guild_router
from bot.storage import Store
from bot.watch import Router
from cogs import endpoint

log = logging.getLogger(__name__)

# ExitWatch never joins voice, so discord.py's warnings about missing voice libraries are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

EXTENSIONS = ("cogs.posting", "cogs.exits", "cogs.feeds", "cogs.settings")
COMMAND_HASH_KEY = "command_tree_hash"


class ExitWatchBot(commands.Bot):
    """ExitWatch in Discord: default (non-privileged) intents, slash commands only."""

    def __init__(
        self,
        app: App,
        *,
        sync_commands: bool = True,
        extensions: tuple[str, ...] = EXTENSIONS,
        **options: Any,
    ) -> None:
        """`extensions` and `options` (discord.py client options) let tests run a subset."""
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.app = app
        self._sync_commands = sync_commands
        self._extensions = extensions

    @property
    def config(self) -> Config:
        """The validated configuration."""
        return self.app.config

    async def setup_hook(self) -> None:
        """Load the cogs, then register commands if the tree changed."""
        for extension in self._extensions:
            await self.load_extension(extension)
        if self._sync_commands:
            await self.sync_if_changed()

    async def sync_if_changed(self) -> bool:
        """Register the global commands when their definition differs from the last sync."""
        digest = command_tree_hash(self.tree)
        if await self.app.store.settings.get_meta(COMMAND_HASH_KEY) == digest:
            log.info("slash commands unchanged; not re-registering")
            return False
        synced = await self.tree.sync()
        await self.app.store.settings.set_meta(COMMAND_HASH_KEY, digest)
        log.info("registered %d slash commands", len(synced))
        return True

    async def on_ready(self) -> None:
        """Log who we are and where, once connected."""
        log.info("connected as %s to %d servers", self.user, len(self.guilds))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """A server that removed the bot gets no more posts, so the feeds it added are
        paused rather than polled for nobody. They stay listed with their history, and
        `/feeds resume` restarts them if the bot is invited back."""
        paused = await self.app.store.feeds.pause_guild(guild.id)
        log.info("removed from server %d; paused the %d feeds it added", guild.id, paused)


class GuildDirectory:
    """The servers the bot is in, as the router asks for them.

    While discord.py re-identifies it empties its guild cache until the servers arrive
    again; a story routed in that moment must still reach them, so the last set seen while
    the bot was ready is kept and used until it is ready again.
    """

    def __init__(self) -> None:
        self.bot: discord.Client | None = None
        self._known: set[int] = set()

    def __call__(self) -> set[int]:
        if self.bot is None:
            return set(self._known)
        current = {guild.id for guild in self.bot.guilds}
        if self.bot.is_ready():
            self._known = current
        return self._known | current


def command_tree_hash(tree: app_commands.CommandTree) -> str:
    """A stable digest of the global command definitions."""
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    encoded = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


async def run_discord(config: Config, token: SecretStr) -> int:
    """Connect to Discord (or the configured API base) and run until stopped.

    A wrong token or an unreachable Discord ends with one plain message, not a traceback.
    """
    try:
        return await _run_discord(config, token)
    except discord.LoginFailure:
        log.error("Discord refused the token in DISCORD_TOKEN; check it and try again")
    except (discord.GatewayNotFound, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        log.error("cannot reach Discord at %s: %s", config.discord.api_base_url, exc)
    return 1


async def _run_discord(config: Config, token: SecretStr) -> int:

    directory = GuildDirectory()

    def route(store: Store) -> Router:
        return guild_router(store, config, directory)

    async with open_app(config, route) as app:
        bot = ExitWatchBot(app)
        directory.bot = bot
        async with bot:
            await endpoint.start(
                bot,
                token.get_secret_value(),
                api_base_url=config.discord.api_base_url,
                gateway_url=config.discord.gateway_url,
            )
    return 0


async def sync_commands(config: Config, token: SecretStr, guild_id: int | None) -> int:
    """Register the commands now, globally or (instantly visible) in one guild."""
    async with open_app(config) as app:
        bot = ExitWatchBot(app, sync_commands=False)
        async with bot:
            endpoint.configure_rest(config.discord.api_base_url)
            await bot.login(token.get_secret_value())
            guild = discord.Object(id=guild_id) if guild_id else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            if guild is None:
                await app.store.settings.set_meta(COMMAND_HASH_KEY, command_tree_hash(bot.tree))
            where = f"guild {guild_id}" if guild_id else "globally"
            print(f"registered {len(synced)} commands {where}")
    return 0
