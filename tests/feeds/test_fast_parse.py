"""The fast reader and feedparser give the same items; what the fast reader refuses it leaves.

Each document is parsed twice through `parse_feed`: once as it runs (fast reader first) and
once with the fast reader switched off (feedparser only). Titles, links, guids, dates and
authors must be equal; summary and content must be equal as text, which is how every
consumer reads them, and so entry keys and content hashes match too.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest
from feedparser.datetimes import _parse_date
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import bot.feeds.parse as parse_module
from bot.feeds.fast_parse import _EXTRA_SLASHES, _absolute, _resolved, parse_date, read_feed
from bot.feeds.identity import content_hash, entry_key
from bot.feeds.parse import parse_feed
from bot.feeds.text import html_to_text
from bot.models import ParsedFeed
from tests.feeds.conftest import DATA

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
URL = "https://feeds.example.com/news/feed"
SAMPLES = Path(parse_module.__file__).resolve().parent.parent / "samples" / "feeds"
DOCUMENTS = sorted(
    [path for path in DATA.iterdir() if path.is_file() and path.suffix != ".html"]
    + list(SAMPLES.iterdir())
)
# Plain, well-formed UTF-8 feeds: these must take the fast path, or it is not worth having.
FAST = {"rss20.xml", "rss10.rdf", "bom_utf8.xml", "digital-rights-wire.xml", "policy-watch.atom"}


def both_paths(
    body: bytes, monkeypatch: pytest.MonkeyPatch, content_type: str | None = None
) -> tuple[ParsedFeed, ParsedFeed]:
    """(as parse_feed runs, feedparser only)."""
    ran = parse_feed(body, url=URL, content_type=content_type, now=NOW)
    with monkeypatch.context() as patched:
        patched.setattr(parse_module, "read_feed", lambda *args: None)
        fallback = parse_feed(body, url=URL, content_type=content_type, now=NOW)
    return ran, fallback


def assert_same(fast: ParsedFeed, slow: ParsedFeed) -> None:
    assert (fast.title, fast.link, fast.format) == (slow.title, slow.link, slow.format)
    assert len(fast.items) == len(slow.items)
    for mine, theirs in zip(fast.items, slow.items, strict=True):
        assert (mine.title, mine.link, mine.guid, mine.published, mine.author) == (
            theirs.title,
            theirs.link,
            theirs.guid,
            theirs.published,
            theirs.author,
        )
        assert html_to_text(mine.summary) == html_to_text(theirs.summary)
        assert html_to_text(mine.content) == html_to_text(theirs.content)
        assert entry_key(mine) == entry_key(theirs)
        assert content_hash(mine) == content_hash(theirs)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
@pytest.mark.parametrize("content_type", [None, "application/rss+xml"])
def test_every_fixture_and_sample_parses_the_same_on_both_paths(
    path: Path, content_type: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = path.read_bytes()
    assert (read_feed(body, URL, content_type) is not None) == (path.name in FAST)
    fast, slow = both_paths(body, monkeypatch, content_type)
    assert_same(fast, slow)


def rss(items: str, channel: str = "<title>T</title><link>https://o.example/</link>") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


def atom(entries: str, head: str = "<title>A</title>") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"{head}{entries}</feed>"
    ).encode()


DATE = "<pubDate>Sat, 28 Nov 2026 09:15:00 GMT</pubDate>"
# Documents the fast reader must read, each probing one of feedparser's rules.
READ = {
    "no declaration": rss("<item><title>Café</title></item>").replace(
        b'<?xml version="1.0" encoding="utf-8"?>', b""
    ),
    "upper-case UTF-8": rss("<item><title>Café</title></item>").replace(b"utf-8", b"UTF-8"),
    "html title": rss("<item><title>A &lt;b&gt;bold&lt;/b&gt; move</title></item>"),
    "entity title": rss("<item><title>Fish &amp;amp; chips</title></item>"),
    "plain angle title": rss("<item><title>a &lt; b and c &gt; d</title></item>"),
    "cdata": rss("<item><title><![CDATA[Rock & <i>roll</i>]]></title></item>"),
    "relative link": rss("<item><title>x</title><link>/2026/story?a=1&amp;b=2</link></item>"),
    "extra slashes": rss("<item><title>x</title><link>https:////o.example/a</link></item>"),
    "guid as link": rss("<item><title>x</title><guid>https://o.example/g/1</guid></item>"),
    "relative guid": rss("<item><title>x</title><guid>12345</guid></item>"),
    "guid not link": rss('<item><title>x</title><guid isPermaLink="false">12345</guid></item>'),
    "guid odd case": rss('<item><title>x</title><guid isPermalink="false">g-1</guid></item>'),
    "guid then link": rss("<item><guid>https://o.example/g</guid><link>/l</link></item>"),
    "empty link": rss("<item><title>x</title><link></link><guid>https://o.example/g</guid></item>"),
    "dc fields": rss(
        "<item><title>x</title><dc:creator>R. Okafor</dc:creator>"
        "<dc:date>2026-11-28T09:15:00+01:00</dc:date></item>"
    ),
    "author email": rss(f"<item><title>x</title><author>a@o.example (Ann)</author>{DATE}</item>"),
    "content first": rss(
        "<item><title>x</title><content:encoded>&lt;p&gt;Full&lt;/p&gt;</content:encoded>"
        "<description>Short</description></item>"
    ),
    "content only": rss(
        "<item><title>x</title><content:encoded><![CDATA[<p>Full <a href='/a'>text</a></p>]]>"
        "</content:encoded></item>"
    ),
    "mojibake": rss("<item><title>CafÃ© owners</title></item>"),
    "non-ascii": rss("<item><title>Über “quoted” — café</title></item>"),
    "bad date": rss("<item><title>x</title><pubDate>not a date</pubDate></item>"),
    "odd date": rss("<item><title>x</title><pubDate>28 Nov 2026 09:15 EST</pubDate></item>"),
    "comment inside": rss("<item><title>Split<!-- note --> title</title></item>"),
    "image first": rss(
        "<item><title>x</title></item>",
        "<image><title>Logo</title><link>https://o.example/i</link><url>https://o.example/"
        "i.png</url></image><title>Real</title><link>https://o.example/</link>"
        '<atom:link rel="self" href="https://o.example/feed"/>',
    ),
    "ignored elements": rss(
        '<item><title>x</title><category>c</category><enclosure url="https://o.example/a.mp3"'
        ' type="audio/mpeg" length="1"/><comments>https://o.example/c</comments></item>'
    ),
    "atom basics": atom(
        '<entry><title type="html">A &lt;em&gt;b&lt;/em&gt;</title><id>tag:o,2026:1</id>'
        '<link href="/rel"/><link rel="related" href="https://o.example/r"/>'
        "<updated>2026-11-28T09:15:00Z</updated><summary>Short</summary>"
        "<author><name>Ann</name><email>a@o.example</email></author></entry>"
    ),
    "atom author email only": atom(
        "<entry><title>x</title><author><email>a@o.example</email></author></entry>"
    ),
    "atom author uri only": atom(
        "<entry><title>x</title><author><uri>https://o.example/ann</uri></author></entry>"
    ),
    "atom id only": atom("<entry><title>x</title><id>/entries/1</id></entry>"),
    "atom content then summary": atom(
        '<entry><title>x</title><id>tag:o,1</id><content type="html">&lt;p&gt;Full&lt;/p&gt;'
        "</content><summary>Short</summary></entry>"
    ),
    "atom content only": atom(
        '<entry><title>x</title><id>tag:o,1</id><content type="text">Plain &lt;b&gt;</content>'
        "</entry>"
    ),
    "atom alternate types": atom(
        '<entry><title>x</title><link rel="alternate" type="text/html" href="https://o.example/'
        'a"/><link rel="alternate" type="application/pdf" href="https://o.example/b"/></entry>',
        '<title type="text">A</title><link href="https://o.example/"/>',
    ),
}


@pytest.mark.parametrize("name", READ)
def test_fast_reader_matches_feedparser(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = READ[name]
    assert read_feed(body, URL, None) is not None, "expected the fast path"
    assert_same(*both_paths(body, monkeypatch))


# Documents the fast reader must leave to feedparser, and why.
LEFT = {
    "doctype": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "b">]>'
    + rss("<item><title>&a;</title></item>")[21:],
    "xml:base": atom('<entry xml:base="https://b.example/"><title>x</title></entry>'),
    "C1 control": rss("<item><title>bad \u0093quote\u0094</title></item>"),
    "latin-1": rss("<item><title>x</title></item>").replace(b"utf-8", b"iso-8859-1"),
    "unknown item element": rss(
        '<item><title>x</title><media:content xmlns:media="http://search.yahoo.com/mrss/" '
        'url="https://o.example/v"/></item>'
    ),
    "duplicate title": rss("<item><title>x</title><title>y</title></item>"),
    "typed description": rss(
        '<item><title>x</title><description type="text">d</description></item>'
    ),
    "unlisted tag": rss(
        "<item><title>x</title><description>&lt;iframe&gt;a&lt;/iframe&gt;</description></item>"
    ),
    "html comment": rss(
        "<item><title>x</title><description>a &lt;!-- b --&gt;</description></item>"
    ),
    "script": rss(
        "<item><title>x</title><description>&lt;p&gt;Hi&lt;/p&gt;&lt;script&gt;x()&lt;/script"
        "&gt;</description></item>"
    ),
    "two authors": atom(
        "<entry><title>x</title><author><name>Ann</name><email>a@o.example</email></author>"
        "<author><name>Bob</name></author></entry>"
    ),
    "author and creator": rss(
        "<item><title>x</title><author>a</author><dc:creator>b</dc:creator></item>"
    ),
    "nested in ignored": rss("<item><category><title>c</title></category></item>"),
    "source": rss('<item><title>x</title><source url="https://s.example/">S</source></item>'),
    "rss 0.91": rss("<item><title>x</title></item>").replace(b'"2.0"', b'"0.91"'),
    "atom xhtml": atom(
        '<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        "x</div></title></entry>"
    ),
    "atom content src": atom('<entry><title>x</title><content src="https://o.example/c"/></entry>'),
    "malformed": rss("<item><title>x & y</title></item>"),
}


@pytest.mark.parametrize("name", LEFT)
def test_fast_reader_leaves_the_unusual_to_feedparser(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = LEFT[name]
    assert read_feed(body, URL, None) is None
    assert_same(*both_paths(body, monkeypatch))


@pytest.mark.parametrize(
    "content_type", ["application/rss+xml; charset=iso-8859-1", "text/plain", "application/json"]
)
def test_a_media_type_that_could_change_the_reading_goes_to_feedparser(content_type: str) -> None:
    assert read_feed(READ["non-ascii"], URL, content_type) is None


def test_billion_laughs_is_refused_quickly_without_expansion() -> None:
    body = (DATA / "billion_laughs.xml").read_bytes()
    assert read_feed(body, URL, None) is None


@pytest.mark.parametrize(
    "value",
    [
        "Sat, 28 Nov 2026 09:15:00 GMT",
        "28 Nov 2026 09:15:00 +0130",
        "Mon, 28 Nov 2026 09:15:00 UT",
        "1 Jan 2026 00:00:00 -1200",
        "2026-11-28T09:15:00Z",
        "2026-11-28T09:15:00.250-00:30",
        "2026-02-30T00:00:00Z",
        "Sat, 31 Feb 2026 09:15:00 GMT",
        "Sat, 28 Nov 2026 24:00:00 GMT",
        "Mon, 01 Jan 0000 00:00:00 GMT",
        "Sat, 01 Jan 0001 00:00:00 +2400",
        "Fri, 31 Dec 9999 23:59:59 -2400",
        "Sat, 28 Nov 2026 09:15 EST",
        "yesterday-ish",
        "",
    ],
)
def test_date_shortcut_agrees_with_feedparser(value: str) -> None:
    mine, theirs = parse_date(value), _parse_date(value)
    assert (mine and calendar.timegm(mine)) == (theirs and calendar.timegm(theirs))


# URL-shaped text: the common shapes plus the characters URL parsers treat specially.
URLS = st.builds(
    str.__add__,
    st.sampled_from(["http://", "https://", "HTTP://", "https:///", "ftp://", "//", "/", ""]),
    st.text(alphabet="aZ09-._~%!$&'()*+,;=:@/?#[]\\ \t\n\x00é\u00a0", max_size=30),
)
BASES = [URL, "http://127.0.0.1:8000/feed/1.xml", "ftp://files.example/feed"]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(URLS, st.sampled_from(BASES))
@example("https://o.example/2026/11/story-1?id=4&b=x#top", URL)
@example("https://o.example/a;params", URL)
@example("https://o.example/a?", URL)
@example("https://o.example/a#", URL)
@example("http://o.example/a", URL)
def test_links_skipping_urljoin_are_what_urljoin_would_give(uri: str, base: str) -> None:
    try:
        expected = urljoin(base, _EXTRA_SLASHES.sub(r"\1\3", uri)) if uri else uri
    except ValueError:
        expected = ""
    assert _resolved(base, uri) == expected
    if expected:
        assert _absolute(base, expected) == urljoin(base, expected)
