"""Property tests: the parser, the HTML-to-text cleaner and the Discord rendering hold their
contracts for any input, not just the inputs we thought of."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import FeedParseError
from bot.feeds.defuse import count_tags, defuse
from bot.feeds.parse import parse_feed
from bot.feeds.text import html_to_text, truncate
from bot.models import Article
from bot.storage.records import EventRecord, StoryRecord
from cogs.embeds import (
    AUTHOR_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    MAX_FIELDS,
    TITLE_LIMIT,
    TOTAL_LIMIT,
    stage_embed,
    story_embed,
)
from cogs.text import plain

URL = "https://feeds.example.com/feed"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the parser ---------------------------------------------------------------------------

XML_PIECES = st.sampled_from(
    [
        "<rss version='2.0'>", "</rss>", "<channel>", "</channel>", "<item>", "</item>",
        "<title>", "</title>", "<link>", "</link>", "<pubDate>", "</pubDate>", "<feed ",
        "xmlns='http://www.w3.org/2005/Atom'>", "<entry>", "</entry>", "<![CDATA[", "]]>",
        "&amp;", "&lol;", "&#0;", "&#x10FFFF;", "<!DOCTYPE rss [", "<!ENTITY e 'x'>", "]>",
        "<?xml version='1.0' encoding='utf-16'?>", "https://x.example/", "Mon, 01 Jan 0000",
        "<", ">", "\x00", "\ufffd", "é", "\ud7ff", "&#x110000;",
    ]
)  # fmt: skip


def _must_be_a_feed_or_a_parse_error(body: bytes, content_type: str | None = None) -> None:
    try:
        feed = parse_feed(body, url=URL, content_type=content_type, now=NOW)
    except FeedParseError:
        return
    for item in feed.items:
        assert len(item.title) <= 500
        item.title.encode("utf-8")


@FAST
@given(st.binary(max_size=2048), st.sampled_from([None, "text/html", "application/json"]))
def test_arbitrary_bytes_give_a_feed_or_feed_parse_error(body: bytes, content_type) -> None:
    _must_be_a_feed_or_a_parse_error(body, content_type)


@FAST
@given(st.lists(XML_PIECES | st.text(max_size=20), max_size=60))
def test_feed_shaped_soup_gives_a_feed_or_feed_parse_error(pieces: list[str]) -> None:
    _must_be_a_feed_or_a_parse_error("".join(pieces).encode("utf-8", "surrogatepass"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=10,
)
DATES = st.datetimes(timezones=st.timezones()).map(datetime.isoformat)
JSON_ITEMS = st.fixed_dictionaries(
    {},
    optional={
        key: JSON_VALUES
        for key in ("id", "url", "external_url", "title", "content_html", "summary", "authors")
    }
    | {"date_published": DATES | JSON_VALUES, "author": JSON_VALUES},
)


@settings(max_examples=40, deadline=None)
@given(st.lists(JSON_ITEMS, max_size=5), JSON_VALUES, JSON_VALUES)
def test_json_feed_with_any_field_types_gives_a_feed_or_parse_error(items, title, home) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home,
        "items": items,
    }
    _must_be_a_feed_or_a_parse_error(json.dumps(document).encode())


SOUP = st.lists(XML_PIECES, max_size=200).map(lambda pieces: "".join(pieces).encode())


@FAST
@given(st.binary(max_size=4096) | SOUP)
def test_defuse_never_grows_the_markup(body: bytes) -> None:
    defused = defuse(body)
    assert count_tags(defused) <= count_tags(body)
    assert b"<!ENTITY" not in defused.upper()


# --- HTML to text -------------------------------------------------------------------------

HTML = st.lists(
    st.sampled_from(
        ["<p>", "</p>", "<br>", "<script>", "</script>", "<style>", "<b>", "&amp;", "&lt;",
         "&#x1F600;", "&bogus;", "<!--", "-->", "<", ">", "\n", "\t", "\u00a0", " "]
    ) | st.text(max_size=10),
    max_size=40,
).map("".join)  # fmt: skip


@FAST
@given(HTML)
def test_html_to_text_is_one_clean_line(markup: str) -> None:
    text = html_to_text(markup)
    assert "\n" not in text and "  " not in text
    assert text == text.strip()


@FAST
@given(HTML)
def test_html_to_text_paragraphs_are_separated_by_one_blank_line(markup: str) -> None:
    text = html_to_text(markup, paragraphs=True)
    assert "\n\n\n" not in text
    assert text == text.strip()


@FAST
@given(st.text(alphabet=st.characters(blacklist_characters="<&")))
def test_text_without_markup_only_has_its_whitespace_collapsed(text: str) -> None:
    assert html_to_text(text) == " ".join(text.split())


@FAST
@given(st.text(), st.integers(min_value=1, max_value=600))
def test_truncate_respects_the_limit(text: str, limit: int) -> None:
    cut = truncate(text, limit)
    assert len(cut) <= limit
    assert cut == text or cut.endswith("…")


# --- Discord rendering --------------------------------------------------------------------

NASTY = st.sampled_from(
    ["@everyone", "@here", "<@123>", "<@&456>", "<#789>", "[click](https://evil.example)",
     "](", "[", "**", "`", "\\", "# ", "> ", "-# ", "discord.gg/abc", "\n", "\u202e", "\x00",
     "<t:1:R>", "<:e:1>", "||", "~~", "__", "@\u200beveryone", "https://x.example/_a_"]
)  # fmt: skip
FEED_TEXT = st.lists(NASTY | st.text(max_size=30), max_size=30).map("".join)
MAYBE_TEXT = st.none() | FEED_TEXT
MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
URLS = st.none() | st.sampled_from(
    ["https://ok.example/a", "https://x.example/a)[b](https://evil.example", "javascript:x", ""]
)


def stories(event_id: int = 1) -> st.SearchStrategy[StoryRecord]:
    return st.builds(
        StoryRecord,
        id=st.integers(1, 10**6),
        entry_id=st.integers(1, 10**6),
        event_id=st.just(event_id),
        relevant=st.booleans(),
        score=st.floats(0, 1),
        title=FEED_TEXT,
        url=URLS,
        outlet=FEED_TEXT,
        published_at=st.none() | st.floats(0, 4e9),
        company=MAYBE_TEXT,
        country=MAYBE_TEXT,
        stage=st.none() | st.sampled_from(["threatened", "announced", "completed", "reversed"]),
        demand=MAYBE_TEXT,
        effective_date=MAYBE_TEXT,
        quote=MAYBE_TEXT,
        quote_speaker=MAYBE_TEXT,
        summary=st.text(max_size=2000) | FEED_TEXT,
        signals=st.just([]),
        sentences=st.just([]),
        analysed_at=st.just(0.0),
    )


EVENTS = st.builds(
    EventRecord,
    id=st.just(1),
    key=st.text(max_size=20),
    company=FEED_TEXT,
    country=FEED_TEXT,
    demand=MAYBE_TEXT,
    stage=st.sampled_from(["threatened", "announced", "completed", "reversed"]),
    first_at=st.just(0.0),
    last_at=st.just(0.0),
    source_count=st.integers(0, 100),
)


def assert_within_discord_limits(embed) -> None:
    assert len(embed.title or "") <= TITLE_LIMIT
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert len(embed.fields) <= MAX_FIELDS
    for field in embed.fields:
        assert 0 < len(field.name) <= FIELD_NAME_LIMIT
        assert 0 < len(field.value) <= FIELD_VALUE_LIMIT
    assert len(embed.footer.text or "") <= FOOTER_LIMIT
    assert len(embed.author.name or "") <= AUTHOR_LIMIT
    assert len(embed) <= TOTAL_LIMIT
    assert embed.url is None or embed.url.startswith(("http://", "https://"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVENTS, stories(), st.lists(stories(), max_size=10))
def test_story_embed_always_fits_discord_limits(event, story, sources) -> None:
    assert_within_discord_limits(story_embed(event, story, sources))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVENTS, stories(), st.integers(1, 2**53))
def test_stage_embed_always_fits_discord_limits(event, story, ref) -> None:
    assert_within_discord_limits(stage_embed(event, story, ref))


@settings(max_examples=300, deadline=None)
@given(FEED_TEXT)
def test_plain_never_leaves_a_working_mention_or_link(text: str) -> None:
    out = plain(text)
    assert not MENTION.search(out)
    for token in ("<@", "<#", "<@&", "<t:", "<:", "](", "discord.gg/"):
        assert token not in out


# --- the analyzer -------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)
ARTICLE_TEXT = st.lists(
    st.sampled_from(
        ["Lockbox", " will leave ", "India", " over a demand to ", "monitor traffic", ". ",
         "<p>", "</p>", "&amp;", "\n", "“", "”", "Register here", "@everyone"]
    ) | ANY_TEXT,
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(ARTICLE_TEXT, ARTICLE_TEXT, ARTICLE_TEXT, st.none() | st.datetimes(timezones=st.just(UTC)))
def test_analyze_accepts_any_article(title: str, summary: str, content: str, published) -> None:
    from bot.analysis.pipeline import analyze  # written alongside; imported when it exists

    result = analyze(
        Article(id="1", title=title, summary=summary, content=content, published=published)
    )
    assert 0.0 <= result.score <= 1.0
    assert all(isinstance(sentence, str) for sentence in result.sentences)
    if not result.relevant:
        assert result.company is None and result.stage is None


def test_control_characters_in_html_content_are_analysed() -> None:
    from bot.analysis.pipeline import analyze

    analyze(Article(id="1", title="t", content="<p>Lockbox\x08 leaves</p>"))


def test_a_field_of_only_control_characters_is_left_out() -> None:
    story = StoryRecord(1, 1, 1, True, 0.9, "t", None, "o", None, "C", "India", "announced",
                        "\x00", "\x1f", None, None, "s", [], [], 0.0)  # fmt: skip
    event = EventRecord(1, "k", "C", "India", None, "announced", 0.0, 0.0)
    assert_within_discord_limits(story_embed(event, story, [story]))
