"""A fast reader for the common XML feed, giving the values feedparser would give.

feedparser costs about half a millisecond per item, which makes it most of a poll cycle's
CPU (see docs/feeds.md, "Benchmark"). Most feeds are plain: well-formed UTF-8 RSS 2.0,
RSS 1.0 or Atom 1.0 using a handful of elements. For those this module parses with lxml
(about 50 times faster) and returns the fields `parse.py` reads, shaped as feedparser
shapes them, so both paths share one normalisation. For anything else it returns None and
the caller uses feedparser, whose recovery is what malformed, mis-encoded or exotic
documents need.

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
apart on them.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Iterable
from datetime import datetime, timedelta
from html.entities import entitydefs
from typing import Any

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


class _Unsupported(Exception):
    """The document needs feedparser; raised deep in the reader, caught at the top."""


def read_feed(body: bytes, url: str, content_type: str | None) -> dict[str, Any] | None:
    """feedparser-shaped `{"version", "feed", "entries"}` for a plain feed, else None."""
    if not _may_read(body, content_type):
        return None
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError:
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
    return b"xml:base" not in body and not _C1_CONTROLS.search(body)


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


def _read_root(root: etree._Element, url: str) -> dict[str, Any]:
    if root.tag == "rss" and root.get("version") == "2.0":
        channels = list(root)
        if len(channels) != 1 or channels[0].tag != "channel":
            raise _Unsupported
        channel = channels[0]
        items = [child for child in channel if child.tag == "item"]
        feed = _rss_channel(channel, "", url)
        entries = [_rss_item(item, _RSS20_ITEM, url) for item in items]
        return {"version": "rss20", "feed": feed, "entries": entries}
    if root.tag == f"{RDF}RDF":
        channels = [child for child in root if child.tag == f"{RSS10}channel"]
        if len(channels) != 1:
            raise _Unsupported
        feed = _rss_channel(channels[0], RSS10, url)
        entries = [_rss_item(item, _RSS10_ITEM, url) for item in root if item.tag == f"{RSS10}item"]
        return {"version": "rss10", "feed": feed, "entries": entries}
    if root.tag == f"{ATOM}feed":
        feed = _atom_feed(root, url)
        entries = [_atom_entry(entry, url) for entry in root if entry.tag == f"{ATOM}entry"]
        return {"version": "atom10", "feed": feed, "entries": entries}
    raise _Unsupported


def _rss_channel(channel: etree._Element, ns: str, url: str) -> dict[str, Any]:
    """The channel's own title and link (elements nested in image or textinput are theirs)."""
    feed: dict[str, Any] = {}
    for child in channel:
        tag = child.tag
        if tag == f"{ns}title":
            if "title" in feed:
                raise _Unsupported
            value = _text(_plain(child))
            feed["title"] = _fixed(value)
            feed["title_detail"] = {"type": _guessed_type(value)}
        elif tag == f"{ns}link":
            if "link" in feed:
                raise _Unsupported
            link = _fixed(_resolved(url, _text(_plain(child))))
            feed["link"] = _ENTITY_IN_LINK.sub(r"&\1", link)
        elif tag in (f"{DC}title", f"{ATOM}title") or (
            tag == f"{ATOM}link" and child.get("rel") != "self"
        ):
            raise _Unsupported
    return feed


def _rss_item(item: etree._Element, roles: dict[str, str], url: str) -> dict[str, Any]:
    """One RSS 2.0 or 1.0 item, following feedparser's rules for each field."""
    about = item.get(f"{RDF}about")
    if set(item.attrib) - {f"{RDF}about"}:
        raise _Unsupported
    found = _by_role(item, roles)
    entry: dict[str, Any] = {}
    if about is not None:
        entry["id"] = about
    guid_is_link = False
    if "guid" in found:
        guid = found["guid"]
        _only_attributes(guid, {"ispermalink"})
        guid_is_link = _attribute(guid, "ispermalink", "true") == "true"
        value = _text(guid)
        entry["id"] = _fixed(_resolved(url, value) if guid_is_link else value)
    if "title" in found:
        value = _text(_plain(found["title"]))
        kind = _guessed_type(value)
        if kind == "text/html":
            _check_html(value)
        entry["title"] = _fixed(value)
        entry["title_detail"] = {"type": kind}
    if "link" in found:
        link = _fixed(_resolved(url, _text(_plain(found["link"]))))
        entry["link"] = _ENTITY_IN_LINK.sub(r"&\1", link.replace("&amp;", "&"))
    elif guid_is_link:
        entry["link"] = entry["id"]
    content = _html_value(found["content"]) if "content" in found else None
    if content is not None:
        entry["content"] = [{"value": content}]
    if "summary" in found:
        entry["summary"] = _html_value(found["summary"])
    elif content is not None:
        entry["summary"] = content
    _dates(entry, found)
    if "author" in found:
        entry["author"] = _fixed(_text(_plain(found["author"])))
    return entry


def _atom_feed(root: etree._Element, url: str) -> dict[str, Any]:
    """The feed's own title and its alternate link (the last one, as in feedparser)."""
    feed: dict[str, Any] = {}
    for child in root:
        if child.tag == f"{ATOM}title":
            if "title" in feed:
                raise _Unsupported
            feed["title"], kind = _atom_text(child)
            feed["title_detail"] = {"type": kind}
        elif child.tag == f"{ATOM}link":
            link = _atom_alternate(child, url)
            if link is not None:
                feed["link"] = link
    return feed


def _atom_entry(node: etree._Element, url: str) -> dict[str, Any]:
    """One Atom entry. Note feedparser's rules: the id is the link when no alternate link
    is given, the last alternate HTML link wins, content doubles as a missing summary."""
    if set(node.attrib) - {XML_LANG}:
        raise _Unsupported
    found = _by_role(node, _ATOM_ENTRY, repeatable={"link"})
    entry: dict[str, Any] = {}
    if "guid" in found:
        guid = _text(_plain(found["guid"]))
        entry["id"] = entry["link"] = _fixed(_resolved(url, guid))
    for link in found.get("links", ()):
        href = _atom_alternate(link, url)
        if href is not None:
            entry["link"] = href
    if "title" in found:
        entry["title"], kind = _atom_text(found["title"])
        entry["title_detail"] = {"type": kind}
    content = _atom_text(found["content"])[0] if "content" in found else None
    if content is not None:
        entry["content"] = [{"value": content}]
    if "summary" in found:
        entry["summary"] = _atom_text(found["summary"])[0]
    elif content is not None:
        entry["summary"] = content
    _dates(entry, found)
    if "author" in found:
        entry["author"] = _atom_author(found["author"])
    return entry


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


def _dates(entry: dict[str, Any], found: dict[str, Any]) -> None:
    for role in ("published", "updated"):
        if role in found:
            entry[f"{role}_parsed"] = parse_date(_fixed(_text(_plain(found[role]))))


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
            when = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute))
            when = when.replace(second=int(second)) - _offset(zone)
        elif iso:
            year, month, day, hour, minute, second, zone = iso.groups()
            when = datetime(int(year), int(month), int(day), int(hour), int(minute))
            when = when.replace(second=int(second)) - _offset(zone.replace(":", ""))
        else:
            return _parse_date(value)
    except (ValueError, OverflowError):
        return _parse_date(value)
    return when.timetuple()


def _offset(zone: str) -> timedelta:
    if zone in ("GMT", "UT", "Z"):
        return timedelta(0)
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
        parts[tag] = _fixed(_text(_plain(child)))
    name, email = parts.get(f"{ATOM}name"), parts.get(f"{ATOM}email")
    if name and email:
        return f"{name} ({email})"
    return name or email or (author.text or "").strip()


def _html_value(node: etree._Element) -> str:
    """An RSS summary or content: HTML by default, as long as it has no type attribute."""
    value = _text(_plain(node))
    _check_html(value)
    return _fixed(value)


def _plain(node: etree._Element) -> etree._Element:
    """A text-only element without attributes, as the simple fields are."""
    if len(node) or (set(node.attrib) - {XML_LANG}):
        raise _Unsupported
    return node


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
    if "<!" in value or "<?" in value:
        raise _Unsupported
    for tag in _TAG_NAME.findall(value):
        if tag.lower() not in _ACCEPTABLE_TAGS:
            raise _Unsupported


def _guessed_type(value: str) -> str:
    """feedparser's guess for nominally plain RSS text: HTML when it clearly is.

    HTML needs a close tag or an entity, only sanitizer-approved tags and only known
    entities (the rule of feedparser's `looks_like_html`).
    """
    if not (_CLOSE_TAG.search(value) or _ENTITY.search(value)):
        return "text/plain"
    if any(tag.lower() not in _ACCEPTABLE_TAGS for tag in _TAG_NAME.findall(value)):
        return "text/plain"
    if any(name not in entitydefs for name in _NAMED_ENTITY.findall(value)):
        return "text/plain"
    return "text/html"


def _media_type(value: str) -> str:
    """feedparser's spelling of Atom's short type names."""
    lowered = value.lower()
    return {"text": "text/plain", "plain": "text/plain", "html": "text/html"}.get(
        lowered, "application/xhtml+xml" if lowered == "xhtml" else lowered
    )


def _resolved(base: str, uri: str) -> str:
    """A URI made absolute as feedparser does (extra slashes after the scheme dropped)."""
    if not uri:
        return uri
    try:
        return urllib.parse.urljoin(base, _EXTRA_SLASHES.sub(r"\1\3", uri))
    except ValueError:
        return ""


def _fixed(value: str) -> str:
    """feedparser's repair of UTF-8 text that was decoded as Latin-1 somewhere upstream."""
    if value.isascii():
        return value
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value
