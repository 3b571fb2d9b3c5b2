"""Interactions: what the stand-in sends the bot, and Discord's rules for the answers.

An ``InteractionCall`` is the test's handle on one interaction: it records the callback, the
original message and follow-ups, and lets the test await them. ``Interactions`` enforces what
Discord enforces: one initial response per interaction, within the deadline (3 s on Discord),
of a type allowed for the interaction, and follow-ups only after that response.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from . import errors
from .errors import DiscordError
from .limits import EPHEMERAL, validate_autocomplete, validate_message
from .messages import LOADING, Upload, apply_edit, new_message
from .state import Channel, DiscordState, Guild, Json

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
ALLOWED_RESPONSES = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


@dataclass
class InteractionCall:
    """One interaction sent to the bot and everything the bot answered to it.

    ``response`` is the callback body the bot posted (``{"type": 4, "data": {...}}``),
    ``original`` the message that response produced or deferred, ``followups`` the follow-up
    messages. ``wait_final`` gives the message the member ends up seeing.
    """

    id: int
    token: str
    type: int
    payload: Json
    guild: Guild
    channel: Channel
    deadline: float
    state: DiscordState
    response: Json | None = None
    original: Json | None = None
    followups: list[Json] = field(default_factory=list)
    final: Json | None = None

    @property
    def deferred(self) -> bool:
        """Whether the first response was a deferral (thinking or deferred update)."""
        return self.response is not None and self.response["type"] in (
            DEFERRED_MESSAGE,
            DEFERRED_UPDATE,
        )

    @property
    def ephemeral(self) -> bool:
        """Whether the response was only for the invoking member."""
        data = (self.response or {}).get("data") or {}
        return bool(int(data.get("flags") or 0) & EPHEMERAL)

    @property
    def choices(self) -> list[Json]:
        """An autocomplete answer's choices (empty until answered)."""
        return ((self.response or {}).get("data") or {}).get("choices") or []

    async def wait_response(self) -> Json:
        """The initial callback body, once the bot has posted it."""
        return await self.state.changes.wait_for(lambda: self.response)

    async def wait_final(self) -> Json:
        """The message that settles the interaction: a direct reply or update, the first
        follow-up after a deferral, or an edit of the original response."""
        return await self.state.changes.wait_for(lambda: self.final)

    async def wait_followups(self, count: int = 1) -> list[Json]:
        """The follow-ups, once there are at least ``count``."""
        return await self.state.changes.wait_for(
            lambda: self.followups if len(self.followups) >= count else None
        )


class Interactions:
    """Creates interactions and applies the bot's answers to them."""

    def __init__(self, state: DiscordState, *, deadline: float) -> None:
        self.state = state
        self.deadline = deadline
        self.calls: dict[int, InteractionCall] = {}

    def create(
        self,
        kind: int,
        data: Json,
        *,
        guild: Guild,
        channel: Channel,
        user_id: int,
        permissions: int,
        message: Json | None = None,
    ) -> InteractionCall:
        """A new interaction from ``user_id``; its clock starts now."""
        member = guild.members[user_id].payload() | {"permissions": str(permissions)}
        bot_permissions = guild.permissions(self.state.bot_id, channel)
        payload: Json = {
            "id": str(self.state.ids.next()),
            "application_id": str(self.state.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "member": member,
            "token": f"interaction-{secrets.token_urlsafe(24)}",
            "version": 1,
            "app_permissions": str(int(bot_permissions)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message
        call = InteractionCall(
            id=int(payload["id"]),
            token=payload["token"],
            type=kind,
            payload=payload,
            guild=guild,
            channel=channel,
            deadline=asyncio.get_running_loop().time() + self.deadline,
            state=self.state,
        )
        self.calls[call.id] = call
        return call

    def by_token(self, token: str) -> InteractionCall | None:
        """The interaction whose token a webhook route names."""
        return next((c for c in self.calls.values() if c.token == token), None)

    def respond(
        self, interaction_id: int, token: str, body: Json, uploads: list[Upload], base_url: str
    ) -> Json:
        """Apply an initial response; answer Discord's interaction-callback response shape."""
        call = self.calls.get(interaction_id)
        now = asyncio.get_running_loop().time()
        if call is None or call.token != token or now > call.deadline:
            raise errors.not_found(errors.UNKNOWN_INTERACTION, "interaction")
        if call.response is not None:
            raise DiscordError(
                400, errors.ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
            )
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in ALLOWED_RESPONSES[call.type]:
            form = errors.FormErrors()
            form.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type")
            form.raise_if_any()
        if kind == AUTOCOMPLETE_RESULT:
            validate_autocomplete(body)
        elif kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            creating = kind == CHANNEL_MESSAGE
            validate_message(data, files=len(uploads), creating=creating, within=("data",))
        call.response = body
        message = self._apply_response(call, kind, data, uploads, base_url)
        resource: Json = {"type": kind}
        if message is not None:
            resource["message"] = message
        return {
            "interaction": {
                "id": str(call.id),
                "type": call.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == DEFERRED_MESSAGE,
                "response_message_ephemeral": call.ephemeral,
            },
            "resource": resource,
        }

    def _apply_response(
        self, call: InteractionCall, kind: int, data: Json, uploads: list[Upload], base_url: str
    ) -> Json | None:
        if kind in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
            ephemeral = int(data.get("flags") or 0) & EPHEMERAL
            body = data if kind == CHANNEL_MESSAGE else {"flags": ephemeral}
            message = self._message(call, body, uploads, base_url)
            if kind == DEFERRED_MESSAGE:
                message["flags"] |= LOADING
            else:
                call.final = message
            call.original = message
            return message
        if kind in (UPDATE_MESSAGE, DEFERRED_UPDATE):
            call.original = self.stored(call.payload["message"]["id"])
            if kind == UPDATE_MESSAGE and call.original is not None:
                self._edit(call, call.original, data, uploads, base_url)
                call.final = call.original
            return call.original if kind == UPDATE_MESSAGE else None
        return None

    def stored(self, message_id: str) -> Json | None:
        """A message by id: in a channel, or an ephemeral one held by an interaction."""
        found = self.state.find_message(int(message_id))
        held = (m for c in self.calls.values() for m in [c.original, *c.followups] if m)
        return found or next((m for m in held if m["id"] == message_id), None)

    def _message(self, call: InteractionCall, data: Json, uploads: list[Upload], base: str) -> Json:
        """A message from the bot's webhook; kept in the channel unless ephemeral."""
        extra = {
            "webhook_id": str(self.state.application_id),
            "application_id": str(self.state.application_id),
            "interaction_metadata": {
                "id": str(call.id),
                "type": call.type,
                "user": call.payload["member"]["user"],
                "authorizing_integration_owners": {"0": str(call.guild.id)},
            },
        }
        message = new_message(
            self.state,
            guild=call.guild,
            channel=call.channel,
            payload=data,
            uploads=uploads,
            base_url=base,
            extra=extra,
        )
        if not int(data.get("flags") or 0) & EPHEMERAL:
            self.state.messages[call.channel.id].append(message)
        return message

    def followup(self, call: InteractionCall, body: Json, uploads: list[Upload], base: str) -> Json:
        """Send a follow-up. After a thinking deferral the first one replaces the loading
        message, as on Discord; before any response there is no webhook yet (10015)."""
        if call.response is None or call.type == AUTOCOMPLETE:
            raise errors.not_found(errors.UNKNOWN_WEBHOOK, "Webhook")
        validate_message(body, files=len(uploads))
        loading = call.original if call.original and call.original["flags"] & LOADING else None
        if loading is not None:
            self._edit(call, loading, body, uploads, base)
            message = loading
        else:
            message = self._message(call, body, uploads, base)
        call.followups.append(message)
        call.final = call.final or message
        return message

    def find(self, call: InteractionCall, message_id: str) -> Json:
        """``@original`` or one of the call's follow-ups, else 10008."""
        if message_id == "@original" and call.original is not None:
            return call.original
        for message in [call.original, *call.followups]:
            if message is not None and message["id"] == message_id:
                return message
        raise errors.not_found(errors.UNKNOWN_MESSAGE, "Message")

    def edit(
        self, call: InteractionCall, message_id: str, body: Json, uploads: list[Upload], base: str
    ) -> Json:
        """Edit the original response or a follow-up; editing the original settles it."""
        message = self.find(call, message_id)
        validate_message(body, files=len(uploads), creating=False)
        self._edit(call, message, body, uploads, base)
        if message is call.original:
            call.final = message
        return message

    def delete(self, call: InteractionCall, message_id: str) -> None:
        """Delete the original response or a follow-up."""
        message = self.find(call, message_id)
        channel_messages = self.state.messages[call.channel.id]
        if message in channel_messages:
            channel_messages.remove(message)
        if message is call.original:
            call.original = None

    def _edit(
        self, call: InteractionCall, message: Json, body: Json, uploads: list[Upload], base: str
    ) -> None:
        """Edit in place; a message keeps its ephemerality whatever flags the edit sends."""
        ephemeral = int(message["flags"]) & EPHEMERAL
        apply_edit(
            self.state,
            message,
            body,
            uploads,
            guild=call.guild,
            channel=call.channel,
            base_url=base,
        )
        message["flags"] = (int(message["flags"]) & ~EPHEMERAL) | ephemeral
