"""What the stand-in's Discord knows: ids, the bot, guilds, channels, messages and commands.

Payload-shaped data stays as plain dicts in Discord's JSON shape, because that is what both the
client and the tests read; the small dataclasses only hold what the stand-in needs to decide
things (permissions, which channel belongs to which guild).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from .permissions import (
    BOT_DEFAULT,
    EVERYONE_DEFAULT,
    Overwrite,
    Permission,
    channel_permissions,
)

Json = dict[str, Any]
T = TypeVar("T")

DISCORD_EPOCH_MS = 1_420_070_400_000
TEXT_CHANNEL = 0
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
FORUM = 15
REQUIRE_TAG = 1 << 4
NONCE_LIFETIME = 180.0


class Changes:
    """Lets the control API await a condition on state that REST handlers change.

    Every wait is bounded by ``limit`` so a test whose bot never answers fails instead of
    hanging; wrap a call in ``asyncio.timeout`` for a tighter bound.
    """

    def __init__(self, limit: float) -> None:
        self._condition = asyncio.Condition()
        self.limit = limit

    async def notify(self) -> None:
        """Wake every waiter so it re-checks its condition."""
        async with self._condition:
            self._condition.notify_all()

    async def wait_for(self, predicate: Callable[[], T | None]) -> T:
        """The first truthy result of ``predicate``, checked now and after every change."""
        async with asyncio.timeout(self.limit), self._condition:
            return await self._condition.wait_for(predicate)


class Snowflakes:
    """Issues real-looking, increasing snowflakes; discord.py derives creation times from them."""

    def __init__(self) -> None:
        self._increment = itertools.count()

    def next(self) -> int:
        """A new id whose timestamp part is now."""
        now_ms = int(time.time() * 1000)
        return ((now_ms - DISCORD_EPOCH_MS) << 22) | (next(self._increment) % 4096)


def timestamp() -> str:
    """Now, in the ISO 8601 form Discord uses in payloads."""
    return datetime.now(UTC).isoformat()


def user_payload(user_id: int, name: str, *, bot: bool = False) -> Json:
    """A user object as Discord sends it."""
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


@dataclass
class Role:
    """A guild role; the @everyone role shares the guild's id, as on Discord."""

    id: int
    name: str
    permissions: Permission
    position: int = 0

    def payload(self) -> Json:
        """The role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(int(self.permissions)),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass
class Member:
    """A guild member: a user plus role ids."""

    user: Json
    roles: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The member's user id."""
        return int(self.user["id"])

    def payload(self) -> Json:
        """The guild member object."""
        return {
            "user": self.user,
            "roles": [str(r) for r in self.roles],
            "joined_at": timestamp(),
            "nick": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }


@dataclass
class Channel:
    """A text channel, forum or thread. Threads take their permissions from their parent.

    ``applied_tags`` is set only on a forum post (a thread in a forum), as Discord sends it.
    """

    id: int
    guild_id: int
    name: str
    type: int = TEXT_CHANNEL
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    auto_archive_duration: int = 1440
    flags: int = 0
    available_tags: list[Json] = field(default_factory=list)
    applied_tags: list[str] | None = None
    archived: bool = False
    created_at: str = field(default_factory=timestamp)
    archive_timestamp: str = field(default_factory=timestamp)

    @property
    def is_thread(self) -> bool:
        """Whether this is a public or private thread."""
        return self.type in (PUBLIC_THREAD, PRIVATE_THREAD)

    @property
    def is_forum(self) -> bool:
        """Whether this is a forum, where only threads (posts) can be created."""
        return self.type == FORUM

    def payload(self, message_count: int = 0) -> Json:
        """The channel object; forums and threads carry Discord's fields for them."""
        data: Json = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "name": self.name,
            "type": self.type,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "parent_id": None if self.parent_id is None else str(self.parent_id),
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": self.flags,
        }
        if self.is_forum:
            data |= {
                "available_tags": self.available_tags,
                "default_auto_archive_duration": self.auto_archive_duration,
                "default_thread_rate_limit_per_user": 0,
                "default_reaction_emoji": None,
                "default_sort_order": None,
                "default_forum_layout": 0,
            }
        if self.is_thread:
            data |= self._thread_fields(message_count)
        return data

    def _thread_fields(self, message_count: int) -> Json:
        """Discord's thread fields; only a forum post carries ``applied_tags``."""
        fields: Json = {
            "owner_id": str(self.owner_id),
            "message_count": message_count,
            "total_message_sent": message_count,
            "member_count": 1,
            "thread_metadata": {
                "archived": self.archived,
                "auto_archive_duration": self.auto_archive_duration,
                "archive_timestamp": self.archive_timestamp,
                "locked": False,
                "create_timestamp": self.created_at,
            },
        }
        if self.applied_tags is not None:
            fields["applied_tags"] = self.applied_tags
        return fields


@dataclass
class Guild:
    """A guild with its roles, channels and members; look channels up by name with ``channel``."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    def channel(self, name: str) -> Channel:
        """The channel (or thread) called ``name``."""
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"no channel named {name!r} in guild {self.name!r}")

    def threads(self, parent: Channel | None = None) -> list[Channel]:
        """The guild's threads (archived ones too), or those of one channel or forum."""
        return [
            c
            for c in self.channels.values()
            if c.is_thread and (parent is None or c.parent_id == parent.id)
        ]

    def role(self, name: str) -> Role:
        """The role called ``name`` (``"@everyone"`` for the default role)."""
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r} in guild {self.name!r}")

    def permissions(self, user_id: int, channel: Channel) -> Permission:
        """What ``user_id`` may do in ``channel``, the way Discord computes it."""
        if channel.is_thread and channel.parent_id is not None:
            channel = self.channels[channel.parent_id]
        member = self.members[user_id]
        return channel_permissions(
            everyone=self.roles[self.id].permissions,
            member_roles={r: self.roles[r].permissions for r in member.roles},
            overwrites=channel.overwrites,
            guild_id=self.id,
            user_id=user_id,
            is_owner=user_id == self.owner_id,
        )

    def base_permissions(self, user_id: int) -> Permission:
        """Guild-wide permissions of ``user_id``, as sent in an interaction's member object."""
        member = self.members[user_id]
        if user_id == self.owner_id:
            return Permission.all()
        total = self.roles[self.id].permissions
        for role_id in member.roles:
            total |= self.roles[role_id].permissions
        return Permission.all() if total & Permission.ADMINISTRATOR else total

    def payload(self) -> Json:
        """The GUILD_CREATE payload. ``member_count`` equals the members sent, so discord.py
        considers the guild chunked and does not wait for member chunks."""
        return {
            "id": str(self.id),
            "name": self.name,
            "owner_id": str(self.owner_id),
            "icon": None,
            "unavailable": False,
            "large": False,
            "member_count": len(self.members),
            "roles": [r.payload() for r in self.roles.values()],
            "channels": [c.payload() for c in self.channels.values() if not c.is_thread],
            "threads": [c.payload() for c in self.threads() if not c.archived],
            "members": [m.payload() for m in self.members.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "joined_at": timestamp(),
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
        }


@dataclass
class RecordedRequest:
    """One REST call as the stand-in saw it; ``route`` is the template, e.g.
    ``POST /channels/{channel_id}/messages``, so assertions need not know ids."""

    method: str
    path: str
    route: str
    query: dict[str, str]
    body: Any
    status: int = 0
    files: list[str] = field(default_factory=list)


class DiscordState:
    """Everything the stand-in's Discord holds. REST, gateway and the control API share one."""

    def __init__(self, *, token: str, bot_name: str, wait_limit: float) -> None:
        self.token = token
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot_user = user_payload(self.application_id, bot_name, bot=True)
        self.owner_user = user_payload(self.ids.next(), "app-owner")
        self.guilds: dict[int, Guild] = {}
        self.messages: dict[int, list[Json]] = {}
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}
        self.requests: list[RecordedRequest] = []
        self.files: dict[int, bytes] = {}
        self.changes = Changes(wait_limit)
        # Discord honours a message nonce for "the past few minutes"; a test shortens it.
        self.nonce_lifetime = NONCE_LIFETIME

    @property
    def bot_id(self) -> int:
        """The bot user's id (equal to the application id, as for modern Discord apps)."""
        return self.application_id

    def add_guild(
        self,
        name: str,
        channels: list[str],
        *,
        bot_permissions: Permission = BOT_DEFAULT,
        everyone_permissions: Permission = EVERYONE_DEFAULT,
        members: list[str],
    ) -> Guild:
        """Create a guild with an owner, the bot (with its own role) and the named members."""
        owner = user_payload(self.ids.next(), "guild-owner")
        guild = Guild(id=self.ids.next(), name=name, owner_id=int(owner["id"]))
        guild.roles[guild.id] = Role(guild.id, "@everyone", everyone_permissions)
        bot_role = Role(self.ids.next(), self.bot_user["username"], bot_permissions, position=1)
        guild.roles[bot_role.id] = bot_role
        guild.members[guild.owner_id] = Member(owner)
        guild.members[self.bot_id] = Member(self.bot_user, roles=[bot_role.id])
        for member_name in members:
            user = user_payload(self.ids.next(), member_name)
            guild.members[int(user["id"])] = Member(user)
        for position, channel_name in enumerate(channels):
            self.add_channel(guild, channel_name, position=position)
        self.guilds[guild.id] = guild
        return guild

    def add_channel(
        self, guild: Guild, name: str, *, channel_id: int | None = None, **fields: Any
    ) -> Channel:
        """Add a text channel (or, with ``type``/``parent_id``, a thread) to ``guild``."""
        channel = Channel(id=channel_id or self.ids.next(), guild_id=guild.id, name=name, **fields)
        guild.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def add_forum(
        self, guild: Guild, name: str, *, tags: list[str], require_tag: bool = False
    ) -> Channel:
        """Add a forum with the named tags; ``require_tag`` sets its REQUIRE_TAG flag."""
        available = [
            {
                "id": str(self.ids.next()),
                "name": tag,
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            }
            for tag in tags
        ]
        return self.add_channel(
            guild,
            name,
            type=FORUM,
            position=len(guild.channels),
            flags=REQUIRE_TAG if require_tag else 0,
            available_tags=available,
        )

    def find_channel(self, channel_id: int) -> tuple[Guild, Channel] | None:
        """The guild and channel for ``channel_id``, if it exists."""
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild, guild.channels[channel_id]
        return None

    def find_message(self, message_id: int) -> Json | None:
        """A stored message by id, in any channel."""
        for channel_messages in self.messages.values():
            for message in channel_messages:
                if message["id"] == str(message_id):
                    return message
        return None

    def commands(self, guild_id: int | None = None) -> list[Json]:
        """The registered global commands, or those of one guild."""
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])
