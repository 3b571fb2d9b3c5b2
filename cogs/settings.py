"""`/settings`: where this server's stories go, how sure they must be, who is pinged, and
which stories it wants.

Manage Server only (Discord's default permissions, and checked again here). The service
validates every value and stores nothing when one is wrong; each answer shows the
effective settings afterwards, privately.
"""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.models import Stage
from bot.query.results import SettingsView
from bot.query.service import CLEAR_WORDS
from cogs import render
from cogs.checks import AdminCog, admin_group, guild_of
from cogs.embeds import STAGE_LABELS
from cogs.errors import install_error_handler, respond

STAGE_CHOICES = [
    app_commands.Choice(name=STAGE_LABELS.get(stage.value, stage.value), value=stage.value)
    for stage in Stage
]
PING_CHOICES = [
    app_commands.Choice(name="off: no ping, whatever config.yaml says", value="off"),
    app_commands.Choice(name="default: config.yaml's role", value="default"),
]
LIST_HINT = "Comma-separated; none clears it"


def listed(text: str | None) -> list[str] | None:
    """A list option split at commas or semicolons: None leaves the setting alone, "none"
    clears it. Company suffixes split off ("Apple, Inc.") are rejoined by the service."""
    if text is None:
        return None
    if text.strip().casefold() in CLEAR_WORDS:
        return []
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def permission_gap(
    interaction: discord.Interaction, channel_id: int | None, *, threads: bool
) -> str | None:
    """What the bot lacks to post stories in that channel and, with a thread per event, to
    open their threads there (a forum needs no such right): said now, not found out when
    the first story fails."""
    guild = interaction.guild
    channel = guild.get_channel(channel_id) if guild and channel_id else None
    if guild is None or channel is None:
        return None
    allowed = channel.permissions_for(guild.me)
    if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
        return (
            f"I cannot post in {channel.mention}: give me View Channel, Send Messages and "
            "Embed Links there."
        )
    if threads and isinstance(channel, discord.TextChannel) and not allowed.create_public_threads:
        return (
            f"I cannot open a thread for each event in {channel.mention}: give me Create "
            "Public Threads there (until then, stage updates are replies in the channel)."
        )
    return None


class Settings(AdminCog):
    """This server's posting settings."""

    settings = admin_group("settings", "Where and which stories this server gets")

    @settings.command(name="channel", description="Where stories are posted")
    @app_commands.describe(
        channel="The channel (leave empty to go back to the default)",
        stage="Only for stories at this stage",
        thread="Open a thread for each event",
    )
    @app_commands.choices(stage=STAGE_CHOICES)
    async def channel(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        stage: app_commands.Choice[str] | None = None,
        thread: bool | None = None,
    ) -> None:
        """Set (or reset) the stories' channel, for all stages or one."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        stage_value = stage.value if stage else None
        if channel is None and stage is None and thread is not None:
            view = await self.query.settings_update(guild_id, {"thread_per_event": thread})
        else:
            view = await self.query.settings_channel(
                guild_id,
                channel.id if channel else None,
                stage=stage_value,
                thread_per_event=thread,
            )
        target = channel.id if channel else view.settings.channel_for(stage_value)
        gap = permission_gap(interaction, target, threads=view.settings.thread_per_event)
        await self._saved(interaction, view, gap and f"Saved, but {gap}")

    @settings.command(name="threshold", description="How sure the analyzer must be to post here")
    @app_commands.describe(value="A score from 0 to 1 (leave empty for config.yaml's default)")
    async def threshold(
        self,
        interaction: discord.Interaction,
        value: app_commands.Range[float, 0.0, 1.0] | None = None,
    ) -> None:
        """Set or reset this server's threshold."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._saved(interaction, await self.query.settings_threshold(guild_id, value))

    @settings.command(name="mention", description="Which role to ping for new stories")
    @app_commands.describe(
        role="The role to ping (leave empty to keep the current one)",
        ping="Turn pings off, or go back to config.yaml's role",
        stages=f"Only for these stages, e.g. announced,completed. {LIST_HINT}",
        countries=f"Only for these countries, e.g. India,UK. {LIST_HINT}",
    )
    @app_commands.choices(ping=PING_CHOICES)
    async def mention(
        self,
        interaction: discord.Interaction,
        role: discord.Role | None = None,
        ping: app_commands.Choice[str] | None = None,
        stages: app_commands.Range[str, 1, 200] | None = None,
        countries: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        """Set the role to ping, or turn pings off, optionally only for some stages or
        countries."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.query.settings_mention(
            guild_id,
            role.id if role else None,
            ping=ping.value if ping else None,
            stages=listed(stages),
            countries=listed(countries),
        )
        await self._saved(interaction, view)

    @settings.command(name="filters", description="Which stories this server wants")
    @app_commands.describe(
        countries=f"Only these countries. {LIST_HINT}",
        companies="Only these companies, split at , or ; (Apple, Inc. stays one). none clears it",
        stages=f"Only these stages. {LIST_HINT}",
        min_score="Only stories scoring at least this (0 to 1); none clears it",
    )
    async def filters(
        self,
        interaction: discord.Interaction,
        countries: app_commands.Range[str, 1, 1000] | None = None,
        companies: app_commands.Range[str, 1, 1000] | None = None,
        stages: app_commands.Range[str, 1, 200] | None = None,
        min_score: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        """Change any of the filters; the others stay as they are."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.query.settings_filters(
            guild_id,
            countries=listed(countries),
            companies=listed(companies),
            stages=listed(stages),
            min_score=min_score,
        )
        await self._saved(interaction, view)

    @settings.command(name="show", description="The effective settings and delivery problems")
    async def show(self, interaction: discord.Interaction) -> None:
        """What applies here, what differs from config.yaml, and what failed to post."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        view = await self.query.settings_show(guild_id)
        chosen = view.settings
        gaps = [
            gap
            for channel_id in dict.fromkeys([chosen.channel, *chosen.stage_channels.values()])
            if (gap := permission_gap(interaction, channel_id, threads=chosen.thread_per_event))
        ]
        await respond(
            interaction, "\n".join(gaps) or None, embed=render.settings_embed(view), ephemeral=True
        )

    async def _saved(
        self, interaction: discord.Interaction, view: SettingsView, warning: str | None = None
    ) -> None:
        await respond(
            interaction,
            warning or "Saved.",
            embed=render.settings_embed(view),
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    install_error_handler(bot)
    await bot.add_cog(Settings(bot))
