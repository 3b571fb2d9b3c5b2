"""A fast reader for the common XML feed, giving the values feedparser would give.

feedparser costs about half a millisecond per item, which makes it most of a poll cycle's
CPU (see docs/feeds.md, "Benchmark"). Most feeds are plain: well-formed UTF-8 RSS 2.0,
RSS 1.0 or Atom 1.0 using a handful of elements. For those this module parses with lxml
(about 50 times faster) and returns, per item, the values feedparser would give (links
already resolved as feedparser and `parse.py` resolve them); `parse.py` then applies the
one normalisation both paths share (titles to text, dates checked, the item cap). For
anything else it returns None and the caller uses feedparser, whose recovery is what
malformed, mis-encoded or exotic documents need.

"Anything else" is decided before trusting lxml's answer, and errs towards feedparser:

* not well-formed (lxml's strict parser refuses it), not UTF-8, a charset in the media
  type (it may override the document's), a media type that is not XML;
* a DOCTYPE (entity declarations are feedparser's to neutralise; lxml never expands them
  here), `xml:base`, C1 control characters (feedparser maps them to cp1252 punctuation);
* an item element the reader does not model, or one it models given twice, or given
  attributes or child elements feedparser would treat specially;
* HTML in a summary, content or HTML title with a tag outside feedparser's sanitizer
  list, a comment or a processing instruction.

What stays different is the HTML of summary and content: feedparser sanitises it and makes
its links absolute, this reader keeps it as published. The bot only reads those fields as
text (`html_to_text`, which skips scripts and styles); with the tag rule above that text,
and so the entry key and content hash, are the same on both paths. The parity tests in
tests/feeds/test_fast_parse.py check every field on every fixture.

feedparser's date parser (behind a shortcut for the two usual date spellings) and its list
of HTML elements are used as they are rather than copied, so the two paths cannot drift
apart on them. Links that are already plain absolute http(s) URLs skip `urljoin`, which
would return them unchanged (a property test checks this against `urljoin` itself).
"""

from __future__ import annotations

import functools
import re
import time
import urllib.parse
from collections.abc import Iterable
from datetime import datetime, timedelta
from html.entities import entitydefs
from typing import Any, NamedTuple

from feedparser.datetimes import _parse_date
from feedparser.sanitizer import _HTMLSanitizer
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
RSS10 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain", "text/html"})
_XML_MEDIA = re.compile(r"^(application|text)/([\w.+-]+\+)?xml$")
_C1_CONTROLS = re.compile(rb"\xc2[\x80-\x9f]")
_TAG_NAME = re.compile(r"</?(\w+)")
_CLOSE_TAG = re.compile(r"</(\w+)>")
_ENTITY = re.compile(r"&#?\w+;")
_NAMED_ENTITY = re.compile(r"&(\w+);")
_ENTITY_IN_LINK = re.compile(r"&([A-Za-z0-9_]+);")
_EXTRA_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_RFC822 = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) ("
    + "|".join(_MONTHS)
    + r") (\d{4}) (\d\d):(\d\d):(\d\d) (GMT|UT|Z|[+-]\d{4})$"
)
_NO_OFFSET = timedelta(0)
# An absolute http(s) URL that `urljoin` returns unchanged whatever the base: lower-case
# scheme, a host part without brackets, no ASCII whitespace or control characters (which
# urljoin drops), no `;` in the path (parameters) and no empty query or fragment (which
# it would drop). Most feed links are like this; they skip two urljoin calls each.
_PLAIN_URL = re.compile(
    r"https?://[\w.~%!$&'()*+,=:@-]+(?:/[^\x00-\x20\x7f?#;]*)?(?:\?[^\x00-\x20\x7f#]+)?"
    r"(?:#[^\x00-\x20\x7f]+)?\Z",
    re.ASCII,
)
_RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$")
_ACCEPTABLE_TAGS: frozenset[str] = frozenset(_HTMLSanitizer.acceptable_elements)

# Item children by role. Ignored elements are common in real feeds but feed no field we read.
_IGNORED = "ignored"
_RSS20_ITEM = {
    "title": "title",
    "link": "link",
    "guid": "guid",
    "description": "summary",
    "pubDate": "published",
    "author": "author",
    f"{CONTENT}encoded": "content",
    f"{DC}creator": "author",
    f"{DC}date": "updated",
    "category": _IGNORED,
    "comments": _IGNORED,
    "enclosure": _IGNORED,
    f"{DC}subject": _IGNORED,
}
_RSS10_ITEM = {
    f"{RSS10}title": "title",
    f"{RSS10}link": "link",
    f"{RSS10}description": "summary",
    f"{CONTENT}encoded": "content",
    f"{DC}creator": "author",
    f"{DC}date": "updated",
    f"{DC}subject": _IGNORED,
}
_ATOM_ENTRY = {
    f"{ATOM}title": "title",
    f"{ATOM}link": "link",
    f"{ATOM}id": "guid",
    f"{ATOM}summary": "summary",
    f"{ATOM}content": "content",
    f"{ATOM}published": "published",
    f"{ATOM}updated": "updated",
    f"{ATOM}author": "author",
    f"{ATOM}category": _IGNORED,
    f"{ATOM}rights": _IGNORED,
}


class FastEntry(NamedTuple):
    """One item as feedparser would give it, before `parse.py`'s shared normalisation.

    A tuple rather than feedparser's dictionaries: this is built once per item of every
    fetched feed, and reading a dictionary back field by field was a measurable share of
    the fast path.
    """

    title: str
    title_is_html: bool
    link: str | None
    guid: str | None
    summary: str
    content: str
    date: time.struct_time | None
    author: str | None


class FastFeed(NamedTuple):
    """A document read by the fast path: feedparser's version name, its title and link."""

    version: str
    title: str
    title_is_html: bool
    link: str | None
    entries: list[FastEntry]


class _Unsupported(Exception):
    """The document needs feedparser; raised deep in the reader, caught at the top."""


def read_feed(body: bytes, url: str, content_type: str | None) -> FastFeed | None:
    """The feed as feedparser would read it, for a plain feed; else None."""
    if not _may_read(body, content_type):
        return None
    try:
        urllib.parse.urlsplit(url)
        root = etree.fromstring(body, _parser())
    except (ValueError, etree.XMLSyntaxError):
        return None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or (docinfo.encoding or "").lower() not in ("utf-8", "utf8"):
        return None
    try:
        return _read_root(root, url)
    except _Unsupported:
        return None


def _may_read(body: bytes, content_type: str | None) -> bool:
    """Cheap byte-level refusals, before any parsing."""
    if content_type is not None and not _XML_MEDIA.match(content_type.strip().lower()):
        return False
    if b"xml:base" in body:
        return False
    return b"\xc2" not in body or not _C1_CONTROLS.search(body)


def _parser() -> etree.XMLParser:
    """Strict, offline, no entity expansion; comments and PIs carry no feed data."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _read_root(root: etree._Element, url: str) -> FastFeed:
    if root.tag == "rss" and root.get("version") == "2.0":
        channels = list(root)
        if len(channels) != 1 or channels[0].tag != "channel":
            raise _Unsupported
        channel = channels[0]
        title, is_html, link = _rss_channel(channel, "", url)
        entries = [_rss_item(item, _RSS20_ITEM, url) for item in channel.iterchildren("item")]
        return FastFeed("rss20", title, is_html, link, entries)
    if root.tag == f"{RDF}RDF":
        channels = list(root.iterchildren(f"{RSS10}channel"))
        if len(channels) != 1:
            raise _Unsupported
        title, is_html, link = _rss_channel(channels[0], RSS10, url)
        items = root.iterchildren(f"{RSS10}item")
        entries = [_rss_item(item, _RSS10_ITEM, url) for item in items]
        return FastFeed("rss10", title, is_html, link, entries)
    if root.tag == f"{ATOM}feed":
        title, is_html, link = _atom_feed(root, url)
        entries = [_atom_entry(entry, url) for entry in root.iterchildren(f"{ATOM}entry")]
        return FastFeed("atom10", title, is_html, link, entries)
    raise _Unsupported


def _rss_channel(channel: etree._Element, ns: str, url: str) -> tuple[str, bool, str | None]:
    """The channel's own title and link (elements nested in image or textinput are theirs)."""
    title: str | None = None
    is_html = False
    link: str | None = None
    for child in channel:
        tag = child.tag
        if tag == f"{ns}title":
            if title is not None:
                raise _Unsupported
            value = _plain_text(child)
            title, is_html = _fixed(value), _looks_like_html(value)
        elif tag == f"{ns}link":
            if link is not None:
                raise _Unsupported
            link = _ENTITY_IN_LINK.sub(r"&\1", _fixed(_resolved(url, _plain_text(child))))
        elif tag in (f"{DC}title", f"{ATOM}title") or (
            tag == f"{ATOM}link" and child.get("rel") != "self"
        ):
            raise _Unsupported
    return title or "", is_html, link or None


def _rss_item(item: etree._Element, roles: dict[str, str], url: str) -> FastEntry:
    """One RSS 2.0 or 1.0 item, following feedparser's rules for each field."""
    guid = None
    names = item.keys()
    if names:
        if names != [f"{RDF}about"]:
            raise _Unsupported
        guid = item.get(f"{RDF}about")
    found = _by_role(item, roles)
    guid_is_link = False
    node = found.get("guid")
    if node is not None:
        _only_attributes(node, {"ispermalink"})
        guid_is_link = _attribute(node, "ispermalink", "true") == "true"
        value = _text(node)
        guid = _fixed(_resolved(url, value) if guid_is_link else value)
    title, is_html = "", False
    node = found.get("title")
    if node is not None:
        value = _plain_text(node)
        is_html = _looks_like_html(value)
        if is_html:
            _check_html(value)
        title = _fixed(value)
    link = None
    node = found.get("link")
    if node is not None:
        link = _fixed(_resolved(url, _plain_text(node)))
        if "&" in link:
            link = _ENTITY_IN_LINK.sub(r"&\1", link.replace("&amp;", "&"))
    elif guid_is_link:
        link = guid
    content = _html_value(found["content"]) if "content" in found else ""
    summary = _html_value(found["summary"]) if "summary" in found else content
    author = _fixed(_plain_text(found["author"])) if "author" in found else None
    return FastEntry(
        title,
        is_html,
        _absolute(url, link),
        guid or None,
        summary,
        content,
        _date(found),
        author or None,
    )


def _atom_feed(root: etree._Element, url: str) -> tuple[str, bool, str | None]:
    """The feed's own title and its alternate link (the last one, as in feedparser)."""
    title: str | None = None
    is_html = False
    link: str | None = None
    for child in root:
        if child.tag == f"{ATOM}title":
            if title is not None:
                raise _Unsupported
            title, kind = _atom_text(child)
            is_html = kind == "text/html"
        elif child.tag == f"{ATOM}link":
            href = _atom_alternate(child, url)
            if href is not None:
                link = href
    return title or "", is_html, link or None


def _atom_entry(node: etree._Element, url: str) -> FastEntry:
    """One Atom entry. Note feedparser's rules: the id is the link when no alternate link
    is given, the last alternate HTML link wins, content doubles as a missing summary."""
    if any(name != XML_LANG for name in node.attrib):
        raise _Unsupported
    found = _by_role(node, _ATOM_ENTRY, repeatable={"link"})
    guid = link = None
    if "guid" in found:
        guid = link = _fixed(_resolved(url, _plain_text(found["guid"])))
    for element in found.get("links", ()):
        href = _atom_alternate(element, url)
        if href is not None:
            link = href
    title, is_html = "", False
    if "title" in found:
        title, kind = _atom_text(found["title"])
        is_html = kind == "text/html"
    content = _atom_text(found["content"])[0] if "content" in found else ""
    summary = _atom_text(found["summary"])[0] if "summary" in found else content
    author = _atom_author(found["author"]) if "author" in found else None
    return FastEntry(
        title,
        is_html,
        _absolute(url, link),
        guid or None,
        summary,
        content,
        _date(found),
        author or None,
    )


def _by_role(
    node: etree._Element, roles: dict[str, str], repeatable: Iterable[str] = ()
) -> dict[str, Any]:
    """Children by role: `repeatable` roles as lists (key + "s"), the others at most once.

    A second author is refused too: feedparser then mixes the authors' names and emails.
    """
    found: dict[str, Any] = {}
    for child in node:
        role = roles.get(child.tag)
        if role is None:
            raise _Unsupported
        if role == _IGNORED:
            if len(child):  # feedparser would read a title or link nested in it
                raise _Unsupported
            continue
        if role in repeatable:
            found.setdefault(role + "s", []).append(child)
        elif role in found:
            raise _Unsupported
        else:
            found[role] = child
    return found


def _date(found: dict[str, Any]) -> time.struct_time | None:
    """feedparser's date: the published one, else the updated one, whichever parses.

    Both elements are checked before either is parsed, so a document is refused or read
    whatever its dates say.
    """
    published, updated = found.get("published"), found.get("updated")
    values = [_fixed(_plain_text(node)) for node in (published, updated) if node is not None]
    for value in values:
        parsed = parse_date(value)
        if parsed:
            return parsed
    return None


def parse_date(value: str) -> time.struct_time | None:
    """feedparser's reading of a date as UTC, computed directly for the two usual spellings.

    feedparser tries a dozen formats in turn; RFC 822 dates as RSS writes them and RFC 3339
    dates as Atom writes them are read here with one pattern each, and everything else,
    impossible dates included, goes to feedparser's own parser.
    """
    rfc822 = _RFC822.match(value)
    iso = None if rfc822 else _RFC3339.match(value)
    try:
        if rfc822:
            day, month, year, hour, minute, second, zone = rfc822.groups()
            when = datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second)
            )
            when -= _offset(zone)
        elif iso:
            year, month, day, hour, minute, second, zone = iso.groups()
            when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
            when -= _offset(zone.replace(":", ""))
        else:
            return _parse_date(value)
    except (ValueError, OverflowError):
        return _parse_date(value)
    return when.timetuple()


@functools.cache  # the pattern admits a few thousand spellings; feeds use a handful
def _offset(zone: str) -> timedelta:
    if zone in ("GMT", "UT", "Z"):
        return _NO_OFFSET
    sign = -1 if zone[0] == "-" else 1
    return sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))


def _atom_text(node: etree._Element) -> tuple[str, str]:
    """An Atom text construct: its value and media type; only text and html are read."""
    _only_attributes(node, {"type"})
    kind = _media_type(node.get("type") or "text")
    if kind not in _TEXT_TYPES:
        raise _Unsupported
    value = _text(node)
    if kind == "text/html":
        _check_html(value)
    return _fixed(value), kind


def _atom_alternate(link: etree._Element, url: str) -> str | None:
    """The href of an alternate HTML link (what feedparser calls the link), else None."""
    if link.get("url") is not None or link.get("uri") is not None or len(link):
        raise _Unsupported
    href = link.get("href")
    if not href:
        raise _Unsupported
    rel = (link.get("rel") or "alternate").lower()
    default = "application/atom+xml" if rel == "self" else "text/html"
    if rel == "alternate" and _media_type(link.get("type") or default) in _HTML_TYPES:
        return _resolved(url, href)
    return None


def _atom_author(author: etree._Element) -> str:
    """feedparser's `author`: "name (email)", the name, the email, or empty."""
    parts: dict[str, str] = {}
    for child in author:
        tag = child.tag
        if tag not in (f"{ATOM}name", f"{ATOM}email", f"{ATOM}uri") or tag in parts:
            raise _Unsupported
        parts[tag] = _fixed(_plain_text(child))
    name, email = parts.get(f"{ATOM}name"), parts.get(f"{ATOM}email")
    if name and email:
        return f"{name} ({email})"
    return name or email or (author.text or "").strip()


def _html_value(node: etree._Element) -> str:
    """An RSS summary or content: HTML by default, as long as it has no type attribute."""
    value = _plain_text(node)
    _check_html(value)
    return _fixed(value)


def _plain_text(node: etree._Element) -> str:
    """The text of a text-only element without attributes, as the simple fields are."""
    names = node.keys()
    if len(node) or (names and names != [XML_LANG]):
        raise _Unsupported
    return (node.text or "").strip()


def _only_attributes(node: etree._Element, allowed: set[str]) -> None:
    """A text-only element with no attributes beyond `allowed` (lower-case, as feedparser
    reads names) and xml:lang."""
    if len(node) or any(name != XML_LANG and name.lower() not in allowed for name in node.attrib):
        raise _Unsupported


def _attribute(node: etree._Element, lowered_name: str, default: str) -> str:
    """feedparser lower-cases attribute names, so `isPermalink` counts as `isPermaLink`."""
    for name, value in node.items():
        if name.lower() == lowered_name:
            return value
    return default


def _text(node: etree._Element) -> str:
    return (node.text or "").strip()


def _check_html(value: str) -> None:
    """Refuse HTML whose text feedparser's sanitizer could change (see the module doc)."""
    if "<" not in value:
        return
    if "<!" in value or "<?" in value or not _known_tags(value):
        raise _Unsupported


def _known_tags(value: str) -> bool:
    """Every tag name in `value` is on feedparser's sanitizer list."""
    return _ACCEPTABLE_TAGS.issuperset(map(str.lower, _TAG_NAME.findall(value)))


def _looks_like_html(value: str) -> bool:
    """feedparser's guess for nominally plain RSS text: HTML when it clearly is.

    HTML needs a close tag or an entity, only sanitizer-approved tags and only known
    entities (the rule of feedparser's `looks_like_html`).
    """
    if "<" not in value and "&" not in value:
        return False
    if not (_CLOSE_TAG.search(value) or _ENTITY.search(value)):
        return False
    return _known_tags(value) and all(name in entitydefs for name in _NAMED_ENTITY.findall(value))


def _media_type(value: str) -> str:
    """feedparser's spelling of Atom's short type names."""
    lowered = value.lower()
    return {"text": "text/plain", "plain": "text/plain", "html": "text/html"}.get(
        lowered, "application/xhtml+xml" if lowered == "xhtml" else lowered
    )


def _resolved(base: str, uri: str) -> str:
    """A URI made absolute as feedparser does (extra slashes after the scheme dropped)."""
    if not uri or _PLAIN_URL.match(uri):
        return uri
    try:
        return urllib.parse.urljoin(base, _EXTRA_SLASHES.sub(r"\1\3", uri))
    except ValueError:
        return ""


def _absolute(base: str, link: str | None) -> str | None:
    """The item link as `parse.py` stores it: joined once more with the feed's URL."""
    if not link:
        return None
    return link if _PLAIN_URL.match(link) else urllib.parse.urljoin(base, link)


def _fixed(value: str) -> str:
    """feedparser's repair of UTF-8 text that was decoded as Latin-1 somewhere upstream."""
    if value.isascii():
        return value
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
