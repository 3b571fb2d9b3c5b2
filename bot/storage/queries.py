"""Read-only SQL behind the follow-up commands: lists, search, timelines, stats, export.

Nothing here writes. Matching that needs more than SQL (country aliases, ranking of
autocomplete suggestions) happens in `bot.query`; this module hands it the candidates.
Every read of stories or events takes the reader's `scopes` (`bot.storage.scope`) as a
required argument, so no command can forget whose stories it may show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.errors import StoryNotFound
from bot.storage.database import Database
from bot.storage.records import OutboxItem, StoryRecord
from bot.storage.scope import Scopes, scope_clause
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

    def where(self, scopes: Scopes) -> tuple[str, list[object]]:
        """The SQL WHERE clause (or "") and its parameters, for a reader of `scopes`."""
        clauses, scope_params = scope_clause("v.scope", scopes)
        params: list[object] = [*scope_params]
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


def _events_where(scopes: Scopes) -> tuple[str, list[int]]:
    """A WHERE clause (or "") over the bare `events` table for a reader of `scopes`."""
    clauses, params = scope_clause("scope", scopes)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else "", params)


class QueryRepository:
    """The read side of the store for the query service."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def events(
        self,
        filters: EventFilter | None = None,
        *,
        scopes: Scopes,
        limit: int = 10,
        offset: int = 0,
    ) -> list[EventRow]:
        """Events, most recently updated first."""
        where, params = (filters or EventFilter()).where(scopes)
        rows = await self._db.fetchall(
            f"{_SUMMARY_SELECT}{where} ORDER BY v.last_at DESC, v.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_event(row) for row in rows]

    async def count_events(self, filters: EventFilter | None = None, *, scopes: Scopes) -> int:
        """How many events a filter selects."""
        where, params = (filters or EventFilter()).where(scopes)
        return int(await self._db.scalar(f"SELECT count(*) FROM events v{where}", params))

    async def event_row(self, event_id: int, *, scopes: Scopes) -> EventRow | None:
        """One event as lists show it; None when it does not exist or is not the reader's."""
        clauses, params = scope_clause("v.scope", scopes)
        where = " AND ".join(["v.id = ?", *clauses])
        row = await self._db.fetchone(f"{_SUMMARY_SELECT} WHERE {where}", [event_id, *params])
        return _event(row) if row is not None else None

    async def story(self, story_id: int, *, scopes: Scopes) -> StoryRecord:
        """One story the reader may see, or StoryNotFound (as if it did not exist)."""
        clauses, params = scope_clause("s.scope", scopes)
        where = " AND ".join(["s.id = ?", *clauses])
        row = await self._db.fetchone(f"{STORY_SELECT} WHERE {where}", [story_id, *params])
        if row is None:
            raise StoryNotFound(f"no story #{story_id}")
        return story_from_row(row)

    async def companies(self, *, scopes: Scopes) -> list[NameCount]:
        """Every company with events, most recently active first."""
        return await self._names("company", scopes)

    async def countries(self, *, scopes: Scopes) -> list[NameCount]:
        """Every country with events as stored, most recently active first."""
        return await self._names("country", scopes)

    async def _names(self, column: str, scopes: Scopes) -> list[NameCount]:
        where, params = _events_where(scopes)
        rows = await self._db.fetchall(
            f"SELECT {column} AS name, count(*) AS events, max(last_at) AS last_at "
            f"FROM events{where} GROUP BY {column} COLLATE NOCASE ORDER BY max(last_at) DESC",
            params,
        )
        return [NameCount(**dict(row)) for row in rows]

    async def search(
        self, match: str, *, scopes: Scopes, marks: tuple[str, str], limit: int, offset: int
    ) -> list[SearchRow]:
        """Relevant stories matching an FTS5 expression, best (lowest bm25) first."""
        start, end = marks
        clauses, scope_params = scope_clause("s.scope", scopes)
        visible = "".join(f" AND {clause}" for clause in clauses)
        rows = await self._db.fetchall(
            "SELECT s.id AS story_id, "
            "(SELECT min(x.id) FROM stories x WHERE x.event_id = s.event_id) AS ref, "
            "highlight(stories_fts, 0, ?, ?) AS title, "
            f"snippet(stories_fts, -1, ?, ?, '…', {_SNIPPET_TOKENS}) AS snippet, "
            "e.url, s.outlet, e.published_at, s.company, s.country, s.stage "
            "FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid "
            "JOIN entries e ON e.id = s.entry_id "
            f"WHERE stories_fts MATCH ? AND s.relevant = 1{visible} ORDER BY {_BM25}, s.id DESC "
            "LIMIT ? OFFSET ?",
            (start, end, start, end, match, *scope_params, limit, offset),
        )
        return [SearchRow(**dict(row)) for row in rows]

    async def count_search(self, match: str, *, scopes: Scopes) -> int:
        """How many relevant stories match an FTS5 expression."""
        clauses, params = scope_clause("s.scope", scopes)
        visible = "".join(f" AND {clause}" for clause in clauses)
        return int(
            await self._db.scalar(
                "SELECT count(*) FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid "
                f"WHERE stories_fts MATCH ? AND s.relevant = 1{visible}",
                (match, *params),
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

    async def tally(self, expression: str, *, scopes: Scopes) -> list[tuple[str, int]]:
        """Events counted by one of the grouping expressions in `TALLIES`."""
        sql_expression = TALLIES[expression]
        where, params = _events_where(scopes)
        rows = await self._db.fetchall(
            f"SELECT {sql_expression} AS label, count(*) FROM events{where} "
            "GROUP BY label ORDER BY count(*) DESC, label",
            params,
        )
        return [(str(row[0]), int(row[1])) for row in rows]

    async def monthly_by_country(self, *, scopes: Scopes) -> list[tuple[str, str, int]]:
        """(YYYY-MM, country, events first seen that month), oldest month first."""
        where, params = _events_where(scopes)
        rows = await self._db.fetchall(
            "SELECT strftime('%Y-%m', first_at, 'unixepoch') AS month, country, count(*) "
            f"FROM events{where} GROUP BY month, country ORDER BY month, country",
            params,
        )
        return [(row[0], row[1], int(row[2])) for row in rows]

    async def story_count(self, *, scopes: Scopes) -> int:
        """How many stories were judged relevant."""
        clauses, params = scope_clause("scope", scopes)
        where = " AND ".join(["relevant = 1", *clauses])
        return int(await self._db.scalar(f"SELECT count(*) FROM stories WHERE {where}", params))

    async def event_sources(self, *, scopes: Scopes) -> list[StoryRecord]:
        """Every story that belongs to an event, grouped by event, oldest first."""
        clauses, params = scope_clause("s.scope", scopes)
        where = " AND ".join(["s.event_id IS NOT NULL", *clauses])
        rows = await self._db.fetchall(
            f"{STORY_SELECT} WHERE {where} "
            "ORDER BY s.event_id, COALESCE(e.published_at, e.first_seen_at), s.id",
            params,
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
