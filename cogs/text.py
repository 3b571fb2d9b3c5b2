"""Text from strangers, made safe for Discord: no pings, no markdown, within every limit.

Feed titles and article sentences are written by people we do not know. Before any of it
reaches Discord it is escaped so that it renders literally (markdown, masked links, headers,
mentions, invites) and cut to fit the field it goes in. Pings are also blocked by
`allowed_mentions`; escaping keeps the text from even looking like a mention.
"""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"
ELLIPSIS = "…"

_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_ANGLE_TOKEN = re.compile(r"<(?=[@#:/]|a:|t:)")
_INVITE = re.compile(r"(discord(?:app)?\.(?:gg|com/invite|me)|dsc\.gg)/", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# Every character markdown gives a meaning to gets a backslash. Discord shows a backslashed
# punctuation mark as itself, so escaping all of them (not only those that look like
# markup, as discord.utils.escape_markdown tries to) cannot miss a combination.
_MARKDOWN = re.compile(r"([\\*_~|`>\[\]()])")
# Headers, subtext and list markers only mean something at the start of a line.
_LINE_START = re.compile(r"^(\s*)([#-])", re.MULTILINE)
# A masked link is also broken apart, in case a client ever ignores one of the escapes.
_MASKED_LINK = re.compile(r"\\\](?=\s*\\\()")
# Characters that would end or open a masked link if left in a URL placed inside one.
_URL_LINK_SYNTAX = str.maketrans({"(": "%28", ")": "%29", "[": "%5B", "]": "%5D"})


def plain(text: str | None) -> str:
    """Escape feed text so Discord shows exactly these characters and pings no one."""
    if not text:
        return ""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    text = _MENTION.sub(lambda m: f"@{ZWSP}{m.group(1)}", text)
    text = _ANGLE_TOKEN.sub(f"<{ZWSP}", text)
    text = _MASKED_LINK.sub(f"\\]{ZWSP}", text)
    return _INVITE.sub(lambda m: f"{m.group(1)}{ZWSP}/", text)


def one_line(text: str | None) -> str:
    """Collapse whitespace: titles and field names must be a single line."""
    return " ".join((text or "").split())


def fit(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters at a word boundary, marking the cut.

    Never leaves a dangling escape backslash (which would escape the ellipsis instead).
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut.rstrip() + ELLIPSIS


def safe(text: str | None, limit: int) -> str:
    """Escape, then fit: the usual treatment for one field of feed text."""
    return fit(plain(text), limit)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for an embed's url slot or a masked link's target, or None.

    Brackets and parentheses are percent-encoded: inside `[name](url)` a `)` would end the
    link early and let the feed append a masked link of its own after it.
    """
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    if any(char.isspace() for char in url) or "<" in url or ">" in url:
        return None
    url = url.translate(_URL_LINK_SYNTAX)
    return url if len(url) <= 2000 else None
