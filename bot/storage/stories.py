"""Stories (analyses of entries) and the events they group into."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

import aiosqlite

from bot.errors import StoryNotFound
from bot.models import Analysis, Stage
from bot.storage.database import Database, now
from bot.storage.records import (
    EntryRecord,
    EventRecord,
    StageRecord,
    StoredAnalysis,
    StoryRecord,
    Target,
)
from bot.storage.scope import may_receive, scope_of

STAGE_ORDER = {stage.value: rank for rank, stage in enumerate(Stage)}

STORY_SELECT = (
    "SELECT s.id, s.entry_id, s.event_id, s.relevant, s.score, e.title, e.url, s.outlet, "
    "e.published_at, s.company, s.country, s.stage, s.demand, s.effective_date, s.quote, "
    "s.quote_speaker, s.summary, s.signals, s.sentences, s.analysed_at "
    "FROM stories s JOIN entries e ON e.id = s.entry_id"
)
_EVENT_SELECT = (
    "SELECT v.id, v.key, v.company, v.country, v.demand, v.stage, v.first_at, v.last_at, "
    "(SELECT count(*) FROM stories s WHERE s.event_id = v.id) AS source_count FROM events v"
)


def story_from_row(row: aiosqlite.Row) -> StoryRecord:
    """A StoryRecord from a row of `STORY_SELECT` (JSON columns decoded)."""
    values = dict(row)
    values["relevant"] = bool(values["relevant"])
    values["signals"] = json.loads(values["signals"])
    values["sentences"] = json.loads(values["sentences"])
    return StoryRecord(**values)


def event_from_row(row: aiosqlite.Row) -> EventRecord:
    """An EventRecord from a row of `_EVENT_SELECT`."""
    return EventRecord(**dict(row))


class StoryRepository:
    """Saves analyses atomically with their event and their deliveries; reads them back."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_analysis(
        self,
        entry: EntryRecord,
        analysis: Analysis,
        *,
        outlet: str,
        event_key: str | None,
        event_window: float,
        destinations: Sequence[Target],
    ) -> StoredAnalysis:
        """Store a story, attach it to an event, and enqueue its deliveries in ONE transaction.

        Whatever happens after this returns, the deliveries are in the outbox; whatever
        happens before, nothing is. That is what makes a crash cost no post and no double.
        The story's visibility scope (`bot.storage.scope`) is decided here, from the feeds
        that carried the entry, so no caller can leave it out; it also bounds the event the
        story may join and the servers it may be delivered to.
        """
        at = entry.published_at or entry.first_seen_at
        async with self._db.transaction() as conn:
            existing = await (
                await conn.execute("SELECT id FROM stories WHERE entry_id = ?", (entry.id,))
            ).fetchone()
            if existing is not None:
                await conn.execute("UPDATE entries SET status = 'done' WHERE id = ?", (entry.id,))
                return StoredAnalysis(story_id=existing[0], event_id=None, change=None)
            scope = await _entry_scope(conn, entry.id)
            story_id = await self._insert_story(conn, entry, analysis, outlet, scope)
            event_id, change = None, None
            if analysis.relevant and event_key and analysis.company and analysis.country:
                event_id, change = await self._attach_event(
                    conn, story_id, analysis, event_key, scope, at, event_window
                )
            enqueued = 0
            if change is not None:
                kind = {"new_event": "post", "new_source": "source", "stage_change": "stage"}
                for target in (t for t in destinations if may_receive(scope, t.destination)):
                    cursor = await conn.execute(
                        "INSERT OR IGNORE INTO outbox (destination, kind, event_id, story_id, "
                        "channel_id, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            target.destination,
                            kind[change],
                            event_id,
                            story_id,
                            target.channel_id,
                            now(),
                            now(),
                        ),
                    )
                    enqueued += cursor.rowcount
            await conn.execute("UPDATE entries SET status = 'done' WHERE id = ?", (entry.id,))
        return StoredAnalysis(story_id, event_id, change, enqueued)

    async def _insert_story(
        self,
        conn: aiosqlite.Connection,
        entry: EntryRecord,
        analysis: Analysis,
        outlet: str,
        scope: int,
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO stories (entry_id, relevant, score, company, country, stage, demand, "
            "effective_date, quote, quote_speaker, summary, signals, sentences, outlet, "
            "analysed_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            (
                entry.id,
                int(analysis.relevant),
                analysis.score,
                analysis.company,
                analysis.country,
                analysis.stage.value if analysis.stage else None,
                analysis.demand,
                analysis.effective_date,
                analysis.quote,
                analysis.quote_speaker,
                analysis.summary,
                json.dumps([asdict(signal) for signal in analysis.signals]),
                json.dumps(analysis.sentences),
                outlet,
                now(),
                scope,
            ),
        )
        story_id = (await cursor.fetchone())[0]
        await conn.execute(
            "INSERT INTO stories_fts (rowid, title, summary, body, company, country) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                story_id,
                entry.title,
                analysis.summary,
                " ".join(analysis.sentences),
                analysis.company or "",
                analysis.country or "",
            ),
        )
        return story_id

    async def _attach_event(
        self,
        conn: aiosqlite.Connection,
        story_id: int,
        analysis: Analysis,
        key: str,
        scope: int,
        at: float,
        window: float,
    ) -> tuple[int, str]:
        """Join the open event with this key in this scope, or open a new one; report the change.

        Matching within the scope is what keeps a server's own feeds out of the events
        other servers see: same company and country in another scope is another event.
        """
        stage = (analysis.stage or Stage.ANNOUNCED).value
        row = await (
            await conn.execute(
                "SELECT id, stage FROM events WHERE key = ? AND scope = ? AND last_at >= ? "
                "AND first_at <= ? ORDER BY last_at DESC LIMIT 1",
                (key, scope, at - window, at + window),
            )
        ).fetchone()
        if row is None and stage == Stage.REVERSED.value:
            # A reversal (ban lifted, deal reached) can come long after the exit it ends;
            # it belongs to the latest exit of that company and country not yet reversed.
            row = await (
                await conn.execute(
                    "SELECT id, stage FROM events WHERE key = ? AND scope = ? AND stage != ? "
                    "AND first_at <= ? + ? ORDER BY last_at DESC LIMIT 1",
                    (key, scope, Stage.REVERSED.value, at, window),
                )
            ).fetchone()
        if row is None:
            cursor = await conn.execute(
                "INSERT INTO events (key, company, country, demand, stage, first_at, last_at, "
                "created_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    key,
                    analysis.company,
                    analysis.country,
                    analysis.demand,
                    stage,
                    at,
                    at,
                    now(),
                    scope,
                ),
            )
            event_id = (await cursor.fetchone())[0]
            change = "new_event"
        else:
            event_id = row["id"]
            advanced = _advances(row["stage"], stage)
            change = "stage_change" if advanced else "new_source"
            await conn.execute(
                "UPDATE events SET last_at = max(last_at, ?), first_at = min(first_at, ?), "
                "stage = CASE WHEN ? THEN ? ELSE stage END, demand = COALESCE(demand, ?) "
                "WHERE id = ?",
                (at, at, int(advanced), stage, analysis.demand, event_id),
            )
        await conn.execute("UPDATE stories SET event_id = ? WHERE id = ?", (event_id, story_id))
        await conn.execute(
            "INSERT OR IGNORE INTO event_stages (event_id, stage, story_id, at) VALUES (?,?,?,?)",
            (event_id, stage, story_id, at),
        )
        return event_id, change

    async def get_story(self, story_id: int) -> StoryRecord:
        """One story by id, or StoryNotFound."""
        row = await self._db.fetchone(f"{STORY_SELECT} WHERE s.id = ?", (story_id,))
        if row is None:
            raise StoryNotFound(f"no story #{story_id}")
        return story_from_row(row)

    async def event_stories(self, event_id: int) -> list[StoryRecord]:
        """Every source of an event, oldest first."""
        rows = await self._db.fetchall(
            f"{STORY_SELECT} WHERE s.event_id = ? ORDER BY COALESCE(e.published_at, "
            "e.first_seen_at), s.id",
            (event_id,),
        )
        return [story_from_row(row) for row in rows]

    async def get_event(self, event_id: int) -> EventRecord:
        """One event by id, or StoryNotFound."""
        row = await self._db.fetchone(f"{_EVENT_SELECT} WHERE v.id = ?", (event_id,))
        if row is None:
            raise StoryNotFound(f"no story #{event_id}")
        return event_from_row(row)

    async def timeline(self, event_id: int) -> list[StageRecord]:
        """The stages an event went through, in time order."""
        rows = await self._db.fetchall(
            "SELECT stage, story_id, at FROM event_stages WHERE event_id = ? ORDER BY at, rowid",
            (event_id,),
        )
        return [StageRecord(**dict(row)) for row in rows]

    async def latest_events(
        self,
        *,
        limit: int = 10,
        offset: int = 0,
        country: str | None = None,
        company: str | None = None,
        stage: str | None = None,
    ) -> list[EventRecord]:
        """Events, most recently updated first, optionally filtered."""
        clauses, params = [], []
        for column, value in (("country", country), ("company", company), ("stage", stage)):
            if value:
                clauses.append(f"v.{column} = ? COLLATE NOCASE")
                params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._db.fetchall(
            f"{_EVENT_SELECT}{where} ORDER BY v.last_at DESC, v.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [event_from_row(row) for row in rows]


async def _entry_scope(conn: aiosqlite.Connection, entry_id: int) -> int:
    """The scope of an entry's story, from the feeds that carried it, first carrier first."""
    rows = await conn.execute_fetchall(
        "SELECT f.origin, f.guild_id FROM entry_sources s JOIN feeds f ON f.id = s.feed_id "
        "WHERE s.entry_id = ? ORDER BY s.seen_at, f.id",
        (entry_id,),
    )
    return scope_of([(row[0], row[1]) for row in rows])


def _advances(current: str, new: str) -> bool:
    """A reversal always counts as news; otherwise only a later stage does."""
    if new == current:
        return False
    if new == Stage.REVERSED.value:
        return True
    return STAGE_ORDER.get(new, 0) > STAGE_ORDER.get(current, 0)
