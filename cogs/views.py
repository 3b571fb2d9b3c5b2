"""Buttons: page turning for long answers, and the actions under every posted story.

The story buttons are `DynamicItem`s: the action and the story's number live in the
custom id (`exitwatch:why:12`), so a click is understood from the id alone and the buttons
on old posts keep working after a restart. The page-turning view is short-lived and only
answers the member who ran the command.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import StoryNotFound
from bot.query.refs import parse_ref
from cogs.embeds import mark_flagged
from cogs.errors import handle_error, respond
from cogs.render import Sheet, sources_embed, timeline_embed, why_embed
from cogs.service import query_service

PAGE_TIMEOUT = 180.0
NOT_YOURS = "Only the member who ran the command can turn these pages; run it yourself to browse."

SheetSource = Callable[[int], Awaitable[Sheet]]


# --- pagination -------------------------------------------------------------------------


class Paginator(discord.ui.View):
    """Previous / Next over the pages of one answer, for the member who asked."""

    def __init__(self, interaction: discord.Interaction, source: SheetSource, first: Sheet) -> None:
        super().__init__(timeout=PAGE_TIMEOUT)
        self._asked = interaction
        self._source = source
        self._page = first.page
        self._pages = first.pages
        self._refresh()

    @classmethod
    def of_sheets(cls, interaction: discord.Interaction, sheets: Sequence[Sheet]) -> Paginator:
        """Pages that were all rendered up front (a timeline, the feed list)."""

        async def source(page: int) -> Sheet:
            return sheets[min(max(page, 1), len(sheets)) - 1]

        return cls(interaction, source, sheets[0])

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Show the page before this one."""
        await self._turn(interaction, self._page - 1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    async def next_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        """Show the page after this one."""
        await self._turn(interaction, self._page + 1)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Pages turn for the member who asked; anyone else is told why nothing happens."""
        if interaction.user.id == self._asked.user.id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        return False

    async def on_timeout(self) -> None:
        """Remove the buttons once they stop working (the message itself stays)."""
        with contextlib.suppress(discord.HTTPException):
            await self._asked.edit_original_response(view=None)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """Page-turning errors are answered like command errors."""
        await handle_error(interaction, error)

    async def _turn(self, interaction: discord.Interaction, page: int) -> None:
        await interaction.response.defer()
        sheet = await self._source(page)
        self._page, self._pages = sheet.page, sheet.pages
        self._refresh()
        await interaction.edit_original_response(embed=sheet.embed, view=self)

    def _refresh(self) -> None:
        self.previous_page.disabled = self._page <= 1
        self.next_page.disabled = self._page >= self._pages


def paged(interaction: discord.Interaction, source: SheetSource, first: Sheet) -> dict[str, Any]:
    """The reply arguments for a first page: page buttons only when there is more than one."""
    if first.pages <= 1:
        return {"embed": first.embed}
    return {"embed": first.embed, "view": Paginator(interaction, source, first)}


def paged_sheets(interaction: discord.Interaction, sheets: Sequence[Sheet]) -> dict[str, Any]:
    """`paged` for pages rendered up front."""
    if len(sheets) <= 1:
        return {"embed": sheets[0].embed}
    return {"embed": sheets[0].embed, "view": Paginator.of_sheets(interaction, sheets)}


# --- story buttons ----------------------------------------------------------------------

STORY_ACTIONS = {
    "why": ("Why this?", discord.ButtonStyle.secondary),
    "timeline": ("Timeline", discord.ButtonStyle.secondary),
    "sources": ("Sources", discord.ButtonStyle.secondary),
    "flag": ("Not relevant", discord.ButtonStyle.danger),
}


class StoryButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"exitwatch:(?P<action>why|timeline|sources|flag):(?P<ref>[0-9]{1,19})",
):
    """One action on a posted story; `ref` is the story's number (its event's first story).

    A clicked custom id may carry digits no story can have (up to 19 of them, past
    SQLite's integers): `ref` is then None and the click is answered "No story #…".
    """

    def __init__(self, action: str, ref: int | str) -> None:
        label, style = STORY_ACTIONS[action]
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"exitwatch:{action}:{ref}")
        )
        self.action = action
        self.typed = str(ref)
        self.ref = parse_ref(ref)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button,
        match: Any,
    ) -> StoryButton:
        """Rebuild the button from a click on any message, even one posted before a restart."""
        return cls(match["action"], match["ref"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Run the action; its errors get the same private replies as commands."""
        try:
            if self.ref is None:
                raise StoryNotFound(f"no story #{self.typed}")
            await _ACTIONS[self.action](interaction, self.ref)
        except Exception as error:
            await handle_error(interaction, error)


def story_view(ref: int) -> discord.ui.View:
    """The buttons posted under story `ref`; they never time out."""
    view = discord.ui.View(timeout=None)
    for action in STORY_ACTIONS:
        view.add_item(StoryButton(action, ref))
    return view


def register_story_buttons(bot: commands.Bot) -> None:
    """Let the bot answer story buttons on any message (call once at start; idempotent)."""
    bot.add_dynamic_items(StoryButton)


async def _why(interaction: discord.Interaction, ref: int) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    why = await query_service(interaction.client).why(ref, guild_id=interaction.guild_id)
    await respond(interaction, embed=why_embed(why), ephemeral=True)


async def _timeline(interaction: discord.Interaction, ref: int) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    card = await query_service(interaction.client).story(ref, guild_id=interaction.guild_id)
    await respond(interaction, embed=timeline_embed(card), ephemeral=True)


async def _sources(interaction: discord.Interaction, ref: int) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    card = await query_service(interaction.client).story(ref, guild_id=interaction.guild_id)
    await respond(interaction, embed=sources_embed(card), ephemeral=True)


async def _flag(interaction: discord.Interaction, ref: int) -> None:
    """Moderators mark a post not relevant: feedback is stored and the post says so."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_messages:
        raise app_commands.MissingPermissions(["manage_messages"])
    await interaction.response.defer()
    await query_service(interaction.client).flag_not_relevant(
        ref, guild_id=interaction.guild_id, user_id=interaction.user.id
    )
    marked = flagged_embed(interaction.message)
    if marked is not None:
        await interaction.edit_original_response(embed=marked)
    await respond(
        interaction,
        f"Thanks. Story #{ref} is marked not relevant in this server; "
        "the feedback is kept to tune the analyzer.",
        ephemeral=True,
    )


def flagged_embed(message: discord.Message | None) -> discord.Embed | None:
    """The post's embed with "flagged not relevant" added to its footer (None: no change)."""
    if message is None or not message.embeds:
        return None
    embed = message.embeds[0].copy()
    return embed if mark_flagged(embed) else None


_ACTIONS: dict[str, Callable[[discord.Interaction, int], Awaitable[None]]] = {
    "why": _why,
    "timeline": _timeline,
    "sources": _sources,
    "flag": _flag,
}
