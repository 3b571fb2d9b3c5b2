"""The gateway websocket: HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, RESUME, dispatch.

discord.py asks for ``compress=zlib-stream``; the stand-in honours it (one zlib stream per
connection, each message ending in a sync flush) so the client's real decompression path runs.
Events are numbered per session and kept, so a client that resumes gets what it missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from .state import DiscordState, Json

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT = 0, 1, 2, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11
AUTHENTICATION_FAILED, DISALLOWED_INTENTS = 4004, 4014
GUILDS, GUILD_MEMBERS, GUILD_PRESENCES, GUILD_MESSAGES, MESSAGE_CONTENT = (
    1 << 0,
    1 << 1,
    1 << 8,
    1 << 9,
    1 << 15,
)
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
_EVENT_INTENTS = {"MESSAGE_CREATE": GUILD_MESSAGES, "MESSAGE_UPDATE": GUILD_MESSAGES}
_EVENT_INTENTS |= {"MESSAGE_DELETE": GUILD_MESSAGES, "GUILD_CREATE": GUILDS, "GUILD_DELETE": GUILDS}
_EVENT_INTENTS |= {"CHANNEL_UPDATE": GUILDS, "THREAD_CREATE": GUILDS, "THREAD_UPDATE": GUILDS}


class Connection:
    """One websocket, compressing with zlib-stream when the client asked for it."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        compress: bool,
        transport: asyncio.BaseTransport | None = None,
    ) -> None:
        self.ws = ws
        self._zlib = zlib.compressobj() if compress else None
        self._transport = transport

    async def send(self, payload: Json) -> None:
        """Send one gateway payload."""
        text = json.dumps(payload)
        if self._zlib is None:
            await self.ws.send_str(text)
        else:
            data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)

    def drop(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        if self._transport is not None:
            self._transport.abort()


@dataclass
class Session:
    """An identified gateway session; it outlives its connection so the client can resume."""

    id: str
    intents: int
    connection: Connection | None
    sequence: int = 0
    sent: list[Json] = field(default_factory=list)


class Gateway:
    """Serves the websocket and dispatches events to the bot's live session."""

    def __init__(
        self,
        state: DiscordState,
        *,
        heartbeat_interval: float,
        privileged_intents: int,
    ) -> None:
        self.state = state
        self.heartbeat_interval = heartbeat_interval
        self.privileged_intents = privileged_intents
        self.url = ""
        self.sessions: dict[str, Session] = {}
        self.live: Session | None = None
        self.ready = asyncio.Event()
        self.resumed = asyncio.Event()
        self.identifies = 0
        self.resumes = 0

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Run one websocket connection until either side closes it."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        connection = Connection(ws, compress, request.transport)
        hello = {"heartbeat_interval": int(self.heartbeat_interval * 1000)}
        await connection.send({"op": HELLO, "d": hello, "s": None, "t": None})
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            await self._receive(connection, json.loads(message.data))
        if self.live is not None and self.live.connection is connection:
            self.live.connection = None
        return ws

    async def _receive(self, connection: Connection, payload: Json) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            await connection.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(connection, data)
        elif op == RESUME:
            await self._resume(connection, data)
        elif op == REQUEST_MEMBERS:
            await self._send_members(data)
        else:
            log.debug("gateway op %s ignored", op)

    async def _identify(self, connection: Connection, data: Json) -> None:
        """Check the token and intents like Discord (close 4004 / 4014), then READY and one
        GUILD_CREATE per guild."""
        if data.get("token") != self.state.token:
            await connection.ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if intents & PRIVILEGED & ~self.privileged_intents:
            await connection.ws.close(code=DISALLOWED_INTENTS, message=b"Disallowed intent(s).")
            return
        self.identifies += 1
        session = Session(id=secrets.token_hex(16), intents=intents, connection=connection)
        self.sessions[session.id] = session
        self.live = session
        ready = {
            "v": 10,
            "user": self.state.bot_user | {"verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.state.guilds],
            "session_id": session.id,
            "resume_gateway_url": self.url,
            "session_type": "normal",
            "shard": data.get("shard") or [0, 1],
            "application": {"id": str(self.state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "auth": {},
            "geo_ordered_rtc_regions": [],
        }
        await self.dispatch("READY", ready)
        for guild in self.state.guilds.values():
            await self.dispatch("GUILD_CREATE", guild.payload())
        self.ready.set()

    async def _resume(self, connection: Connection, data: Json) -> None:
        """Replay what the session missed and send RESUMED; an unknown session is invalid."""
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.state.token:
            await connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        self.resumes += 1
        session.connection = connection
        self.live = session
        for event in session.sent:
            if event["s"] > int(data.get("seq") or 0):
                await connection.send(event)
        await self.dispatch("RESUMED", {})
        self.resumed.set()

    async def _send_members(self, data: Json) -> None:
        """Answer a member request with every member in one chunk."""
        guild = self.state.guilds[int(data["guild_id"])]
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in guild.members.values()],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: Json) -> None:
        """Send an event to the live session if its intents cover it; kept for resuming."""
        session = self.live
        if session is None:
            return
        needed = _EVENT_INTENTS.get(event, 0)
        if needed and not session.intents & needed:
            return
        session.sequence += 1
        payload = {"op": DISPATCH, "t": event, "s": session.sequence, "d": data}
        session.sent.append(payload)
        if session.connection is not None:
            await session.connection.send(payload)

    async def reconnect(self, limit: float) -> None:
        """Ask the client to reconnect (op 7) and wait (at most ``limit`` s) until it resumed."""
        session = self.live
        if session is None or session.connection is None:
            raise RuntimeError("no bot is connected to the gateway")
        self.resumed.clear()
        await session.connection.send({"op": RECONNECT, "d": None, "s": None, "t": None})
        async with asyncio.timeout(limit):
            await self.resumed.wait()

    async def disconnect(self, limit: float, *, resumable: bool = True) -> None:
        """Drop the live connection without a close frame and wait (at most ``limit`` s) until
        the client is back: resumed, or, when ``resumable`` is false (Discord has expired the
        session, so a RESUME gets op 9), identified anew with READY and every GUILD_CREATE."""
        session = self.live
        if session is None or session.connection is None:
            raise RuntimeError("no bot is connected to the gateway")
        self.resumed.clear()
        if not resumable:
            self.ready.clear()
            del self.sessions[session.id]
        session.connection.drop()
        session.connection = None
        back = self.resumed if resumable else self.ready
        async with asyncio.timeout(limit):
            await back.wait()

    async def close(self) -> None:
        """Close every live connection (going away) so the server can stop promptly."""
        for session in self.sessions.values():
            if session.connection is not None:
                await session.connection.ws.close(code=1001, message=b"Stand-in stopping")
