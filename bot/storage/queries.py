"""Read-only SQL behind the follow-up commands: lists, search, timelines, stats, export.

Nothing here writes. Matching that needs more than SQL (country aliases, ranking of
autocomplete suggestions) happens in `bot.query`; this module hands it the candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.storage.database import Database
from bot.storage.records import OutboxItem, StoryRecord
from bot.storage.stories import STORY_SELECT, story_from_row

# An event with its number (the first story's id) and its first story's headline.
_SUMMARY_SELECT = (
    "SELECT v.id AS event_id, v.company, v.country, v.stage, v.demand, v.first_at, v.last_at, "
    "(SELECT count(*) FROM stories s WHERE s.event_id = v.id) AS source_count, "
    "f.id AS ref, e.title AS headline, e.url AS url FROM events v "
    "JOIN stories f ON f.id = (SELECT min(id) FROM stories s WHERE s.event_id = v.id) "
    "JOIN entries e ON e.id = f.entry_id"
)
# bm25 weights per column: title, summary, body, company, country.
_BM25 = "bm25(stories_fts, 8.0, 4.0, 1.0, 6.0, 6.0)"
_SNIPPET_TOKENS = 18


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a list shows; None or empty means no restriction on that field."""

    countries: Sequence[str] = ()
    companies: Sequence[str] = ()
    stage: str | None = None

    def where(self) -> tuple[str, list[object]]:
        """The SQL WHERE clause (or "") and its parameters."""
        clauses: list[str] = []
        params: list[object] = []
        for column, values in (("country", self.countries), ("company", self.companies)):
            if values:
                marks = ", ".join("?" * len(values))
                clauses.append(f"v.{column} COLLATE NOCASE IN ({marks})")
                params.extend(values)
        if self.stage:
            clauses.append("v.stage = ?")
            params.append(self.stage)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else "", params)


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event as lists show it (see `_SUMMARY_SELECT`).

    `ref` is the event's first story id: the number members type in `<story>`.
    """

    event_id: int
    company: str
    country: str
    stage: str
    demand: str | None
    first_at: float
    last_at: float
    source_count: int
    ref: int
    headline: str
    url: str | None


@dataclass(frozen=True, slots=True)
class SearchRow:
    """One full-text match, with highlight markers already in `title` and `snippet`."""

    story_id: int
    ref: int | None
    title: str
    snippet: str
    url: str | None
    outlet: str
    published_at: float | None
    company: str | None
    country: str | None
    stage: str | None


@dataclass(frozen=True, slots=True)
class NameCount:
    """A company or country name with how many events it has and the latest activity."""

    name: str
    events: int
    last_at: float


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """A delivery problem recorded for a guild's channel."""

    channel_id: int
    problem: str
    first_at: float
    last_at: float


def _event(row: aiosqlite.Row) -> EventRow:
    return EventRow(**dict(row))


class QueryRepository:
    """The read side of the store for the query service."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def events(
        self, filters: EventFilter | None = None, *, limit: int = 10, offset: int = 0
    ) -> list[EventRow]:
        """Events, most recently updated first."""
        where, params = (filters or EventFilter()).where()
        rows = await self._db.fetchall(
            f"{_SUMMARY_SELECT}{where} ORDER BY v.last_at DESC, v.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_event(row) for row in rows]

    async def count_events(self, filters: EventFilter | None = None) -> int:
        """How many events a filter selects."""
        where, params = (filters or EventFilter()).where()
        return int(await self._db.scalar(f"SELECT count(*) FROM events v{where}", params))

    async def event_row(self, event_id: int) -> EventRow | None:
        """One event as lists show it."""
        row = await self._db.fetchone(f"{_SUMMARY_SELECT} WHERE v.id = ?", (event_id,))
        return _event(row) if row is not None else None

    async def companies(self) -> list[NameCount]:
        """Every company with events, most recently active first."""
        return await self._names("company")

    async def countries(self) -> list[NameCount]:
        """Every country with events as stored, most recently active first."""
        return await self._names("country")

    async def _names(self, column: str) -> list[NameCount]:
        rows = await self._db.fetchall(
            f"SELECT {column} AS name, count(*) AS events, max(last_at) AS last_at "
            f"FROM events GROUP BY {column} COLLATE NOCASE ORDER BY max(last_at) DESC"
        )
        return [NameCount(**dict(row)) for row in rows]

    async def search(
        self, match: str, *, marks: tuple[str, str], limit: int, offset: int
    ) -> list[SearchRow]:
        """Relevant stories matching an FTS5 expression, best (lowest bm25) first."""
        start, end = marks
        rows = await self._db.fetchall(
            "SELECT s.id AS story_id, "
            "(SELECT min(x.id) FROM stories x WHERE x.event_id = s.event_id) AS ref, "
            "highlight(stories_fts, 0, ?, ?) AS title, "
            f"snippet(stories_fts, -1, ?, ?, '…', {_SNIPPET_TOKENS}) AS snippet, "
            "e.url, s.outlet, e.published_at, s.company, s.country, s.stage "
            "FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid "
            "JOIN entries e ON e.id = s.entry_id "
            f"WHERE stories_fts MATCH ? AND s.relevant = 1 ORDER BY {_BM25}, s.id DESC "
            "LIMIT ? OFFSET ?",
            (start, end, start, end, match, limit, offset),
        )
        return [SearchRow(**dict(row)) for row in rows]

    async def count_search(self, match: str) -> int:
        """How many relevant stories match an FTS5 expression."""
        return int(
            await self._db.scalar(
                "SELECT count(*) FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid "
                "WHERE stories_fts MATCH ? AND s.relevant = 1",
                (match,),
            )
        )

    async def posted_event(self, destination: str, channel_id: int | None) -> int | None:
        """The event last posted to a destination (in a channel or thread, when given)."""
        if channel_id is not None:
            found = await self._db.scalar(
                "SELECT event_id FROM posts WHERE destination = ? "
                "AND (channel_id = ? OR thread_id = ?) "
                "ORDER BY thread_id = ? DESC, posted_at DESC LIMIT 1",
                (destination, channel_id, channel_id, channel_id),
            )
            if found is not None:
                return int(found)
        found = await self._db.scalar(
            "SELECT event_id FROM posts WHERE destination = ? ORDER BY posted_at DESC LIMIT 1",
            (destination,),
        )
        return int(found) if found is not None else None

    async def event_ids_posted_to(self, destination: str) -> set[int]:
        """Events a destination has received (autocomplete ranks them first)."""
        rows = await self._db.fetchall(
            "SELECT event_id FROM posts WHERE destination = ?", (destination,)
        )
        return {row[0] for row in rows}

    async def tally(self, expression: str) -> list[tuple[str, int]]:
        """Events counted by one of the grouping expressions in `TALLIES`."""
        sql_expression = TALLIES[expression]
        rows = await self._db.fetchall(
            f"SELECT {sql_expression} AS label, count(*) FROM events "
            "GROUP BY label ORDER BY count(*) DESC, label"
        )
        return [(str(row[0]), int(row[1])) for row in rows]

    async def monthly_by_country(self) -> list[tuple[str, str, int]]:
        """(YYYY-MM, country, events first seen that month), oldest month first."""
        rows = await self._db.fetchall(
            "SELECT strftime('%Y-%m', first_at, 'unixepoch') AS month, country, count(*) "
            "FROM events GROUP BY month, country ORDER BY month, country"
        )
        return [(row[0], row[1], int(row[2])) for row in rows]

    async def story_count(self) -> int:
        """How many stories were judged relevant."""
        return int(await self._db.scalar("SELECT count(*) FROM stories WHERE relevant = 1"))

    async def event_sources(self) -> list[StoryRecord]:
        """Every story that belongs to an event, grouped by event, oldest first."""
        rows = await self._db.fetchall(
            f"{STORY_SELECT} WHERE s.event_id IS NOT NULL "
            "ORDER BY s.event_id, COALESCE(e.published_at, e.first_seen_at), s.id"
        )
        return [story_from_row(row) for row in rows]

    async def delivery_problems(self, guild_id: int) -> list[ProblemRow]:
        """Channels the bot could not post to in one guild."""
        rows = await self._db.fetchall(
            "SELECT channel_id, problem, first_at, last_at FROM delivery_problems "
            "WHERE guild_id = ? ORDER BY last_at DESC",
            (guild_id,),
        )
        return [ProblemRow(**dict(row)) for row in rows]

    async def failed_deliveries(self, destination: str, limit: int = 10) -> list[OutboxItem]:
        """Deliveries that failed for good for one destination, newest first."""
        rows = await self._db.fetchall(
            "SELECT id, destination, kind, event_id, story_id, status, attempts, "
            "next_attempt_at, last_error, channel_id, message_id, created_at FROM outbox "
            "WHERE destination = ? AND status = 'failed' ORDER BY id DESC LIMIT ?",
            (destination, limit),
        )
        return [OutboxItem(**dict(row)) for row in rows]

    async def guild_feed_count(self, guild_id: int) -> int:
        """Active feeds a guild added itself (configured feeds do not count)."""
        return int(
            await self._db.scalar(
                "SELECT count(*) FROM feeds WHERE guild_id = ? AND origin = 'guild' AND active = 1",
                (guild_id,),
            )
        )


TALLIES = {
    "country": "country",
    "stage": "stage",
    "year": "strftime('%Y', first_at, 'unixepoch')",
}
