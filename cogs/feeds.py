"""`/feeds`: a server's admins add, remove, pause, resume, list and test its feeds.

Manage Server only: Discord hides the group from others (default permissions) and the
cog checks again on every use. Answers are private: feed addresses and errors are admin
business. Adding and testing fetch the feed, so both defer first; testing has per-member
and per-server cooldowns (adding has its own limit of adds per hour).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs import render
from cogs.checks import AdminCog, admin_group, guild_of
from cogs.errors import install_error_handler, respond
from cogs.options import Feed
from cogs.service import fetch_cooldowns
from cogs.views import paged_sheets

MAX_BACKFILL = 500


class Feeds(AdminCog):
    """Add, remove, pause, resume, list and dry-run feeds for this server."""

    feeds = admin_group("feeds", "Manage the news feeds this server watches")

    @feeds.command(name="add", description="Fetch a feed once to check it, then watch it")
    @app_commands.describe(
        url="The feed's address (RSS, Atom or JSON Feed)",
        name="A short name for it (default: the feed's own title)",
        channel="Post this feed's stories here (default: the server's channel)",
        backfill="How many of its newest items to post on the first poll",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 8, 2000],
        name: app_commands.Range[str, 1, 100] | None = None,
        channel: discord.TextChannel | None = None,
        backfill: app_commands.Range[int, 0, MAX_BACKFILL] = 0,
    ) -> None:
        """Watch a new feed."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        added = await self.query.feeds_add(
            guild_id,
            url,
            name=name,
            channel_id=channel.id if channel else None,
            backfill=backfill,
            user_id=interaction.user.id,
        )
        await respond(interaction, embed=render.feed_added_embed(added), ephemeral=True)

    @feeds.command(name="remove", description="Stop watching a feed (its stories stay)")
    @app_commands.describe(feed="The feed: its number, name or address")
    async def remove(self, interaction: discord.Interaction, feed: Feed) -> None:
        """Stop watching a feed added with /feeds add."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        changed = await self.query.feeds_remove(guild_id, feed)
        await respond(interaction, embed=render.feed_changed_embed(changed), ephemeral=True)

    @feeds.command(name="pause", description="Stop polling a feed until it is resumed")
    @app_commands.describe(feed="The feed: its number, name or address")
    async def pause(self, interaction: discord.Interaction, feed: Feed) -> None:
        """Pause a feed."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        changed = await self.query.feeds_pause(guild_id, feed)
        await respond(interaction, embed=render.feed_changed_embed(changed), ephemeral=True)

    @feeds.command(name="resume", description="Poll a paused feed again")
    @app_commands.describe(feed="The feed: its number, name or address")
    async def resume(self, interaction: discord.Interaction, feed: Feed) -> None:
        """Resume a paused feed."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        changed = await self.query.feeds_resume(guild_id, feed)
        await respond(interaction, embed=render.feed_changed_embed(changed), ephemeral=True)

    @feeds.command(name="list", description="Every feed with its health and next poll")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """The feeds this server sees, a few per page."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        feeds = await self.query.feeds_list(guild_id)
        sheets = render.feed_sheets(feeds)
        await respond(interaction, **paged_sheets(interaction, sheets), ephemeral=True)

    @feeds.command(name="test", description="Dry run: what a feed's newest items would do here")
    @app_commands.describe(url="The feed's address")
    @fetch_cooldowns()
    async def test(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 8, 2000]
    ) -> None:
        """Each of the newest items, whether it would be posted here, and why; nothing stored."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.query.feeds_test(guild_id, url)
        await respond(interaction, embed=render.feed_test_embed(result), ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    install_error_handler(bot)
    await bot.add_cog(Feeds(bot))
