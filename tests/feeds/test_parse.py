"""Parsing every feed format and the hostile or broken bodies the design lists."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.errors import FeedParseError
from bot.feeds.parse import discover_feed_link, parse_feed
from tests.feeds.conftest import DATA

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
URL = "https://feeds.example.com/news/feed"


def parse(name: str, **kwargs):
    return parse_feed((DATA / name).read_bytes(), url=URL, now=NOW, **kwargs)


def test_rss20():
    feed = parse("rss20.xml")
    assert feed.format == "rss20"
    assert feed.title == "Policy Ledger"
    first = feed.items[0]
    assert first.title == 'Chat app weighs exit over "lawful access" bill'
    assert first.guid == "tag:ledger.example.com,2026:4411"
    assert first.published == datetime(2026, 11, 28, 8, 15, tzinfo=UTC)
    assert first.author == "R. Okafor"
    assert "will not weaken its encryption" in first.content
    assert feed.items[2].published is None


def test_rss10_rdf():
    feed = parse("rss10.rdf")
    assert feed.format == "rss10"
    assert [i.link for i in feed.items] == [
        "https://rdf.example.org/a/1",
        "https://rdf.example.org/a/2",
    ]
    assert feed.items[1].published == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_rss091_in_latin1():
    feed = parse("rss091.xml")
    assert feed.format.startswith("rss091")
    assert feed.items[0].title == "Café owners ask about Wi-Fi logging rules"


def test_atom_with_xml_base_and_html_title():
    feed = parse("atom.xml")
    assert feed.format == "atom10"
    assert feed.title == "Net & Rights"
    vpn, spyware, future = feed.items
    assert vpn.title == "VPN firm pulls servers over logging order"
    assert vpn.link == "https://atom.example.org/news/vpn-pulls-servers"
    assert vpn.published == datetime(2026, 11, 29, 13, 0, tzinfo=UTC)
    assert vpn.author == "D. Lindqvist"
    assert 'href="https://atom.example.org/about"' in vpn.content
    assert spyware.link == "https://atom.example.org/briefs/spyware-report"
    assert future.published is None


def test_json_feed_10():
    feed = parse("feed10.json")
    assert feed.format == "json1"
    assert feed.title == "Circuit Notes"
    first, second = feed.items
    assert first.guid == "cn-2026-301"
    assert first.published == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    assert first.author == "P. Haddad"
    assert first.content.startswith("<p>")
    assert second.link == "https://feeds.example.com/posts/chip-launch"
    assert second.published is None


def test_json_feed_11():
    feed = parse("feed11.json")
    assert feed.format == "json1.1"
    assert feed.items[0].author == "M. Silva"
    assert feed.items[0].published == datetime(2026, 11, 28, 6, 10, tzinfo=UTC)


def test_relative_rss_link_resolves_against_feed_url():
    assert parse("rss20.xml").items[1].link == "https://feeds.example.com/2026/11/ad-network-fine"


@pytest.mark.parametrize("name", ["wrong_encoding.xml", "bom_utf8.xml", "utf16.xml"])
def test_bad_or_unusual_encodings_give_readable_text(name):
    title = parse(name).items[0].title
    assert "\ufffd" not in title
    assert "café" in title or title.startswith("Über")


def test_mixed_encodings_in_one_body():
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Mixed</title>'
    one = "<item><title>Café one</title><link>https://m.example/1</link></item>"
    two = "<item><title>Café two “quoted”</title><link>https://m.example/2</link></item>"
    body = (head + one).encode() + (two + "</channel></rss>").encode("cp1252")
    feed = parse_feed(body, url=URL, now=NOW)
    assert len(feed.items) == 2
    assert "\ufffd" not in feed.items[1].title


def test_malformed_xml_is_parsed_tolerantly():
    feed = parse("malformed.xml")
    assert feed.title == "Sloppy Feed"
    assert len(feed.items) >= 2
    assert feed.items[0].title == "First story & more"


def test_billion_laughs_is_not_expanded():
    started = time.perf_counter()
    feed = parse("billion_laughs.xml")
    assert time.perf_counter() - started < 1
    assert "lollol" not in feed.title + "".join(i.title for i in feed.items)


def test_external_entities_are_not_loaded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&x;</title>'
        "<link>https://x.example/1</link></item></channel></rss>"
    ).encode()
    feed = parse_feed(body, url=URL, now=NOW)
    assert "TOPSECRET" not in feed.items[0].title


def test_html_page_is_refused_naming_its_feed():
    with pytest.raises(FeedParseError, match=r"HTML page, not a feed.*feeds.example.com/feed.xml"):
        parse("html_page.html")


def test_html_by_content_type_is_refused():
    with pytest.raises(FeedParseError, match=r"HTML page"):
        parse_feed(b"<div>hello</div>", url=URL, content_type="text/html")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"just some words",
        b'{"hello": "world"}',
        b"[[[[" * 50000,
        b'<?xml version="1.0"?><a/>',
    ],
    ids=["empty", "blank", "text", "json-not-feed", "deep-json", "xml-not-feed"],
)
def test_non_feeds_raise_feed_parse_error(body):
    with pytest.raises(FeedParseError):
        parse_feed(body, url=URL, now=NOW)


def test_item_cap_keeps_newest_in_document_order():
    items = "".join(
        f"<item><title>Story {day}</title><link>https://c.example/{day}</link>"
        f"<pubDate>{day:02d} Nov 2026 10:00:00 GMT</pubDate></item>"
        for day in (5, 20, 1, 25, 10)
    )
    body = f'<rss version="2.0"><channel><title>c</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body, url=URL, now=NOW, max_items=3)
    assert [i.title for i in feed.items] == ["Story 20", "Story 25", "Story 10"]


def test_long_titles_are_truncated():
    body = (
        '<rss version="2.0"><channel><title>t</title><item><title>'
        + "word " * 400
        + "</title><link>https://c.example/1</link></item></channel></rss>"
    ).encode()
    title = parse_feed(body, url=URL, now=NOW, max_title=100).items[0].title
    assert len(title) == 100
    assert title.endswith("…")


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("0001-01-01T00:00:00Z", None),
        ("9999-12-31T23:59:59Z", None),
        ("2027-06-01T00:00:00Z", None),
        ("2026-11-30T09:00:00+09:00", datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
        ("2026-11-29T10:00:00", datetime(2026, 11, 29, 10, 0, tzinfo=UTC)),
    ],
)
def test_json_dates_are_utc_or_none_when_absurd(date, expected):
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": '
        f'[{{"id": "1", "title": "x", "date_published": "{date}"}}]}}'
    ).encode()
    assert parse_feed(body, url=URL, now=NOW).items[0].published == expected


# Hostile pages: each of these took minutes or hours with the regular expressions the
# parser used before; finishing at all, with the right answer, is the test.


def test_feed_link_is_found_in_a_tag_with_a_huge_attribute_name():
    link = b'<link rel="alternate" type="application/rss+xml" href="/feed.xml" '
    page = b"<!doctype html><html><head>" + link + b"a" * 200_000 + b"></head></html>"
    assert discover_feed_link(page, URL) == "https://feeds.example.com/feed.xml"


def test_feed_link_discovery_survives_unclosed_link_tags():
    page = b"<!doctype html><html><head>" + b"<link " * 40_000
    assert discover_feed_link(page, URL) is None
    with pytest.raises(FeedParseError, match=r"HTML page, not a feed$"):
        parse_feed(page, url=URL, now=NOW)


def test_leading_comments_do_not_make_html_sniffing_exponential():
    comments = b"<!---->" * 500
    rss = (
        b'<rss version="2.0"><channel><title>t</title><item><title>One</title>'
        b"<link>https://x.example/1</link></item></channel></rss>"
    )
    assert [item.title for item in parse_feed(comments + rss, url=URL, now=NOW).items] == ["One"]
    with pytest.raises(FeedParseError, match="HTML page"):
        parse_feed(comments + b"<!doctype html><html><body>hi</body></html>", url=URL, now=NOW)
