"""Events as Discord embeds: headline, outlet, summary, facts, quote, sources, footer.

Every string that came from a feed goes through `cogs.text.safe`, and the finished embed
is checked against Discord's total limit, so Discord never refuses a post for its size.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

import discord
import pycountry

from bot.storage.records import EventRecord, StoryRecord
from cogs.text import fit, one_line, safe, safe_url

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
FLAGGED = "flagged not relevant"
AUTHOR_LIMIT = 256
TOTAL_LIMIT = 6000
MAX_FIELDS = 25
SUMMARY_LIMIT = 700
SOURCES_SHOWN = 8

STAGE_COLOURS = {
    "threatened": discord.Colour(0xF0A500),
    "announced": discord.Colour(0xE67E22),
    "completed": discord.Colour(0xC0392B),
    "reversed": discord.Colour(0x27AE60),
}
STAGE_LABELS = {
    "threatened": "Threatened to leave",
    "announced": "Exit announced",
    "completed": "Exit completed",
    "reversed": "Reversed / stayed",
}


def event_ref(sources: list[StoryRecord], story: StoryRecord) -> int:
    """An event's public number: the id of its first story, as every command shows it."""
    return min((source.id for source in sources), default=story.id)


def footer_marker(ref: int) -> str:
    """The footer prefix that identifies an event's post (used to find it after a crash)."""
    return f"Story #{ref} ·"


def stage_marker(ref: int, stage: str) -> str:
    """The footer prefix of a stage-change reply."""
    return f"Story #{ref} · update: {stage}"


@lru_cache(maxsize=512)
def flag(country: str | None) -> str:
    """The flag emoji for a country name, or an empty string when it has none (regions)."""
    if not country:
        return ""
    try:
        code = pycountry.countries.lookup(country).alpha_2
    except LookupError:
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())


def story_embed(
    event: EventRecord, story: StoryRecord, sources: list[StoryRecord]
) -> discord.Embed:
    """The post for an event, led by `story` and listing every source."""
    embed = discord.Embed(
        title=safe(one_line(story.title), TITLE_LIMIT) or f"Story #{event_ref(sources, story)}",
        url=safe_url(story.url),
        description=safe(story.summary, SUMMARY_LIMIT) or None,
        colour=STAGE_COLOURS.get(event.stage, discord.Colour.light_grey()),
        timestamp=_when(story.published_at),
    )
    if story.outlet:
        embed.set_author(name=fit(one_line(story.outlet), AUTHOR_LIMIT))
    _facts(embed, event, story)
    _quote(embed, story)
    _sources(embed, sources or [story])
    published = _when(story.published_at)
    date = published.strftime("%Y-%m-%d") if published else "undated"
    embed.set_footer(
        text=fit(
            f"{footer_marker(event_ref(sources, story))} confidence {story.score:.0%} · {date}",
            FOOTER_LIMIT,
        )
    )
    return shrink_to_limit(embed)


def mark_flagged(embed: discord.Embed) -> bool:
    """Add "flagged not relevant" to the footer; False when it is there already.

    Posts are rebuilt from their event on every new source, so the mark a moderator's flag
    put on the message must be put back each time, or the next edit would drop it.
    """
    footer = embed.footer.text or ""
    if FLAGGED in footer:
        return False
    kept = fit(footer, FOOTER_LIMIT - len(FLAGGED) - 3)
    embed.set_footer(
        text=f"{kept} · {FLAGGED}" if kept else FLAGGED, icon_url=embed.footer.icon_url
    )
    return True


def stage_embed(event: EventRecord, story: StoryRecord, ref: int) -> discord.Embed:
    """The reply that announces an event's new stage, linked to the original post."""
    stage = story.stage or event.stage
    embed = discord.Embed(
        title=fit(f"Update: {STAGE_LABELS.get(stage, stage)}", TITLE_LIMIT),
        url=safe_url(story.url),
        description=safe(story.summary, SUMMARY_LIMIT) or None,
        colour=STAGE_COLOURS.get(stage, discord.Colour.light_grey()),
        timestamp=_when(story.published_at),
    )
    headline = safe(one_line(story.title), FIELD_VALUE_LIMIT)
    if headline:
        embed.add_field(name="Headline", value=headline, inline=False)
    embed.set_footer(text=f"{stage_marker(ref, stage)} · confidence {story.score:.0%}")
    return shrink_to_limit(embed)


def _facts(embed: discord.Embed, event: EventRecord, story: StoryRecord) -> None:
    company = story.company or event.company
    country = story.country or event.country
    embed.add_field(name="Company", value=safe(company, FIELD_VALUE_LIMIT).strip() or "—")
    embed.add_field(
        name="Country", value=fit(f"{flag(country)} {safe(country, 200)}".strip(), 1024) or "—"
    )
    embed.add_field(name="Stage", value=STAGE_LABELS.get(event.stage, event.stage))
    demand = safe(story.demand or event.demand, FIELD_VALUE_LIMIT).strip()
    if demand:
        embed.add_field(name="Demand", value=demand, inline=False)
    effective = safe(story.effective_date, FIELD_VALUE_LIMIT).strip()
    if effective:
        embed.add_field(name="Effective", value=effective)


def _quote(embed: discord.Embed, story: StoryRecord) -> None:
    if not story.quote:
        return
    speaker = f"\n— {safe(one_line(story.quote_speaker), 200)}" if story.quote_speaker else ""
    body = fit(f"“{safe(one_line(story.quote), 900)}”", FIELD_VALUE_LIMIT - len(speaker))
    embed.add_field(name="Key quote", value=body + speaker, inline=False)


def _sources(embed: discord.Embed, sources: list[StoryRecord]) -> None:
    lines = []
    for source in sources[:SOURCES_SHOWN]:
        name = safe(one_line(source.outlet or source.title), 80).replace("]", "\\]")
        url = safe_url(source.url)
        lines.append(f"[{name}]({url})" if url else name)
    if len(sources) > SOURCES_SHOWN:
        lines.append(f"…and {len(sources) - SOURCES_SHOWN} more")
    value = _join_within("\n", lines, FIELD_VALUE_LIMIT)
    if value:
        embed.add_field(name=f"Sources ({len(sources)})", value=value, inline=False)


def _join_within(separator: str, parts: list[str], limit: int) -> str:
    """Join whole parts until the next one would not fit (a link cut in half is broken)."""
    out = ""
    for part in parts:
        candidate = f"{out}{separator}{part}" if out else part
        if len(candidate) > limit:
            break
        out = candidate
    return out


def shrink_to_limit(embed: discord.Embed) -> discord.Embed:
    """Trim the description, then drop trailing fields, until the embed fits 6,000 chars."""
    excess = len(embed) - TOTAL_LIMIT
    if excess > 0 and embed.description:
        embed.description = fit(embed.description, max(len(embed.description) - excess, 100))
    while len(embed) > TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def _when(stamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp else None
