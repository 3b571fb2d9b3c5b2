"""Turning a fetched body into a `ParsedFeed`: RSS 0.9x/1.0/2.0, Atom and JSON Feed.

XML feeds go through feedparser, chosen over fastfeedparser on measured correctness (see
docs/feeds.md): it resolves relative links and xml:base, recovers from wrong or mixed
encodings, keeps more items of malformed XML, and does not expand entity declarations.
feedparser is slow, though, so plain well-formed feeds are first offered to
`fast_parse.read_feed`, which returns the values feedparser would give, or None to leave the
document to feedparser; titles, dates and the item cap are then normalised the same way on
both paths. JSON Feed, which feedparser does not read, has a small reader here. The
functions are synchronous and CPU-bound; callers run them in an executor.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree
from lxml import html as lxml_html

from bot.errors import FeedParseError
from bot.feeds.defuse import defuse
from bot.feeds.fast_parse import FastEntry, read_feed
from bot.feeds.text import html_to_text, truncate
from bot.models import FeedItem, ParsedFeed

MAX_ITEMS = 1000
MAX_TITLE = 500
# Dates before the web or more than a couple of days ahead are publisher clock bugs; a
# story dated 9999 would otherwise sort first forever.
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(days=2)

_JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/1(\.\d+)?/?$")
# A comment's body cannot contain "-->", so each leading comment matches one way only: with
# `<!--.*?-->` a run of `<!---->` before a non-HTML tag backtracked exponentially.
_HTML_START = re.compile(
    rb"^\s*(?:<!--(?:[^-]|-(?!->))*-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])",
    re.IGNORECASE,
)
_SNIFF_BYTES = 4096
_FEED_LINK_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
_HTML_DISCOVERY_BYTES = 256 * 1024


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    max_items: int = MAX_ITEMS,
    max_title: int = MAX_TITLE,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse `body` fetched from `url` into a feed; raise `FeedParseError` if it is none.

    At most `max_items` items are kept (the newest, in document order) and titles are
    cut to `max_title` characters, so one enormous feed cannot flood storage or Discord.
    """
    if not body.strip():
        raise FeedParseError(f"{url} returned an empty body, not a feed")
    if _looks_like_html(body, content_type):
        raise FeedParseError(_html_message(body, url))
    limits = _Limits(max_items, max_title, now or datetime.now(UTC))
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, url, limits)
    return _parse_xml_feed(body, url, content_type, limits)


class _Limits:
    """The caps and the clock one parse applies; grouped to keep signatures short."""

    __slots__ = ("latest", "max_items", "max_title")

    def __init__(self, max_items: int, max_title: int, now: datetime) -> None:
        self.max_items = max_items
        self.max_title = max_title
        self.latest = now + FUTURE_SLACK


def _looks_like_html(body: bytes, content_type: str | None) -> bool:
    """An HTML page served where a feed was expected (a home page, a login wall)."""
    head = body[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head)) or (
        (content_type or "").lower() == "text/html" and not head.lstrip().startswith(b"<?xml")
    )


def _html_message(body: bytes, url: str) -> str:
    """Explain the HTML-instead-of-feed case, pointing at the page's declared feed if any."""
    feed_url = discover_feed_link(body, url)
    message = f"{url} is an HTML page, not a feed"
    if feed_url:
        message += f"; the page names its feed at {feed_url}"
    return message


def discover_feed_link(html: bytes, url: str) -> str | None:
    """The first `<link rel="alternate">` feed URL an HTML page declares, made absolute.

    The page is read by lxml's HTML parser, which is linear in its input: regular
    expressions for the tag and its attributes were quadratic on a page of unclosed
    `<link ` tags (seconds per poll, holding the GIL), and this runs on every poll.
    """
    page = html_document(html[:_HTML_DISCOVERY_BYTES], "utf-8")
    for link in page.iter("link") if page is not None else ():
        rel = (link.get("rel") or "").lower().split()
        if "alternate" in rel and (link.get("type") or "").strip().lower() in _FEED_LINK_TYPES:
            href = (link.get("href") or "").strip()
            if href:
                return urljoin(url, href)
    return None


def html_document(markup: bytes, encoding: str | None) -> lxml_html.HtmlElement | None:
    """Parse untrusted HTML with lxml's forgiving C parser; None when there is no document.

    `encoding` (the served charset, else UTF-8) overrides what the page declares, so a
    title or a link reads the same whatever the page claims; an unknown charset name
    falls back to UTF-8.
    """
    try:
        parser = lxml_html.HTMLParser(encoding=encoding or "utf-8")
    except LookupError:
        parser = lxml_html.HTMLParser(encoding="utf-8")
    try:
        return lxml_html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def _looks_like_json(body: bytes, content_type: str | None) -> bool:
    """JSON Feed is told apart by its media type or by a body that opens an object."""
    if content_type and "json" in content_type.lower():
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _parse_xml_feed(body: bytes, url: str, content_type: str | None, limits: _Limits) -> ParsedFeed:
    """RSS and Atom: the fast reader when it can, else feedparser's tolerant parse."""
    fast = read_feed(body, url, content_type)
    if fast is not None:
        return ParsedFeed(
            title=_title(fast.title, fast.title_is_html, limits),
            link=fast.link,
            items=_newest([_fast_item(entry, limits) for entry in fast.entries], limits.max_items),
            format=fast.version,
        )
    result = _feedparser(body, url, content_type)
    version = result.get("version") or ""
    entries = result.get("entries") or []
    if not version and not entries:
        reason = result.get("bozo_exception") or "no RSS, Atom or JSON Feed structure found"
        raise FeedParseError(f"{url} is not a feed we can read: {reason}")
    feed = result.get("feed") or {}
    items = [_xml_item(entry, url, limits) for entry in entries]
    return ParsedFeed(
        title=_feedparser_title(feed, limits),
        link=feed.get("link") or None,
        items=_newest(items, limits.max_items),
        format=version or "unknown",
    )


def _feedparser(body: bytes, url: str, content_type: str | None) -> Mapping[str, Any]:
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # Bytes, never str: given a str feedparser may treat it as a URL or a file name. The
    # body is defused first (entity declarations disarmed, tag count bounded), and any
    # exception from deep inside feedparser is this document's fault, not the bot's.
    try:
        return feedparser.parse(defuse(body), response_headers=headers, sanitize_html=True)
    except Exception as exc:
        raise FeedParseError(f"this feed could not be parsed ({type(exc).__name__})") from exc


def _xml_item(entry: Mapping[str, Any], url: str, limits: _Limits) -> FeedItem:
    """One feedparser entry as a FeedItem; feedparser has already resolved relative links."""
    contents = entry.get("content") or []
    link = entry.get("link") or None
    return FeedItem(
        title=_feedparser_title(entry, limits),
        link=urljoin(url, link) if link else None,
        guid=entry.get("id") or None,
        summary=entry.get("summary") or "",
        content="\n".join(part.get("value", "") for part in contents),
        # dict.get: feedparser's own get maps a missing `updated_parsed` to
        # `published_parsed` (with a deprecation warning), which was already tried.
        published=_struct_date(
            entry.get("published_parsed") or dict.get(entry, "updated_parsed"), limits
        ),
        author=entry.get("author") or None,
    )


def _fast_item(entry: FastEntry, limits: _Limits) -> FeedItem:
    """One item from the fast reader, which has already done what `_xml_item` does to
    feedparser's values except the normalisation below, shared by both."""
    return FeedItem(
        title=_title(entry.title, entry.title_is_html, limits),
        link=entry.link,
        guid=entry.guid,
        summary=entry.summary,
        content=entry.content,
        published=_struct_date(entry.date, limits),
        author=entry.author,
    )


def _feedparser_title(node: Mapping[str, Any], limits: _Limits) -> str:
    """A feed's or entry's title from feedparser, read by the type feedparser gives it."""
    detail = node.get("title_detail") or {}
    return _title(node.get("title") or "", "html" in (detail.get("type") or ""), limits)


def _title(value: str, is_html: bool, limits: _Limits) -> str:
    """A title as plain text (markup stripped when it is HTML), cut to the title limit."""
    text = html_to_text(value) if is_html else " ".join(value.split())
    return truncate(text, limits.max_title)


def _struct_date(parsed: Any, limits: _Limits) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime, or None when absurd."""
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return _plausible(when, limits)


def _plausible(when: datetime, limits: _Limits) -> datetime | None:
    """Drop dates no real story has: before 1990 or days in the future."""
    if when.year < EARLIEST_YEAR or when > limits.latest:
        return None
    return when


def _newest(items: list[FeedItem], max_items: int) -> list[FeedItem]:
    """Keep the `max_items` newest items, still in document order (undated count as old)."""
    if len(items) <= max_items:
        return items
    floor = datetime.min.replace(tzinfo=UTC)
    order = sorted(range(len(items)), key=lambda i: items[i].published or floor, reverse=True)
    keep = sorted(order[:max_items])
    return [items[i] for i in keep]


def _parse_json_feed(body: bytes, url: str, limits: _Limits) -> ParsedFeed:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FeedParseError(f"{url} is a JSON body that is not UTF-8: {exc.reason}") from exc
    except (ValueError, RecursionError) as exc:
        raise FeedParseError(f"{url} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not _JSON_FEED_VERSION.match(
        str(document.get("version", ""))
    ):
        raise FeedParseError(f"{url} is JSON but not a JSON Feed (no jsonfeed.org version)")
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raise FeedParseError(f"{url} is a JSON Feed without an items list")
    home = _string(document.get("home_page_url"))
    items = [_json_item(raw, url, limits) for raw in raw_items if isinstance(raw, dict)]
    return ParsedFeed(
        title=truncate(" ".join(_string(document.get("title")).split()), limits.max_title),
        link=urljoin(url, home) if home else None,
        items=_newest(items, limits.max_items),
        format="json" + str(document["version"]).rstrip("/").rsplit("/", 1)[-1],
    )


def _json_item(raw: dict[str, Any], url: str, limits: _Limits) -> FeedItem:
    """One JSON Feed item; both content_html and content_text are accepted."""
    link = _string(raw.get("url")) or _string(raw.get("external_url"))
    content = _string(raw.get("content_html")) or _string(raw.get("content_text"))
    title = html_to_text(_string(raw.get("title")))
    return FeedItem(
        title=truncate(title, limits.max_title),
        link=urljoin(url, link) if link else None,
        guid=_string(raw.get("id")) or None,
        summary=_string(raw.get("summary")),
        content=content,
        published=_iso_date(
            _string(raw.get("date_published")) or _string(raw.get("date_modified")), limits
        ),
        author=_json_author(raw),
    )


def _json_author(raw: dict[str, Any]) -> str | None:
    """1.1 has `authors` (a list), 1.0 a single `author`; take the first name given."""
    authors = raw.get("authors")
    candidates = authors if isinstance(authors, list) else [raw.get("author")]
    for author in candidates:
        if isinstance(author, dict) and _string(author.get("name")):
            return _string(author.get("name"))
    return None


def _iso_date(value: str, limits: _Limits) -> datetime | None:
    """An RFC 3339 date as aware UTC; a date without an offset is taken as UTC."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return _plausible(when.astimezone(UTC), limits)
    except OverflowError:  # year 1 or 9999 with an offset falls off the calendar
        return None


def _string(value: object) -> str:
    """JSON ids may be numbers; anything else non-string is treated as absent."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""
