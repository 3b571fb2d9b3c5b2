"""A local feed server on 127.0.0.1 and fetchers pointed at it.

Every HTTP test runs the real client path against this server; nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import socket
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.feeds.fetch import Fetcher, FetchLimits, make_session

DATA = Path(__file__).parent / "data"
RSS = "application/rss+xml"


@dataclass
class ServerState:
    """What the test server saw, for assertions about concurrency and headers."""

    active: int = 0
    peak: int = 0
    requests: list[web.Request] = field(default_factory=list)


async def _feed(request: web.Request) -> web.Response:
    """Serve a fixture with validators; answer 304 when the client's copy is current."""
    etag, modified = '"v1"', "Sat, 28 Nov 2026 10:00:00 GMT"
    headers = {"ETag": etag, "Last-Modified": modified}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    if request.headers.get("If-Modified-Since") == modified:
        return web.Response(status=304, headers=headers)
    body = (DATA / request.match_info["name"]).read_bytes()
    return web.Response(body=body, content_type=RSS, headers=headers)


async def _hop(request: web.Request) -> web.Response:
    """`/hop/N` redirects N more times before serving the feed."""
    left = int(request.match_info["n"])
    if left == 0:
        return web.Response(body=(DATA / "rss20.xml").read_bytes(), content_type=RSS)
    raise web.HTTPFound(f"/hop/{left - 1}")


async def _loop(request: web.Request) -> web.Response:
    other = "b" if request.match_info["side"] == "a" else "a"
    raise web.HTTPMovedPermanently(f"/loop/{other}")


async def _redirect(request: web.Request) -> web.Response:
    """Redirect to whatever `?to=` says (used to point at a private host)."""
    raise web.HTTPFound(request.query["to"])


async def _big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * (2 * 1024 * 1024), content_type=RSS)


async def _big_streamed(request: web.Request) -> web.StreamResponse:
    """No Content-Length: the cap has to be enforced while reading."""
    response = web.StreamResponse(headers={"Content-Type": RSS})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(64):
        await response.write(b"y" * 64 * 1024)
    await response.write_eof()
    return response


async def _gzip(request: web.Request) -> web.Response:
    body = gzip.compress((DATA / "rss20.xml").read_bytes())
    return web.Response(body=body, content_type=RSS, headers={"Content-Encoding": "gzip"})


@functools.cache
def _bomb() -> bytes:
    """About 50 KiB on the wire, 50 MiB once decompressed; built once per test run."""
    return gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)


async def _gzip_bomb(request: web.Request) -> web.Response:
    return web.Response(body=_bomb(), content_type=RSS, headers={"Content-Encoding": "gzip"})


async def _slow(request: web.Request) -> web.StreamResponse:
    """Sends headers and a first chunk, then stalls longer than the test's read timeout."""
    response = web.StreamResponse(headers={"Content-Type": RSS})
    await response.prepare(request)
    await response.write(b"<rss>")
    await asyncio.sleep(5)
    return response


async def _status(request: web.Request) -> web.Response:
    headers = {"Retry-After": request.query["retry"]} if "retry" in request.query else {}
    return web.Response(status=int(request.match_info["code"]), headers=headers)


async def _counted(request: web.Request) -> web.Response:
    """Holds each request briefly so overlapping requests can be counted."""
    state: ServerState = request.app[STATE]
    state.active += 1
    state.peak = max(state.peak, state.active)
    try:
        await asyncio.sleep(0.05)
    finally:
        state.active -= 1
    return web.Response(body=(DATA / "rss20.xml").read_bytes(), content_type=RSS)


STATE = web.AppKey("state", ServerState)


@web.middleware
async def _record(request: web.Request, handler):  # type: ignore[no-untyped-def]
    request.app[STATE].requests.append(request)
    return await handler(request)


def _app() -> web.Application:
    app = web.Application(middlewares=[_record])
    app[STATE] = ServerState()
    app.add_routes(
        [
            web.get("/feed/{name}", _feed),
            web.get("/hop/{n}", _hop),
            web.get("/loop/{side}", _loop),
            web.get("/redirect", _redirect),
            web.get("/big", _big),
            web.get("/big-streamed", _big_streamed),
            web.get("/gzip", _gzip),
            web.get("/gzip-bomb", _gzip_bomb),
            web.get("/slow", _slow),
            web.get("/status/{code}", _status),
            web.get("/counted", _counted),
        ]
    )
    return app


@dataclass
class FeedServer:
    base: str
    port: int
    state: ServerState


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    """The test app on an ephemeral loopback port."""
    app = _app()
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield FeedServer(f"http://127.0.0.1:{port}", port, app[STATE])
    finally:
        await runner.cleanup()


class FakeDNS(AbstractResolver):
    """A resolver that answers from a table; each name's answers are used in turn.

    The last answer repeats, so `{"flip.test": ["127.0.0.1", "10.0.0.5"]}` answers loopback
    once and a private address for every later lookup, like a rebinding DNS server.
    """

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: dict[str, int] = {}

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host not in self.table:
            raise OSError(f"no such test host {host}")
        count = self.calls.get(host, 0)
        self.calls[host] = count + 1
        answers = self.table[host]
        address = answers[min(count, len(answers) - 1)]
        return [_answer(host, address, port)]

    async def close(self) -> None:
        return None


def _answer(host: str, address: str, port: int) -> ResolveResult:
    return {
        "hostname": host,
        "host": address,
        "port": port,
        "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
        "proto": 0,
        "flags": socket.AI_NUMERICHOST,
    }


def small_limits(**changes: float) -> FetchLimits:
    """Small limits so the cap and timeout tests run in well under a second."""
    values = {
        "max_bytes": 1024 * 1024,
        "connect_timeout": 2.0,
        "read_timeout": 0.3,
        "total_timeout": 3.0,
    }
    values.update(changes)
    return FetchLimits(**values)  # type: ignore[arg-type]


@pytest.fixture
async def make_fetcher() -> AsyncIterator:
    """Build fetchers on fresh sessions, all closed at the end of the test."""
    sessions: list[aiohttp.ClientSession] = []

    def build(
        allow_private: bool = True,
        limits: FetchLimits | None = None,
        dns: AbstractResolver | None = None,
        allowed_networks: Iterable = (),
    ) -> Fetcher:
        limits = limits or small_limits()
        session = make_session(
            limits, allow_private, allowed_networks=allowed_networks, inner_resolver=dns
        )
        sessions.append(session)
        return Fetcher(session, limits, allow_private, allowed_networks=allowed_networks)

    yield build
    for session in sessions:
        await session.close()
