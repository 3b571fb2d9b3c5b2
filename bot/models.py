"""Plain data records passed between the layers (feeds -> analysis -> storage -> posting).

Kept free of behaviour and of any library types so that every layer, and the tests, can
build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    """How far an exit has gone; the order is the usual order of a timeline."""

    THREATENED = "threatened"
    ANNOUNCED = "announced"
    COMPLETED = "completed"
    REVERSED = "reversed"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item as a feed states it, before identity or storage.

    `summary` and `content` may hold HTML; `link` is absolute (resolved against the feed).
    """

    title: str
    link: str | None
    guid: str | None = None
    summary: str = ""
    content: str = ""
    published: datetime | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document: its own title and link, and its items in document order."""

    title: str
    link: str | None
    items: list[FeedItem] = field(default_factory=list)
    format: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    """The input of the analyzer: one story, from a feed entry or the `analyze` JSONL."""

    id: str
    title: str
    url: str = ""
    published: datetime | None = None
    summary: str = ""
    content: str = ""
    outlet: str = ""


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence the classifier used: what fired, how much, and where."""

    name: str
    weight: float
    sentence: str


@dataclass(slots=True)
class Analysis:
    """What the analyzer concluded about one article.

    Fields other than `relevant`, `score`, `signals` and `sentences` are None when the
    article is not relevant. `sentences` is the cleaned text, kept so follow-up questions
    can be answered from the source's own words.
    """

    relevant: bool
    score: float
    company: str | None = None
    country: str | None = None
    stage: Stage | None = None
    demand: str | None = None
    effective_date: str | None = None
    quote: str | None = None
    quote_speaker: str | None = None
    summary: str = ""
    signals: list[Signal] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
