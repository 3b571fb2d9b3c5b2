"""Stories as plain-text cards for the terminal: the console's version of an embed."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from bot.storage.records import EventRecord, StoryRecord

WIDTH = 78


def when(stamp: float | None) -> str:
    """A stored timestamp as a short UTC date."""
    if stamp is None:
        return "undated"
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")


def story_card(story: StoryRecord, event: EventRecord | None, *, heading: str = "") -> str:
    """A readable card with the same facts a Discord embed shows."""
    rule = "─" * WIDTH
    lines = [rule]
    if heading:
        lines.append(heading)
    lines.extend(textwrap.wrap(story.title, WIDTH))
    outlet = f"{story.outlet} · " if story.outlet else ""
    lines.append(f"{outlet}{when(story.published_at)} · story #{story.id}")
    lines.append("")
    lines.extend(textwrap.wrap(story.summary, WIDTH))
    lines.append("")
    facts = [
        ("Company", story.company),
        ("Country", story.country),
        ("Stage", story.stage),
        ("Demand", story.demand),
        ("Effective", story.effective_date),
    ]
    lines.extend(f"  {label:<10} {value}" for label, value in facts if value)
    if story.quote:
        speaker = f" — {story.quote_speaker}" if story.quote_speaker else ""
        lines.extend(textwrap.wrap(f"“{story.quote}”{speaker}", WIDTH, initial_indent="  "))
    if story.url:
        lines.append(f"  Source     {story.url}")
    sources = f", {event.source_count} sources" if event and event.source_count > 1 else ""
    lines.append(f"  Confidence {story.score:.2f}{sources}")
    lines.append(rule)
    return "\n".join(lines)
