"""Fixed pages served on 127.0.0.1, so tests read real HTTP without reaching the internet."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def serve_app(app: web.Application) -> AsyncIterator[str]:
    """Run `app` on a free loopback port; yields its base URL, cleans up after."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def serve_pages(pages: Mapping[str, tuple[str, str]]) -> AsyncIterator[str]:
    """Serve `path -> (body, content type)`; yields the base URL."""

    async def serve(request: web.Request) -> web.Response:
        body, content_type = pages[request.path]
        return web.Response(text=body, content_type=content_type)

    app = web.Application()
    app.add_routes([web.get(path, serve) for path in pages])
    async with serve_app(app) as base:
        yield base
