"""`/feeds` through the real fetcher against a loopback server, and the address guard."""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.errors import FeedNotFound, FeedParseError, FetchRefused, InvalidInput
from bot.feeds.fetch import Fetcher
from bot.query.feeds_admin import AddRateLimiter, FeedLimits
from bot.query.service import QueryService
from bot.storage import Store
from tests.query.conftest import GUILD, add_feed, keyword_analyzer


async def test_add_validates_by_fetching_and_reports_title_and_items(
    service: QueryService, site: str
) -> None:
    added = await service.feeds_add(GUILD, f"{site}/feed.xml", channel_id=9, backfill=2)
    assert added.title == "Test Wire" and added.items == 3
    assert added.feed.name == "Test Wire" and added.feed.channel_id == 9
    assert added.feed.backfill == 2 and added.feed.guild_id == GUILD
    with pytest.raises(InvalidInput, match="already watched"):
        await service.feeds_add(GUILD, f"{site}/feed.xml")


async def test_add_refuses_pages_that_are_not_feeds(service: QueryService, site: str) -> None:
    with pytest.raises(FeedParseError, match="HTML page"):
        await service.feeds_add(GUILD, f"{site}/index")
    assert (await service.feeds_list(GUILD)).feeds == []


async def test_add_refuses_private_addresses(
    store: Store, guarded_fetcher: Fetcher, config: Config, site: str
) -> None:
    guarded = QueryService(store, guarded_fetcher, config, analyzer=keyword_analyzer)
    with pytest.raises(FetchRefused, match="refused"):
        await guarded.feeds_add(GUILD, f"{site}/feed.xml")
    with pytest.raises(FetchRefused):
        await guarded.feeds_add(GUILD, "http://169.254.169.254/latest/meta-data")
    with pytest.raises(FetchRefused, match="only http and https"):
        await guarded.feeds_add(GUILD, "file:///etc/passwd")


async def test_per_guild_limit_and_rate_limit(
    store: Store, fetcher: Fetcher, config: Config, site: str
) -> None:
    limited = QueryService(
        store, fetcher, config, analyzer=keyword_analyzer,
        feed_limits=FeedLimits(per_guild=1, adds=5, window=3600),
    )  # fmt: skip
    await limited.feeds_add(GUILD, f"{site}/feed.xml")
    with pytest.raises(InvalidInput, match="limit"):
        await limited.feeds_add(GUILD, f"{site}/other.xml")
    now = [0.0]
    limiter = AddRateLimiter(FeedLimits(adds=2, window=3600), clock=lambda: now[0])
    limiter.record(1)
    limiter.record(1)
    with pytest.raises(InvalidInput, match="try again in about 60 minutes"):
        limiter.check(1)
    limiter.check(2)
    now[0] = 3600.0
    limiter.check(1)


async def test_rate_limit_applies_to_add(
    store: Store, fetcher: Fetcher, config: Config, site: str
) -> None:
    limited = QueryService(
        store, fetcher, config, analyzer=keyword_analyzer, feed_limits=FeedLimits(adds=1)
    )
    await limited.feeds_add(GUILD, f"{site}/feed.xml")
    with pytest.raises(InvalidInput, match="added 1 feeds"):
        await limited.feeds_add(GUILD, f"{site}/other.xml")


async def test_add_checks_its_arguments(service: QueryService, site: str) -> None:
    with pytest.raises(InvalidInput, match="backfill"):
        await service.feeds_add(GUILD, f"{site}/feed.xml", backfill=501)
    with pytest.raises(InvalidInput, match="address"):
        await service.feeds_add(GUILD, "  ")


async def test_remove_pause_resume_and_list(service: QueryService, store: Store, site: str) -> None:
    configured = await add_feed(store)
    added = await service.feeds_add(GUILD, f"{site}/feed.xml", name="Wire")
    listed = (await service.feeds_list(GUILD)).feeds
    assert [(h.feed.id, h.configured, h.state) for h in listed] == [
        (configured, True, "new"),
        (added.feed.id, False, "new"),
    ]
    paused = await service.feeds_pause(GUILD, "Wire")
    assert paused.action == "paused" and paused.feed.paused
    assert (await service.feeds_list(GUILD)).feeds[1].state == "paused"
    assert not (await service.feeds_resume(GUILD, f"#{added.feed.id}")).feed.paused
    with pytest.raises(InvalidInput, match=r"config\.yaml"):
        await service.feeds_remove(GUILD, str(configured))
    with pytest.raises(FeedNotFound):
        await service.feeds_remove(999, str(added.feed.id))
    with pytest.raises(FeedNotFound, match="feeds list"):
        await service.feeds_remove(GUILD, "nothing like it")
    assert (await service.feeds_remove(GUILD, f"{site}/feed.xml")).action == "removed"
    assert [h.feed.id for h in (await service.feeds_list(GUILD)).feeds] == [configured]


async def test_feed_health_states(service: QueryService, store: Store) -> None:
    feed = await add_feed(store)
    await store.feeds.record_failure(feed, "HTTP 500", next_poll_at=10.0)
    assert (await service.feeds_list(None)).feeds[0].state == "erroring"
    for _ in range(2):
        await store.feeds.record_failure(feed, "HTTP 500", next_poll_at=10.0)
    assert (await service.feeds_list(None)).feeds[0].state == "failing"
    await store.feeds.record_success(feed, next_poll_at=20.0)
    assert (await service.feeds_list(None)).feeds[0].state == "ok"


async def test_feed_test_is_a_dry_run_with_reasons(
    service: QueryService, store: Store, site: str
) -> None:
    result = await service.feeds_test(GUILD, f"{site}/feed.xml")
    assert result.title == "Test Wire" and result.total_items == 3
    post, bakery, old = result.items
    assert post.would_post and post.reason.startswith("would be posted") and post.country == "India"
    assert not bakery.would_post and "not about" in bakery.reason
    assert not old.would_post and "older than" in old.reason
    assert await store.entries.count() == 0 and (await service.feeds_list(GUILD)).feeds == []


async def test_feed_test_applies_the_servers_threshold_and_filters(
    service: QueryService, site: str
) -> None:
    await service.settings_filters(GUILD, countries=["Pakistan"])
    first = (await service.feeds_test(GUILD, f"{site}/feed.xml")).items[0]
    assert not first.would_post and "Pakistan" not in first.reason and "India" in first.reason
    await service.settings_threshold(GUILD, 0.9)
    first = (await service.feeds_test(GUILD, f"{site}/feed.xml")).items[0]
    assert "threshold 0.90" in first.reason


async def test_feed_autocomplete(service: QueryService, site: str) -> None:
    added = await service.feeds_add(GUILD, f"{site}/feed.xml", name="Wire")
    [choice] = await service.complete_feed("wir", GUILD)
    assert choice.value == str(added.feed.id) and choice.name.startswith(f"#{added.feed.id} Wire")
    assert await service.complete_feed("wir", 12345) == []
