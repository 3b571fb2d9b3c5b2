"""Rendering hostile and oversized results: escaped, linked safely, within Discord's limits."""

from __future__ import annotations

import discord

from bot.query.results import (
    MARK_END,
    MARK_START,
    EventSummary,
    FeedHealth,
    FeedList,
    Page,
    SearchHit,
    SearchResult,
    SourceView,
    StoryCard,
    TimelineStep,
)
from bot.storage.records import FeedRecord
from cogs.render import card_embed, event_sheet, feed_sheets, highlight, search_sheet
from cogs.views import flagged_embed

HOSTILE = "**Breaking** @everyone <@&123> [click](https://evil.example) # Header ||spoiler||"
LONG_URL = "https://news.example/" + "a" * 1900


def within_limits(embed: discord.Embed) -> None:
    assert len(embed) <= 6000
    assert len(embed.description or "") <= 4096
    assert len(embed.title or "") <= 256
    assert len(embed.fields) <= 25
    assert all(0 < len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in embed.fields)
    assert len(embed.footer.text or "") <= 2048


def field_value(embed: discord.Embed, name: str) -> str:
    return next(f.value or "" for f in embed.fields if f.name == name)


def event(number: int) -> EventSummary:
    return EventSummary(
        ref=number,
        event_id=number,
        company=HOSTILE,
        country="United Kingdom",
        stage="announced",
        demand=None,
        first_at=1.7e9,
        last_at=1.7e9,
        source_count=3,
        headline=HOSTILE * 8,
        url=LONG_URL,
    )


def test_twenty_five_hostile_events_fit_one_embed() -> None:
    sheet = event_sheet(Page([event(n) for n in range(25)], 1, 2, 50), "Latest exits")
    within_limits(sheet.embed)
    description = sheet.embed.description or ""
    assert "@everyone" not in description and "<@&" not in description
    assert "[click](" not in description
    assert description.count("**#") == 25


def test_matches_become_bold_on_escaped_text() -> None:
    text = f"a *b* {MARK_START}snake_case{MARK_END} and {MARK_START}@everyone{MARK_END}"
    assert highlight(text, 200) == "a \\*b\\* **snake\\_case** and **@\u200beveryone**"


def test_a_highlight_cut_short_stays_balanced() -> None:
    text = f"lead {MARK_START}{'word ' * 100}{MARK_END} tail"
    cut = highlight(text, 60)
    assert len(cut) <= 60 and cut.count("**") == 2 and cut.endswith("…**")


def test_search_hits_with_unbalanced_markers() -> None:
    hit = SearchHit(
        story_id=1,
        ref=1,
        title=f"{MARK_START}Lockbox{MARK_END} leaves",
        snippet=f"…the {MARK_START}lockb",
        url="javascript:alert(1)",
        outlet="x",
        published_at=None,
        company=None,
        country=None,
        stage=None,
    )
    sheet = search_sheet(SearchResult("lockbox", "lockbox*", Page([hit], 1, 1, 1)))
    within_limits(sheet.embed)
    assert "javascript" not in (sheet.embed.description or "")
    assert "**lockb**" in (sheet.embed.description or "")


def test_a_card_with_many_long_sources_fits() -> None:
    sources = [SourceView(n, HOSTILE * 5, LONG_URL, HOSTILE, 1.7e9, "announced") for n in range(60)]
    steps = [TimelineStep("completed", 1.7e9, n, HOSTILE, LONG_URL) for n in range(40)]
    card = StoryCard(
        ref=1,
        event_id=1,
        title=HOSTILE * 20,
        url=LONG_URL,
        outlet=HOSTILE,
        published_at=1.7e9,
        summary=HOSTILE * 200,
        company=HOSTILE,
        country="Narnia",
        stage="completed",
        demand=HOSTILE * 50,
        effective_date=HOSTILE,
        quote=HOSTILE * 40,
        quote_speaker=HOSTILE,
        quote_url=LONG_URL,
        score=0.9,
        sources=sources,
        timeline=steps,
    )
    embed = card_embed(card)
    within_limits(embed)
    rendered = [embed.title, embed.description, *(f.value for f in embed.fields)]
    assert not any("@everyone" in (text or "") for text in rendered)
    assert len(field_value(embed, "Sources (60)").splitlines()) > 3


def test_feed_list_pages_fit() -> None:
    feeds = [
        FeedHealth(
            FeedRecord(
                id=n,
                url=LONG_URL[:300],
                name=HOSTILE,
                origin="guild",
                guild_id=1,
                interval_s=900,
                last_error=HOSTILE * 30,
                last_error_at=1.7e9,
            ),
            "failing",
            False,
        )
        for n in range(30)
    ]
    sheets = feed_sheets(FeedList(feeds))
    assert [s.page for s in sheets] == [1, 2, 3, 4] and sheets[0].pages == 4
    for sheet in sheets:
        within_limits(sheet.embed)


def test_flagging_keeps_the_footer_within_its_limit() -> None:
    embed = discord.Embed(title="Story")
    embed.set_footer(text="x" * 2048)
    message = discord.Object(id=1)
    message.embeds = [embed]  # type: ignore[attr-defined]
    flagged = flagged_embed(message)  # type: ignore[arg-type]
    assert flagged is not None and flagged.title == "Story"
    footer = flagged.footer.text or ""
    assert len(footer) <= 2048 and footer.endswith(" · flagged not relevant")
    message.embeds = [flagged]  # type: ignore[attr-defined]
    assert flagged_embed(message) is None  # type: ignore[arg-type]
