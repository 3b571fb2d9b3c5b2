"""Query results as Discord embeds and files: the same facts as the console's text.

Everything that came from a feed, a page or a member is escaped with `cogs.text` before it
is placed in an embed, links go through `safe_url`, and every field is cut to Discord's
limits (lists stop at a whole line and say how many were left out), so Discord never
refuses an answer for its size. Long lists are split into `Sheet`s, one page each, which
the pagination view turns.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import discord

from bot.query.results import (
    Answer,
    EventSummary,
    ExportResult,
    FeedAdded,
    FeedChanged,
    FeedHealth,
    FeedList,
    FeedTestResult,
    Page,
    SearchResult,
    SettingsView,
    SignalView,
    StatsResult,
    StoryCard,
    SummarizeResult,
    Timeline,
    WhyResult,
    marked_segments,
)
from cogs.embeds import (
    AUTHOR_LIMIT,
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    FOOTER_LIMIT,
    STAGE_COLOURS,
    STAGE_LABELS,
    SUMMARY_LIMIT,
    TITLE_LIMIT,
    flag,
    shrink_to_limit,
)
from cogs.text import ELLIPSIS, fit, one_line, plain, safe, safe_url

NEUTRAL = discord.Colour.blurple()
MUTED = discord.Colour.light_grey()
CHART_NAME = "events.png"
UNSTORED = "Analysed now, not stored"
TIMELINE_PER_SHEET = 10
FEEDS_PER_SHEET = 8
TALLY_LINES = 10
SOURCES_SHOWN = 10
NAME_LIMIT = 80
LINKED_URL_LIMIT = 400
SHORT_NAME_LIMIT = 24
MIN_HEADLINE = 20
HEADLINE_LIMIT = 150
SENTENCE_LIMIT = 600


@dataclass(frozen=True, slots=True)
class Sheet:
    """One page of a paginated answer: its embed, and where it sits in the whole."""

    embed: discord.Embed
    page: int
    pages: int


# --- small pieces ---------------------------------------------------------------------


def date(stamp: float | None) -> str:
    """A date Discord shows in the reader's own locale, or "undated"."""
    if stamp is None:
        return "undated"
    return discord.utils.format_dt(datetime.fromtimestamp(stamp, UTC), "d")


def moment(stamp: float | None, missing: str = "never") -> str:
    """A relative time ("3 hours ago"), or `missing`."""
    if stamp is None:
        return missing
    return discord.utils.format_dt(datetime.fromtimestamp(stamp, UTC), "R")


def link(text: str | None, url: str | None, limit: int = NAME_LIMIT) -> str:
    """Escaped text, as a masked link when the URL is safe to link to and not so long that
    it would crowd the other lines out of the field."""
    name = safe(one_line(text), limit).replace("]", "\\]") or "source"
    target = safe_url(url)
    return f"[{name}]({target})" if target and len(target) <= LINKED_URL_LIMIT else name


def stage_label(stage: str | None) -> str:
    """The reader's name for a stage."""
    return STAGE_LABELS.get(stage or "", stage or "unknown stage")


def place(country: str | None) -> str:
    """A country with its flag, escaped."""
    return f"{flag(country)} {safe(one_line(country), NAME_LIMIT)}".strip() or "—"


def join_within(lines: Sequence[str], limit: int, *, separator: str = "\n") -> str:
    """Whole lines up to `limit` characters, then "…and N more" (a cut link is broken)."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        left = len(lines) - index
        tail = len(f"{separator}…and {left} more")
        cost = len(line) + (len(separator) if out else 0)
        if used + cost + (tail if left > 1 else 0) > limit:
            out.append(f"…and {left} more")
            break
        out.append(line)
        used += cost
    return separator.join(out)


def highlight(text: str, limit: int) -> str:
    """Search text with its matches in bold; every segment escaped, within `limit`."""
    out = ""
    for segment, matched in marked_segments(one_line(text)):
        piece = plain(segment)
        wrap = 4 if matched else 0
        if len(out) + len(piece) + wrap > limit:
            room = limit - len(out) - wrap - 1
            if room <= len(ELLIPSIS) * 3:
                return out + ELLIPSIS
            cut = fit(piece, room)
            return out + (f"**{cut}**" if matched else cut)
        out += f"**{piece}**" if matched and piece.strip() else piece
    return out


def _footer(embed: discord.Embed, text: str) -> None:
    embed.set_footer(text=fit(text, FOOTER_LIMIT))


def _colour(stage: str | None) -> discord.Colour:
    return STAGE_COLOURS.get(stage or "", MUTED)


def _when(stamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp else None


def _pages_footer(page: int, pages: int, total: int, nouns: tuple[str, str]) -> str:
    return f"Page {page} of {pages} · {total} {nouns[0] if total == 1 else nouns[1]}"


# --- lists ------------------------------------------------------------------------------


def event_line(event: EventSummary, budget: int) -> str:
    """One event: number, date, who, where, stage, then its headline (linked if it fits).

    With many events on a page the budget is small: the headline loses its link first,
    then the company name is shortened.
    """
    sources = f" · {event.source_count} sources" if event.source_count > 1 else ""
    for company_limit in (NAME_LIMIT, SHORT_NAME_LIMIT):
        head = (
            f"**#{event.ref}** · {date(event.last_at)} · "
            f"{safe(one_line(event.company), company_limit)} · {place(event.country)} · "
            f"{stage_label(event.stage)}{sources}"
        )
        line = f"{head}\n{link(event.headline, event.url, HEADLINE_LIMIT)}"
        if len(line) <= budget:
            return line
        room = budget - len(head) - 1
        if room >= MIN_HEADLINE:
            return f"{head}\n{safe(one_line(event.headline), room)}"
    return head


def event_sheet(page: Page[EventSummary], title: str) -> Sheet:
    """A page of events, most recently updated first."""
    embed = discord.Embed(title=fit(title, TITLE_LIMIT), colour=NEUTRAL)
    if not page.items:
        embed.description = "No stories match."
    else:
        budget = DESCRIPTION_LIMIT // len(page.items) - 2
        lines = [event_line(event, budget) for event in page.items]
        embed.description = join_within(lines, DESCRIPTION_LIMIT, separator="\n\n")
    _footer(embed, _pages_footer(page.page, page.pages, page.total, ("event", "events")))
    return Sheet(embed, page.page, page.pages)


def search_sheet(result: SearchResult) -> Sheet:
    """A page of search hits, best first, matches in bold."""
    page = result.hits
    embed = discord.Embed(
        title=fit(f"Search: {safe(one_line(result.understood), 200)}", TITLE_LIMIT),
        colour=NEUTRAL,
    )
    if not page.items:
        embed.description = "Nothing found. Try fewer or other words."
    else:
        budget = DESCRIPTION_LIMIT // len(page.items) - 2
        lines = []
        for hit in page.items:
            number = f"#{hit.ref}" if hit.ref is not None else f"story {hit.story_id}"
            label = link(number, hit.url)
            head = f"**{label}** · {date(hit.published_at)} · {highlight(hit.title, 200)}"
            room = max(budget - len(head) - 1, 40)
            lines.append(f"{head}\n{highlight(hit.snippet, room)}")
        embed.description = join_within(lines, DESCRIPTION_LIMIT, separator="\n\n")
    _footer(embed, _pages_footer(page.page, page.pages, page.total, ("story", "stories")))
    return Sheet(embed, page.page, page.pages)


def timeline_sheets(timeline: Timeline) -> list[Sheet]:
    """A company's or a country's events, oldest first, a few per page."""
    events = timeline.events
    chunks = [
        events[start : start + TIMELINE_PER_SHEET]
        for start in range(0, len(events), TIMELINE_PER_SHEET)
    ] or [[]]
    name = place(timeline.name) if timeline.kind == "country" else safe(timeline.name, 200)
    title = fit(f"{name}: {len(events)} event{'' if len(events) == 1 else 's'}", TITLE_LIMIT)
    return [
        event_sheet(Page(chunk, number, len(chunks), len(events)), f"{title}, oldest first")
        for number, chunk in enumerate(chunks, start=1)
    ]


# --- one story --------------------------------------------------------------------------


def card_embed(card: StoryCard, *, lead: str | None = None) -> discord.Embed:
    """The full card: summary, facts, quote, sources and timeline (`lead` goes first)."""
    summary = safe(card.summary, SUMMARY_LIMIT)
    description = "\n\n".join(part for part in (lead, summary) if part)
    embed = discord.Embed(
        title=safe(one_line(card.title), TITLE_LIMIT) or "Story",
        url=safe_url(card.url),
        description=description or None,
        colour=_colour(card.stage),
        timestamp=_when(card.published_at),
    )
    if card.outlet:
        embed.set_author(name=fit(one_line(card.outlet), AUTHOR_LIMIT))
    embed.add_field(name="Company", value=safe(one_line(card.company), NAME_LIMIT) or "—")
    embed.add_field(name="Country", value=place(card.country))
    embed.add_field(name="Stage", value=stage_label(card.stage))
    if card.demand:
        embed.add_field(name="Demand", value=safe(card.demand, FIELD_VALUE_LIMIT), inline=False)
    if card.effective_date:
        embed.add_field(name="Effective", value=safe(card.effective_date, 200))
    if card.quote:
        embed.add_field(name="Key quote", value=_quote(card), inline=False)
    embed.add_field(
        name=f"Sources ({len(card.sources)})",
        value=join_within(_source_lines(card), FIELD_VALUE_LIMIT) or "—",
        inline=False,
    )
    if card.timeline:
        embed.add_field(
            name="Timeline",
            value=join_within(_timeline_lines(card), FIELD_VALUE_LIMIT),
            inline=False,
        )
    number = f"Story #{card.ref}" if card.ref is not None else UNSTORED
    _footer(embed, f"{number} · confidence {card.score:.0%}")
    return shrink_to_limit(embed)


def _quote(card: StoryCard) -> str:
    speaker = ""
    if card.quote_speaker:
        speaker = f"\n— {link(card.quote_speaker, card.quote_url, 200)}"
    return fit(f"“{safe(one_line(card.quote), 800)}”", FIELD_VALUE_LIMIT - len(speaker)) + speaker


def _source_lines(card: StoryCard) -> list[str]:
    lines = []
    for source in card.sources[:SOURCES_SHOWN]:
        stage = f" · {stage_label(source.stage)}" if source.stage else ""
        name = link(source.outlet or source.title, source.url)
        lines.append(f"{date(source.published_at)} · {name}{stage}")
    if len(card.sources) > SOURCES_SHOWN:
        lines.append(f"…and {len(card.sources) - SOURCES_SHOWN} more")
    return lines


def _timeline_lines(card: StoryCard) -> list[str]:
    return [
        f"{date(step.at)} · {stage_label(step.stage)} · {link(f'story #{step.story_id}', step.url)}"
        for step in card.timeline
    ]


def sources_embed(card: StoryCard) -> discord.Embed:
    """Every source of a story, with its outlet, date and the stage it reported."""
    lines = []
    for source in card.sources:
        outlet = f"**{safe(one_line(source.outlet), NAME_LIMIT)}** · " if source.outlet else ""
        stage = f" · {stage_label(source.stage)}" if source.stage else ""
        lines.append(
            f"{date(source.published_at)} · {outlet}{link(source.title, source.url, 200)}{stage}"
        )
    embed = discord.Embed(
        title=safe(one_line(f"Sources of story #{card.ref}: {card.title}"), TITLE_LIMIT),
        description=join_within(lines, DESCRIPTION_LIMIT) or "No sources are stored.",
        colour=_colour(card.stage),
    )
    return shrink_to_limit(embed)


def timeline_embed(card: StoryCard) -> discord.Embed:
    """The stages a story went through, each with the first source that reported it."""
    lines = [
        f"{date(step.at)} · **{stage_label(step.stage)}** · "
        + link(step.title or f"story #{step.story_id}", step.url, 200)
        for step in card.timeline
    ]
    embed = discord.Embed(
        title=safe(one_line(f"Timeline of story #{card.ref}: {one_line(card.title)}"), TITLE_LIMIT),
        description=join_within(lines, DESCRIPTION_LIMIT) or "No stages are recorded yet.",
        colour=_colour(card.stage),
    )
    return shrink_to_limit(embed)


def answer_embed(answer: Answer) -> discord.Embed:
    """An answer quoted from the sources, or a plain "the sources don't say"."""
    about = f"About story #{answer.ref}: {one_line(answer.headline)}" if answer.ref else "Answer"
    embed = discord.Embed(
        title=safe(about, TITLE_LIMIT), colour=NEUTRAL if answer.answered else MUTED
    )
    embed.set_author(name=fit(one_line(f"Q: {answer.question}"), AUTHOR_LIMIT))
    if answer.answered:
        quotes = [
            f"> “{safe(one_line(p.sentence), SENTENCE_LIMIT)}”\n— "
            + link(p.outlet or p.title, p.url)
            for p in answer.passages
        ]
        embed.description = join_within(quotes, DESCRIPTION_LIMIT, separator="\n\n")
    else:
        embed.description = safe(answer.text, DESCRIPTION_LIMIT)
    _footer(embed, f"Understood as a “{answer.kind}” question · confidence {answer.confidence:.0%}")
    return shrink_to_limit(embed)


def why_embed(why: WhyResult) -> discord.Embed:
    """The analyzer's verdict on a story and the evidence for it."""
    number = f"#{why.ref}" if why.ref is not None else f"story {why.story_id}"
    verdict = "relevant" if why.relevant else "not relevant"
    lead = (
        f"Judged **{verdict}**: score {why.score:.2f} against this server's threshold "
        f"{why.threshold:.2f}.\n{safe(why.outcome, 500)}"
    )
    lines = [_signal_line(signal) for signal in why.signals] or ["No signals were recorded."]
    embed = discord.Embed(
        title=safe(one_line(f"Why {number}: {one_line(why.title)}"), TITLE_LIMIT),
        url=safe_url(why.url),
        description=lead
        + "\n\n**Signals**\n"
        + join_within(lines, DESCRIPTION_LIMIT - len(lead) - 20),
        colour=discord.Colour.green() if why.posted else MUTED,
    )
    return shrink_to_limit(embed)


def _signal_line(signal: SignalView) -> str:
    name = safe(signal.name.replace("_", " "), NAME_LIMIT)
    line = f"`{signal.weight:+.2f}` {name}"
    if signal.sentence:
        line += f"\n> “{safe(one_line(signal.sentence), 300)}”"
    return line


def summary_embed(result: SummarizeResult) -> discord.Embed:
    """An article analysed now: its card when it is about an exit, else why it is not."""
    verdict = safe(result.verdict, 600)
    if result.card is not None:
        return card_embed(result.card, lead=verdict)
    lines = [_signal_line(signal) for signal in result.signals]
    signals = "\n\n**Signals**\n" + join_within(lines, 3000) if lines else ""
    embed = discord.Embed(
        title=safe(one_line(result.title), TITLE_LIMIT) or "Article",
        url=safe_url(result.url),
        description=verdict + signals,
        colour=MUTED,
    )
    _footer(embed, f"{UNSTORED} · confidence {result.score:.0%}")
    return shrink_to_limit(embed)


# --- stats and export -------------------------------------------------------------------


def stats_reply(stats: StatsResult) -> tuple[discord.Embed, discord.File | None]:
    """Counts by country, year and stage, feed health, and the chart as an attachment."""
    embed = discord.Embed(
        title="ExitWatch statistics",
        description=f"**{stats.events}** events from **{stats.stories}** stories",
        colour=NEUTRAL,
    )
    tallies = (
        ("By country", [(place(c.label), c.count) for c in stats.by_country]),
        ("By year", [(safe(c.label, 20), c.count) for c in stats.by_year]),
        ("By stage", [(stage_label(c.label), c.count) for c in stats.by_stage]),
    )
    for name, counts in tallies:
        if counts:
            lines = [f"{label} — {count}" for label, count in counts[:TALLY_LINES]]
            if len(counts) > TALLY_LINES:
                lines.append(f"…and {len(counts) - TALLY_LINES} more")
            embed.add_field(name=name, value=join_within(lines, FIELD_VALUE_LIMIT))
    embed.add_field(name="Feeds", value=_feed_health(stats.feeds), inline=False)
    chart = None
    if stats.chart_png:
        chart = discord.File(io.BytesIO(stats.chart_png), filename=CHART_NAME)
        embed.set_image(url=f"attachment://{CHART_NAME}")
    return shrink_to_limit(embed), chart


def _feed_health(feeds: Sequence[FeedHealth]) -> str:
    troubled = [h for h in feeds if h.state in ("failing", "erroring")]
    paused = sum(1 for h in feeds if h.state == "paused")
    summary = f"{len(feeds)} watched · {len(troubled)} with errors · {paused} paused"
    lines = [
        f"#{h.feed.id} {safe(one_line(h.feed.title or h.feed.name), NAME_LIMIT)}: {h.state}"
        for h in troubled
    ]
    return join_within([summary, *lines], FIELD_VALUE_LIMIT)


def export_file(result: ExportResult) -> discord.File:
    """The export as an attachment."""
    return discord.File(io.BytesIO(result.data), filename=result.filename)


# --- feeds ------------------------------------------------------------------------------


def feed_block(health: FeedHealth) -> str:
    """One feed with its state, address, last success, next poll and last error."""
    feed = health.feed
    origin = " · config.yaml" if health.configured else ""
    next_poll = "paused" if feed.paused else moment(feed.next_poll_at, "soon")
    name = safe(one_line(feed.title or feed.name), NAME_LIMIT)
    lines = [
        f"**#{feed.id}** {name} — `{health.state}`{origin}",
        safe(feed.url, 300),
        f"last success {moment(feed.last_success_at)} · next poll {next_poll}",
    ]
    if feed.last_error:
        lines.append(
            f"last error {moment(feed.last_error_at)}: {safe(one_line(feed.last_error), 300)}"
        )
    return "\n".join(lines)


def feed_sheets(result: FeedList) -> list[Sheet]:
    """Every feed this server sees, a few per page."""
    feeds = result.feeds
    chunks = [feeds[i : i + FEEDS_PER_SHEET] for i in range(0, len(feeds), FEEDS_PER_SHEET)]
    if not chunks:
        embed = discord.Embed(title="Feeds", description="No feeds are watched.", colour=MUTED)
        return [Sheet(embed, 1, 1)]
    sheets = []
    for number, chunk in enumerate(chunks, start=1):
        embed = discord.Embed(
            title=f"Feeds ({len(feeds)})",
            description=join_within(
                [feed_block(h) for h in chunk], DESCRIPTION_LIMIT, separator="\n\n"
            ),
            colour=NEUTRAL,
        )
        _footer(embed, _pages_footer(number, len(chunks), len(feeds), ("feed", "feeds")))
        sheets.append(Sheet(embed, number, len(chunks)))
    return sheets


def feed_added_embed(result: FeedAdded) -> discord.Embed:
    """A feed that is now watched."""
    feed = result.feed
    channel = f" · posts to <#{feed.channel_id}>" if feed.channel_id else ""
    return discord.Embed(
        title=safe(one_line(f"Now watching: {one_line(result.title)}"), TITLE_LIMIT),
        description=(
            f"Feed **#{feed.id}** · {result.items} items now · backfill {feed.backfill}{channel}\n"
            f"{safe(feed.url, 500)}"
        ),
        colour=discord.Colour.green(),
    )


def feed_changed_embed(result: FeedChanged) -> discord.Embed:
    """A feed that was removed, paused or resumed."""
    name = safe(one_line(result.feed.title or result.feed.name), 200)
    return discord.Embed(
        description=f"Feed **#{result.feed.id}** ({name}) {safe(result.action, 20)}.",
        colour=NEUTRAL,
    )


def feed_test_embed(result: FeedTestResult) -> discord.Embed:
    """A dry run: each of the newest items, whether it would be posted here, and why."""
    lines = []
    for item in result.items:
        mark = "✅ **post**" if item.would_post else "⏭️ skip"
        lines.append(f"{mark} · {link(item.title, item.url, 150)}\n{safe(item.reason, 300)}")
    lead = f"{result.total_items} items; the newest {len(result.items)} judged:\n\n"
    embed = discord.Embed(
        title=safe(one_line(f"Dry run: {one_line(result.title)}"), TITLE_LIMIT),
        url=safe_url(result.url),
        description=lead + join_within(lines, DESCRIPTION_LIMIT - len(lead), separator="\n\n"),
        colour=NEUTRAL,
    )
    _footer(embed, "Nothing was stored or posted.")
    return shrink_to_limit(embed)


# --- settings ---------------------------------------------------------------------------


def settings_embed(view: SettingsView) -> discord.Embed:
    """The effective settings, what differs from config.yaml, and delivery problems."""
    s = view.settings
    f = s.filters
    stage_channels = ", ".join(f"{stage_label(k)} → <#{v}>" for k, v in s.stage_channels.items())
    rows = (
        ("Channel", f"<#{s.channel}>" if s.channel else None),
        ("Channels by stage", stage_channels or None),
        ("Thread per event", "yes" if s.thread_per_event else "no"),
        ("Threshold", f"{view.threshold:.2f}"),
        ("Mention", "off" if s.mention_off else s.mention_role and f"<@&{s.mention_role}>"),
        ("Mention stages", _names(s.mention_stages, stage_label) or "all"),
        ("Mention countries", _names(s.mention_countries) or "all"),
        ("Countries", _names(f.countries) or "all"),
        ("Companies", _names(f.companies) or "all"),
        ("Stages", _names(f.stages, stage_label) or "all"),
        ("Minimum score", f"{f.min_score:.2f}" if f.min_score is not None else None),
        ("Admin channel", f"<#{s.admin_channel}>" if s.admin_channel else None),
        ("Daily cap", str(view.daily_cap)),
    )
    embed = discord.Embed(title="ExitWatch settings for this server", colour=NEUTRAL)
    for name, value in rows:
        embed.add_field(name=name, value=fit(value or "—", FIELD_VALUE_LIMIT))
    if view.overridden:
        changed = ", ".join(safe(name, 40) for name in view.overridden)
        embed.add_field(
            name="Changed from the defaults", value=fit(changed, FIELD_VALUE_LIMIT), inline=False
        )
    problems = [f"<#{p.channel_id}>: {safe(one_line(p.problem), 300)}" for p in view.problems]
    problems += [f"story #{i.story_id}: {safe(one_line(i.last_error), 300)}" for i in view.failed]
    if problems:
        embed.add_field(
            name="Delivery problems", value=join_within(problems, FIELD_VALUE_LIMIT), inline=False
        )
    return shrink_to_limit(embed)


def _names(values: Sequence[str], label: Callable[[str], str] | None = None) -> str:
    return ", ".join(label(v) if label else safe(v, NAME_LIMIT) for v in values)
