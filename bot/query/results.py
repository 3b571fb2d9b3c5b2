"""The result objects of the query service: everything a renderer needs, and nothing more.

Renderers (the Discord cogs, the console's `text` module) only format these; they never
query storage. Times are UNIX seconds (UTC); story numbers are story ids, the numbers the
posted cards show. Highlighted search matches are wrapped in `MARK_START`/`MARK_END`,
private-use characters no article contains, so a renderer can escape the text around them
and then turn each match into bold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.query.settings import GuildSettings

# A list line, a search hit and a delivery problem are the stored rows as they are: the
# query layer passes them through rather than copying them into look-alike classes.
from bot.storage.queries import EventRow as EventSummary
from bot.storage.queries import ProblemRow as DeliveryProblem
from bot.storage.queries import SearchRow as SearchHit
from bot.storage.records import FeedRecord, OutboxItem

MARK_START = "\ue000"
MARK_END = "\ue001"

T = TypeVar("T")


def marked_segments(text: str) -> list[tuple[str, bool]]:
    """Split highlighted text into (segment, is_match) pairs, in order.

    A renderer escapes each segment for its medium and emphasises the matches; unbalanced
    markers (a snippet cut inside a match) simply end the match at the end of the text.
    """
    segments: list[tuple[str, bool]] = []
    for index, part in enumerate(text.split(MARK_START)):
        if index == 0:
            if part:
                segments.append((part.replace(MARK_END, ""), False))
            continue
        match, _, rest = part.partition(MARK_END)
        if match:
            segments.append((match, True))
        if rest:
            segments.append((rest.replace(MARK_END, ""), False))
    return segments


@dataclass(frozen=True, slots=True)
class Choice:
    """One autocomplete suggestion: `name` is shown (at most 100 characters), `value` sent."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer list; pages count from 1."""

    items: list[T]
    page: int
    pages: int
    total: int

    @property
    def has_more(self) -> bool:
        """True when a later page exists (a renderer shows a "next" button)."""
        return self.page < self.pages


@dataclass(frozen=True, slots=True)
class SourceView:
    """One source of an event: the article, its outlet, and the stage it reported.

    `story_id` is None for an article analysed on demand and not stored.
    """

    story_id: int | None
    title: str
    url: str | None
    outlet: str
    published_at: float | None
    stage: str | None


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """The first source that reported a stage of an event."""

    stage: str
    at: float
    story_id: int
    title: str
    url: str | None


@dataclass(frozen=True, slots=True)
class StoryCard:
    """The full card of a story: summary, facts, the quote, every source, the timeline.

    For `/exits summarize` the card describes an article that is not stored: `ref` and
    `event_id` are None, `sources` holds the one article and `timeline` is empty.
    """

    ref: int | None
    event_id: int | None
    title: str
    url: str | None
    outlet: str
    published_at: float | None
    summary: str
    company: str | None
    country: str | None
    stage: str | None
    demand: str | None
    effective_date: str | None
    quote: str | None
    quote_speaker: str | None
    quote_url: str | None
    score: float
    sources: list[SourceView] = field(default_factory=list)
    timeline: list[TimelineStep] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence an answer rests on, with the source it comes from."""

    sentence: str
    story_id: int | None
    title: str
    url: str | None
    outlet: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to `/exits ask`: the sentences that answer it, or a plain "they don't say".

    `answered` False means the sources do not say; `text` then says so (and `passages` is
    empty). `kind` is the question type understood (e.g. "when", "demand"), `confidence`
    how well the best sentence fits, from 0 to 1.
    """

    question: str
    kind: str
    answered: bool
    text: str
    passages: list[Passage]
    confidence: float
    ref: int | None
    headline: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of ranked hits (best first) and the query as it was understood."""

    query: str
    understood: str
    hits: Page[SearchHit]


@dataclass(frozen=True, slots=True)
class Timeline:
    """Every event of one company or one country, newest first."""

    kind: str  # company | country
    name: str
    events: list[EventSummary]


@dataclass(frozen=True, slots=True)
class SignalView:
    """One piece of classifier evidence."""

    name: str
    weight: float
    sentence: str


@dataclass(frozen=True, slots=True)
class WhyResult:
    """Why a story was judged relevant or not, measured against this server's threshold."""

    story_id: int
    ref: int | None
    title: str
    url: str | None
    relevant: bool
    score: float
    threshold: float
    posted: bool  # this server (the terminal, for the operator) has a post of its event
    reason: str | None  # why it was not posted; None when it was
    signals: list[SignalView]
    sentences: list[str]

    @property
    def outcome(self) -> str:
        """One sentence on whether it was posted here, and if not, why not."""
        return "It was posted here." if self.posted else f"It was not posted here: {self.reason}."


@dataclass(frozen=True, slots=True)
class SummarizeResult:
    """An article analysed on demand: the card when it is about an exit, else why not."""

    url: str
    title: str
    relevant: bool
    score: float
    threshold: float
    verdict: str
    card: StoryCard | None
    signals: list[SignalView]


@dataclass(frozen=True, slots=True)
class Count:
    """One bucket of a tally."""

    label: str
    count: int


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """A feed as `/feeds list` shows it: where it stands and when it is next polled."""

    feed: FeedRecord
    state: str  # ok | erroring (failed lately) | failing (3+ in a row) | paused | new
    configured: bool  # from config.yaml (edit it there), not added with /feeds add


@dataclass(frozen=True, slots=True)
class FeedList:
    """The feeds a server sees, in the order they were added."""

    feeds: list[FeedHealth]


@dataclass(frozen=True, slots=True)
class StatsResult:
    """Counts of events by country, year and stage, feed health, and a chart.

    `chart_png` is None when there is nothing to plot or matplotlib is not installed.
    """

    events: int
    stories: int
    by_country: list[Count]
    by_year: list[Count]
    by_stage: list[Count]
    feeds: list[FeedHealth]
    chart_png: bytes | None


@dataclass(frozen=True, slots=True)
class ExportResult:
    """Every event with its sources, as a file to attach."""

    filename: str
    content_type: str
    data: bytes
    events: int


@dataclass(frozen=True, slots=True)
class FeedAdded:
    """A feed that was fetched once, understood, and is now watched."""

    feed: FeedRecord
    title: str
    items: int


@dataclass(frozen=True, slots=True)
class FeedChanged:
    """A feed that was removed, paused or resumed."""

    feed: FeedRecord
    action: str  # removed | paused | resumed


@dataclass(frozen=True, slots=True)
class FeedTestItem:
    """One feed item in a dry run: would it be posted, and why (not)."""

    title: str
    url: str | None
    would_post: bool
    reason: str
    score: float
    company: str | None
    country: str | None
    stage: str | None


@dataclass(frozen=True, slots=True)
class FeedTestResult:
    """A dry run of a feed: its title, and the verdict on each of its newest items."""

    url: str
    title: str
    total_items: int
    items: list[FeedTestItem]


@dataclass(frozen=True, slots=True)
class SettingsView:
    """A server's effective settings, with what is going wrong with its deliveries."""

    guild_id: int
    settings: GuildSettings
    threshold: float
    daily_cap: int
    overridden: list[str]
    problems: list[DeliveryProblem]
    failed: list[OutboxItem]
