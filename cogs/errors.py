"""One place that turns any failure of a command or button into a short, private reply.

Domain errors (`bot.errors`) carry messages written for the member, so they are shown as
they are (escaped: they often quote what the member typed). Failed checks get a sentence
naming what is missing. Anything else is a bug: it is logged with the command, guild and
user, and the member gets a polite apology, never a traceback.

`respond` is the single way the cogs answer, so the error handler knows whether a real
answer was already given, and whether a deferral's "thinking…" placeholder must make way
for a private message.
"""

from __future__ import annotations

import contextlib
import logging
import math
from typing import Any

import discord
from discord import app_commands

from bot.errors import (
    ExitWatchError,
    FeedError,
    FetchFailed,
    FetchRefused,
    StorageError,
)
from cogs.text import fit, plain

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 2000
ANSWERED = "exitwatch.answered"
APOLOGY = (
    "Sorry, something went wrong while answering that. It has been logged; "
    "please try again in a moment."
)
STORAGE_BUSY = "The story database is busy right now; please try again in a moment."
# Discord's codes for an interaction that can no longer be answered: the first answer came
# after its 3-second deadline (10062 Unknown interaction), or a follow-up after the token's
# 15 minutes (50027 Invalid webhook token).
EXPIRED_CODES = frozenset({10062, 50027})
PERMISSION_NAMES = {"manage_guild": "Manage Server", "manage_messages": "Manage Messages"}


async def respond(
    interaction: discord.Interaction, content: str | None = None, **kwargs: Any
) -> None:
    """Answer an interaction: the initial response if none was sent yet, else a follow-up.

    Only the keyword arguments given are passed on (discord.py treats an explicit None
    file or view differently from an absent one).
    """
    if content is not None:
        kwargs["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)
    interaction.extras[ANSWERED] = True


def install_error_handler(bot: discord.Client) -> None:
    """Make `handle_error` the command tree's error handler (safe to call more than once)."""
    bot.tree.on_error = handle_error  # type: ignore[attr-defined]


async def handle_error(interaction: discord.Interaction, error: Exception) -> None:
    """Answer privately with what went wrong; log what is not the member's doing.

    An expired interaction is not a bug in the command and cannot be answered at all (any
    reply fails the same way), so it gets one plain warning instead of a traceback.
    """
    cause = unwrap(error)
    if isinstance(cause, discord.HTTPException) and cause.code in EXPIRED_CODES:
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        log.warning(
            "%s expired before ExitWatch answered (%.1fs after the member sent it; Discord "
            "allows 3s for the first answer, 15 minutes for follow-ups): %s",
            action_name(interaction),
            age,
            cause.text,
        )
        return
    message = explain(cause)
    if message is None:
        log.error(
            "unexpected error in %s (guild %s, user %s)",
            action_name(interaction),
            interaction.guild_id,
            interaction.user.id,
            exc_info=cause,
        )
        message = APOLOGY
    elif isinstance(cause, StorageError):
        log.warning("storage error in %s: %s", action_name(interaction), cause)
    await send_private(interaction, message)


def unwrap(error: BaseException) -> BaseException:
    """The error a command actually raised, out of discord.py's invoke/transform wrappers."""
    if isinstance(error, app_commands.CommandInvokeError):
        return unwrap(error.original)
    if isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        return unwrap(error.__cause__)
    return error


def explain(error: BaseException) -> str | None:
    """The member-facing sentence for an expected error; None for a bug."""
    if isinstance(error, StorageError):
        return STORAGE_BUSY
    if isinstance(error, ExitWatchError):
        return _domain(error)
    if isinstance(error, app_commands.CheckFailure):
        return _check(error)
    if isinstance(error, app_commands.TransformerError):
        return f"{plain(str(error.value))[:200]} is not a valid value for that option."
    return None


def _domain(error: ExitWatchError) -> str:
    text = _sentence(str(error))
    if isinstance(error, FetchRefused):
        return f"That address is not allowed: {text}"
    if isinstance(error, FetchFailed):
        return f"Could not fetch it: {text}"
    if isinstance(error, FeedError):
        return f"That could not be read as a feed: {text}"
    return text


def _check(error: app_commands.CheckFailure) -> str:
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permissions(error.missing_permissions)} permission for this."
    if isinstance(error, app_commands.BotMissingPermissions):
        needed = _permissions(error.missing_permissions)
        return f"I need the {needed} permission here to do that."
    if isinstance(error, app_commands.CommandOnCooldown):
        seconds = max(1, math.ceil(error.retry_after))
        return f"Slow down: try again in {seconds} second{'s' if seconds != 1 else ''}."
    return "You cannot use this here."


def _permissions(names: list[str]) -> str:
    labels = [PERMISSION_NAMES.get(n, n.replace("_", " ").title()) for n in names]
    return " and ".join(labels)


def _sentence(text: str) -> str:
    """Escaped, capitalised, and short enough for one message."""
    text = plain(text.strip()) or "That did not work."
    return fit(text[0].upper() + text[1:], MESSAGE_LIMIT - 100)


def action_name(interaction: discord.Interaction) -> str:
    """What the member used: `/exits story`, or the button's custom id."""
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data = interaction.data or {}
    return f"component {data.get('custom_id', '?')}"


async def send_private(interaction: discord.Interaction, message: str) -> None:
    """Send `message` only to the member, whatever the interaction's state.

    After a public "thinking…" deferral the first follow-up would inherit its visibility,
    so the placeholder is deleted first and the message sent as a private follow-up.
    """
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True)
            return
        if _awaits_answer(interaction):
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
        await interaction.followup.send(message, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning(
            "could not tell the member about an error in %s: %s", action_name(interaction), exc
        )


def _awaits_answer(interaction: discord.Interaction) -> bool:
    """A "thinking…" deferral that no answer has replaced yet."""
    deferred = interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    return deferred and not interaction.extras.get(ANSWERED)
