"""Where a command may run and who may run it, checked in the handler itself.

Discord already hides admin commands from members without Manage Server (the groups'
default permissions), but a server's admins can grant a command to anyone in its
integration settings, and a client can send what it likes; so the handler checks again.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.query.service import QueryService
from cogs.service import query_service

# Where admin commands are offered: servers only (`guild_only` sets the older dm_permission
# flag; Discord's current API reads `contexts`).
SERVERS_ONLY = app_commands.AppCommandContext(guild=True)


def guild_of(interaction: discord.Interaction) -> int:
    """The server the interaction came from; refused in direct messages."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def managed_guild(interaction: discord.Interaction) -> int:
    """The server, for a member who may manage it (Manage Server)."""
    guild_id = guild_of(interaction)
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions(["manage_guild"])
    return guild_id


def admin_group(name: str, description: str) -> app_commands.Group:
    """A command group for server admins: Manage Server by default, servers only."""
    return app_commands.Group(
        name=name,
        description=description,
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
        allowed_contexts=SERVERS_ONLY,
    )


class AdminCog(commands.Cog):
    """A cog of admin commands: every one runs in a server, for a member with Manage Server."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.query: QueryService = query_service(bot)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Checked in the handler too: a server can grant the commands to anyone."""
        managed_guild(interaction)
        return True
