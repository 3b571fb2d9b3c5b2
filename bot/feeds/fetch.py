"""Fetching feeds and pages over HTTP with bounded cost and a clear error for every failure.

The bot shares two `aiohttp.ClientSession`s from `make_session` (one for polling, a small
one for fetches members start; see `bot.app`); `Fetcher` wraps one with the rules a hostile
or broken server must not be able to bend: every redirect hop re-checked by the address
guard, a byte cap on the decompressed body, timeouts, and HTTP errors turned into
`FetchFailed` with the status and any Retry-After.

Concurrency is bounded by the connector (`limit`, `limit_per_host`) rather than by extra
semaphores: a connection is held until the body has been read, so the connector's pool is
already a global and a per-host semaphore (the tests measure this).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.util import find_spec

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot import __version__
from bot.errors import FetchFailed, FetchRefused
from bot.feeds.guard import GuardedResolver, IPNetwork, check_url, refusal_from

FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 24 * 3600.0
CHUNK_SIZE = 64 * 1024


def _accept_encoding() -> str:
    """Offer brotli only when aiohttp can decode it (it needs an optional package)."""
    if find_spec("brotli") or find_spec("brotlicffi"):
        return "gzip, deflate, br"
    return "gzip, deflate"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """The cost one fetch may incur; defaults suit feeds of ordinary news sites."""

    max_bytes: int = 5 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 30.0
    max_redirects: int = 5
    per_host: int = 2
    concurrency: int = 20
    user_agent: str = f"ExitWatch/{__version__} (+https://github.com/exitwatch/exitwatch)"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a fetch returned; `url` is the final URL after redirects."""

    url: str
    status: int
    body: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    body_hash: str


def make_session(
    limits: FetchLimits,
    allow_private: bool,
    *,
    allowed_networks: Iterable[IPNetwork] = (),
    inner_resolver: AbstractResolver | None = None,
) -> aiohttp.ClientSession:
    """Build a shared session: guarded resolver, pool limits, timeouts, headers.

    Cookies are not kept (feeds do not need them and a shared jar would leak state between
    servers) and proxy settings from the environment are ignored, since a proxy would
    resolve names itself and bypass the guard. `inner_resolver` replaces the system
    resolver underneath the guard (tests use it to play a DNS server).
    """
    guard = GuardedResolver(allow_private, inner_resolver, allowed_networks=allowed_networks)
    connector = aiohttp.TCPConnector(
        resolver=guard,
        limit=limits.concurrency,
        limit_per_host=limits.per_host,
    )
    timeout = aiohttp.ClientTimeout(
        total=limits.total_timeout,
        sock_connect=limits.connect_timeout,
        sock_read=limits.read_timeout,
    )
    headers = {"User-Agent": limits.user_agent, "Accept-Encoding": _accept_encoding()}
    return aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        headers=headers,
        auto_decompress=True,
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
    )


class Fetcher:
    """Fetches one URL at a time under `FetchLimits`, following redirects by hand."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        limits: FetchLimits,
        allow_private: bool,
        *,
        allowed_networks: Iterable[IPNetwork] = (),
    ) -> None:
        self._session = session
        self._limits = limits
        self._allow_private = allow_private
        self._allowed_networks = tuple(allowed_networks)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET `url`, conditionally when validators are given.

        Raises `FetchRefused` for a URL or address the guard rejects (at any hop) and
        `FetchFailed` for everything that went wrong once a request was made.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seconds = self._limits.total_timeout
        try:
            async with asyncio.timeout(seconds):
                return await self._follow(url, headers)
        except TimeoutError as exc:
            raise FetchFailed(f"timed out after {seconds:g}s fetching {URL(url).host}") from exc

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        """Request `url` and each redirect target, checking every hop before connecting."""
        visited: set[str] = set()
        current = url
        for _hop in range(self._limits.max_redirects + 1):
            check_url(current, self._allow_private, allowed_networks=self._allowed_networks)
            visited.add(current)
            target = await self._request(current, headers)
            if isinstance(target, FetchResult):
                return target
            if target in visited:
                raise FetchFailed(f"redirect loop: {current} redirects back to {target}")
            current = target
        raise FetchFailed(
            f"too many redirects: gave up after {self._limits.max_redirects} starting at {url}"
        )

    async def _request(self, url: str, headers: dict[str, str]) -> FetchResult | str:
        """One hop: the final result, or the absolute URL a redirect points to."""
        host = URL(url).host or url
        try:
            async with self._session.get(url, headers=headers, allow_redirects=False) as resp:
                if resp.status in REDIRECT_STATUSES:
                    return _redirect_target(resp, url)
                _raise_for_status(resp, host)
                return await self._result(resp, url)
        except aiohttp.ConnectionTimeoutError as exc:
            seconds = self._limits.connect_timeout
            raise FetchFailed(f"timed out after {seconds:g}s connecting to {host}") from exc
        except aiohttp.SocketTimeoutError as exc:
            seconds = self._limits.read_timeout
            raise FetchFailed(f"timed out after {seconds:g}s waiting for data from {host}") from exc
        except aiohttp.ClientConnectorDNSError as exc:
            raise _refusal_or(exc, f"could not resolve {host}: {exc.os_error}") from exc
        except aiohttp.ClientConnectorError as exc:
            raise _refusal_or(exc, f"could not connect to {host}: {exc.os_error}") from exc
        except aiohttp.ClientPayloadError as exc:
            raise FetchFailed(f"the response from {host} was cut off or corrupt") from exc
        except aiohttp.ClientResponseError as exc:
            raise FetchFailed(f"{host} sent an invalid HTTP response: {exc.message}") from exc
        except aiohttp.ClientError as exc:
            raise FetchFailed(f"request to {host} failed: {exc}") from exc

    async def _result(self, resp: aiohttp.ClientResponse, url: str) -> FetchResult:
        """Read the body (unless 304) and package what the caller stores."""
        not_modified = resp.status == 304
        body = b"" if not_modified else await self._read_capped(resp, url)
        return FetchResult(
            url=url,
            status=resp.status,
            body=body,
            content_type=resp.content_type if not not_modified else None,
            charset=resp.charset,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            not_modified=not_modified,
            body_hash=hashlib.sha256(body).hexdigest(),
        )

    async def _read_capped(self, resp: aiohttp.ClientResponse, url: str) -> bytes:
        """Stream the decompressed body and stop as soon as it passes `max_bytes`.

        The count is taken after decompression, so a small gzip bomb is cut off at the same
        size as a large plain body; Content-Length (the compressed size) is only an early
        refusal for bodies that are too big even before decompression.
        """
        cap = self._limits.max_bytes
        host = URL(url).host
        if resp.content_length is not None and resp.content_length > cap:
            raise FetchFailed(
                f"too large: {host} announced {resp.content_length} bytes, the limit is {cap} bytes"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(CHUNK_SIZE):
            size += len(chunk)
            if size > cap:
                raise FetchFailed(f"too large: the body from {host} passed the {cap}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)


def _refusal_or(exc: BaseException, message: str) -> FetchRefused | FetchFailed:
    """Prefer a guard refusal hidden inside an aiohttp error over a generic failure."""
    refusal = refusal_from(exc)
    return refusal if refusal is not None else FetchFailed(message)


def _redirect_target(resp: aiohttp.ClientResponse, url: str) -> str:
    """The absolute URL of a redirect, or FetchFailed when the server gave none."""
    location = resp.headers.get("Location")
    if not location:
        raise FetchFailed(f"{URL(url).host} sent redirect {resp.status} without a Location")
    try:
        return str(URL(url).join(URL(location)).with_fragment(None))
    except ValueError as exc:
        raise FetchFailed(f"{URL(url).host} redirected to an invalid URL {location!r}") from exc


def _raise_for_status(resp: aiohttp.ClientResponse, host: str) -> None:
    """Turn 4xx/5xx into FetchFailed, with Retry-After for 429 and 503."""
    if resp.status < 400:
        return
    reason = resp.reason or "error"
    message = f"{host} answered HTTP {resp.status} {reason}"
    retry_after = None
    if resp.status in RETRY_STATUSES:
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if retry_after is not None:
            message += f"; it asks to retry after {retry_after:g}s"
    raise FetchFailed(message, status=resp.status, retry_after=retry_after)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date).

    Clamped to [0, one day] so a hostile server cannot park a feed forever.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), MAX_RETRY_AFTER)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff for a failing feed: exponential growth from `base`, capped, fully jittered."""

    base: float = 60.0
    cap: float = 6 * 3600.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number `attempt` (1 = first retry)."""
        return backoff_delay(attempt, self.base, self.cap, rng or random.Random())


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**(attempt-1))].

    Full jitter spreads feeds that failed together (one outlet down) so they do not all
    come back in the same second.
    """
    exponent = min(max(attempt - 1, 0), 62)
    return rng.uniform(0.0, min(cap, base * 2.0**exponent))
