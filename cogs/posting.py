"""Posting: runs the feed scheduler and drains the outbox into Discord channels.

The core decides what to post and records it in the outbox; this cog only turns an
outbox item into a Discord message (new post, edited post, stage reply) and classifies
Discord's answer as delivered, worth retrying, or a problem for the server's admins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import discord
from discord.ext import commands

from bot.app import App
from bot.delivery import Delivered, Delivery, DeliveryError, OutboxWorker
from bot.query.settings import GuildSettings, guild_settings
from bot.routing import GUILD_PREFIX
from bot.runtime import run_services
from bot.storage.database import now
from cogs.client import ExitWatchBot
from cogs.embeds import (
    event_ref,
    footer_marker,
    mark_flagged,
    stage_embed,
    stage_marker,
    story_embed,
)
from cogs.text import fit, one_line, safe
from cogs.views import story_view

log = logging.getLogger(__name__)

HISTORY_SCAN = 50
FORUM_SCAN = 10
THREAD_ARCHIVED = 50083  # Discord's JSON error code for a change inside an archived thread
THREAD_EXISTS = 160004  # Discord's JSON error code: this message has started a thread already
THREAD_NAME_LIMIT = 100
NONCE_TRUSTED = 60.0  # seconds: well within the "few minutes" Discord honours a nonce for


class NotPostable(Exception):
    """A channel id names something that holds no messages, such as a category."""

    def __init__(self, channel: object, channel_id: int) -> None:
        name, kind = getattr(channel, "name", "?"), getattr(channel, "type", "unknown")
        super().__init__(
            f"{name} ({channel_id}) is a {kind} channel, where ExitWatch cannot send "
            "messages; stories need a text or forum channel (see /settings channel)"
        )
        self.channel_id = channel_id


def guild_of(destination: str) -> int:
    """The guild id of a `guild:<id>` destination."""
    return int(destination.removeprefix(GUILD_PREFIX))


def thread_name(delivery: Delivery) -> str:
    """The name of an event's thread or forum post: its lead headline."""
    lead = delivery.sources[0] if delivery.sources else delivery.story
    ref = event_ref(delivery.sources, delivery.story)
    return fit(one_line(lead.title), THREAD_NAME_LIMIT) or f"Story #{ref}"


def must_look(delivery: Delivery, channel: object) -> bool:
    """Whether to look for this item's message before sending it.

    An earlier attempt may have reached Discord (a crash mid-send, a timeout or a 5xx after
    the message was stored), and resending is safe only where Discord catches the repeat
    itself: by the nonce, which it honours for a few minutes. Every earlier attempt came
    after the item was created, so a young item is covered; a forum post carries no nonce,
    and an interrupted send is always checked.
    """
    if not delivery.tried:
        return False
    if delivery.item.status == "sending" or isinstance(channel, discord.ForumChannel):
        return True
    return now() - delivery.item.created_at > NONCE_TRUSTED


def nonce_of(delivery: Delivery) -> str:
    """A nonce Discord enforces: a send repeated within minutes returns the first message.

    This covers what the outbox cannot see: discord.py retrying a create after a 5xx that
    Discord answered after storing the message. Unique per outbox item (at most 25 chars).
    """
    return f"exitwatch-{delivery.item.id}"


class DiscordSender:
    """Sends one outbox item to its guild, translating Discord errors for the worker."""

    def __init__(self, bot: ExitWatchBot) -> None:
        self._bot = bot

    async def send(self, delivery: Delivery) -> Delivered:
        """Post, edit or reply, according to the item's kind and what was posted before."""
        guild_id = guild_of(delivery.item.destination)
        settings = await self._settings(guild_id)
        try:
            if delivery.post is None:
                return await self._post(delivery, settings)
            if delivery.item.kind in ("post", "source"):
                # A "post" with a post already made: while it waited out a retry, a later
                # source of its event went first and posted the event; posting again would
                # double it, so bring that message up to date instead.
                return await self._add_source(delivery)
            return await self._stage(delivery, settings)
        except NotPostable as exc:
            raise await self._problem(guild_id, delivery, str(exc), exc.channel_id) from exc
        except discord.Forbidden as exc:
            problem = f"missing permission: {exc.text}"
            raise await self._problem(guild_id, delivery, problem) from exc
        except discord.NotFound as exc:
            problem = f"channel or message gone: {exc.text}"
            raise await self._problem(guild_id, delivery, problem) from exc
        except discord.HTTPException as exc:
            transient = exc.status >= 500 or exc.status == 429
            message = f"Discord answered {exc.status}: {exc.text}"
            raise DeliveryError(message, permanent=not transient) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            message = f"network problem reaching Discord: {exc}"
            raise DeliveryError(message, permanent=False) from exc

    async def _settings(self, guild_id: int) -> GuildSettings:
        config = self._bot.config
        return await guild_settings(
            self._bot.app.store, guild_id, config.discord.guilds.get(guild_id)
        )

    async def _post(self, delivery: Delivery, settings: GuildSettings) -> Delivered:
        event, story = delivery.event, delivery.story
        channel_id = delivery.item.channel_id or settings.channel_for(event.stage)
        if channel_id is None:
            raise DeliveryError(
                "no channel is set for stories in this server (use /settings channel)",
                permanent=True,
            )
        channel = await self._channel(channel_id, forum=True)
        ref = event_ref(delivery.sources, story)
        if must_look(delivery, channel):
            found = await self._find(channel, footer_marker(ref))
            if found is not None:
                log.info("delivery %d was posted by an earlier attempt", delivery.item.id)
                return await self._posted(delivery, settings, channel, found)
        lead = delivery.sources[0] if delivery.sources else story
        embed = story_embed(event, lead, delivery.sources)
        content, mentions = _mention(settings, event.stage, event.country)
        view = story_view(ref)
        if isinstance(channel, discord.ForumChannel):
            created = await channel.create_thread(
                name=thread_name(delivery),
                content=content,
                embed=embed,
                view=view,
                allowed_mentions=mentions,
                applied_tags=_forum_tags(channel, event.stage, event.country),
            )
            return Delivered(created.thread.id, created.message.id, created.thread.id)
        message = await channel.send(
            content=content,
            embed=embed,
            view=view,
            allowed_mentions=mentions,
            nonce=nonce_of(delivery),
        )
        return await self._posted(delivery, settings, channel, message)

    async def _posted(
        self,
        delivery: Delivery,
        settings: GuildSettings,
        channel: discord.abc.Messageable | discord.ForumChannel,
        message: discord.Message,
    ) -> Delivered:
        """Where a new (or found) post is; with a thread per event, its thread is opened now."""
        if isinstance(channel, discord.ForumChannel):
            return Delivered(message.channel.id, message.id, message.channel.id)
        thread_id = None
        if settings.thread_per_event and isinstance(channel, discord.TextChannel):
            thread_id = await self._open_thread(delivery, message)
        return Delivered(message.channel.id, message.id, thread_id)

    async def _open_thread(
        self, delivery: Delivery, message: discord.Message | discord.PartialMessage
    ) -> int | None:
        """The event's thread on its post, opened as a step of its own: the post exists by
        now, so failing here must neither fail the delivery nor send the post again. Without
        a thread, stage updates reply in the channel, and each one tries to open it again."""
        if message.thread is not None:
            return message.thread.id
        try:
            return (await message.create_thread(name=thread_name(delivery))).id
        except discord.Forbidden as exc:
            problem = (
                f"cannot open a thread for each event ({exc.text}): give ExitWatch Create "
                "Public Threads there; until then stage updates are replies in the channel"
            )
            guild_id = guild_of(delivery.item.destination)
            await self._report(guild_id, message.channel.id, problem)
        except discord.HTTPException as exc:
            if exc.code == THREAD_EXISTS:  # opened by an earlier try; it has the post's id
                return message.id
            log.warning("could not open the thread of message %d: %s", message.id, exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("could not open the thread of message %d: %s", message.id, exc)
        return None

    async def _add_source(self, delivery: Delivery) -> Delivered:
        """A new outlet for a posted event: edit the post in place (idempotent by nature)."""
        post = delivery.post
        assert post is not None and post.channel_id and post.message_id
        channel = await self._channel(post.channel_id)
        lead = delivery.sources[0] if delivery.sources else delivery.story
        embed = story_embed(delivery.event, lead, delivery.sources)
        if post.flagged:
            mark_flagged(embed)
        ref = event_ref(delivery.sources, delivery.story)
        message = channel.get_partial_message(post.message_id)
        try:
            await message.edit(embed=embed, view=story_view(ref))
        except discord.HTTPException as exc:
            if exc.code != THREAD_ARCHIVED or not isinstance(channel, discord.Thread):
                raise
            # A forum post's thread archives itself after days of quiet, and Discord
            # refuses edits inside it until it is reopened (Send Messages is enough).
            await channel.edit(archived=False)
            await message.edit(embed=embed, view=story_view(ref))
        return Delivered(post.channel_id, post.message_id, post.thread_id)

    async def _stage(self, delivery: Delivery, settings: GuildSettings) -> Delivered:
        """A stage change: update the post, then reply to it (or speak in its thread)."""
        post = delivery.post
        assert post is not None and post.channel_id and post.message_id
        await self._add_source(delivery)
        event, story = delivery.event, delivery.story
        thread_id = post.thread_id or await self._missing_thread(delivery, settings)
        target = await self._channel(thread_id or post.channel_id)
        ref = event_ref(delivery.sources, story)
        marker = stage_marker(ref, story.stage or event.stage)
        # A thread opened only now may follow an earlier try's reply in the channel, where
        # this try's nonce (sent in the thread) cannot catch it.
        if must_look(delivery, target) or (delivery.tried and thread_id != post.thread_id):
            places = {target.id: target, post.channel_id: await self._channel(post.channel_id)}
            for place in places.values():
                found = await self._find(place, marker)
                if found is not None:
                    return Delivered(found.channel.id, found.id, thread_id)
        reference = None
        if not thread_id:
            reference = discord.MessageReference(
                message_id=post.message_id, channel_id=post.channel_id, fail_if_not_exists=False
            )
        message = await target.send(
            embed=stage_embed(event, story, ref),
            reference=reference,
            allowed_mentions=discord.AllowedMentions.none(),
            nonce=nonce_of(delivery),
        )
        return Delivered(target.id, message.id, thread_id)

    async def _missing_thread(self, delivery: Delivery, settings: GuildSettings) -> int | None:
        """A thread per event that could not be opened with the post: try again."""
        post = delivery.post
        assert post is not None and post.channel_id and post.message_id
        if not settings.thread_per_event:
            return None
        channel = await self._channel(post.channel_id)
        if not isinstance(channel, discord.TextChannel):
            return None
        return await self._open_thread(delivery, channel.get_partial_message(post.message_id))

    async def _channel(self, channel_id: int, *, forum: bool = False) -> discord.abc.Messageable:
        """A channel that holds messages (or, with `forum`, a forum), else NotPostable: a
        category id in the settings would otherwise fail as an AttributeError deep in the
        sender, retried with no word to the server's admins."""
        channel = self._bot.get_channel(channel_id) or await self._bot.fetch_channel(channel_id)
        is_forum = isinstance(channel, discord.ForumChannel)
        if not (isinstance(channel, discord.abc.Messageable) or (forum and is_forum)):
            raise NotPostable(channel, channel_id)
        return channel  # type: ignore[return-value]

    async def _find(self, channel: discord.abc.Messageable, marker: str) -> discord.Message | None:
        """After an attempt that may have reached Discord: look for our own message carrying
        this footer marker."""
        if isinstance(channel, discord.ForumChannel):
            return await self._find_in_forum(channel, marker)
        async for message in channel.history(limit=HISTORY_SCAN):
            if self._is_marked(message, marker):
                return message
        return None

    async def _find_in_forum(
        self, forum: discord.ForumChannel, marker: str
    ) -> discord.Message | None:
        """A forum has no history of its own: each post is a thread whose starter message has
        the thread's id, so look at the starter messages of our newest posts there."""
        async for thread in self._own_threads(forum):
            try:
                starter = await thread.fetch_message(thread.id)
            except discord.NotFound:  # a moderator deleted the starter message
                continue
            if self._is_marked(starter, marker):
                return starter
        return None

    async def _own_threads(self, forum: discord.ForumChannel) -> AsyncIterator[discord.Thread]:
        """The bot's posts in a forum, newest first and at most FORUM_SCAN (each costs a
        request): active ones, where a post made just before a crash is, then recently
        archived ones, since an outage can outlast a post's auto-archive time."""
        me = self._bot.user.id  # type: ignore[union-attr]
        active = [
            thread
            for thread in await forum.guild.active_threads()
            if thread.parent_id == forum.id and thread.owner_id == me
        ]
        newest = sorted(active, key=lambda thread: thread.id, reverse=True)[:FORUM_SCAN]
        for thread in newest:
            yield thread
        if len(newest) < FORUM_SCAN:
            async for thread in forum.archived_threads(limit=FORUM_SCAN - len(newest)):
                if thread.owner_id == me:
                    yield thread

    def _is_marked(self, message: discord.Message, marker: str) -> bool:
        """Whether the bot wrote this message and an embed's footer starts with the marker."""
        if message.author.id != self._bot.user.id:  # type: ignore[union-attr]
            return False
        return any(
            embed.footer.text and embed.footer.text.startswith(marker) for embed in message.embeds
        )

    async def _problem(
        self, guild_id: int, delivery: Delivery, problem: str, channel_id: int | None = None
    ) -> DeliveryError:
        """Record a permanent problem; tell the admin channel the first time."""
        if channel_id is None:
            settings = await self._settings(guild_id)
            channel_id = (delivery.post.channel_id if delivery.post else None) or (
                settings.channel_for(delivery.event.stage) or 0
            )
        await self._report(guild_id, channel_id, problem)
        return DeliveryError(problem, permanent=True)

    async def _report(self, guild_id: int, channel_id: int, problem: str) -> None:
        """Record a problem for /settings show; tell the admin channel the first time."""
        settings = await self._settings(guild_id)
        first = await self._bot.app.store.settings.record_problem(guild_id, channel_id, problem)
        if first and settings.admin_channel:
            with contextlib.suppress(discord.HTTPException, aiohttp.ClientError, NotPostable):
                admin = await self._channel(settings.admin_channel)
                await admin.send(
                    f"ExitWatch has a problem in <#{channel_id}>: {safe(problem, 1500)}. "
                    "Fix the channel or its permissions, then see /settings show.",
                    allowed_mentions=discord.AllowedMentions.none(),
                )

    async def summarise_held(self, destination: str, held: list[Delivery]) -> None:
        """One message per day listing what the daily cap held back, edited as it grows."""
        guild_id = guild_of(destination)
        settings = await self._settings(guild_id)
        channel_id = settings.channel_for(None)
        if channel_id is None or not held:
            return
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        key = f"held_summary:{destination}:{day}"
        lines = [
            f"• Story #{event_ref(d.sources, d.story)}: {safe(one_line(d.story.title), 150)}"
            for d in held[-20:]
        ]
        text = fit(
            f"The daily limit of posts was reached; {len(held)} more stories are held back "
            "(see /exits latest):\n" + "\n".join(lines),
            2000,
        )
        store = self._bot.app.store
        existing = await store.settings.get_meta(key)
        try:
            channel = await self._channel(channel_id)
            if existing:
                await channel.get_partial_message(int(existing)).edit(content=text)
            else:
                message = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
                await store.settings.set_meta(key, str(message.id))
        except (discord.HTTPException, NotPostable) as exc:
            log.warning("could not post the held-back summary in guild %d: %s", guild_id, exc)


def _mention(
    settings: GuildSettings, stage: str, country: str
) -> tuple[str | None, discord.AllowedMentions]:
    """The role ping for a new post, if this server wants one for this story."""
    role = settings.mention_role
    if role is None or not settings.mentions(stage, country):
        return None, discord.AllowedMentions.none()
    return f"<@&{role}>", discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=role)], replied_user=False
    )


def _forum_tags(channel: discord.ForumChannel, stage: str, country: str) -> list[discord.ForumTag]:
    """Forum tags whose names match the stage or the country (case-insensitive)."""
    wanted = {stage.lower(), country.lower()}
    return [tag for tag in channel.available_tags if tag.name.lower() in wanted][:5]


class Posting(commands.Cog):
    """Background work: poll feeds on schedule and deliver the outbox to Discord."""

    def __init__(self, bot: ExitWatchBot) -> None:
        self.bot = bot
        self.app: App = bot.app
        self.worker = OutboxWorker(
            self.app.store,
            DiscordSender(bot),
            prefix=GUILD_PREFIX,
            daily_cap=self._daily_cap,
            metrics=self.app.metrics,
        )
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        """Start the background services once the bot is connected."""
        self._task = asyncio.create_task(self._run(), name="exitwatch-services")

    async def cog_unload(self) -> None:
        """Stop the services; storage writes are transactions, so nothing is half-done."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        await run_services(self.app, self.worker)

    async def _daily_cap(self, destination: str) -> int | None:
        guild_id = guild_of(destination)
        guilds = self.bot.config.discord.guilds
        settings = await guild_settings(self.app.store, guild_id, guilds.get(guild_id))
        return settings.daily_cap or self.bot.config.discord.daily_cap


async def setup(bot: ExitWatchBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Posting(bot))
