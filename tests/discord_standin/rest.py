"""REST routes under ``/api/v10``: the calls discord.py makes for ExitWatch, and no more.

Route templates use discord.py's own parameter names (``/channels/{channel_id}/messages``), so
the same string names a route in recordings, in fault knobs and in discord.py's source. Every
call is recorded; an unknown route is recorded and answered 404 so gaps show up in tests.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from . import errors
from .errors import DiscordError, json_response
from .faults import Faults
from .gateway import Gateway
from .interactions import InteractionCall, Interactions
from .limits import (
    validate_commands,
    validate_forum_post,
    validate_message,
    validate_thread_name,
)
from .messages import Upload, apply_edit, new_message
from .permissions import NO_PERMISSIONS, Permission
from .state import (
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    REQUIRE_TAG,
    Channel,
    DiscordState,
    Guild,
    Json,
    RecordedRequest,
    timestamp,
)

API = "/api/v10"
Handler = Callable[[web.Request], Awaitable[Any]]
# Routes that authenticate with the interaction or webhook token in the path, not the header.
_TOKEN_ROUTES = ("/interactions/", "/webhooks/")
BODY: web.RequestKey[Any] = web.RequestKey("body", object)
UPLOADS = web.RequestKey("uploads", list[Upload])


class RestApi:
    """The aiohttp routes and the middleware that records, authenticates and injects faults."""

    def __init__(
        self,
        state: DiscordState,
        gateway: Gateway,
        interactions: Interactions,
        faults: Faults,
    ) -> None:
        self.state = state
        self.gateway = gateway
        self.interactions = interactions
        self.faults = faults
        self.base_url = ""

    def routes(self) -> list[web.RouteDef]:
        """Every served route; the last one catches the rest and answers 404."""
        app = "/applications/{application_id}"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway),
            ("GET", app + "/commands", self.list_commands),
            ("PUT", app + "/commands", self.put_commands),
            ("POST", app + "/commands", self.post_command),
            ("GET", app + "/commands/{command_id}", self.get_command),
            ("DELETE", app + "/commands/{command_id}", self.delete_command),
            ("GET", app + "/guilds/{guild_id}/commands", self.list_commands),
            ("PUT", app + "/guilds/{guild_id}/commands", self.put_commands),
            ("POST", app + "/guilds/{guild_id}/commands", self.post_command),
            ("GET", app + "/guilds/{guild_id}/commands/{command_id}", self.get_command),
            ("DELETE", app + "/guilds/{guild_id}/commands/{command_id}", self.delete_command),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.get_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("GET", "/guilds/{guild_id}/threads/active", self.active_threads),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("PATCH", "/channels/{channel_id}", self.edit_thread),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.create_thread),
            ("POST", "/channels/{channel_id}/threads", self.create_thread),
            ("GET", "/channels/{channel_id}/threads/archived/public", self.archived_threads),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("POST", "/interactions/{webhook_id}/{webhook_token}/callback", self.callback),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self.followup),
            ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.get_hook),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.edit_hook,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.del_hook,
            ),
        ]
        served = [web.route(method, API + path, handler) for method, path, handler in table]
        return [
            *served,
            web.get("/gateway", self.gateway.handle, name="gateway"),
            web.get("/attachments/{attachment_id}/{filename}", self.attachment, name="attachment"),
            web.route("*", "/{tail:.*}", self.unknown),
        ]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Record the call, check the bot token, apply an armed fault, map refusals to JSON."""
        if request.match_info.route.name in ("gateway", "attachment"):
            return await handler(request)
        path = request.path.removeprefix(API)
        resource = request.match_info.route.resource
        served = resource is not None and handler != self.unknown
        route = resource.canonical.removeprefix(API) if served else path
        record = RecordedRequest(request.method, path, route, dict(request.query), None)
        self.state.requests.append(record)
        try:
            record.body, uploads = await _read_body(request)
            record.files = [u.filename for u in uploads]
            request[BODY], request[UPLOADS] = record.body, uploads
            if not path.startswith(_TOKEN_ROUTES) and not self._authorized(request):
                raise DiscordError(401, 0, "401: Unauthorized")
            fault = self.faults.take(request.method, route, path)
            if fault is not None and not fault.after_handling:
                response = await self.faults.answer(fault)
            else:
                result = await handler(request)
                response = result if isinstance(result, web.StreamResponse) else _answer(result)
                if fault is not None:
                    response = await self.faults.answer(fault)
        except DiscordError as refusal:
            response = json_response(refusal.body(), refusal.status)
        record.status = response.status
        await self.state.changes.notify()
        return response

    def _authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.state.token}"

    # -- session and application -------------------------------------------------------------

    async def get_me(self, request: web.Request) -> Json:
        """The bot user: discord.py's login call."""
        return self.state.bot_user

    async def get_application(self, request: web.Request) -> Json:
        """The application (discord.py reads it right after login)."""
        return {
            "id": str(self.state.application_id),
            "name": self.state.bot_user["username"],
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self.state.owner_user,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
            "bot": self.state.bot_user,
            "interactions_endpoint_url": None,
            "redirect_uris": [],
        }

    async def get_gateway(self, request: web.Request) -> Json:
        """A ``ws://`` URL on this server, as ``/gateway/bot`` answers on Discord."""
        limits = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.gateway.url, "shards": 1, "session_start_limit": limits}

    # -- application commands ----------------------------------------------------------------

    def _scope(self, request: web.Request) -> tuple[list[Json], int | None]:
        if request.match_info["application_id"] != str(self.state.application_id):
            raise errors.not_found(0, "Application")
        guild_id = request.match_info.get("guild_id")
        if guild_id is None:
            return self.state.commands(), None
        self._guild(guild_id)
        return self.state.commands(int(guild_id)), int(guild_id)

    async def list_commands(self, request: web.Request) -> list[Json]:
        """The registered commands of the scope."""
        commands, _ = self._scope(request)
        return commands

    async def put_commands(self, request: web.Request) -> list[Json]:
        """Bulk overwrite: validated like Discord; a command keeps its id if its name stays."""
        commands, guild_id = self._scope(request)
        payload = request[BODY]
        validate_commands(payload)
        previous = {(c.get("type", 1), c["name"]): c for c in commands}
        updated = []
        for command in payload:
            old = previous.get((command.get("type", 1), command["name"]))
            updated.append(self._registered(command, guild_id, old))
        commands[:] = updated
        return commands

    async def post_command(self, request: web.Request) -> Json:
        """Create or replace one command by name."""
        commands, guild_id = self._scope(request)
        command = request[BODY]
        key = (command.get("type", 1), command.get("name"))
        others = [c for c in commands if (c.get("type", 1), c["name"]) != key]
        validate_commands([*others, command])
        old = next((c for c in commands if (c.get("type", 1), c["name"]) == key), None)
        registered = self._registered(command, guild_id, old)
        commands[:] = [*others, registered]
        return registered

    def _registered(self, command: Json, guild_id: int | None, old: Json | None) -> Json:
        """The command as Discord stores it: id, application, version, defaults filled in."""
        stored = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
        }
        stored |= command
        stored |= {
            "id": old["id"] if old else str(self.state.ids.next()),
            "application_id": str(self.state.application_id),
            "version": str(self.state.ids.next()),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    async def get_command(self, request: web.Request) -> Json:
        """One registered command, or 10063."""
        commands, _ = self._scope(request)
        for command in commands:
            if command["id"] == request.match_info["command_id"]:
                return command
        raise errors.not_found(errors.UNKNOWN_APPLICATION_COMMAND, "application command")

    async def delete_command(self, request: web.Request) -> None:
        """Remove one registered command."""
        commands, _ = self._scope(request)
        command = await self.get_command(request)
        commands.remove(command)

    # -- guilds and channels -----------------------------------------------------------------

    def _guild(self, guild_id: str) -> Guild:
        guild = self.state.guilds.get(int(guild_id)) if guild_id.isdigit() else None
        if guild is None:
            raise errors.not_found(errors.UNKNOWN_GUILD, "Guild")
        return guild

    def _channel(self, request: web.Request, needs: Permission) -> tuple[Guild, Channel]:
        """The path's channel, if the bot has ``needs`` there: 50001 when it cannot see the
        channel at all, 50013 when it lacks another permission."""
        channel_id = request.match_info["channel_id"]
        found = self.state.find_channel(int(channel_id)) if channel_id.isdigit() else None
        if found is None:
            raise errors.not_found(errors.UNKNOWN_CHANNEL, "Channel")
        guild, channel = found
        granted = guild.permissions(self.state.bot_id, channel)
        if not granted & Permission.VIEW_CHANNEL:
            raise errors.forbidden(errors.MISSING_ACCESS)
        if needs & ~granted:
            raise errors.forbidden()
        return guild, channel

    async def get_guild(self, request: web.Request) -> Json:
        """The guild object (without the gateway-only lists)."""
        guild = self._guild(request.match_info["guild_id"])
        data = guild.payload()
        for key in ("channels", "threads", "members", "voice_states", "presences"):
            data.pop(key)
        return data

    async def get_guild_channels(self, request: web.Request) -> list[Json]:
        """The guild's channels (threads are listed elsewhere on Discord)."""
        guild = self._guild(request.match_info["guild_id"])
        return [c.payload() for c in guild.channels.values() if not c.is_thread]

    async def get_roles(self, request: web.Request) -> list[Json]:
        """The guild's roles."""
        guild = self._guild(request.match_info["guild_id"])
        return [r.payload() for r in guild.roles.values()]

    async def get_member(self, request: web.Request) -> Json:
        """One guild member, or 10007."""
        guild = self._guild(request.match_info["guild_id"])
        user_id = request.match_info["user_id"]
        member = guild.members.get(int(user_id)) if user_id.isdigit() else None
        if member is None:
            raise errors.not_found(errors.UNKNOWN_MEMBER, "Member")
        return member.payload()

    async def get_channel(self, request: web.Request) -> Json:
        """A channel the bot can see."""
        _, channel = self._channel(request, Permission.VIEW_CHANNEL)
        return self._channel_payload(channel)

    def _channel_payload(self, channel: Channel) -> Json:
        """A channel with its message count; a forum post's starter message is not counted,
        as on Discord."""
        count = len(self.state.messages[channel.id])
        starter = channel.applied_tags is not None and count > 0
        return channel.payload(count - 1 if starter else count)

    async def active_threads(self, request: web.Request) -> Json:
        """The guild's unarchived threads the bot can see, newest first, with the bot's own
        memberships (it joins the threads it creates)."""
        guild = self._guild(request.match_info["guild_id"])
        threads = [t for t in guild.threads() if not t.archived and self._sees(guild, t)]
        return self._thread_list(sorted(threads, key=lambda t: t.id, reverse=True))

    async def archived_threads(self, request: web.Request) -> Json:
        """A channel's or forum's archived public threads, most recently archived first,
        ``before`` an ISO timestamp and at most ``limit``, with ``has_more``."""
        guild, parent = self._channel(request, Permission.READ_MESSAGE_HISTORY)
        before = request.query.get("before")
        limit = int(request.query.get("limit", 50))
        threads = [
            t
            for t in guild.threads(parent)
            if t.archived
            and t.type == PUBLIC_THREAD
            and (before is None or _time(t.archive_timestamp) < _time(before))
        ]
        threads.sort(key=lambda t: _time(t.archive_timestamp), reverse=True)
        return self._thread_list(threads[:limit]) | {"has_more": len(threads) > limit}

    def _sees(self, guild: Guild, thread: Channel) -> bool:
        """Whether the bot can see a thread: a private one only as its owner or a moderator."""
        granted = guild.permissions(self.state.bot_id, thread)
        if not granted & Permission.VIEW_CHANNEL:
            return False
        mine = thread.owner_id == self.state.bot_id
        return thread.type != PRIVATE_THREAD or mine or bool(granted & Permission.MANAGE_THREADS)

    def _thread_list(self, threads: list[Channel]) -> Json:
        """Discord's thread list: the threads, and the bot's thread-member objects."""
        members = [
            {
                "id": str(t.id),
                "user_id": str(self.state.bot_id),
                "join_timestamp": t.created_at,
                "flags": 0,
            }
            for t in threads
            if t.owner_id == self.state.bot_id
        ]
        return {"threads": [self._channel_payload(t) for t in threads], "members": members}

    # -- messages ----------------------------------------------------------------------------

    async def list_messages(self, request: web.Request) -> list[Json]:
        """Channel history, newest first, honouring ``limit`` and ``before``."""
        _, channel = self._channel(request, Permission.READ_MESSAGE_HISTORY)
        limit = min(int(request.query.get("limit", 50)), 100)
        before = int(request.query.get("before", 0)) or None
        history = list(reversed(self.state.messages[channel.id]))
        if before is not None:
            history = [m for m in history if int(m["id"]) < before]
        return history[:limit]

    def _find(self, channel: Channel, request: web.Request) -> Json:
        for message in self.state.messages[channel.id]:
            if message["id"] == request.match_info["message_id"]:
                return message
        raise errors.not_found(errors.UNKNOWN_MESSAGE, "Message")

    async def create_message(self, request: web.Request) -> Json:
        """Post a message: permissions, then Discord's limits, then MESSAGE_CREATE."""
        body, uploads = request[BODY], request[UPLOADS]
        _, target = self._channel(request, NO_PERMISSIONS)
        if target.is_forum:
            raise DiscordError(
                400, errors.CANNOT_SEND_IN_NON_TEXT, "Cannot send messages in a non-text channel"
            )
        send = Permission.SEND_MESSAGES_IN_THREADS if target.is_thread else Permission.SEND_MESSAGES
        needs = send | (Permission.ATTACH_FILES if uploads else NO_PERMISSIONS)
        guild, channel = self._channel(request, needs)
        validate_message(body, files=len(uploads))
        earlier = self._same_nonce(channel, body)
        if earlier is not None:
            return earlier
        if channel.is_thread and channel.archived:
            # Sending is the one action Discord lets through: it reopens the thread.
            await self._set_archived(channel, False)
        message = new_message(
            self.state,
            guild=guild,
            channel=channel,
            payload=body,
            uploads=uploads,
            base_url=self.base_url,
        )
        self.state.messages[channel.id].append(message)
        await self.gateway.dispatch("MESSAGE_CREATE", message)
        return message

    def _same_nonce(self, channel: Channel, body: Json) -> Json | None:
        """With `enforce_nonce`, Discord answers a repeated nonce with the first message, if
        that was sent within the last few minutes (``state.nonce_lifetime``)."""
        nonce = body.get("nonce")
        if not (nonce and body.get("enforce_nonce")):
            return None
        author = self.state.bot_user["id"]
        oldest = datetime.now(UTC) - timedelta(seconds=self.state.nonce_lifetime)
        for message in self.state.messages[channel.id]:
            if (
                message.get("nonce") == str(nonce)
                and message["author"]["id"] == author
                and _time(message["timestamp"]) >= oldest
            ):
                return message
        return None

    async def get_message(self, request: web.Request) -> Json:
        """One message of a channel."""
        _, channel = self._channel(request, Permission.READ_MESSAGE_HISTORY)
        return self._find(channel, request)

    async def edit_message(self, request: web.Request) -> Json:
        """Edit one of the bot's own messages (50005 for anyone else's; 50083 in an archived
        thread, which must be reopened first)."""
        guild, channel = self._channel(request, NO_PERMISSIONS)
        message = self._find(channel, request)
        if channel.is_thread and channel.archived:
            raise DiscordError(400, errors.THREAD_ARCHIVED, "Thread is archived")
        if message["author"]["id"] != self.state.bot_user["id"]:
            raise DiscordError(
                403,
                errors.CANNOT_EDIT_OTHERS_MESSAGE,
                "Cannot edit a message authored by another user",
            )
        validate_message(request[BODY], files=len(request[UPLOADS]), creating=False)
        apply_edit(
            self.state,
            message,
            request[BODY],
            request[UPLOADS],
            guild=guild,
            channel=channel,
            base_url=self.base_url,
        )
        await self.gateway.dispatch("MESSAGE_UPDATE", message)
        return message

    async def edit_thread(self, request: web.Request) -> Json:
        """Reopen or archive a thread, the one channel edit the bot makes. Reopening needs
        only Send Messages in Threads; every other change is refused (400, 50035)."""
        body = request[BODY]
        archived = body.get("archived")
        _, channel = self._channel(request, Permission.SEND_MESSAGES_IN_THREADS)
        problems = errors.FormErrors()
        if set(body) != {"archived"} or not isinstance(archived, bool):
            problems.add(("archived",), "BASE_TYPE_REQUIRED", "Only `archived` can be edited.")
        elif not channel.is_thread:
            problems.add(("archived",), "BASE_TYPE_BAD_TYPE", "Only a thread is archived.")
        problems.raise_if_any()
        await self._set_archived(channel, bool(archived))
        return self._channel_payload(channel)

    async def _set_archived(self, thread: Channel, archived: bool) -> None:
        thread.archived = archived
        thread.archive_timestamp = timestamp()
        await self.gateway.dispatch("THREAD_UPDATE", thread.payload())

    async def delete_message(self, request: web.Request) -> None:
        """Delete a message: the bot's own, or anyone's with MANAGE_MESSAGES."""
        guild, channel = self._channel(request, NO_PERMISSIONS)
        message = self._find(channel, request)
        if message["author"]["id"] != self.state.bot_user["id"]:
            self._channel(request, Permission.MANAGE_MESSAGES)
        self.state.messages[channel.id].remove(message)
        event = {"id": message["id"], "channel_id": str(channel.id), "guild_id": str(guild.id)}
        await self.gateway.dispatch("MESSAGE_DELETE", event)

    async def create_thread(self, request: web.Request) -> Json:
        """Start a thread, from a message or standalone (private when type 12); in a forum,
        a post."""
        _, parent = self._channel(request, NO_PERMISSIONS)
        if parent.is_forum and "message_id" not in request.match_info:
            return await self._forum_post(request)
        body = request[BODY]
        kind = int(body.get("type") or PUBLIC_THREAD)
        needs = (
            Permission.CREATE_PUBLIC_THREADS
            if kind == PUBLIC_THREAD
            else Permission.CREATE_PRIVATE_THREADS
        )
        guild, parent = self._channel(request, needs)
        starter = self._find(parent, request) if "message_id" in request.match_info else None
        if starter is not None and starter.get("thread"):
            raise DiscordError(
                400,
                errors.THREAD_ALREADY_CREATED,
                "A thread has already been created for this message",
            )
        validate_thread_name(body.get("name"))
        thread = self.state.add_channel(
            guild,
            body["name"],
            # A thread started from a message gets that message's id, as on Discord.
            channel_id=int(starter["id"]) if starter else None,
            type=kind,
            parent_id=parent.id,
            owner_id=self.state.bot_id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        if starter is not None:
            starter["thread"] = thread.payload()
        data = thread.payload() | {"newly_created": True}
        await self.gateway.dispatch("THREAD_CREATE", data)
        return data

    async def _forum_post(self, request: web.Request) -> Json:
        """A forum post: a public thread with ``applied_tags`` and its starter message, whose
        id is the thread's. Creating one needs only SEND_MESSAGES in the forum, as on Discord;
        the answer is the thread with the message nested in it."""
        body, uploads = request[BODY], request[UPLOADS]
        needs = Permission.SEND_MESSAGES | (Permission.ATTACH_FILES if uploads else NO_PERMISSIONS)
        guild, forum = self._channel(request, needs)
        validate_thread_name(body.get("name"))
        require_tag = bool(forum.flags & REQUIRE_TAG)
        validate_forum_post(body, files=len(uploads), require_tag=require_tag)
        thread = self.state.add_channel(
            guild,
            body["name"],
            type=PUBLIC_THREAD,
            parent_id=forum.id,
            owner_id=self.state.bot_id,
            auto_archive_duration=int(
                body.get("auto_archive_duration") or forum.auto_archive_duration
            ),
            applied_tags=[str(tag) for tag in body.get("applied_tags") or []],
        )
        starter = new_message(
            self.state,
            guild=guild,
            channel=thread,
            payload=body["message"],
            uploads=uploads,
            base_url=self.base_url,
            extra={"id": str(thread.id)},
        )
        self.state.messages[thread.id].append(starter)
        created = self._channel_payload(thread)
        await self.gateway.dispatch("THREAD_CREATE", created | {"newly_created": True})
        await self.gateway.dispatch("MESSAGE_CREATE", starter)
        return created | {"message": starter}

    async def typing(self, request: web.Request) -> None:
        """The typing indicator: only a permission check."""
        self._channel(request, Permission.SEND_MESSAGES)

    # -- interactions and webhooks -----------------------------------------------------------

    async def callback(self, request: web.Request) -> Json | None:
        """The initial interaction response. discord.py posts ``?with_response=1`` and reads
        the interaction-callback response; without it Discord answers 204."""
        answer = self.interactions.respond(
            _int(request.match_info["webhook_id"]),
            request.match_info["webhook_token"],
            request[BODY],
            request[UPLOADS],
            self.base_url,
        )
        return answer if request.query.get("with_response") in ("1", "true") else None

    def _hook(self, request: web.Request) -> InteractionCall:
        call = self.interactions.by_token(request.match_info["webhook_token"])
        if call is None or request.match_info["webhook_id"] != str(self.state.application_id):
            raise errors.not_found(errors.UNKNOWN_WEBHOOK, "Webhook")
        return call

    async def followup(self, request: web.Request) -> Json | None:
        """A follow-up message; the message comes back only with ``wait=true``."""
        call = self._hook(request)
        message = self.interactions.followup(call, request[BODY], request[UPLOADS], self.base_url)
        return message if request.query.get("wait") in ("1", "true", "True") else None

    async def get_hook(self, request: web.Request) -> Json:
        """The original response or a follow-up."""
        return self.interactions.find(self._hook(request), request.match_info["message_id"])

    async def edit_hook(self, request: web.Request) -> Json:
        """Edit the original response (how a deferral is usually completed) or a follow-up."""
        return self.interactions.edit(
            self._hook(request),
            request.match_info["message_id"],
            request[BODY],
            request[UPLOADS],
            self.base_url,
        )

    async def del_hook(self, request: web.Request) -> None:
        """Delete the original response or a follow-up."""
        self.interactions.delete(self._hook(request), request.match_info["message_id"])

    # -- everything else ---------------------------------------------------------------------

    async def attachment(self, request: web.Request) -> web.Response:
        """The bytes of an uploaded file, so the bot (or a test) can download it."""
        data = self.state.files.get(_int(request.match_info["attachment_id"]))
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data)

    async def unknown(self, request: web.Request) -> None:
        """Any route the stand-in does not serve: recorded, then 404 like Discord."""
        raise DiscordError(404, 0, "404: Not Found")


async def _read_body(request: web.Request) -> tuple[Any, list[Upload]]:
    """JSON, or discord.py's multipart form (``payload_json`` plus ``files[N]``); malformed
    JSON gets Discord's 50109."""
    try:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            payload = json.loads(str(form.get("payload_json", "{}")))
            uploads = [
                Upload(
                    filename=value.filename,
                    content_type=value.content_type,
                    data=value.file.read(),
                )
                for value in form.values()
                if isinstance(value, web.FileField)
            ]
            return payload, uploads
        text = await request.text() if request.can_read_body else ""
        return (json.loads(text) if text else None), []
    except ValueError as malformed:
        raise DiscordError(400, 50109, "The request body contains invalid JSON.") from malformed


def _answer(result: Any) -> web.Response:
    """A handler's return value as Discord answers it: JSON, or 204 when there is nothing."""
    return web.Response(status=204) if result is None else json_response(result)


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _time(value: str) -> datetime:
    """An ISO 8601 timestamp, compared as a time (discord.py may drop the microseconds)."""
    return datetime.fromisoformat(value)
