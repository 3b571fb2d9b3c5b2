"""Feed text in Discord renders literally: no pings, no markdown, no masked or invite links.

Headlines, outlets, quotes and summaries are written by strangers; these are the tricks a
hostile feed would try, checked in `cogs.text.plain` and in the finished embed.
"""

from __future__ import annotations

import re

import pytest

from bot.storage.records import EventRecord, StoryRecord
from cogs.embeds import story_embed
from cogs.text import ZWSP, plain, safe_url

MASKED_LINK = re.compile(r"(?<!\\)\[[^\]\n]*\]\(")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone read this", f"@{ZWSP}everyone read this"),
        ("@HERE now", f"@{ZWSP}HERE now"),
        ("<@123456789012345678>", f"<{ZWSP}@123456789012345678\\>"),
        ("<@!123456789012345678>", f"<{ZWSP}@!123456789012345678\\>"),
        ("<@&987654321098765432>", f"<{ZWSP}@&987654321098765432\\>"),
        ("<#112233445566778899>", f"<{ZWSP}#112233445566778899\\>"),
        ("</exits latest:1234>", f"<{ZWSP}/exits latest:1234\\>"),
        ("<t:1700000000:R>", f"<{ZWSP}t:1700000000:R\\>"),
        ("<a:party:123>", f"<{ZWSP}a:party:123\\>"),
        ("join discord.gg/abcdef", f"join discord.gg{ZWSP}/abcdef"),
        ("https://discord.com/invite/abc", f"https://discord.com/invite{ZWSP}/abc"),
        ("**b** _i_ ~~x~~ ||s|| `c`", r"\*\*b\*\* \_i\_ \~\~x\~\~ \|\|s\|\| \`c\`"),
        ("# Huge header", r"\# Huge header"),
        ("-# small print", r"\-# small print"),
        ("> quoted", r"\> quoted"),
        ("a\u202eb\x00c", "abc"),
    ],
)  # fmt: skip
def test_plain_renders_literally(text: str, expected: str) -> None:
    assert plain(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[Official statement](https://evil.example)",
        "[a](https://one.example) and [b](https://two.example)",
        "[x] (https://spaced.example)",
        "see https://ok.example/[click](https://evil.example)",
        "[multi\nline](https://evil.example)",
    ],
)
def test_plain_leaves_no_masked_link(text: str) -> None:
    out = plain(text)
    assert not MASKED_LINK.search(out)
    assert "](" not in out


def test_a_url_cannot_close_a_masked_link_early() -> None:
    url = safe_url("https://outlet.example/a)[ClickMe](https://evil.example")
    assert url is not None
    assert not set("()[]") & set(url)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://a.example/<x>", "ftp://a/", ""])
def test_unsafe_urls_are_dropped(url: str) -> None:
    assert safe_url(url) is None


def story(**changes: object) -> StoryRecord:
    values: dict[str, object] = {
        "id": 7,
        "entry_id": 7,
        "event_id": 3,
        "relevant": True,
        "score": 0.9,
        "title": "Headline",
        "url": "https://outlet.example/story",
        "outlet": "Outlet",
        "published_at": 1_790_000_000.0,
        "company": "Lockbox",
        "country": "India",
        "stage": "announced",
        "demand": "log VPN users",
        "effective_date": None,
        "quote": None,
        "quote_speaker": None,
        "summary": "Summary.",
        "signals": [],
        "sentences": [],
        "analysed_at": 0.0,
    }
    values.update(changes)
    return StoryRecord(**values)  # type: ignore[arg-type]


EVENT = EventRecord(3, "lockbox|india", "Lockbox", "India", "log VPN users", "announced", 0, 0)
HOSTILE = "@everyone <@&42> [free](https://evil.example) discord.gg/x **now**"


def embed_texts(embed) -> list[str]:
    texts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    for field in embed.fields:
        texts += [field.name, field.value]
    return texts


@pytest.mark.parametrize(
    "field", ["title", "summary", "company", "country", "demand", "quote", "quote_speaker"]
)
def test_hostile_text_in_any_story_field_renders_literally(field: str) -> None:
    hostile = story(**{field: HOSTILE, "quote": HOSTILE if field == "quote_speaker" else None})
    embed = story_embed(EVENT, hostile, [hostile])
    for text in embed_texts(embed):
        assert not re.search(r"@(everyone|here)", text)
        assert "<@" not in text and "discord.gg/" not in text
        assert "**now**" not in text


def test_sources_list_keeps_only_its_own_links() -> None:
    """The Sources field is made of our masked links; a feed cannot add one of its own."""
    sources = [
        story(id=8, outlet="Evil [x](https://evil.example)", url="https://a.example/)[y](z"),
        story(id=9, outlet="Fine outlet"),
    ]
    embed = story_embed(EVENT, sources[0], sources)
    [value] = [field.value for field in embed.fields if field.name.startswith("Sources")]
    targets = re.findall(r"(?<!\\)\]\(([^)]*)\)", value)
    assert targets == ["https://a.example/%29%5By%5D%28z", "https://outlet.example/story"]
