"""The on-demand paths through the project's real analyzer (`bot.analysis.pipeline`).

These fail, not skip, while the analyzer is missing: they are the proof that
`/exits summarize` and `/feeds test` work end to end.
"""

from __future__ import annotations

from bot.config import Config
from bot.feeds.fetch import Fetcher
from bot.query.service import QueryService
from bot.storage import Store


async def test_summarize_with_the_real_analyzer(
    store: Store, fetcher: Fetcher, config: Config, site: str
) -> None:
    service = QueryService(store, fetcher, config)
    exit_story = await service.summarize(f"{site}/article")
    assert exit_story.relevant and exit_story.card is not None
    assert "Lockbox" in (exit_story.card.company or "")
    assert exit_story.card.country == "India"
    bakery = await service.summarize(f"{site}/bakery")
    assert not bakery.relevant and bakery.card is None


async def test_feeds_test_with_the_real_analyzer(
    store: Store, fetcher: Fetcher, config: Config, site: str
) -> None:
    service = QueryService(store, fetcher, config)
    result = await service.feeds_test(None, f"{site}/feed.xml")
    lockbox, bakery, old = result.items
    assert lockbox.would_post, lockbox.reason
    assert not bakery.would_post and "not about" in bakery.reason
    assert not old.would_post
