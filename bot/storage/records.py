"""Rows as the core sees them: plain records, independent of the database engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.models import FeedItem


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A watched feed with its polling health."""

    id: int
    url: str
    name: str
    origin: str
    guild_id: int
    interval_s: float
    backfill: int = 0
    channel_id: int | None = None
    paused: bool = False
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    first_polled_at: float | None = None
    last_polled_at: float | None = None
    last_success_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    error_count: int = 0
    next_poll_at: float | None = None
    item_count: int = 0

    @property
    def failing(self) -> bool:
        """Three failures in a row: shown as failing and polled less often."""
        return self.error_count >= 3


@dataclass(frozen=True, slots=True)
class KeyedItem:
    """A parsed feed item with its identity, ready to store."""

    key: str
    content_hash: str
    item: FeedItem
    eligible: bool


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """A stored entry: one story as feeds published it."""

    id: int
    key: str
    title: str
    url: str | None
    published_at: float | None
    summary: str
    content: str
    page_text: str | None
    status: str
    first_seen_at: float
    outlets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What storing one poll's items changed."""

    new: int = 0
    pending: list[EntryRecord] = field(default_factory=list)
    updated: int = 0
    new_sources: int = 0


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """The analysis of one entry, joined with the entry's title, link and outlet."""

    id: int
    entry_id: int
    event_id: int | None
    relevant: bool
    score: float
    title: str
    url: str | None
    outlet: str
    published_at: float | None
    company: str | None
    country: str | None
    stage: str | None
    demand: str | None
    effective_date: str | None
    quote: str | None
    quote_speaker: str | None
    summary: str
    signals: list[dict]
    sentences: list[str]
    analysed_at: float


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One real-world exit and how far it has gone."""

    id: int
    key: str
    company: str
    country: str
    demand: str | None
    stage: str
    first_at: float
    last_at: float
    source_count: int = 0


@dataclass(frozen=True, slots=True)
class StageRecord:
    """One step of an event's timeline."""

    stage: str
    story_id: int
    at: float


@dataclass(frozen=True, slots=True)
class Target:
    """Where a story should be delivered: a destination and, optionally, a fixed channel."""

    destination: str
    channel_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredAnalysis:
    """What saving an analysis produced: the story, its event, and how the event changed."""

    story_id: int
    event_id: int | None
    change: str | None  # new_event | new_source | stage_change | None (not relevant)
    enqueued: int = 0


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One pending delivery: post a new event, add a source, or announce a stage."""

    id: int
    destination: str
    kind: str
    event_id: int
    story_id: int
    status: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    channel_id: int | None
    message_id: int | None
    created_at: float


@dataclass(frozen=True, slots=True)
class PostRecord:
    """Where an event was posted for one destination."""

    destination: str
    event_id: int
    channel_id: int | None
    message_id: int | None
    thread_id: int | None
    flagged: bool = False
