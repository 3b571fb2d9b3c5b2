"""Bounding what feedparser is handed: entity declarations removed, markup budgeted.

feedparser's cost is per tag and per expanded character, not per byte, so the 5 MiB body
cap alone still allows half a minute of parsing; `bot.feeds.defuse` bounds it. The tests
time the real parser on defused bodies that would take 5-30 s undefused.
"""

from __future__ import annotations

import time
import tracemalloc
import xml.parsers.expat
from datetime import UTC, datetime

import feedparser
import pytest

from bot.errors import FeedParseError
from bot.feeds.defuse import MAX_TAGS, MAX_TRAILER_TAGS, count_tags, defuse, trim_markup
from bot.feeds.parse import MAX_ITEMS, parse_feed

URL = "https://feeds.example.com/feed"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HEAD = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
TAIL = b"</channel></rss>"
# Generous, for loaded machines: undefused, each body below costs 10-30 s.
PARSE_BUDGET_S = 6.0


def item(number: int) -> bytes:
    return f"<item><title>Story {number}</title><link>https://c.example/{number}</link></item>".encode()


def broken_item(number: int) -> bytes:
    """Not well-formed: a bare `&`, an unclosed <b> and <p>."""
    return (
        f"<item><title>Story {number} & more <b>bold</title><link>https://c.example/{number}"
        f"</link><description>Text <p>unclosed</description></item>\n"
    ).encode()


def timed_parse(body: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    feed = parse_feed(defuse(body), url=URL, now=NOW)
    return time.perf_counter() - started, len(feed.items)


def well_formed(body: bytes) -> bool:
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError:
        return False
    return True


# --- the budget itself --------------------------------------------------------------------


def test_a_body_within_budget_is_untouched() -> None:
    body = HEAD + b"".join(item(n) for n in range(50)) + TAIL
    assert trim_markup(body) is body
    assert defuse(body) == body


def test_trimming_keeps_whole_leading_items_and_stays_well_formed() -> None:
    body = HEAD + b"".join(item(n) for n in range(20_000)) + TAIL
    trimmed = trim_markup(body)
    assert count_tags(trimmed) <= MAX_TAGS + MAX_TRAILER_TAGS
    assert trimmed.startswith(HEAD + item(0)) and trimmed.endswith(TAIL)
    assert well_formed(trimmed)


def test_markup_hidden_after_the_last_item_is_dropped() -> None:
    body = HEAD + item(1) + b"<a/>" * 1_000_000 + TAIL
    trimmed = trim_markup(body)
    assert trimmed == HEAD + item(1)


def test_markup_piled_into_one_item_is_cut_at_the_budget() -> None:
    body = HEAD + b"<item><title>x</title><description>" + b"&lt;b&gt;" * 200_000
    assert count_tags(trim_markup(body)) == MAX_TAGS


def test_every_entity_declaration_is_disarmed() -> None:
    doctype = (
        b'<!DOCTYPE rss [<!ENTITY a "x>y"><!entity % p SYSTEM "file:///etc/passwd">'
        b'<!ENTITY b \'B\'>\n<!ENTITY c "&a;&a;"><!ENTITY x <!ENTITY a "b">">]>'
    )
    assert b"<!ENTITY" not in defuse(doctype).upper()


# --- the real parser on defused bodies ----------------------------------------------------


def test_malformed_feed_of_30000_items_is_bounded() -> None:
    """The known slow path: 2 MiB of broken items took 5.5 s in the tolerant fallback."""
    body = HEAD + b"".join(broken_item(n) for n in range(30_000)) + TAIL
    assert not well_formed(body)
    assert count_tags(defuse(body)) <= MAX_TAGS + MAX_TRAILER_TAGS
    elapsed, items = timed_parse(body)
    assert elapsed < PARSE_BUDGET_S
    assert items == MAX_ITEMS


def test_200000_nested_elements_are_bounded() -> None:
    body = HEAD + b"<a>" * 200_000 + b"</a>" * 200_000 + item(1) + TAIL
    elapsed, _ = timed_parse(body)
    assert elapsed < PARSE_BUDGET_S


def test_a_million_empty_elements_are_bounded() -> None:
    body = HEAD + item(1) + b"<a/>" * 1_200_000 + TAIL
    elapsed, items = timed_parse(body)
    assert elapsed < PARSE_BUDGET_S
    assert items == 1


def test_quadratic_entity_blowup_is_not_expanded() -> None:
    """One 10 kB entity used 200,000 times: 2 GB if expanded (expat stops at 100x)."""
    doctype = b'<!DOCTYPE rss [<!ENTITY big "' + b"B" * 10_000 + b'">]>'
    body = (
        b'<?xml version="1.0"?>'
        + doctype
        + HEAD[21:]
        + b"<item><title>x</title><link>https://c.example/1</link><description>"
        + b"&big;" * 200_000
        + b"</description></item>"
        + TAIL
    )
    started = time.perf_counter()
    feed = parse_feed(defuse(body), url=URL, now=NOW)
    assert time.perf_counter() - started < 1.0
    assert "BBBB" not in feed.items[0].summary


def test_billion_laughs_on_one_line_is_bounded() -> None:
    """Declarations not at a line start survive feedparser's own stripping."""
    laughs = b'<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (n, b"&l%d;" % (n - 1) * 10) for n in range(1, 10)
    )
    body = b'<?xml version="1.0"?><!DOCTYPE rss [' + laughs + b"]>" + HEAD[21:] + item(1)
    body += b"<item><title>&l9;</title><link>https://c.example/2</link></item>" + TAIL
    tracemalloc.start()
    try:
        feed = parse_feed(defuse(body), url=URL, now=NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "lollol" not in "".join(entry.title for entry in feed.items)
    assert peak < 4 * 1024 * 1024


# --- changes needed in bot/feeds/parse.py (owned by the parser work) -----------------------


def test_parse_feed_hands_feedparser_a_defused_body(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []
    real = feedparser.parse

    def spy(body: bytes, **kwargs: object) -> object:
        seen.append(body)
        return real(body, **kwargs)

    monkeypatch.setattr(feedparser, "parse", spy)
    body = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "E">]>' + HEAD[21:] + item(1) + TAIL
    parse_feed(body, url=URL, now=NOW)
    assert seen and b"<!ENTITY" not in seen[0].upper()


@pytest.mark.parametrize("date", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_json_feed_dates_at_the_edge_of_time_are_undated(date: str) -> None:
    body = (
        '{"version": "https://jsonfeed.org/version/1.1", "items": '
        f'[{{"id": "1", "title": "x", "date_published": "{date}"}}]}}'
    ).encode()
    try:
        feed = parse_feed(body, url=URL, now=NOW)
    except FeedParseError:
        pytest.fail("a bad date must not reject the whole feed")
    assert feed.items[0].published is None


def test_out_of_range_character_reference_is_a_parse_error() -> None:
    body = HEAD + b"<item><title>&#x110000;</title></item>" + TAIL
    with pytest.raises(FeedParseError):
        parse_feed(body, url=URL, now=NOW)
