"""Buttons: page turning for long answers, and the actions under every posted story.

The story buttons and the page buttons of the public `/exits` lists are `DynamicItem`s:
what a click needs lives in the custom id (`exitwatch:why:12`,
`exitwatch:page:next:7:2:<member>`), so a click is understood from the id alone and the
buttons keep working after a restart. A list's command and arguments (a search query may
be longer than a custom id) are stored under the list's number (`bot/storage/page_lists`)
for `PAGE_LIFETIME`; a click after that says to run the command again. Pages turn only for
the member who ran the command, and are rebuilt for the clicking member's server.

The admins' private feed list keeps a short-lived view: it is ephemeral, rendered up front.
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
from bot.query.service import QueryService
from bot.storage.page_lists import PageList, PageListRepository
from cogs.embeds import mark_flagged
from cogs.errors import handle_error, respond
from cogs.render import (
    Sheet,
    event_sheet,
    search_sheet,
    sources_embed,
    timeline_embed,
    timeline_sheets,
    why_embed,
)
from cogs.service import query_service

PAGE_TIMEOUT = 180.0
PAGE_LIFETIME = 7 * 86400.0  # how long the page buttons of a public list keep working
NOT_YOURS = "Only the member who ran the command can turn these pages; run it yourself to browse."
EXPIRED = "This list has expired; run the command again to browse it."

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


def paged_sheets(interaction: discord.Interaction, sheets: Sequence[Sheet]) -> dict[str, Any]:
    """The reply arguments for pages rendered up front: buttons only when there are two."""
    if len(sheets) <= 1:
        return {"embed": sheets[0].embed}
    return {"embed": sheets[0].embed, "view": Paginator.of_sheets(interaction, sheets)}


# --- page buttons of the public lists ---------------------------------------------------

ListSheet = Callable[[QueryService, dict[str, Any], int, int | None], Awaitable[Sheet]]


async def _latest_sheet(
    query: QueryService, args: dict[str, Any], page: int, guild_id: int | None
) -> Sheet:
    events = await query.latest(
        count=args["count"],
        page=page,
        country=args.get("country"),
        company=args.get("company"),
        stage=args.get("stage"),
        guild_id=guild_id,
    )
    return event_sheet(events, "Latest exits")


async def _search_sheet(
    query: QueryService, args: dict[str, Any], page: int, guild_id: int | None
) -> Sheet:
    return search_sheet(await query.search(args["query"], page=page, guild_id=guild_id))


async def _company_sheet(
    query: QueryService, args: dict[str, Any], page: int, guild_id: int | None
) -> Sheet:
    return _nth(timeline_sheets(await query.company(args["name"], guild_id=guild_id)), page)


async def _country_sheet(
    query: QueryService, args: dict[str, Any], page: int, guild_id: int | None
) -> Sheet:
    return _nth(timeline_sheets(await query.country(args["name"], guild_id=guild_id)), page)


def _nth(sheets: Sequence[Sheet], page: int) -> Sheet:
    return sheets[min(max(page, 1), len(sheets)) - 1]


LIST_SHEETS: dict[str, ListSheet] = {
    "latest": _latest_sheet,
    "search": _search_sheet,
    "company": _company_sheet,
    "country": _country_sheet,
}

PAGE_DIRECTIONS = {"prev": ("Previous", "◀️"), "next": ("Next", "▶️")}


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"exitwatch:page:(?P<direction>prev|next):(?P<list>[0-9]{1,19})"
        r":(?P<page>[0-9]{1,6}):(?P<owner>[0-9]{1,20})"
    ),
):
    """Previous or Next on a public list: the stored list's number, the page it shows and
    the member who may turn it.

    The owner is in the id so a refusal needs no storage; the stored list must name the
    same owner, so a forged id cannot borrow another member's list.
    """

    def __init__(
        self,
        direction: str,
        list_id: int | str,
        page: int | str,
        owner_id: int | str,
        *,
        disabled: bool = False,
    ) -> None:
        label, emoji = PAGE_DIRECTIONS[direction]
        custom_id = f"exitwatch:page:{direction}:{list_id}:{page}:{owner_id}"
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=custom_id,
            )
        )
        self.list_id = parse_ref(list_id)  # None: more than SQLite can hold, so no list
        self.page = max(int(page), 1)
        self.owner_id = int(owner_id)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button,
        match: Any,
    ) -> PageButton:
        """Rebuild the button from a click, even on a list answered before a restart."""
        return cls(match["direction"], match["list"], match["page"], match["owner"])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Pages turn for the member who asked; anyone else is told why nothing happens."""
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the page; its errors get the same private replies as commands."""
        try:
            await self._turn(interaction)
        except Exception as error:
            await handle_error(interaction, error)

    async def _turn(self, interaction: discord.Interaction) -> None:
        listed = await self._stored(interaction.client)
        if listed is None:
            await interaction.response.send_message(EXPIRED, ephemeral=True)
            return
        await interaction.response.defer()
        sheet = await _list_sheet(interaction, listed, self.page)
        view = page_view(listed.id, listed.owner_id, sheet)
        await interaction.edit_original_response(embed=sheet.embed, view=view)

    async def _stored(self, client: discord.Client) -> PageList | None:
        """The list this button turns, or None: unknown, expired, or not this owner's."""
        if self.list_id is None:
            return None
        listed = await _page_lists(client).get(self.list_id)
        if listed is None or listed.owner_id != self.owner_id or listed.command not in LIST_SHEETS:
            return None
        return listed


async def paged_list(
    interaction: discord.Interaction, command: str, args: dict[str, Any]
) -> dict[str, Any]:
    """The reply arguments for page 1 of a public list (`LIST_SHEETS`).

    With more than one page the list is stored, so its buttons work after a restart; a
    single page needs no buttons and stores nothing.
    """
    query = query_service(interaction.client)
    first = await LIST_SHEETS[command](query, args, 1, interaction.guild_id)
    if first.pages <= 1:
        return {"embed": first.embed}
    owner_id = interaction.user.id
    list_id = await _page_lists(interaction.client).create(
        command, args, owner_id=owner_id, lifetime=PAGE_LIFETIME
    )
    return {"embed": first.embed, "view": page_view(list_id, owner_id, first)}


def page_view(list_id: int, owner_id: int, sheet: Sheet) -> discord.ui.View:
    """Previous / Next for `sheet`, each naming the page it shows; they never time out."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        PageButton("prev", list_id, max(sheet.page - 1, 1), owner_id, disabled=sheet.page <= 1)
    )
    view.add_item(
        PageButton("next", list_id, sheet.page + 1, owner_id, disabled=sheet.page >= sheet.pages)
    )
    return view


async def _list_sheet(interaction: discord.Interaction, listed: PageList, page: int) -> Sheet:
    """Page `page` for the clicking member's server; past the end (the list shrank, or the
    id was made up) it is the last page rather than an empty one."""
    build = LIST_SHEETS[listed.command]
    query = query_service(interaction.client)
    sheet = await build(query, listed.args, page, interaction.guild_id)
    if sheet.page > sheet.pages:
        sheet = await build(query, listed.args, sheet.pages, interaction.guild_id)
    return sheet


def _page_lists(client: discord.Client) -> PageListRepository:
    store = client.app.store  # type: ignore[attr-defined]
    return store.page_lists


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


def register_buttons(bot: commands.Bot) -> None:
    """Let the bot answer story and page buttons on any message (call once at start;
    idempotent): a new process knows no views, only these."""
    bot.add_dynamic_items(StoryButton, PageButton)


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
