"""Stable identities for feed items: canonical URLs, entry keys and content hashes.

The entry key decides "already seen", so it must not change when a feed re-publishes an
item with a new tracking parameter, and it should match across outlets where it can.

Key priority: canonical link first, then guid, then a hash of title and date. The link
comes first because it is the one identifier two feeds share: outlets syndicating the same
article carry its URL but each mint their own guid ("tag:outlet,2024:123"), so keying on
the guid would post the story twice. A guid is used only when there is no link, which is
also when it is most useful (feeds that identify items by id alone). When the guid is just
the permalink (RSS `isPermaLink`, or an Atom id that is a URL) it is the same identity as
the link anyway. The cost: a feed that points every item at one page (a live blog) would
collapse them into one key; such feeds are rare among news outlets and carry little for us.
"""

from __future__ import annotations

import hashlib
import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.models import FeedItem

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "cmpid", "ocid", "igshid",
        "_hsenc", "_hsmi", "mkt_tok", "spm", "cmp", "at_medium", "at_campaign",
        "ito", "sr_share", "smid", "s_cid", "wt.mc_id",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "itm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
_TAG = re.compile(r"<[^>]*>")
# The usual feed link: http(s), a plain host name, no port, user, query or whitespace. For
# these the canonical form is only lower-casing the host and trimming the path, which is
# what the general code below computes too, at a fraction of the cost (tests compare both).
_SIMPLE_URL = re.compile(
    r"(https?)://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)\.?(/[^?#\s]*)?(?:#\S*)?\Z"
)


def canonical_url(url: str) -> str:
    """A normal form of `url` so the same page written two ways compares equal.

    Lower-cases scheme and host, drops the default port, the fragment and tracking
    parameters, sorts what remains of the query, and removes a trailing slash from the
    path (but keeps "/" for the root), so `/story/` and `/story` are one page.
    """
    simple = _SIMPLE_URL.match(url)
    if simple:
        scheme, host, path = simple.groups()
        return f"{scheme}://{host.lower()}{(path or '').rstrip('/') or '/'}"
    return _general_canonical_url(url)


def _general_canonical_url(url: str) -> str:
    """`canonical_url` for any URL; the simple ones above get the same answer faster."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port if parts.port != DEFAULT_PORTS.get(scheme) else None
    except ValueError:  # a non-numeric port: leave the URL as given rather than guess
        return url.strip()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def _is_tracking(name: str) -> bool:
    """Parameters that identify the click, not the page."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def entry_key(item: FeedItem) -> str:
    """The item's identity, prefixed by kind: "url:...", "guid:..." or "hash:..."."""
    if item.link and _is_web_url(item.link):
        return "url:" + canonical_url(item.link)
    guid = (item.guid or "").strip()
    if guid:
        return "url:" + canonical_url(guid) if _is_web_url(guid) else "guid:" + guid
    basis = _normalized(item.title) + "\n" + (item.published.isoformat() if item.published else "")
    return "hash:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _is_web_url(value: str) -> bool:
    """An http(s) URL with a host, as opposed to a tag: or urn: identifier."""
    if _SIMPLE_URL.match(value):
        return True
    try:
        parts = urlsplit(value.strip())
        return parts.scheme.lower() in DEFAULT_PORTS and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket: an identifier, not a usable URL
        return False


def content_hash(item: FeedItem) -> str:
    """A hash of what a reader sees (title, summary, content as text) to notice updates.

    Markup and whitespace are normalised away so a template change at the outlet does not
    look like an edited story. Tags are dropped with a regular expression rather than a
    full HTML parse: this runs for every item of every fetched feed, and a hash only needs
    the same answer for the same text, not well-formed output.
    """
    fields = (item.title, _without_tags(item.summary), _without_tags(item.content))
    basis = "\x1f".join(_normalized(field) for field in fields)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def _without_tags(markup: str) -> str:
    return html.unescape(_TAG.sub(" ", markup)) if "<" in markup or "&" in markup else markup


def _normalized(text: str) -> str:
    """Case- and whitespace-insensitive form used inside hashes.

    `str.split()` and a regular expression's `\\s` agree on what whitespace is, so this is
    the same as collapsing runs with a pattern and stripping, only cheaper.
    """
    return " ".join(text.split()).casefold()
