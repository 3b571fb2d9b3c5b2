"""Slash-command options that suggest values while the member types.

`<story>`, `<name>` and `<feed>` are free text with ranked suggestions (at most 25, names
cut to Discord's 100 characters). A client may send any string, not just a suggestion,
so `transform` only tidies the text; the service call that uses it resolves and
re-validates it, answering StoryNotFound / NotFound / FeedNotFound for what does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.errors import ExitWatchError, InvalidInput
from bot.query.results import Choice
from bot.query.service import QueryService
from cogs.service import query_service

log = logging.getLogger(__name__)

MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100
MAX_TYPED = 200

Completer = Callable[[QueryService, str, int | None], Awaitable[list[Choice]]]


class Suggested(app_commands.Transformer):
    """A text option whose suggestions come from one of the service's `complete_*`."""

    def __init__(self, noun: str, complete: Completer) -> None:
        self.noun = noun
        self._complete = complete

    @property
    def max_value(self) -> int:
        """Longest text a member may send: a number, a name or a few words."""
        return MAX_TYPED

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        """Ranked suggestions; a storage hiccup shows none rather than an error."""
        service = query_service(interaction.client)
        try:
            found = await self._complete(service, value, interaction.guild_id)
        except ExitWatchError as exc:
            log.warning("no %s suggestions for %r: %s", self.noun, value, exc)
            return []
        return [
            app_commands.Choice(name=c.name[:MAX_CHOICE_TEXT], value=c.value[:MAX_CHOICE_TEXT])
            for c in found[:MAX_CHOICES]
        ]

    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        """The typed text, whitespace tidied; the service re-validates it."""
        text = " ".join(str(value).split())
        if not text:
            raise InvalidInput(f"name a {self.noun}")
        return text


Story = app_commands.Transform[str, Suggested("story", QueryService.complete_story)]
Company = app_commands.Transform[str, Suggested("company", QueryService.complete_company)]
Country = app_commands.Transform[str, Suggested("country", QueryService.complete_country)]
Feed = app_commands.Transform[str, Suggested("feed", QueryService.complete_feed)]
