"""A store seeded with fixture stories, a local web server, and the query service over both.

The analyzer is a stand-in (`keyword_analyzer`) so the service can be tested on its own;
`test_with_analyzer.py` runs the same paths through the real one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp import web

from bot.config import Config, parse_config
from bot.feeds.fetch import Fetcher, FetchLimits, make_session
from bot.models import Analysis, Article, FeedItem, Signal, Stage
from bot.query.service import QueryService
from bot.storage import Store
from bot.storage.records import KeyedItem, Target
from tests.local_http import serve_app
from tests.query import texts
from tests.store_setup import config_feed

WINDOW = 60 * 86400.0
GUILD = 111
CHANNEL = 222


def day(month: int, dom: int, year: int = 2026) -> datetime:
    return datetime(year, month, dom, 12, tzinfo=UTC)


@dataclass
class Seeded:
    """Story ids of the fixture stories."""

    lockbox_first: int
    lockbox_later: int
    signalcast: int
    bakery: int
    lockbox_event: int
    signalcast_event: int


async def add_feed(store: Store, url: str = "https://feeds.example/world.xml") -> int:
    return (await config_feed(store, url, "World desk", interval_s=900.0)).id


async def add_story(
    store: Store,
    feed_id: int,
    key: str,
    title: str,
    sentences: Sequence[str],
    *,
    when: datetime,
    company: str | None = None,
    country: str | None = None,
    stage: Stage | None = None,
    relevant: bool = True,
    score: float = 0.9,
    quote: str | None = None,
    speaker: str | None = None,
    effective: str | None = None,
    demand: str | None = None,
    outlet: str = "Example News",
    destinations: Sequence[str] = ("console",),
) -> tuple[int, int | None]:
    """Store one story the way the watcher does; returns (story id, event id)."""
    item = FeedItem(
        title=title, link=f"https://news.example/{key}", summary=sentences[0], published=when
    )
    saved = await store.entries.save_items(
        feed_id, [KeyedItem(key=key, content_hash=key, item=item, eligible=True)]
    )
    analysis = Analysis(
        relevant=relevant,
        score=score,
        company=company if relevant else None,
        country=country if relevant else None,
        stage=stage if relevant else None,
        demand=demand,
        effective_date=effective,
        quote=quote,
        quote_speaker=speaker,
        summary=" ".join(sentences[:2]),
        signals=[Signal("exit_verb", 0.4, sentences[0]), Signal("demand", 0.3, sentences[-1])],
        sentences=list(sentences),
    )
    event_key = f"{company}|{country}".lower() if relevant else None
    stored = await store.stories.save_analysis(
        saved.pending[0],
        analysis,
        outlet=outlet,
        event_key=event_key,
        event_window=WINDOW,
        destinations=[Target(name) for name in destinations] if relevant else [],
    )
    return stored.story_id, stored.event_id


@pytest.fixture
async def seeded(store: Store) -> Seeded:
    """Two exits (one with two sources and a stage change) and one unrelated story."""
    feed = await add_feed(store)
    first, lockbox = await add_story(
        store,
        feed,
        "lockbox-1",
        "Lockbox VPN to pull its servers out of India over logging rule",
        texts.LOCKBOX_FIRST,
        when=day(5, 12),
        company="Lockbox VPN",
        country="India",
        stage=Stage.ANNOUNCED,
        quote="We will not keep logs of what our users do",
        speaker="Priya Raman",
        effective="June 27",
        demand="log users' identities for five years",
        outlet="Example News",
        destinations=("console", f"guild:{GUILD}"),
    )
    later, _ = await add_story(
        store,
        feed,
        "lockbox-2",
        "Lockbox completes its withdrawal from India",
        texts.LOCKBOX_LATER,
        when=day(6, 20),
        company="Lockbox VPN",
        country="India",
        stage=Stage.COMPLETED,
        outlet="Daily Wire Example",
    )
    signal, signalcast = await add_story(
        store,
        feed,
        "signalcast-1",
        "Signalcast threatens to withdraw messaging app from the UK",
        texts.SIGNALCAST,
        when=day(3, 2),
        company="Signalcast",
        country="United Kingdom",
        stage=Stage.THREATENED,
        demand="a backdoor that breaks end-to-end encryption",
    )
    bakery, _ = await add_story(
        store, feed, "bakery-1", "Leeds bakery opens third shop", texts.BAKERY,
        when=day(5, 1), relevant=False, score=0.05,
    )  # fmt: skip
    assert lockbox is not None and signalcast is not None
    return Seeded(first, later, signal, bakery, lockbox, signalcast)


def keyword_analyzer(article: Article) -> Analysis:
    """A stand-in analyzer: relevant when the text pairs an exit with logging or backdoors."""
    body = article.content or article.summary
    text = f"{article.title} {body}".lower()
    sentences = [s.strip() + "." for s in body.replace("\n", " ").split(".") if s.strip()]
    exit_words = ("pull", "leave", "leaving", "withdraw", "exit")
    demand_words = ("log", "backdoor", "monitor")
    if any(w in text for w in exit_words) and any(w in text for w in demand_words):
        return Analysis(
            relevant=True,
            score=0.85,
            company="Lockbox VPN",
            country="India",
            stage=Stage.ANNOUNCED,
            demand="log users",
            summary="Lockbox VPN pulls its servers out of India over a logging rule.",
            signals=[Signal("exit_verb", 0.5, sentences[0] if sentences else "")],
            sentences=sentences,
        )
    return Analysis(relevant=False, score=0.1, sentences=sentences)


ARTICLE_HTML = (
    "<html><head><title>Ignored title</title>"
    '<meta property="og:title" content="Lockbox VPN leaves India"></head><body>'
    "<nav>Home | World | Tech</nav><article><h1>Lockbox VPN leaves India</h1>"
    + "".join(f"<p>{sentence}</p>" for sentence in texts.LOCKBOX_FIRST)
    + "</article><footer>About us</footer></body></html>"
)
BAKERY_HTML = (
    "<html><head><title>Bakery news</title></head><body><article><h1>Bakery opens</h1>"
    + "".join(f"<p>{sentence} {sentence}</p>" for sentence in texts.BAKERY * 3)
    + "</article></body></html>"
)
INDEX_HTML = "<html><head><title>Home</title></head><body><a href='/a'>A</a></body></html>"


def rss(items: Sequence[tuple[str, str, datetime]]) -> str:
    """An RSS document with (title, description, date) items."""
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example/{i}</link>"
        f"<guid>item-{i}</guid><description>{text}</description>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for i, (title, text, when) in enumerate(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>'
        f"<link>https://news.example/</link>{body}</channel></rss>"
    )


def _routes() -> web.Application:
    now = datetime.now(UTC)
    feed = rss(
        [
            ("Lockbox VPN will pull out of India", " ".join(texts.LOCKBOX_FIRST), now),
            ("Bakery opens a third shop", " ".join(texts.BAKERY), now),
            ("Old news: Lockbox to leave India over logs", " ".join(texts.LOCKBOX_FIRST),
             day(1, 5, 2020)),
        ]
    )  # fmt: skip

    pages = {
        "/article": (ARTICLE_HTML, "text/html"),
        "/bakery": (BAKERY_HTML, "text/html"),
        "/index": (INDEX_HTML, "text/html"),
        "/file.pdf": ("%PDF-1.4", "application/pdf"),
        "/feed.xml": (feed, "application/rss+xml"),
        "/other.xml": (feed, "application/rss+xml"),
    }

    async def serve(request: web.Request) -> web.Response:
        body, content_type = pages[request.path]
        return web.Response(text=body, content_type=content_type)

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)  # past the fetcher's 1 s budget, short for the teardown
        return web.Response(text="late")

    app = web.Application()
    app.add_routes([web.get(path, serve) for path in pages] + [web.get("/slow", slow)])
    return app


@pytest.fixture
async def site() -> AsyncIterator[str]:
    """The local web server's base URL (loopback only)."""
    async with serve_app(_routes()) as base:
        yield base


LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=0.5, total_timeout=1.0)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher allowed to reach the loopback test server."""
    session = make_session(LIMITS, allow_private=True)
    try:
        yield Fetcher(session, LIMITS, allow_private=True)
    finally:
        await session.close()


@pytest.fixture
async def guarded_fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher with the production rule: private and loopback addresses are refused."""
    session = make_session(LIMITS, allow_private=False)
    try:
        yield Fetcher(session, LIMITS, allow_private=False)
    finally:
        await session.close()


@pytest.fixture
def config() -> Config:
    return parse_config(
        f"""
discord:
  guilds:
    {GUILD}:
      channel: 333
      mention_role: 444
analysis:
  threshold: 0.5
"""
    )


@pytest.fixture
def service(store: Store, fetcher: Fetcher, config: Config) -> QueryService:
    return QueryService(store, fetcher, config, analyzer=keyword_analyzer)
