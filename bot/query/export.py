"""`/exits export`: every event with its sources, as CSV or JSON for researchers.

CSV has one row per source (the event's columns repeated) so it opens in a spreadsheet
without nesting; JSON nests the sources under each event. Times are ISO 8601 UTC. The
functions are synchronous; the service runs them in a worker thread.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.errors import InvalidInput
from bot.query.results import ExportResult
from bot.storage.queries import EventRow
from bot.storage.records import StoryRecord

FORMATS = ("csv", "json")
EVENT_FIELDS = ("event", "company", "country", "stage", "demand", "first_seen", "last_seen")
SOURCE_FIELDS = (
    "story", "title", "url", "outlet", "published", "source_stage", "effective_date",
    "quote", "quote_speaker", "score", "summary",
)  # fmt: skip
# Cells starting with these are formulas to a spreadsheet; a headline must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def iso(stamp: float | None) -> str | None:
    """A stored timestamp as ISO 8601 UTC."""
    return datetime.fromtimestamp(stamp, UTC).isoformat() if stamp is not None else None


def check_format(fmt: str | None) -> str:
    """The export format, lower-cased; InvalidInput for anything but csv or json."""
    chosen = (fmt or "csv").strip().lower()
    if chosen not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use csv or json")
    return chosen


def build_export(
    events: Sequence[EventRow], sources: Sequence[StoryRecord], fmt: str
) -> ExportResult:
    """The export file for `events` and their `sources` (grouped by event id)."""
    by_event: dict[int, list[StoryRecord]] = {}
    for story in sources:
        if story.event_id is not None:
            by_event.setdefault(story.event_id, []).append(story)
    records = [
        (_event_fields(event), [_source_fields(s) for s in by_event.get(event.event_id, [])])
        for event in events
    ]
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    if fmt == "json":
        data = json.dumps(
            [{**event, "sources": items} for event, items in records],
            ensure_ascii=False,
            indent=2,
        ).encode("utf-8")
        return ExportResult(f"exitwatch-{stamp}.json", "application/json", data, len(events))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*EVENT_FIELDS, *SOURCE_FIELDS])
    for event, items in records:
        for item in items or [dict.fromkeys(SOURCE_FIELDS)]:
            row = [*event.values(), *(item[name] for name in SOURCE_FIELDS)]
            writer.writerow([_cell(value) for value in row])
    data = buffer.getvalue().encode("utf-8-sig")
    return ExportResult(f"exitwatch-{stamp}.csv", "text/csv", data, len(events))


def _event_fields(event: EventRow) -> dict[str, object]:
    return {
        "event": event.ref,
        "company": event.company,
        "country": event.country,
        "stage": event.stage,
        "demand": event.demand,
        "first_seen": iso(event.first_at),
        "last_seen": iso(event.last_at),
    }


def _source_fields(story: StoryRecord) -> dict[str, object]:
    return {
        "story": story.id,
        "title": story.title,
        "url": story.url,
        "outlet": story.outlet,
        "published": iso(story.published_at),
        "source_stage": story.stage,
        "effective_date": story.effective_date,
        "quote": story.quote,
        "quote_speaker": story.quote_speaker,
        "score": round(story.score, 3),
        "summary": story.summary,
    }


def _cell(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value
