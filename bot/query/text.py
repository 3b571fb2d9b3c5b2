"""Plain-text rendering of every query result, for the terminal console.

The console's counterpart of the cogs' embeds: the same facts, laid out for a fixed-width
terminal. Search matches are shown between asterisks.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from functools import singledispatch

from bot.cards import when
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
    StatsResult,
    StoryCard,
    SummarizeResult,
    Timeline,
    WhyResult,
    marked_segments,
)

WIDTH = 78
RULE = "─" * WIDTH


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) or [""]


def _moment(stamp: float | None) -> str:
    if stamp is None:
        return "never"
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _bold(text: str) -> str:
    return "".join(f"*{part}*" if match else part for part, match in marked_segments(text))


@singledispatch
def render(result: object) -> str:
    """The text for one result."""
    raise TypeError(f"no text rendering for {type(result).__name__}")


def event_line(event: EventSummary) -> str:
    """One event in a list."""
    sources = f", {event.source_count} sources" if event.source_count > 1 else ""
    what = f"{event.company} · {event.country} · {event.stage}"
    head = f"#{event.ref:<5} {when(event.last_at)}  {what}"
    return "\n".join([head + sources, *_wrap(event.headline, "       ")])


@render.register
def _page(result: Page) -> str:
    if not result.items:
        return "No stories match."
    lines = [event_line(item) for item in result.items]
    more = " — more with page:" + str(result.page + 1) if result.has_more else ""
    lines.append(f"page {result.page} of {result.pages} ({result.total} in all){more}")
    return "\n".join(lines)


@render.register
def _card(card: StoryCard) -> str:
    lines = [RULE, *_wrap(card.title)]
    number = f" · story #{card.ref}" if card.ref is not None else ""
    outlet = f"{card.outlet} · " if card.outlet else ""
    lines += [f"{outlet}{when(card.published_at)}{number}", ""]
    lines += _wrap(card.summary)
    lines.append("")
    facts = [
        ("Company", card.company),
        ("Country", card.country),
        ("Stage", card.stage),
        ("Demand", card.demand),
        ("Effective", card.effective_date),
    ]
    lines += [f"  {label:<10} {value}" for label, value in facts if value]
    if card.quote:
        speaker = f" — {card.quote_speaker}" if card.quote_speaker else ""
        lines += _wrap(f"“{card.quote}”{speaker}", "  ")
    lines.append(f"  Score      {card.score:.2f}")
    lines.append("Sources:")
    for source in card.sources:
        lines.append(f"  {when(source.published_at)}  {source.outlet or 'source'}: {source.title}")
        if source.url:
            lines.append(f"      {source.url}")
    if card.timeline:
        lines.append("Timeline:")
        lines += [
            f"  {when(step.at)}  {step.stage:<10} story #{step.story_id}" for step in card.timeline
        ]
    lines.append(RULE)
    return "\n".join(lines)


@render.register
def _answer(answer: Answer) -> str:
    about = f"About #{answer.ref}: {answer.headline}" if answer.ref is not None else ""
    lines = _wrap(about) if about else []
    if not answer.answered:
        return "\n".join([*lines, answer.text])
    for passage in answer.passages:
        lines += _wrap(f"“{passage.sentence}”", "  ")
        source = passage.outlet or passage.title
        lines.append(f"    — {source}" + (f" <{passage.url}>" if passage.url else ""))
    return "\n".join(lines)


@render.register
def _search(result: SearchResult) -> str:
    page = result.hits
    if not page.items:
        return f"Nothing found for: {result.understood}"
    lines = [f"Results for: {result.understood}"]
    for hit in page.items:
        number = f"#{hit.ref}" if hit.ref is not None else f"story {hit.story_id}"
        lines.append(f"{number:<6} {when(hit.published_at)}  {_bold(hit.title)}")
        lines += _wrap(_bold(hit.snippet), "       ")
    more = f" — more with page:{page.page + 1}" if page.has_more else ""
    lines.append(f"page {page.page} of {page.pages} ({page.total} in all){more}")
    return "\n".join(lines)


@render.register
def _timeline(timeline: Timeline) -> str:
    lines = [f"{timeline.name}: {len(timeline.events)} event(s), oldest first"]
    lines += [event_line(event) for event in timeline.events]
    return "\n".join(lines)


@render.register
def _why(why: WhyResult) -> str:
    number = f"#{why.ref}" if why.ref is not None else f"story {why.story_id}"
    verdict = "relevant" if why.relevant else "not relevant"
    lines = [
        *_wrap(f"{number}: {why.title}"),
        f"Judged {verdict}: score {why.score:.2f} against this server's threshold "
        f"{why.threshold:.2f}.",
        *_wrap(why.outcome),
    ]
    if why.signals:
        lines.append("Signals:")
        for signal in why.signals:
            lines.append(f"  {signal.weight:+.2f}  {signal.name}")
            if signal.sentence:
                lines += _wrap(f"“{signal.sentence}”", "         ")
    else:
        lines.append("No signals were recorded.")
    return "\n".join(lines)


@render.register
def _summary(result: SummarizeResult) -> str:
    lines = [*_wrap(result.verdict)]
    if result.card is not None:
        lines.append(render(result.card))
    elif result.signals:
        lines.append("Signals:")
        lines += [f"  {signal.weight:+.2f}  {signal.name}" for signal in result.signals]
    return "\n".join(lines)


@render.register
def _stats(stats: StatsResult) -> str:
    lines = [f"{stats.events} events from {stats.stories} stories"]
    for title, counts in (
        ("By country", stats.by_country),
        ("By year", stats.by_year),
        ("By stage", stats.by_stage),
    ):
        if counts:
            lines.append(f"{title}:")
            lines += [f"  {count.label:<24} {count.count:>5}" for count in counts]
    failing = [h for h in stats.feeds if h.state in ("failing", "erroring")]
    lines.append(f"Feeds: {len(stats.feeds)} watched, {len(failing)} with errors")
    if stats.chart_png:
        lines.append(f"Chart: {len(stats.chart_png)} bytes of PNG (save it with save:FILE)")
    return "\n".join(lines)


@render.register
def _export(result: ExportResult) -> str:
    return f"{result.filename}: {result.events} events, {len(result.data)} bytes"


def feed_line(health: FeedHealth) -> str:
    """One feed with its health."""
    feed = health.feed
    origin = " (config.yaml)" if health.configured else ""
    lines = [
        f"#{feed.id:<4} {health.state:<8} {feed.title or feed.name}{origin}",
        f"      {feed.url}",
    ]
    lines.append(
        f"      last success {_moment(feed.last_success_at)} · next poll "
        f"{_moment(feed.next_poll_at) if not feed.paused else 'paused'}"
    )
    if feed.last_error:
        lines += _wrap(f"last error ({_moment(feed.last_error_at)}): {feed.last_error}", "      ")
    return "\n".join(lines)


@render.register
def _feeds(result: FeedList) -> str:
    if not result.feeds:
        return "No feeds are watched."
    return "\n".join(feed_line(health) for health in result.feeds)


@render.register
def _feed_added(result: FeedAdded) -> str:
    return (
        f"Now watching feed #{result.feed.id}: {result.title} ({result.items} items now), "
        f"backfill {result.feed.backfill}."
    )


@render.register
def _feed_changed(result: FeedChanged) -> str:
    return f"Feed #{result.feed.id} ({result.feed.title or result.feed.name}) {result.action}."


@render.register
def _feed_test(result: FeedTestResult) -> str:
    shown = len(result.items)
    lines = [f"{result.title}: {result.total_items} items; the newest {shown} judged:"]
    for item in result.items:
        mark = "POST" if item.would_post else "skip"
        lines += _wrap(f"[{mark}] {item.title}", "")
        lines += _wrap(item.reason, "       ")
    return "\n".join(lines)


@render.register
def _settings(view: SettingsView) -> str:
    s = view.settings
    f = s.filters
    rows = [
        ("channel", s.channel),
        ("stage channels", ", ".join(f"{k}→{v}" for k, v in s.stage_channels.items()) or None),
        ("thread per event", s.thread_per_event),
        ("threshold", f"{view.threshold:.2f}"),
        ("mention role", "off" if s.mention_off else s.mention_role),
        ("mention stages", ", ".join(s.mention_stages) or None),
        ("mention countries", ", ".join(s.mention_countries) or None),
        ("countries", ", ".join(f.countries) or "all"),
        ("companies", ", ".join(f.companies) or "all"),
        ("stages", ", ".join(f.stages) or "all"),
        ("min score", f.min_score),
        ("admin channel", s.admin_channel),
        ("daily cap", view.daily_cap),
    ]
    lines = [f"Settings for server {view.guild_id}:"]
    lines += [f"  {name:<18} {'—' if value is None else value}" for name, value in rows]
    if view.overridden:
        lines.append(f"Changed from the defaults: {', '.join(view.overridden)}")
    for problem in view.problems:
        lines.append(f"Problem in channel {problem.channel_id}: {problem.problem}")
    for item in view.failed:
        lines.append(f"Failed delivery of story #{item.story_id}: {item.last_error}")
    return "\n".join(lines)
