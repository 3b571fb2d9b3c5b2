"""Teaser detection and article extraction from pages with realistic boilerplate."""

from __future__ import annotations

import pytest

from bot.feeds.article import extract_article, needs_page
from bot.models import FeedItem
from tests.feeds.conftest import DATA

PAGES = DATA / "pages"
LONG = " ".join(["The provider explained its decision in detail."] * 20)


@pytest.mark.parametrize(
    ("summary", "content", "expected"),
    [
        ("A short teaser about a VPN.", "", True),
        (LONG, "", False),
        ("", f"<p>{LONG}</p>", False),
        (LONG + " Read more", "", True),
        (LONG + "…", "", True),
        (LONG + " [...]", "", True),
        ("<p>" + "word " * 100 + '<a href="/x">Continue reading</a></p>', "", True),
    ],
)
def test_needs_page(summary, content, expected):
    assert needs_page(FeedItem(title="t", link=None, summary=summary, content=content)) is expected


def test_extracts_story_and_drops_boilerplate():
    text = extract_article((PAGES / "vpn_exit.html").read_bytes(), "https://c.example/a")
    assert text is not None
    assert "switched off its physical servers in India" in text
    assert "A no-logs service cannot keep logs" in text
    for boilerplate in (
        "cookie",
        "Register here",
        "Watch here",
        "Related stories",
        "Sign up",
        "mission",
    ):
        assert boilerplate not in text
    assert "\n\n" in text


def test_extracts_from_str_input_too():
    html = (PAGES / "messenger_uk.html").read_text(encoding="utf-8")
    text = extract_article(html, "https://c.example/b")
    assert text is not None
    assert "back door by another name" in text
    for boilerplate in ("Most read", "Subscribe", "Advertisement", "Register here"):
        assert boilerplate not in text


def test_page_without_an_article_gives_none():
    assert extract_article((PAGES / "listing.html").read_bytes(), "https://c.example/") is None
    assert extract_article(b"", "https://c.example/") is None
