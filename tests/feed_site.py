"""A small website on 127.0.0.1 whose feeds and pages a test can change while it runs.

Serves whatever the test puts at a path, with an ETag derived from the body so the real
conditional-GET path is exercised, and records every request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from types import TracebackType
from typing import Self
from xml.sax.saxutils import escape

from aiohttp import web

RSS = "application/rss+xml"


@dataclass
class Page:
    """One served resource."""

    body: bytes
    content_type: str
    status: int = 200


@dataclass
class FeedSite:
    """The local site: `put` resources, `url` them, read `requests` afterwards."""

    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None

    def put(self, path: str, body: str | bytes, content_type: str = RSS, status: int = 200) -> str:
        """Serve `body` at `path`; returns its absolute URL."""
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(data, content_type, status)
        return self.url(path)

    def url(self, path: str) -> str:
        """The absolute URL of a path on this site."""
        return f"{self.base_url}{path}"

    def hits(self, path: str) -> int:
        """How many requests a path received."""
        return sum(1 for _, requested in self.requests if requested == path)

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        page = self.pages.get(request.path)
        if page is None:
            return web.Response(status=404, text="not here")
        etag = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
        if page.status == 200 and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            status=page.status,
            body=page.body,
            content_type=page.content_type,
            headers={"ETag": etag},
        )

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def rss(title: str, items: list[dict[str, str | datetime]]) -> str:
    """An RSS 2.0 document from item dicts (title, link, guid, description, published)."""
    parts = []
    for item in items:
        published = item.get("published")
        date = f"<pubDate>{format_datetime(published)}</pubDate>" if published else ""
        guid = f"<guid>{escape(str(item['guid']))}</guid>" if item.get("guid") else ""
        parts.append(
            f"<item><title>{escape(str(item['title']))}</title>"
            f"<link>{escape(str(item.get('link', '')))}</link>{guid}{date}"
            f"<description>{escape(str(item.get('description', '')))}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://outlet.example/</link>"
        f"{''.join(parts)}</channel></rss>"
    )
