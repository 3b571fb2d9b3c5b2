"""How much a poll cycle costs on top of the bare work of fetching and parsing every feed.

Run from the repository root: `python benchmarks/bench_feeds.py` (defaults: 500 feeds of
50 items, 5 rounds). The figures in docs/feeds.md come from this script; it is not part of
the test suite, because timings on a shared machine are not a pass/fail signal.

Each round measures, in this process:

* baseline: the same GETs through a session from `make_session` (so the same connector
  limits and headers) and a bare parse of each body, nothing stored, once with each of the
  two fastest parsers measured (fastfeedparser and feedparser-rs; the faster of the two in
  the round is the baseline); then the same GETs again with `If-None-Match`, the floor of an
  all-304 cycle;
* first cycle: `FeedPoller.poll` for every feed at once (as `bot.app.poll_all` does) into a
  fresh SQLite store, where every item is new and stored as `seen`;
* second cycle: the same again, now answered 304 for every feed;
* floors: what any design that stores every item must spend at least, with no Python code
  per item at all: the GETs alone, lxml building each document's tree (the C parse every
  lxml-based reader starts with), and SQLite inserting the same rows (entries and their
  sources, in one transaction through `executemany`). Their sum against the baseline is the
  least ratio reachable; what the target leaves above that sum, divided by the item count,
  is the time per item the target allows for all per-item Python work (reading fields by
  feedparser's rules, keys, dates, building rows), to set beside what the baseline's native
  parser alone spends per item.

The feed server runs in a child process. In the same process it would spend CPU on the
same event loop and under the same GIL as the code being measured, adding an identical
constant to both sides of the ratio and so flattering it; in its own process it uses the
second core and the ratio reflects the client's work only. Peak RSS is this process's
alone for the same reason, and is read before the floors are measured (they hold every
document's tree at once, which the poller never does). The feeds are spread over several
ports (aiohttp pools connections per host and port), as real feeds are spread over many
hosts; with a single port the per-host limit of 2 would serialise everything and hide the
client's cost behind round trips.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from pathlib import Path
from xml.sax.saxutils import escape

import aiohttp
import fastfeedparser
import feedparser_rs
from aiohttp import web
from lxml import etree

from bot.feeds.fetch import Fetcher, FetchLimits, make_session
from bot.feeds.poller import FeedPoller, PollPolicy
from bot.storage import Store

HOSTS = 25
WORDS = (
    "government", "regulator", "encryption", "company", "servers", "country", "law",
    "surveillance", "data", "users", "messaging", "service", "withdraw", "market", "access",
    "keys", "traffic", "monitoring", "ministry", "bill", "court", "network", "provider",
    "privacy", "security", "update", "report", "deadline", "officials", "statement", "plans",
    "platform", "customers", "operations", "region", "parliament", "review", "decision", "vote",
)  # fmt: skip


def generate_feed(index: int, items: int, now: datetime) -> bytes:
    """An RSS 2.0 feed shaped like a news site's: HTML summaries, dates, guids, authors."""
    rng = random.Random(index)
    host = f"outlet{index}.example.com"

    def sentence(words: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()

    parts = []
    for number in range(items):
        published = now - timedelta(hours=number, minutes=rng.randrange(60))
        summary = (
            f"<p>{sentence(25)}. {sentence(20)}.</p>"
            f'<p>{sentence(15)} <a href="https://{host}/topics/{number}">more</a>.</p>'
        )
        parts.append(
            f"<item><title>{escape(sentence(9))}</title>"
            f"<link>https://{host}/{published:%Y/%m}/story-{number}</link>"
            f'<guid isPermaLink="false">tag:{host},2026:{number}</guid>'
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<author>desk@{host} (News desk)</author>"
            f"<description>{escape(summary)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Outlet {index}</title><link>https://{host}/</link>"
        f"<description>News from outlet {index}</description>{''.join(parts)}</channel></rss>"
    ).encode()


def serve(feeds: int, items: int, conn: Connection) -> None:
    """The child process: serve the feeds with ETags until the parent says stop."""
    asyncio.run(_serve(feeds, items, conn))


async def _serve(feeds: int, items: int, conn: Connection) -> None:
    now = datetime.now(UTC)
    bodies = {f"/feed/{i}.xml": generate_feed(i, items, now) for i in range(feeds)}
    etags = {
        path: '"' + hashlib.sha256(body).hexdigest()[:16] + '"' for path, body in bodies.items()
    }

    async def handle(request: web.Request) -> web.Response:
        body = bodies.get(request.path)
        if body is None:
            return web.Response(status=404)
        etag = etags[request.path]
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/feed/{name}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for _ in range(HOSTS):
        await web.TCPSite(runner, "127.0.0.1", 0).start()
    conn.send([address[1] for address in runner.addresses])
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    await runner.cleanup()


def feed_urls(ports: list[int], feeds: int) -> list[str]:
    """Feed i lives on port i mod HOSTS, so every port carries the same share."""
    return [f"http://127.0.0.1:{ports[i % len(ports)]}/feed/{i}.xml" for i in range(feeds)]


# The parsers the baseline tries, each as body -> item count. feedparser-rs runs without its
# HTML sanitiser: fastfeedparser has none either, and the baseline is a bare parse.
PARSERS: dict[str, Callable[[bytes], int]] = {
    "fastfeedparser": lambda body: len(fastfeedparser.parse(body)["entries"]),
    "feedparser-rs": lambda body: len(feedparser_rs.parse(body, sanitize_html=False).entries),
}


@dataclass
class BaselineTimes:
    """The floor of one round, in seconds: full GETs with each fast parser, then bare 304s."""

    by_parser: dict[str, float]
    not_modified: float

    @property
    def full(self) -> float:
        """The baseline proper: GETs with whichever parser was faster this round."""
        return min(self.by_parser.values())


async def baseline(urls: list[str], limits: FetchLimits, expected: int) -> BaselineTimes:
    """The GETs under the same connector limits and a bare fast parse, then the same GETs
    made conditional: the least any first and any all-304 cycle can cost here."""
    etags: dict[str, str] = {}

    async def get(session: aiohttp.ClientSession, url: str, parse: Callable[[bytes], int]) -> int:
        async with session.get(url) as resp:
            body = await resp.read()
            etags[url] = resp.headers["ETag"]
        return parse(body)

    async def conditional(session: aiohttp.ClientSession, url: str) -> int:
        async with session.get(url, headers={"If-None-Match": etags[url]}) as resp:
            await resp.read()
            return resp.status

    by_parser = {}
    async with make_session(limits, allow_private=True) as session:
        for name, parse in PARSERS.items():
            started = time.perf_counter()
            counts = await asyncio.gather(*(get(session, url, parse) for url in urls))
            by_parser[name] = time.perf_counter() - started
            _expect(sum(counts), expected, f"items parsed by {name}")
        started = time.perf_counter()
        statuses = await asyncio.gather(*(conditional(session, url) for url in urls))
        not_modified = time.perf_counter() - started
    if set(statuses) != {304}:
        raise SystemExit(f"expected only 304 answers, got {sorted(set(statuses))}")
    return BaselineTimes(by_parser, not_modified)


@dataclass
class Floors:
    """One round's lower bounds, in seconds (see the module docstring)."""

    gets: float
    tree: float
    sqlite: float
    sqlite_keys: float

    @property
    def total(self) -> float:
        return self.gets + self.tree + self.sqlite

    @property
    def total_keys(self) -> float:
        """The floor of a design that stored only each item's key and link."""
        return self.gets + self.tree + self.sqlite_keys


async def floors(urls: list[str], limits: FetchLimits, folder: Path, expected: int) -> Floors:
    """Time the GETs alone, lxml's tree building alone, and SQLite's inserts alone."""

    async def get(session: aiohttp.ClientSession, url: str) -> bytes:
        async with session.get(url) as resp:
            return await resp.read()

    async with make_session(limits, allow_private=True) as session:
        started = time.perf_counter()
        bodies = await asyncio.gather(*(get(session, url) for url in urls))
        gets = time.perf_counter() - started
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    started = time.perf_counter()
    roots = [etree.fromstring(body, parser) for body in bodies]
    tree = time.perf_counter() - started
    rows = [_floor_rows(root) for root in roots]
    del roots, bodies
    _expect(sum(map(len, rows)), expected, "items read for the SQLite floor")
    path = folder / "floor.sqlite3"
    await _empty_store(path, len(urls))
    sqlite = await asyncio.to_thread(_insert_floor, path, rows)
    keys_only = [[(link, "", "") for link, _, _ in items] for items in rows]
    path = folder / "floor-keys.sqlite3"
    await _empty_store(path, len(urls))
    sqlite_keys = await asyncio.to_thread(_insert_floor, path, keys_only)
    return Floors(gets, tree, sqlite, sqlite_keys)


def _floor_rows(root: etree._Element) -> list[tuple[str, str, str]]:
    """(link, title, description) per item: the values the poller stores for it."""
    return [
        (item.findtext("link", ""), item.findtext("title", ""), item.findtext("description", ""))
        for item in root.iter("item")
    ]


async def _empty_store(path: Path, feeds: int) -> None:
    """The real schema, with the feeds the rows will point at."""
    store = await Store.open(path)
    try:
        await store.feeds.sync_configured(
            [
                {
                    "url": f"http://floor.example/{i}",
                    "guild_id": 0,
                    "name": f"Feed {i}",
                    "interval_s": 900.0,
                    "backfill": 0,
                    "channel_id": None,
                }
                for i in range(feeds)
            ],
            "config",
        )
    finally:
        await store.close()


def _insert_floor(path: Path, feeds: list[list[tuple[str, str, str]]]) -> float:
    """Insert every item as an entry with one source, the rows prepared beforehand."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=NORMAL")
        feed_ids = [row[0] for row in conn.execute("SELECT id FROM feeds ORDER BY id")]
        stamp = time.time()
        entries = [
            ("url:" + link, title, link, stamp, summary, "0" * 64, "seen", stamp, stamp)
            for items in feeds
            for link, title, summary in items
        ]
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO entries (key, title, url, published_at, summary, content_hash, "
            "status, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entries,
        )
        ids = dict(conn.execute("SELECT key, id FROM entries"))
        conn.executemany(
            "INSERT INTO entry_sources (entry_id, feed_id, link, seen_at) VALUES (?, ?, ?, ?)",
            [
                (ids["url:" + link], feed_id, link, stamp)
                for feed_id, items in zip(feed_ids, feeds, strict=True)
                for link, _, _ in items
            ],
        )
        conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


@dataclass
class CycleTimes:
    """One round's two poll cycles, in seconds."""

    first: float
    second: float


async def poll_cycles(
    urls: list[str], limits: FetchLimits, folder: Path, expected: int
) -> CycleTimes:
    """The real poller into a real store: a first cycle, then an all-304 one."""
    store = await Store.open(folder / "bench.sqlite3")
    try:
        await store.feeds.sync_configured(
            [
                {
                    "url": url,
                    "guild_id": 0,
                    "name": f"Feed {i}",
                    "interval_s": 900.0,
                    "backfill": 0,
                    "channel_id": None,
                }
                for i, url in enumerate(urls)
            ],
            "config",
        )
        async with make_session(limits, allow_private=True) as session:
            poller = FeedPoller(store, Fetcher(session, limits, True), PollPolicy())
            first = await _cycle(store, poller, "fetched")
            _expect(await store.entries.count(), expected, "entries stored")
            second = await _cycle(store, poller, "not_modified")
    finally:
        await store.close()
    return CycleTimes(first, second)


async def _cycle(store: Store, poller: FeedPoller, status: str) -> float:
    feeds = await store.feeds.list()
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(poller.poll(feed) for feed in feeds))
    elapsed = time.perf_counter() - started
    wrong = [o.describe() for o in outcomes if o.status != status]
    if wrong:
        raise SystemExit(f"expected every feed {status}, got: {wrong[:3]}")
    return elapsed


def _expect(count: int, expected: int, what: str) -> None:
    """A run that lost items measured something else; stop rather than print it."""
    if count != expected:
        raise SystemExit(f"{what}: {count}, expected {expected}")


def max_rss_mib() -> float:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _row(name: str, values: list[float], fmt: Callable[[float], str], target: str) -> str:
    median = statistics.median(values)
    spread = f"{fmt(min(values))} – {fmt(max(values))}"
    return f"| {name} | {fmt(median)} | {spread} | {target} |"


async def run(feeds: int, items: int, rounds: int) -> None:
    expected = feeds * items
    limits = FetchLimits()
    parent, child = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(feeds, items, child))
    server.start()
    try:
        ports = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
        urls = feed_urls(ports, feeds)
        start_rss = max_rss_mib()
        base, base_304, first, second, least = [], [], [], [], []
        by_parser: dict[str, list[float]] = {name: [] for name in PARSERS}
        for _ in range(rounds):
            floor = await baseline(urls, limits, expected)
            base.append(floor.full)
            base_304.append(floor.not_modified)
            for name, seconds in floor.by_parser.items():
                by_parser[name].append(seconds)
            with tempfile.TemporaryDirectory() as folder:
                times = await poll_cycles(urls, limits, Path(folder), expected)
            first.append(times.first)
            second.append(times.second)
        # Taken before the floors, which hold every document's tree at once.
        peak = max_rss_mib()
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as folder:
                least.append(await floors(urls, limits, Path(folder), expected))
    finally:
        parent.send("stop")
        server.join(10)
    ratio = [f / b for f, b in zip(first, base, strict=True)]
    share = [s / f for s, f in zip(second, first, strict=True)]
    print(
        f"{feeds} feeds x {items} items on {len(ports)} loopback ports, "
        f"{rounds} rounds, concurrency {limits.concurrency}, per host {limits.per_host}\n"
    )
    print("| measure | median | range | target |")
    print("|---|---|---|---|")
    for name, times in by_parser.items():
        print(_row(f"GETs + {name}, s", times, lambda v: f"{v:.2f}", ""))
    print(_row("baseline (the faster of the two), s", base, lambda v: f"{v:.2f}", ""))
    print(_row("first poll cycle, s", first, lambda v: f"{v:.2f}", ""))
    print(_row("first cycle / baseline", ratio, lambda v: f"{v:.2f}", "≤ 1.5"))
    print(_row("bare conditional GETs (304), s", base_304, lambda v: f"{v:.3f}", ""))
    print(_row("304 cycle, s", second, lambda v: f"{v:.3f}", ""))
    print(_row("304 cycle / first cycle", share, lambda v: f"{v:.1%}", "≤ 10%"))
    print(f"| peak RSS (ru_maxrss), MiB | {peak:.0f} | | ≤ 250 |")
    print(f"| peak RSS growth during the rounds, MiB | {peak - start_rss:.0f} | | |")
    print_floors(least, base, expected)


def print_floors(least: list[Floors], base: list[float], items: int) -> None:
    """The lower bounds, and what the ratio target leaves for per-item Python work."""
    micro = 1e6 / items
    seconds: Callable[[float], str] = lambda v: f"{v:.3f}"  # noqa: E731
    print("\nFloors (no Python code per item):\n")
    print("| measure | median | range | |")
    print("|---|---|---|---|")
    print(_row("GETs alone, s", [f.gets for f in least], seconds, ""))
    print(_row("lxml tree building alone, s", [f.tree for f in least], seconds, ""))
    print(
        _row("SQLite inserts alone (entries + sources), s", [f.sqlite for f in least], seconds, "")
    )
    print(
        _row(
            "SQLite inserts of keys and links only, s", [f.sqlite_keys for f in least], seconds, ""
        )
    )
    ratio: Callable[[float], str] = lambda v: f"{v:.2f}"  # noqa: E731
    pairs = list(zip(least, base, strict=True))
    print(
        _row(
            "sum of the floors / baseline",
            [f.total / b for f, b in pairs],
            ratio,
            "least reachable",
        )
    )
    print(_row("the same, storing keys only", [f.total_keys / b for f, b in pairs], ratio, ""))
    allowed = [(1.5 * b - f.total) * micro for f, b in pairs]
    print(_row("time per item 1.5 leaves for Python work, µs", allowed, lambda v: f"{v:.1f}", ""))
    allowed = [(1.5 * b - f.total_keys) * micro for f, b in pairs]
    print(_row("the same, storing keys only, µs", allowed, lambda v: f"{v:.1f}", ""))
    spent = [(b - f.gets) * micro for f, b in pairs]
    print(
        _row(
            "the baseline parser's own time per item, µs",
            spent,
            lambda v: f"{v:.1f}",
            "",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.feeds, args.items, args.rounds))


if __name__ == "__main__":
    main()
