"""The watcher: entries to stories, with each server's threshold deciding what is posted."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest

from bot import watch
from bot.app import analysis_floor
from bot.config import parse_config
from bot.feeds.article import needs_page
from bot.feeds.fetch import Fetcher, FetchLimits, make_session
from bot.models import Analysis, FeedItem
from bot.routing import guild_router
from bot.storage import Store
from bot.storage.records import EntryRecord, KeyedItem, Target
from bot.watch import TEASER_SCAN_CHARS, Watcher
from tests.store_setup import config_feed

WINDOW = 60 * 86400.0
CONFIG = parse_config(
    "discord:\n  guilds:\n    111:\n      channel: 5\n    222:\n      channel: 6\n"
    "analysis:\n  threshold: 0.5\n"
)
# A government cut-off next to a sentence about surveillance, with no demand: the real
# analyzer scores it 0.355, under its own 0.5 bar.
WEAK_TITLE = "Lockwell VPN news"
WEAK_TEXT = (
    "India blocked Lockwell VPN on Monday. "
    "Surveillance of online services has been debated in the country for years."
)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A fetcher that is never pointed anywhere but loopback."""
    limits = FetchLimits(connect_timeout=1.0, read_timeout=1.0, total_timeout=2.0)
    session = make_session(limits, allow_private=True)
    try:
        yield Fetcher(session, limits, allow_private=True)
    finally:
        await session.close()


async def pending_entry(store: Store, title: str, content: str, summary: str = "") -> EntryRecord:
    """One new entry of a configured feed, as the poller leaves it for the watcher."""
    feed = await config_feed(store, "https://feeds.example/w.xml", "W")
    item = FeedItem(
        title=title,
        link=f"https://news.example/{await store.entries.count()}",
        summary=summary,
        content=content,
        published=datetime.now(UTC),
    )
    saved = await store.entries.save_items(feed.id, [KeyedItem(item.link or "", "h", item, True)])
    return saved.pending[0]


async def test_a_servers_lower_threshold_receives_a_story_under_the_analyzers_bar(
    store: Store, fetcher: Fetcher
) -> None:
    await store.settings.update(111, {"threshold": 0.3})
    await store.settings.update(222, {"threshold": 0.7})
    watcher = Watcher(store, fetcher, guild_router(store, CONFIG, list), event_window=WINDOW)
    entry = await pending_entry(store, WEAK_TITLE, WEAK_TEXT)
    [done] = await watcher.process([entry], fetch_pages=False)
    assert 0.3 <= done.analysis.score < 0.5
    assert done.analysis.relevant and done.analysis.company == "Lockwell VPN"
    assert done.stored.change == "new_event"
    due = await store.outbox.due(prefix="guild:")
    assert [item.destination for item in due] == ["guild:111"], "0.3 gets it, 0.7 does not"


async def test_a_story_under_the_bar_that_no_server_takes_stays_not_relevant(
    store: Store, fetcher: Fetcher
) -> None:
    watcher = Watcher(store, fetcher, guild_router(store, CONFIG, list), event_window=WINDOW)
    entry = await pending_entry(store, WEAK_TITLE, WEAK_TEXT)
    [done] = await watcher.process([entry], fetch_pages=False)
    assert not done.analysis.relevant and done.analysis.company is None
    assert done.stored.event_id is None and await store.outbox.due(prefix="guild:") == []


async def test_the_router_sees_every_story_with_a_company_and_a_country(
    store: Store, fetcher: Fetcher
) -> None:
    seen: list[float] = []

    async def route(analysis: Analysis, entry: EntryRecord) -> Sequence[Target]:
        seen.append(analysis.score)
        return [Target("console")] if analysis.score >= 0.3 else []

    watcher = Watcher(store, fetcher, route, event_window=WINDOW)
    entry = await pending_entry(store, WEAK_TITLE, WEAK_TEXT)
    [done] = await watcher.process([entry], fetch_pages=False)
    assert seen == [done.analysis.score] and done.stored.enqueued == 1


async def test_stories_are_extracted_only_down_to_the_lowest_threshold_in_use(
    store: Store, fetcher: Fetcher
) -> None:
    """Extraction is most of the analyzer's time: with no server below the config's 0.5,
    a weak story is scored but not extracted, and the router is not asked."""
    asked: list[float] = []

    async def route(analysis: Analysis, entry: EntryRecord) -> Sequence[Target]:
        asked.append(analysis.score)
        return [Target("guild:111")]

    floor = analysis_floor(store, CONFIG)
    watcher = Watcher(store, fetcher, route, event_window=WINDOW, floor=floor)
    entry = await pending_entry(store, WEAK_TITLE, WEAK_TEXT)
    [weak] = await watcher.process([entry], fetch_pages=False)
    assert await floor() == 0.5
    assert weak.analysis.company is None and asked == []
    await store.settings.update(222, {"threshold": 0.3})
    assert await floor() == 0.3
    entry = await pending_entry(store, WEAK_TITLE, WEAK_TEXT)
    [again] = await watcher.process([entry], fetch_pages=False)
    assert again.analysis.company == "Lockwell VPN" and asked == [again.analysis.score]


async def test_the_teaser_check_reads_a_bounded_prefix_off_the_event_loop(
    store: Store, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bool, int, int]] = []

    def recording_needs_page(item: FeedItem) -> bool:
        on_main = threading.current_thread() is threading.main_thread()
        calls.append((on_main, len(item.content), len(item.summary)))
        return needs_page(item)

    async def nowhere(analysis: Analysis, entry: EntryRecord) -> Sequence[Target]:
        return []

    monkeypatch.setattr(watch, "needs_page", recording_needs_page)
    huge = "<p>" + "Plain words about nothing in particular. " * 20_000 + "</p>"
    entry = await pending_entry(store, "A long item", huge, summary=huge)
    await Watcher(store, fetcher, nowhere, event_window=WINDOW).process([entry])
    assert calls == [(False, TEASER_SCAN_CHARS, TEASER_SCAN_CHARS)]


@pytest.mark.parametrize(
    ("content", "teaser"),
    [
        ("<p>" + "word " * 100 + "</p>" + "<b>tail</b>" * 100_000, False),
        ("<p>Lockwell leaves India. Read more</p>", True),
        ("<style>" + "x" * 50_000 + "</style><p>" + "word " * 100 + "</p>", True),
    ],
    ids=["long item", "short teaser", "markup-heavy prefix: one extra page fetch at worst"],
)
async def test_teaser_judgement_on_the_prefix(store: Store, content: str, teaser: bool) -> None:
    entry = await pending_entry(store, "Item", content)
    assert watch._teaser_only(entry) is teaser
