"""``DiscordStandIn``: the server on 127.0.0.1 and the control API tests drive it with."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Protocol, Self

from aiohttp import web

from .faults import Fault, Faults
from .gateway import PRIVILEGED, Gateway
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    InteractionCall,
    Interactions,
)
from .invocation import InvocationRefused, command_data
from .permissions import BOT_DEFAULT, EVERYONE_DEFAULT, NO_PERMISSIONS, Overwrite, Permission
from .rest import API, RestApi
from .state import Channel, DiscordState, Guild, Json, RecordedRequest, timestamp


class HasValue(Protocol):
    """Anything carrying permission bits in ``.value``, such as ``discord.Permissions``."""

    value: int


PermissionsLike = int | HasValue


class DiscordStandIn:
    """A local Discord for one test: REST under ``/api/v10`` and a gateway, on a free port.

    Use as ``async with DiscordStandIn() as discord_api:``; point the bot at
    ``discord_api.api_base_url``. Set up guilds before the bot connects.
    """

    def __init__(
        self,
        *,
        token: str = "test-token",
        bot_name: str = "ExitWatch",
        response_deadline: float = 3.0,
        heartbeat_interval: float = 41.25,
        privileged_intents: int = PRIVILEGED,
        wait_limit: float = 10.0,
    ) -> None:
        """``response_deadline`` is Discord's 3 s to answer an interaction (shorten it to test
        lateness quickly); ``privileged_intents`` are those enabled "in the portal";
        ``wait_limit`` bounds every ``wait_*`` so a silent bot fails the test, not hangs it."""
        self.state = DiscordState(token=token, bot_name=bot_name, wait_limit=wait_limit)
        self._closing = asyncio.Event()
        self._faults = Faults(self._closing)
        self.gateway = Gateway(
            self.state,
            heartbeat_interval=heartbeat_interval,
            privileged_intents=privileged_intents,
        )
        self.interactions = Interactions(self.state, deadline=response_deadline)
        self._rest = RestApi(self.state, self.gateway, self.interactions, self._faults)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> Self:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application(middlewares=[self._rest.middleware])
        app.add_routes(self._rest.routes())
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self.url = f"http://127.0.0.1:{port}"
        self._rest.base_url = self.url
        self.gateway.url = f"ws://127.0.0.1:{port}/gateway"
        return self

    async def stop(self) -> None:
        """Release hanging requests, close gateway connections and stop listening."""
        self._closing.set()
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_base_url(self) -> str:
        """What the bot's ``discord.api_base_url`` should be."""
        return self.url + API

    @property
    def gateway_url(self) -> str:
        """The websocket URL ``/gateway/bot`` answers."""
        return self.gateway.url

    @property
    def response_deadline(self) -> float:
        """Seconds the bot has to answer an interaction (3 on Discord)."""
        return self.interactions.deadline

    @response_deadline.setter
    def response_deadline(self, seconds: float) -> None:
        """Applies to interactions created from now on."""
        self.interactions.deadline = seconds

    @property
    def nonce_lifetime(self) -> float:
        """Seconds a message nonce is honoured (Discord says "the past few minutes")."""
        return self.state.nonce_lifetime

    @nonce_lifetime.setter
    def nonce_lifetime(self, seconds: float) -> None:
        """A repeated nonce older than this creates a new message, as on Discord."""
        self.state.nonce_lifetime = seconds

    @property
    def application_id(self) -> int:
        """The application's id, which is also the bot user's id."""
        return self.state.application_id

    # -- world setup -------------------------------------------------------------------------

    def add_guild(
        self,
        name: str = "Newsroom",
        channels: Iterable[str] = ("general",),
        *,
        members: Iterable[str] = ("reader",),
        bot_permissions: Permission = BOT_DEFAULT,
        everyone_permissions: Permission = EVERYONE_DEFAULT,
    ) -> Guild:
        """A guild with text channels, an owner, the bot (own role with ``bot_permissions``)
        and plain members. ``guild.channel("news")`` finds a channel by name."""
        return self.state.add_guild(
            name,
            list(channels),
            members=list(members),
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
        )

    def add_forum(
        self, guild: Guild, name: str, *, tags: Iterable[str] = (), require_tag: bool = False
    ) -> Channel:
        """A forum in ``guild`` whose ``available_tags`` are named ``tags``; with
        ``require_tag`` a post without a tag is refused (40067). Add it before the bot
        connects, like a guild."""
        return self.state.add_forum(guild, name, tags=list(tags), require_tag=require_tag)

    async def remove_bot(self, guild: Guild) -> None:
        """The bot is kicked (or the server deleted): the guild is gone from the world and
        GUILD_DELETE, without ``unavailable``, tells the bot it left for good."""
        del self.state.guilds[guild.id]
        await self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    async def archive_thread(self, thread: Channel) -> None:
        """Archive a thread, as Discord does after its auto-archive time (or a moderator
        does): it leaves the active list for the archived one; THREAD_UPDATE tells the bot."""
        thread.archived = True
        thread.archive_timestamp = timestamp()
        await self.gateway.dispatch("THREAD_UPDATE", thread.payload())

    async def set_bot_permissions(
        self,
        channel: Channel,
        *,
        allow: Permission = NO_PERMISSIONS,
        deny: Permission = NO_PERMISSIONS,
    ) -> None:
        """Overwrite the bot's permissions in one channel (and tell a connected bot)."""
        channel.overwrites = [o for o in channel.overwrites if o.id != self.state.bot_id]
        channel.overwrites.append(Overwrite(self.state.bot_id, 1, allow=allow, deny=deny))
        await self.gateway.dispatch("CHANNEL_UPDATE", channel.payload())

    # -- waiting for the bot -----------------------------------------------------------------

    async def wait_until_ready(self) -> None:
        """Until a bot has identified and been sent READY and every GUILD_CREATE. (discord.py
        fires ``on_ready`` ``guild_ready_timeout`` later, 2 s by default.)"""
        async with asyncio.timeout(self.state.changes.limit):
            await self.gateway.ready.wait()

    async def reconnect(self) -> None:
        """Send op 7 RECONNECT and wait until the bot has resumed its session."""
        await self.gateway.reconnect(self.state.changes.limit)

    async def disconnect(self, *, resumable: bool = True) -> None:
        """Cut the bot's gateway connection (no close frame, as a network failure would) and
        wait until it is back: resumed, or, with ``resumable=False`` (the session expired, so
        its RESUME is answered op 9), identified anew and sent every GUILD_CREATE."""
        await self.gateway.disconnect(self.state.changes.limit, resumable=resumable)

    async def wait_for_requests(
        self,
        method: str | None = None,
        route: str | None = None,
        predicate: Callable[[RecordedRequest], bool] = lambda request: True,
        *,
        count: int = 1,
    ) -> list[RecordedRequest]:
        """The answered REST calls of ``method`` and ``route`` (template or exact path) that
        match ``predicate``, once there are at least ``count`` (past ones included)."""

        def match() -> list[RecordedRequest] | None:
            found = [r for r in self.requests(method, route) if r.status and predicate(r)]
            return found if len(found) >= count else None

        return await self.state.changes.wait_for(match)

    # -- interactions ------------------------------------------------------------------------

    async def invoke(
        self,
        command: str,
        *,
        options: dict[str, Any] | None = None,
        guild: Guild | None = None,
        channel: Channel | None = None,
        user: str | int | None = None,
        permissions: PermissionsLike | None = None,
        bypass_default_permissions: bool = False,
    ) -> InteractionCall:
        """Run a slash command as a member: ``invoke("exits latest", options={"count": 3})``.

        The payload follows the registered command, and, like Discord, a member without the
        command's ``default_member_permissions`` cannot send it (``InvocationRefused``) unless
        ``bypass_default_permissions`` stands for an admin's per-command override.
        """
        guild, channel, user_id, granted = self._context(guild, channel, user, permissions)
        data, registered = command_data(self.state, guild, command, options or {}, user_id=user_id)
        required = registered.get("default_member_permissions")
        if required is not None and not bypass_default_permissions:
            needed = Permission(int(required))
            is_admin = bool(granted & Permission.ADMINISTRATOR)
            if not is_admin and (needed == 0 or needed & ~granted):
                raise InvocationRefused(f"/{command} needs {needed!r}, which this member lacks")
        return await self._send(APPLICATION_COMMAND, data, guild, channel, user_id, granted)

    async def autocomplete(
        self,
        command: str,
        option: str,
        typed: str,
        *,
        options: dict[str, Any] | None = None,
        guild: Guild | None = None,
        channel: Channel | None = None,
        user: str | int | None = None,
    ) -> InteractionCall:
        """Ask for suggestions while ``typed`` is in ``option``; read ``await
        call.wait_response()`` then ``call.choices``."""
        guild, channel, user_id, granted = self._context(guild, channel, user, None)
        values = dict(options or {}) | {option: typed}
        data, _ = command_data(self.state, guild, command, values, user_id=user_id, focused=option)
        return await self._send(AUTOCOMPLETE, data, guild, channel, user_id, granted)

    async def click(
        self,
        message: Json,
        custom_id: str,
        *,
        user: str | int | None = None,
        values: list[str] | None = None,
    ) -> InteractionCall:
        """Click the button (or choose ``values`` in the select) ``custom_id`` of ``message``,
        which must carry that component, as on Discord."""
        component = _component(message, custom_id)
        found = self.state.find_channel(int(message["channel_id"]))
        if component is None or found is None:
            raise InvocationRefused(f"message {message['id']} has no component {custom_id!r}")
        guild, channel = found
        guild, channel, user_id, granted = self._context(guild, channel, user, None)
        data: Json = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        current = self.interactions.stored(message["id"]) or message
        return await self._send(
            MESSAGE_COMPONENT, data, guild, channel, user_id, granted, message=current
        )

    def _context(
        self,
        guild: Guild | None,
        channel: Channel | None,
        user: str | int | None,
        permissions: PermissionsLike | None,
    ) -> tuple[Guild, Channel, int, Permission]:
        """Defaults: the only guild, its first channel, its first plain member, whose
        permissions are computed in that channel (as Discord sends them)."""
        if guild is None:
            if len(self.state.guilds) != 1:
                raise ValueError("pass guild= when there is not exactly one guild")
            guild = next(iter(self.state.guilds.values()))
        channel = channel or next(iter(guild.channels.values()))
        plain = [
            m for m in guild.members.values() if m.id not in (guild.owner_id, self.state.bot_id)
        ]
        if user is None:
            member = plain[0] if plain else guild.members[guild.owner_id]
        else:
            named = (m for m in guild.members.values() if user in (m.id, m.user["username"]))
            member = next(named, None)
            if member is None:
                raise ValueError(f"no member {user!r} in guild {guild.name!r}")
        if permissions is None:
            granted = guild.permissions(member.id, channel)
        else:
            bits = permissions if isinstance(permissions, int) else permissions.value
            granted = Permission(bits)
        return guild, channel, member.id, granted

    async def _send(
        self,
        kind: int,
        data: Json,
        guild: Guild,
        channel: Channel,
        user_id: int,
        granted: Permission,
        message: Json | None = None,
    ) -> InteractionCall:
        if self.gateway.live is None or self.gateway.live.connection is None:
            raise RuntimeError("no bot is connected to the gateway")
        call = self.interactions.create(
            kind,
            data,
            guild=guild,
            channel=channel,
            user_id=user_id,
            permissions=int(granted),
            message=message,
        )
        await self.gateway.dispatch("INTERACTION_CREATE", call.payload)
        return call

    # -- what the bot did --------------------------------------------------------------------

    def messages(self, channel: Channel | int) -> list[Json]:
        """The channel's messages, oldest first (ephemeral replies are only on their call)."""
        channel_id = channel if isinstance(channel, int) else channel.id
        return list(self.state.messages[channel_id])

    async def wait_for_message(
        self,
        predicate: Callable[[Json], bool] = lambda message: True,
        *,
        channel: Channel | int | None = None,
    ) -> Json:
        """The first stored message (existing or new, in ``channel`` or any) matching."""

        def match() -> Json | None:
            if channel is None:
                pool = [m for ms in self.state.messages.values() for m in ms]
            else:
                pool = self.messages(channel)
            return next((m for m in pool if predicate(m)), None)

        return await self.state.changes.wait_for(match)

    def threads(self, channel: Channel | int) -> list[Channel]:
        """The threads (a forum's posts) of a channel, oldest first, archived ones too."""
        channel_id = channel if isinstance(channel, int) else channel.id
        found = self.state.find_channel(channel_id)
        if found is None:
            raise KeyError(f"no channel {channel_id}")
        guild, parent = found
        return guild.threads(parent)

    def commands(self, guild: Guild | None = None) -> list[Json]:
        """Registered commands: global, or those of ``guild``."""
        return list(self.state.commands(None if guild is None else guild.id))

    def requests(
        self, method: str | None = None, route: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded REST calls, optionally only one method and route template or path."""
        return [
            r
            for r in self.state.requests
            if (method is None or r.method == method)
            and (route is None or route in (r.route, r.path))
        ]

    # -- fault knobs -------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        route: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: float = 1.0,
        is_global: bool = False,
        after_handling: bool = False,
    ) -> None:
        """Answer the next ``times`` calls to ``route`` (a template such as
        ``/channels/{channel_id}/messages``, or an exact path) with ``status``; a 429 carries
        ``retry_after`` the way Discord sends it. With ``after_handling`` the call is carried
        out first (a message is created) and only its answer is lost, as when Discord stores
        a message and then fails to reply."""
        fault = Fault(method, route, status, times, retry_after, is_global)
        fault.after_handling = after_handling
        self._faults.add(fault)

    def hang(self, method: str, route: str, *, times: int = 1) -> None:
        """Never answer the next ``times`` calls to ``route`` (until the stand-in stops)."""
        self._faults.add(Fault(method, route, 0, times, hang=True))

    def clear_faults(self) -> None:
        """Disarm every fault knob."""
        self._faults.clear()


def _component(message: Json, custom_id: str) -> Json | None:
    """The component ``custom_id`` anywhere in the message's (possibly nested) components."""
    stack = list(message.get("components") or [])
    while stack:
        component = stack.pop()
        if component.get("custom_id") == custom_id:
            return component
        stack.extend(component.get("components") or [])
    return None
