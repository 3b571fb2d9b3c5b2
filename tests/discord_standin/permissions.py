"""Discord's permission bits and its channel-permission algorithm.

The stand-in computes permissions itself (instead of trusting the client) so a bot that posts
where it may not gets the same 403 it would get from Discord.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from typing import Any


class Permission(IntFlag):
    """The permission bits the stand-in checks or that tests commonly set."""

    CREATE_INSTANT_INVITE = 1 << 0
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38

    @classmethod
    def all(cls) -> Permission:
        """Every bit above: what an administrator or the guild owner has."""
        return ~cls(0)


NO_PERMISSIONS = Permission(0)


EVERYONE_DEFAULT = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.SEND_MESSAGES_IN_THREADS
)
"""Roughly what a new guild's @everyone role gets."""

BOT_DEFAULT = EVERYONE_DEFAULT | Permission.MANAGE_THREADS
"""What the bot's own role gets unless a test says otherwise: enough to post stories."""


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (``type`` 0) or a member (``type`` 1)."""

    id: int
    type: int
    allow: Permission = NO_PERMISSIONS
    deny: Permission = NO_PERMISSIONS

    def payload(self) -> dict[str, Any]:
        """The overwrite object."""
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(int(self.allow)),
            "deny": str(int(self.deny)),
        }


def channel_permissions(
    *,
    everyone: Permission,
    member_roles: dict[int, Permission],
    overwrites: list[Overwrite],
    guild_id: int,
    user_id: int,
    is_owner: bool,
) -> Permission:
    """Discord's order: base roles, then @everyone, role and member overwrites; no
    VIEW_CHANNEL means no permissions in the channel at all."""
    base = everyone
    for role_permissions in member_roles.values():
        base |= role_permissions
    if is_owner or base & Permission.ADMINISTRATOR:
        return Permission.all()
    by_id = {o.id: o for o in overwrites}
    if (everyone_overwrite := by_id.get(guild_id)) is not None:
        base = (base & ~everyone_overwrite.deny) | everyone_overwrite.allow
    allow, deny = NO_PERMISSIONS, NO_PERMISSIONS
    for role_id in member_roles:
        if (role_overwrite := by_id.get(role_id)) is not None and role_overwrite.type == 0:
            allow |= role_overwrite.allow
            deny |= role_overwrite.deny
    base = (base & ~deny) | allow
    if (member_overwrite := by_id.get(user_id)) is not None and member_overwrite.type == 1:
        base = (base & ~member_overwrite.deny) | member_overwrite.allow
    return base if base & Permission.VIEW_CHANNEL else NO_PERMISSIONS
