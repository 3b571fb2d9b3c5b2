"""`/exits`: what members ask about the stories, each command one query-service call.

Every command defers first (the answer may need the database, a fetch or the analyzer),
calls the service, and renders the result; errors go to the central handler in
`cogs.errors`. Answers are public, except the export, which is for the member who asked.
`summarize` fetches a page for whoever asks, so it has per-member and per-server cooldowns.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.models import Stage
from bot.query.service import DEFAULT_COUNT, MAX_COUNT, QueryService
from cogs import render
from cogs.checks import guild_of
from cogs.embeds import STAGE_LABELS
from cogs.errors import install_error_handler, respond
from cogs.options import Company, Country, Story
from cogs.service import fetch_cooldowns, query_service
from cogs.views import paged_list, register_buttons

STAGE_CHOICES = [
    app_commands.Choice(name=STAGE_LABELS.get(stage.value, stage.value), value=stage.value)
    for stage in Stage
]
FORMAT_CHOICES = [
    app_commands.Choice(name="CSV (one row per source)", value="csv"),
    app_commands.Choice(name="JSON (sources nested)", value="json"),
]


class Exits(commands.Cog):
    """Recent events, one story's card, questions, search, timelines, stats and export."""

    exits = app_commands.Group(
        name="exits", description="Companies leaving countries over surveillance demands"
    )

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.query: QueryService = query_service(bot)

    @exits.command(name="latest", description="Recent events, most recently updated first")
    @app_commands.describe(
        count="How many events per page",
        country="Only events in this country",
        company="Only events of this company",
        stage="Only events at this stage",
    )
    @app_commands.choices(stage=STAGE_CHOICES)
    async def latest(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, MAX_COUNT] = DEFAULT_COUNT,
        country: Country | None = None,
        company: Company | None = None,
        stage: app_commands.Choice[str] | None = None,
    ) -> None:
        """Recent events, a page at a time."""
        await interaction.response.defer(thinking=True)
        args = {
            "count": count,
            "country": country,
            "company": company,
            "stage": stage.value if stage else None,
        }
        await respond(interaction, **await paged_list(interaction, "latest", args))

    @exits.command(name="story", description="The full card of a story")
    @app_commands.describe(story="A story number (e.g. 12) or a company, country or headline")
    async def story(self, interaction: discord.Interaction, story: Story) -> None:
        """Summary, facts, quote, every source and the timeline."""
        await interaction.response.defer(thinking=True)
        card = await self.query.story(story, guild_id=interaction.guild_id)
        await respond(interaction, embed=render.card_embed(card))

    @exits.command(name="ask", description="Ask about a story; answered from its sources")
    @app_commands.describe(
        question="Your question, e.g. when does it take effect?",
        story="Which story (default: the latest posted in this channel)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 3, 300],
        story: Story | None = None,
    ) -> None:
        """An answer quoted from the sources, or "the sources don't say"."""
        await interaction.response.defer(thinking=True)
        answer = await self.query.ask(
            question, story, guild_id=interaction.guild_id, channel_id=interaction.channel_id
        )
        await respond(interaction, embed=render.answer_embed(answer))

    @exits.command(name="search", description="Search the stories; best matches first")
    @app_commands.describe(query='Words to find; "quotes" make a phrase')
    async def search(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 200]
    ) -> None:
        """Ranked hits with the matches in bold, a page at a time."""
        await interaction.response.defer(thinking=True)
        await respond(interaction, **await paged_list(interaction, "search", {"query": query}))

    @exits.command(name="company", description="Every event of one company, oldest first")
    @app_commands.describe(name="The company")
    async def company(self, interaction: discord.Interaction, name: Company) -> None:
        """A company's timeline."""
        await interaction.response.defer(thinking=True)
        await respond(interaction, **await paged_list(interaction, "company", {"name": name}))

    @exits.command(name="country", description="Every event in one country, oldest first")
    @app_commands.describe(name="The country or region (UK, Britain… work too)")
    async def country(self, interaction: discord.Interaction, name: Country) -> None:
        """A country's timeline."""
        await interaction.response.defer(thinking=True)
        await respond(interaction, **await paged_list(interaction, "country", {"name": name}))

    @exits.command(name="why", description="Why a story was judged relevant or not")
    @app_commands.describe(story="A story number (e.g. 12) or a company, country or headline")
    async def why(self, interaction: discord.Interaction, story: Story) -> None:
        """The analyzer's signals, against this server's threshold."""
        await interaction.response.defer(thinking=True)
        why = await self.query.why(story, guild_id=interaction.guild_id)
        await respond(interaction, embed=render.why_embed(why))

    @exits.command(name="summarize", description="Read any article now and say if it is an exit")
    @app_commands.describe(url="The article's address (http or https)")
    @fetch_cooldowns()
    async def summarize(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 8, 2000]
    ) -> None:
        """Fetch, analyse and show the card, or say why it is not a story; nothing is stored."""
        await interaction.response.defer(thinking=True)
        result = await self.query.summarize(url, guild_id=interaction.guild_id)
        await respond(interaction, embed=render.summary_embed(result))

    @exits.command(name="stats", description="Counts by country, year and stage, with a chart")
    async def stats(self, interaction: discord.Interaction) -> None:
        """Counts, this server's feed health, and a PNG chart."""
        guild_id = guild_of(interaction)
        await interaction.response.defer(thinking=True)
        stats = await self.query.stats(guild_id=guild_id)
        embed, chart = render.stats_reply(stats)
        await respond(interaction, embed=embed, **({"file": chart} if chart else {}))

    @exits.command(name="export", description="Every event with its sources, as a file")
    @app_commands.rename(fmt="format")
    @app_commands.describe(fmt="CSV or JSON")
    @app_commands.choices(fmt=FORMAT_CHOICES)
    async def export(
        self, interaction: discord.Interaction, fmt: app_commands.Choice[str] | None = None
    ) -> None:
        """A CSV or JSON attachment, for the member who asked."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.query.export(fmt.value if fmt else "csv", guild_id=interaction.guild_id)
        if len(result.data) > interaction.filesize_limit:
            await respond(
                interaction,
                f"The export ({len(result.data) // 1024} KiB) is larger than Discord accepts "
                "here; use `python -m bot` locally to export it.",
                ephemeral=True,
            )
            return
        await respond(
            interaction,
            f"{result.events} events with their sources.",
            file=render.export_file(result),
            ephemeral=True,
        )


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cog, the central error handler and the story buttons."""
    install_error_handler(bot)
    register_buttons(bot)
    await bot.add_cog(Exits(bot))
