"""The bundled demo feeds parse, and the shared story dedupes across them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot
from bot.feeds.identity import entry_key
from bot.feeds.parse import parse_feed

SAMPLES = Path(bot.__file__).parent / "samples" / "feeds"
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _feeds():
    return {
        path.name: parse_feed(path.read_bytes(), url=f"https://demo.example/{path.name}", now=NOW)
        for path in sorted(SAMPLES.iterdir())
    }


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("digital-rights-wire.xml", "rss20"),
        ("policy-watch.atom", "atom10"),
        ("tech-brief.json", "json1.1"),
    ],
)
def test_each_sample_parses_with_6_to_10_dated_items(name, fmt):
    feed = _feeds()[name]
    assert feed.format == fmt
    assert 6 <= len(feed.items) <= 10
    assert all(item.published and item.published.year == 2026 for item in feed.items)


def test_one_story_is_shared_across_feeds_by_link():
    keys = Counter(entry_key(item) for feed in _feeds().values() for item in feed.items)
    shared = [key for key, count in keys.items() if count > 1]
    assert shared == ["url:https://policyledger.example.com/2026/11/27/messenger-uk-scanning"]
