"""`/feeds`: adding, removing, pausing and testing feeds, and reporting their health.

A feed is only added after one successful fetch and parse through the shared fetcher
(so the address guard and the download limits apply), which turns a typo or a home page
into a clear message at once instead of a silent failure at the next poll. Each server
may watch a bounded number of feeds and add them at a bounded rate; configured feeds
belong to config.yaml and are changed there.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from yarl import URL

from bot.errors import FeedNotFound, InvalidInput
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import parse_feed
from bot.feeds.text import truncate
from bot.models import Analysis, Article, FeedItem, ParsedFeed
from bot.query.autocomplete import Candidate, rank
from bot.query.refs import parse_ref
from bot.query.results import (
    Choice,
    FeedAdded,
    FeedChanged,
    FeedHealth,
    FeedTestItem,
    FeedTestResult,
)
from bot.query.settings import GuildSettings
from bot.storage import Store
from bot.storage.queries import QueryRepository
from bot.storage.records import FeedRecord

Analyzer = Callable[[Article], Analysis]

MAX_FEEDS_PER_GUILD = 25
ADDS_PER_WINDOW = 5
ADD_WINDOW = 3600.0
TEST_ITEMS = 10
MAX_NAME = 100
MAX_BACKFILL = 500


@dataclass(frozen=True, slots=True)
class FeedLimits:
    """How many feeds a server may watch, and how often it may add one."""

    per_guild: int = MAX_FEEDS_PER_GUILD
    adds: int = ADDS_PER_WINDOW
    window: float = ADD_WINDOW


class AddRateLimiter:
    """A sliding window of recent `/feeds add` uses per server.

    Kept in memory: the limit is there to stop a burst (each add costs a fetch), and a
    restart resetting it costs nothing that matters.
    """

    def __init__(self, limits: FeedLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._uses: dict[int, deque[float]] = {}

    def check(self, guild_id: int) -> None:
        """Raise InvalidInput when the server has used up its adds for now."""
        uses = self._recent(guild_id)
        if len(uses) >= self._limits.adds:
            wait = self._limits.window - (self._clock() - uses[0])
            minutes = max(1, round(wait / 60))
            raise InvalidInput(
                f"this server added {self._limits.adds} feeds in the last "
                f"{self._limits.window / 3600:g} hour(s); try again in about {minutes} minutes"
            )

    def record(self, guild_id: int) -> None:
        """Count one use."""
        self._recent(guild_id).append(self._clock())

    def _recent(self, guild_id: int) -> deque[float]:
        uses = self._uses.setdefault(guild_id, deque())
        while uses and self._clock() - uses[0] >= self._limits.window:
            uses.popleft()
        return uses


def normalise_url(url: str) -> str:
    """The address as typed, trimmed, with https:// added when the scheme was left off."""
    url = url.strip().strip("<>")
    if not url:
        raise InvalidInput("give the feed's address, e.g. https://example.com/feed.xml")
    return url if "://" in url else f"https://{url}"


def health(feed: FeedRecord) -> FeedHealth:
    """A feed's state as `/feeds list` shows it."""
    if feed.paused:
        state = "paused"
    elif feed.failing:
        state = "failing"
    elif feed.last_success_at is None and feed.last_error is None:
        state = "new"
    elif feed.error_count:
        state = "erroring"
    else:
        state = "ok"
    return FeedHealth(feed, state, configured=feed.origin != "guild")


def item_article(index: int, item: FeedItem) -> Article:
    """A feed item as the analyzer reads it (the feed's own text; pages are not fetched)."""
    return Article(
        id=str(index),
        title=item.title,
        url=item.link or "",
        published=item.published,
        summary=item.summary,
        content=item.content,
    )


class FeedAdmin:
    """The work behind the `/feeds` commands; permission checks are the caller's."""

    def __init__(
        self,
        store: Store,
        queries: QueryRepository,
        fetcher: Fetcher,
        *,
        interval: float,
        max_age: float,
        limits: FeedLimits | None = None,
        clock: Callable[[], float] = time.time,
        limiter: AddRateLimiter | None = None,
    ) -> None:
        self._store = store
        self._queries = queries
        self._fetcher = fetcher
        self._interval = interval
        self._max_age = max_age
        self._limits = limits or FeedLimits()
        self._clock = clock
        self._limiter = limiter or AddRateLimiter(self._limits)

    async def fetch_feed(self, url: str) -> tuple[str, ParsedFeed]:
        """Fetch and parse a feed once; raises FetchRefused, FetchFailed or FeedParseError."""
        result = await self._fetcher.fetch(url)
        parsed = await asyncio.to_thread(
            parse_feed, result.body, url=result.url, content_type=result.content_type
        )
        return result.url, parsed

    async def add(
        self,
        guild_id: int,
        url: str,
        *,
        name: str | None = None,
        channel_id: int | None = None,
        backfill: int = 0,
        user_id: int | None = None,
    ) -> FeedAdded:
        """Validate by fetching once, then watch the feed for this server."""
        url = normalise_url(url)
        if not 0 <= backfill <= MAX_BACKFILL:
            raise InvalidInput(f"backfill must be between 0 and {MAX_BACKFILL} items")
        if name is not None and not name.strip():
            raise InvalidInput("a feed name cannot be blank")
        for feed in await self._store.feeds.list(guild_id=guild_id):
            if feed.url == url:
                raise InvalidInput(f"that feed is already watched (feed #{feed.id})")
        if await self._queries.guild_feed_count(guild_id) >= self._limits.per_guild:
            raise InvalidInput(
                f"this server already watches {self._limits.per_guild} feeds, the limit; "
                "remove one first"
            )
        self._limiter.check(guild_id)
        self._limiter.record(guild_id)
        _, parsed = await self.fetch_feed(url)
        title = parsed.title or URL(url).host or url
        record = await self._store.feeds.add(
            url=url,
            name=truncate((name or title).strip(), MAX_NAME),
            guild_id=guild_id,
            interval_s=self._interval,
            backfill=backfill,
            channel_id=channel_id,
            added_by=user_id,
        )
        return FeedAdded(record, title, len(parsed.items))

    async def change(self, guild_id: int | None, feed: str, action: str) -> FeedChanged:
        """Remove, pause or resume one of this server's feeds."""
        record = await self.resolve(feed, guild_id)
        if record.origin != "guild":
            raise InvalidInput(
                f"feed #{record.id} comes from config.yaml; change it there, not with /feeds"
            )
        if guild_id is not None and record.guild_id != guild_id:
            raise FeedNotFound(f"feed #{record.id} belongs to another server")
        if action == "remove":
            await self._store.feeds.remove(record.id)
        elif action in ("pause", "resume"):
            await self._store.feeds.set_paused(record.id, action == "pause")
        else:
            raise InvalidInput(f"unknown feed action {action!r}")
        past = {"remove": "removed", "pause": "paused", "resume": "resumed"}[action]
        return FeedChanged(await self._store.feeds.get(record.id), past)

    async def list(self, guild_id: int | None) -> list[FeedHealth]:
        """Every feed this server sees (its own and the configured ones), with health."""
        return [health(feed) for feed in await self._store.feeds.list(guild_id=guild_id)]

    async def test(
        self, url: str, *, analyzer: Analyzer, settings: GuildSettings, threshold: float
    ) -> FeedTestResult:
        """A dry run: what the newest items would do here, and why. Nothing is stored."""
        url = normalise_url(url)
        final_url, parsed = await self.fetch_feed(url)
        items = parsed.items[:TEST_ITEMS]
        articles = [item_article(i, item) for i, item in enumerate(items)]
        analyses = await asyncio.to_thread(lambda: [analyzer(article) for article in articles])
        verdicts = [
            self._verdict(item, analysis, settings, threshold)
            for item, analysis in zip(items, analyses, strict=True)
        ]
        return FeedTestResult(final_url, parsed.title or final_url, len(parsed.items), verdicts)

    def _verdict(
        self, item: FeedItem, analysis: Analysis, settings: GuildSettings, threshold: float
    ) -> FeedTestItem:
        """Would this item be posted here, and the one reason that decides it."""
        stage = analysis.stage.value if analysis.stage else None
        oldest = self._clock() - self._max_age
        if not analysis.relevant:
            reason = f"not about a surveillance-driven exit (score {analysis.score:.2f})"
        elif analysis.score < threshold:
            reason = f"score {analysis.score:.2f} is below this server's threshold {threshold:.2f}"
        elif item.published is not None and item.published.timestamp() < oldest:
            reason = f"older than {self._max_age / 86400:g} days: old news is not posted"
        else:
            reason = settings.refusal(
                score=analysis.score,
                company=analysis.company,
                country=analysis.country,
                stage=stage,
            ) or (
                f"would be posted: {analysis.company} · {analysis.country} · {stage} "
                f"(score {analysis.score:.2f})"
            )
        return FeedTestItem(
            title=item.title,
            url=item.link,
            would_post=reason.startswith("would be posted"),
            reason=reason,
            score=analysis.score,
            company=analysis.company,
            country=analysis.country,
            stage=stage,
        )

    async def resolve(self, text: str, guild_id: int | None) -> FeedRecord:
        """A feed by "#3", "3", its name or its URL, among those this server sees."""
        wanted = text.strip()
        feeds = await self._store.feeds.list(guild_id=guild_id)
        number = parse_ref(wanted)
        if number is not None:
            for feed in feeds:
                if feed.id == number:
                    return feed
        folded = wanted.casefold()
        for feed in feeds:
            if folded in (feed.url.casefold(), feed.name.casefold(), (feed.title or "").casefold()):
                return feed
        raise FeedNotFound(f"no feed matches {wanted!r}; /feeds list shows them with numbers")

    async def complete(self, query: str, guild_id: int | None) -> list[Choice]:
        """Feed suggestions: number, name, title or URL."""
        feeds = await self._store.feeds.list(guild_id=guild_id)
        candidates = [
            Candidate(
                value=str(feed.id),
                label=f"#{feed.id} {feed.title or feed.name} — {feed.url}",
                fields=(feed.name, feed.title or "", feed.url),
                recency=feed.last_success_at or 0.0,
                number=feed.id,
            )
            for feed in feeds
        ]
        return rank(query, candidates)
