"""A hostile feed server on 127.0.0.1: huge, compressed, slow, looping and broken bodies.

Big bodies are generated while they are sent, chunk by chunk, so the test process never
holds them whole; the server counts what it managed to send, so a test can prove the
client stopped reading early.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from aiohttp import web

RSS = "application/rss+xml"
CHUNK = 64 * 1024
MIB = 1024 * 1024
RSS_HEAD = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Hostile</title>'
)
RSS_TAIL = b"</channel></rss>"


def rss_item(
    number: int, *, title: str | None = None, date: str = "", host: str = "hostile"
) -> bytes:
    """One small RSS item linking to `host`; `date` goes in <pubDate> verbatim when given."""
    pub = f"<pubDate>{date}</pubDate>" if date else ""
    text = title if title is not None else f"Item {number}"
    return (
        f"<item><title>{text}</title><link>https://{host}.example/{number}</link>{pub}</item>"
    ).encode()


def rss_document(items: Iterable[bytes]) -> Iterator[bytes]:
    """An RSS document as a stream of pieces."""
    yield RSS_HEAD
    yield from items
    yield RSS_TAIL


@dataclass
class HostileSite:
    """Dynamic hostile routes plus `put` for fixed bodies; `sent` counts bytes per path."""

    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    streams: dict[str, tuple[Iterable[bytes], str]] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    base_url: str = ""
    _runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def put(self, path: str, body: bytes, content_type: str = RSS) -> str:
        """Serve a fixed body at `path`."""
        self.pages[path] = (body, content_type)
        return self.url(path)

    def stream(self, path: str, pieces: Iterable[bytes], content_type: str = RSS) -> str:
        """Serve a body generated piece by piece (chunked, no Content-Length), once."""
        self.streams[path] = (pieces, content_type)
        return self.url(path)

    async def _fixed(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path in self.streams:
            pieces, content_type = self.streams.pop(path)
            return await self._send(request, pieces, content_type)
        if path not in self.pages:
            return web.Response(status=404)
        body, content_type = self.pages[path]
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _send(
        self,
        request: web.Request,
        pieces: Iterable[bytes],
        content_type: str,
        headers: dict[str, str] | None = None,
        length: int | None = None,
    ) -> web.StreamResponse:
        """Write pieces until done or until the client hangs up."""
        response = web.StreamResponse(headers={"Content-Type": content_type, **(headers or {})})
        if length is None:
            response.enable_chunked_encoding()
        else:
            response.content_length = length
        await response.prepare(request)
        self.sent.setdefault(request.path, 0)
        try:
            for piece in pieces:
                await response.write(piece)
                self.sent[request.path] += len(piece)
            await response.write_eof()
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        """`/huge?mb=50`: an endless-looking feed of filler, no Content-Length."""
        size = int(request.query.get("mb", "50")) * MIB
        return await self._send(request, _filler(size), RSS)

    async def _huge_announced(self, request: web.Request) -> web.StreamResponse:
        """Announces 50 MB up front; a careful client refuses before reading."""
        return await self._send(request, _filler(50 * MIB), RSS, length=50 * MIB)

    async def _bomb(self, request: web.Request) -> web.StreamResponse:
        """`/bomb?mb=50`: gzip of that many MiB of zeros, compressed as it is sent."""
        size = int(request.query.get("mb", "50")) * MIB
        headers = {"Content-Encoding": "gzip"}
        return await self._send(request, _gzip_zeros(size), RSS, headers)

    async def _drip(self, request: web.Request) -> web.StreamResponse:
        """`/drip?every=1`: one byte every `every` seconds, forever (a slowloris server)."""
        every = float(request.query.get("every", "1"))
        response = web.StreamResponse(headers={"Content-Type": RSS})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            while True:
                await response.write(b" ")
                await asyncio.sleep(every)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return response

    async def _spin(self, request: web.Request) -> web.Response:
        """A redirect to a new URL every time: no loop to detect, only a hop limit."""
        number = int(request.query.get("n", "0"))
        raise web.HTTPFound(f"/spin?n={number + 1}")

    async def _self_loop(self, request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/self-loop")

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.add_routes(
            [
                web.get("/huge", self._huge),
                web.get("/huge-announced", self._huge_announced),
                web.get("/bomb", self._bomb),
                web.get("/drip", self._drip),
                web.get("/spin", self._spin),
                web.get("/self-loop", self._self_loop),
                web.get("/{tail:.*}", self._fixed),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _filler(size: int) -> Iterator[bytes]:
    yield b"<rss><channel><title>"
    chunk = b"x" * CHUNK
    for _ in range(size // CHUNK):
        yield chunk


def _gzip_zeros(size: int) -> Iterator[bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MIB)
    for _ in range(size // MIB):
        piece = compressor.compress(zeros)
        if piece:
            yield piece
    yield compressor.flush()
