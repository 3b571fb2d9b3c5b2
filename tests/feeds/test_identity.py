"""Canonical URLs, entry keys and content hashes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.feeds.identity import _general_canonical_url, canonical_url, content_hash, entry_key
from bot.models import FeedItem

# URL-shaped text: the common shapes plus the characters URL parsers treat specially.
URLS = st.builds(
    str.__add__,
    st.sampled_from(["http://", "https://", "HTTPS://", "http:///", "ftp://", "//", ""]),
    st.text(alphabet="aZ09-._~%!$&'()*+,;=:@/?#[]\\ \t\n\x00é\u00a0\u2028", max_size=30),
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://News.Example.COM:443/2026/story/?utm_source=rss&b=2&a=1&fbclid=x#comments",
            "https://news.example.com/2026/story?a=1&b=2",
        ),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/a/", "http://example.com:8080/a"),
        (
            "https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&ref=tw&cmpid=4&ocid=5",
            "https://example.com/a",
        ),
        ("https://example.com/?p=42&utm_campaign=x", "https://example.com/?p=42"),
        ("https://example.com/?feed=rss2", "https://example.com/?feed=rss2"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent():
    once = canonical_url("https://Example.com/a/b/?z=1&y=2&utm_medium=x")
    assert canonical_url(once) == once


def test_same_link_in_two_feeds_gives_same_key_despite_different_guids():
    ours = FeedItem(
        title="Messenger may leave",
        link="https://outlet.example.com/story/?utm_source=feed",
        guid="tag:outlet.example.com,2026:123",
    )
    theirs = FeedItem(
        title="Messenger could quit the market",
        link="https://outlet.example.com/story",
        guid="syndicator-998",
    )
    assert entry_key(ours) == entry_key(theirs) == "url:https://outlet.example.com/story"


def test_guid_used_when_there_is_no_link():
    assert entry_key(FeedItem(title="t", link=None, guid="urn:uuid:1234")) == "guid:urn:uuid:1234"


def test_permalink_guid_without_link_is_a_url_key():
    item = FeedItem(title="t", link=None, guid="https://Example.com/p/1/#top")
    assert entry_key(item) == "url:https://example.com/p/1"


def test_hash_key_from_title_and_date_when_nothing_else():
    when = datetime(2026, 11, 29, 8, tzinfo=UTC)
    one = FeedItem(title="  VPN Leaves  India ", link=None, published=when)
    two = FeedItem(title="vpn leaves india", link=None, published=when)
    other_day = FeedItem(title="vpn leaves india", link=None, published=None)
    assert entry_key(one) == entry_key(two)
    assert entry_key(one).startswith("hash:")
    assert entry_key(one) != entry_key(other_day)


def test_non_web_link_falls_back_to_guid():
    item = FeedItem(title="t", link="mailto:desk@example.com", guid="id-7")
    assert entry_key(item) == "guid:id-7"


def test_content_hash_ignores_markup_but_notices_edits():
    base = FeedItem(title="T", link=None, summary="<p>Company  leaves.</p>")
    same = FeedItem(title="T", link=None, summary="Company leaves.")
    edited = FeedItem(title="T", link=None, summary="Company stays.")
    assert content_hash(base) == content_hash(same)
    assert content_hash(base) != content_hash(edited)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(URLS)
@example("https://Outlet.Example.com./2026/11/story-1/#comments")
@example("http://a-b.example/x//")
@example("http://.../x")
@example("https://example.com//double")
def test_the_shortcut_for_simple_urls_agrees_with_the_general_code(url: str) -> None:
    assert _outcome(canonical_url, url) == _outcome(_general_canonical_url, url)


def _outcome(canonical: Callable[[str], str], url: str) -> str | type[Exception]:
    """The canonical form, or the error (urlsplit refuses some bracketed hosts)."""
    try:
        return canonical(url)
    except ValueError as exc:
        return type(exc)


def test_content_hash_is_unchanged_for_stored_entries() -> None:
    """Stored hashes were computed by earlier code; a different hash would make every stored
    entry look edited."""
    item = FeedItem(
        title="  Messenger\u00a0leaves \n the  market ",
        link=None,
        summary="<p>Company&nbsp;<b>leaves</b>.</p>\n<p>Ünïcode &amp; ß</p>",
        content="Full\ttext\u2028here",
    )
    expected = "656b5b0b014f8ca8dce2dc9e1addfa07431cccde559792acce2552ba9ca6a4cb"
    assert content_hash(item) == expected
