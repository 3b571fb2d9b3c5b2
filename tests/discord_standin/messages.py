"""Message objects as Discord stores and returns them: ids, author, attachments, mentions.

Mentions are resolved the way Discord does (``allowed_mentions`` and the MENTION_EVERYONE
permission decide), so a test can assert that a headline containing ``@everyone`` pinged no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .permissions import Permission
from .state import Channel, DiscordState, Guild, Json, timestamp

LOADING = 1 << 7
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_MESSAGE_FIELDS = ("content", "embeds", "components", "flags", "poll", "sticker_ids")


@dataclass
class Upload:
    """A file from a multipart body: its name, type and bytes."""

    filename: str
    content_type: str
    data: bytes


def new_message(
    state: DiscordState,
    *,
    guild: Guild,
    channel: Channel,
    payload: Json,
    uploads: list[Upload],
    base_url: str,
    extra: Json | None = None,
) -> Json:
    """Build (but do not store) the message a create call produces."""
    message: Json = {
        "id": str(state.ids.next()),
        "channel_id": str(channel.id),
        "guild_id": str(guild.id),
        "author": state.bot_user,
        "content": "",
        "timestamp": timestamp(),
        "edited_timestamp": None,
        "tts": False,
        "embeds": [],
        "components": [],
        "attachments": [],
        "pinned": False,
        "type": 19 if payload.get("message_reference") else 0,
        "flags": 0,
    }
    if payload.get("message_reference"):
        message["message_reference"] = payload["message_reference"]
    if payload.get("nonce"):
        message["nonce"] = str(payload["nonce"])
    message |= extra or {}
    apply_edit(state, message, payload, uploads, guild=guild, channel=channel, base_url=base_url)
    message["edited_timestamp"] = None
    return message


def apply_edit(
    state: DiscordState,
    message: Json,
    payload: Json,
    uploads: list[Upload],
    *,
    guild: Guild,
    channel: Channel,
    base_url: str,
) -> None:
    """Apply the fields a create or edit body sets; absent fields stay as they were."""
    for key in _MESSAGE_FIELDS:
        if key in payload and payload[key] is not None:
            message[key] = payload[key]
    message["embeds"] = [{"type": "rich", **embed} for embed in message.get("embeds") or []]
    if "attachments" in payload or uploads:
        message["attachments"] = _attachments(state, message, payload, uploads, base_url)
    message["flags"] = int(message.get("flags") or 0) & ~LOADING
    can_ping_all = bool(guild.permissions(state.bot_id, channel) & Permission.MENTION_EVERYONE)
    message |= _mentions(message["content"], payload.get("allowed_mentions"), guild, can_ping_all)
    message["edited_timestamp"] = timestamp()


def _attachments(
    state: DiscordState, message: Json, payload: Json, uploads: list[Upload], base_url: str
) -> list[Json]:
    """Existing attachments the body keeps (by id) plus one per uploaded file."""
    kept_ids = {str(a.get("id")) for a in payload.get("attachments") or []}
    kept = [a for a in message.get("attachments") or [] if a["id"] in kept_ids]
    for upload in uploads:
        attachment_id = state.ids.next()
        state.files[attachment_id] = upload.data
        kept.append(
            {
                "id": str(attachment_id),
                "filename": upload.filename,
                "size": len(upload.data),
                "content_type": upload.content_type,
                "url": f"{base_url}/attachments/{attachment_id}/{upload.filename}",
                "proxy_url": f"{base_url}/attachments/{attachment_id}/{upload.filename}",
            }
        )
    return kept


def _mentions(
    content: str, allowed: dict[str, Any] | None, guild: Guild, can_ping_all: bool
) -> Json:
    """Who a message really pings. Without ``allowed_mentions`` Discord parses everything."""
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    listed_users = {str(u) for u in (allowed or {}).get("users") or []}
    listed_roles = {str(r) for r in (allowed or {}).get("roles") or []}
    users = [
        guild.members[int(uid)].user
        for uid in dict.fromkeys(_USER_MENTION.findall(content))
        if int(uid) in guild.members and ("users" in parse or uid in listed_users)
    ]
    roles = [
        rid
        for rid in dict.fromkeys(_ROLE_MENTION.findall(content))
        if int(rid) in guild.roles and can_ping_all and ("roles" in parse or rid in listed_roles)
    ]
    pings_all = "@everyone" in content or "@here" in content
    return {
        "mentions": users,
        "mention_roles": roles,
        "mention_everyone": pings_all and can_ping_all and "everyone" in parse,
    }
