"""Group sources into events: same company and country, within a window.

The matching rule is pure so the in-memory grouper (used by `analyze`) and the database
layer apply the same one. How the storage layer should use it:

1. `key = event_key(analysis)`; skip the article when it is None (not relevant).
2. Look up the candidate events with that key, e.g.
   `SELECT id, first_seen, last_seen, stage FROM events WHERE key = ?`, and pick the most
   recent one for which `in_window(first_seen, last_seen, published, window)` holds; if
   none does, the most recent one for which `reverses(first_seen, stage, published,
   article_stage, window)` holds (a ban lifted long after the exit is the same event).
3. If there is one, attach the article to it (an *update*, not a new post): extend
   `first_seen`/`last_seen`, and append `(published, stage, article_id)` to its timeline;
   `current_stage` of that timeline is the event's stage.
4. Otherwise insert a new event with id `event_id(key, article_id)` — stable, so replaying
   the same feed gives the same ids — and `first_seen = last_seen = published`.
A UNIQUE index on `(key, id)` keeps replays idempotent.

The database also matches within a visibility scope (`bot.storage.scope`): a story only
one server's own feeds carried never joins an event other servers see. The in-memory
grouper has no feeds, so `analyze` output does not depend on it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.analysis.companies import strip_legal_suffix
from bot.analysis.countries import resolve_country
from bot.analysis.lexicon import word_set
from bot.models import Analysis, Stage

DEFAULT_WINDOW = timedelta(days=60)
_EPOCH = datetime.min.replace(tzinfo=UTC)
STAGE_ORDER = (Stage.THREATENED, Stage.ANNOUNCED, Stage.COMPLETED, Stage.REVERSED)

_KINDS = (
    ("retention", re.compile(r"retain|retention|log|store|record|identif|trace|keep", re.I)),
    ("access", re.compile(r".", re.S)),
)
_PRODUCT_WORDS = word_set("messenger mail vpn cloud app enterprise server service")


def stage_rank(stage: Stage | str | None) -> int:
    """Position of a stage in the usual timeline; -1 for none."""
    if stage is None:
        return -1
    return STAGE_ORDER.index(Stage(stage))


def demand_kind(demand: str | None) -> str:
    """Coarse kind of demand: "retention" (logging, storing, identifying) or "access".

    Only a tie-breaker between open events of one company and country: outlets describe
    one demand in different words ("monitor traffic", "a back door", "keep users' data"),
    so the kind read from one source is not reliable enough to split an event on.
    """
    for kind, pattern in _KINDS:
        if demand and pattern.search(demand):
            return kind
    return "access"


def normalise_company(name: str) -> str:
    """Lower-case ASCII name without legal suffix or trailing product word."""
    name = strip_legal_suffix(name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9 ]+", "", ascii_name.lower()).split()
    while len(words) > 1 and words[-1] in _PRODUCT_WORDS:
        words.pop()
    return "-".join(words)


def event_key(analysis: Analysis) -> str | None:
    """`company|country-code` for a relevant analysis, else None.

    The demand is left out on purpose: sources of one event word it differently, and a
    company leaving one country twice within the window over two different demands is
    far rarer than one story being read as a different kind of demand.
    """
    if not analysis.relevant or not analysis.company or not analysis.country:
        return None
    country = resolve_country(analysis.country) or analysis.country.lower()
    return f"{normalise_company(analysis.company)}|{country}"


def event_id(key: str, first_article_id: str) -> str:
    """Stable id of the event founded by an article."""
    digest = hashlib.sha1(f"{key}\n{first_article_id}".encode()).hexdigest()[:12]
    return f"ev-{digest}"


def in_window(
    first_seen: datetime | None,
    last_seen: datetime | None,
    published: datetime | None,
    window: timedelta = DEFAULT_WINDOW,
) -> bool:
    """Whether an article published then belongs to an event spanning first..last seen.

    Undated articles join the event; an event that has no dates accepts anything.
    """
    if published is None or first_seen is None or last_seen is None:
        return True
    moment = as_aware(published)
    return as_aware(first_seen) - window <= moment <= as_aware(last_seen) + window


def reverses(
    first_seen: datetime | None,
    event_stage: Stage | None,
    published: datetime | None,
    stage: Stage | None,
    window: timedelta = DEFAULT_WINDOW,
) -> bool:
    """Whether a source reports the end of an event that is past its window.

    A reversal (ban lifted, service back, deal reached) always refers back to an exit, and
    can come months or years after the last report of it; it belongs to the latest event
    of that company and country that has not been reversed yet, not to a new one.
    """
    if stage is not Stage.REVERSED or event_stage is Stage.REVERSED:
        return False
    if published is None or first_seen is None:
        return True
    return as_aware(published) >= as_aware(first_seen) - window


def as_aware(moment: datetime | None) -> datetime:
    """Compare naive and aware datetimes by reading naive ones as UTC; None sorts first."""
    if moment is None:
        return _EPOCH
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One source's contribution to an event."""

    published: datetime | None
    stage: Stage | None
    article_id: str


@dataclass(slots=True)
class Event:
    """Sources about one exit, with the stages they reported over time."""

    id: str
    key: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    demand_kinds: set[str] = field(default_factory=set)  # coarse kinds its sources named

    def add(self, entry: TimelineEntry) -> None:
        """Record a source and widen the event's time span."""
        self.timeline.append(entry)
        if entry.published is None:
            return
        moment = as_aware(entry.published)
        if self.first_seen is None or moment < as_aware(self.first_seen):
            self.first_seen = moment
        if self.last_seen is None or moment > as_aware(self.last_seen):
            self.last_seen = moment

    @property
    def stages(self) -> list[Stage]:
        """Distinct stages in timeline order (threatened → announced → completed → reversed)."""
        return ordered_stages(self.timeline)

    @property
    def current_stage(self) -> Stage | None:
        return current_stage(self.timeline)


def ordered_stages(timeline: list[TimelineEntry]) -> list[Stage]:
    """Distinct stages by date, undated ones by rank, for the event's stage history."""
    seen: list[Stage] = []
    for entry in sorted(timeline, key=_entry_order):
        if entry.stage is not None and entry.stage not in seen:
            seen.append(entry.stage)
    return seen


def current_stage(timeline: list[TimelineEntry]) -> Stage | None:
    """The stage of the latest source; a tie on date goes to the later stage."""
    dated = [e for e in timeline if e.stage is not None]
    if not dated:
        return None
    return max(dated, key=_entry_order).stage


def _entry_order(entry: TimelineEntry) -> tuple[bool, datetime, int]:
    return (entry.published is not None, as_aware(entry.published), stage_rank(entry.stage))


class EventGrouper:
    """In-memory event matcher: feed it analyses, get back stable event ids.

    Articles should be assigned oldest first (the batch CLI sorts by date) so that an
    event's id is the one of the source that first reported it.
    """

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        self.window = window
        self._events: dict[str, list[Event]] = {}

    def assign(self, article_id: str, published: datetime | None, analysis: Analysis) -> str | None:
        """The event id for this article, creating an event when none matches."""
        key = event_key(analysis)
        if key is None:
            return None
        candidates = self._events.setdefault(key, [])
        kind = demand_kind(analysis.demand)
        ranked = [(self._fit(e, published, analysis.stage, kind), e) for e in candidates]
        matching = [(fit, e) for fit, e in ranked if fit is not None]
        if matching:
            event = max(matching, key=lambda item: item[0])[1]
        else:
            event = Event(id=event_id(key, article_id), key=key)
            candidates.append(event)
        event.add(TimelineEntry(published, analysis.stage, article_id))
        event.demand_kinds.add(kind)
        return event.id

    def _fit(
        self, event: Event, published: datetime | None, stage: Stage | None, kind: str
    ) -> tuple[bool, bool, datetime] | None:
        """How well a source fits an event of its key, or None when it does not belong.

        An event whose window holds the source comes before one it only reverses; among
        those, one with the same kind of demand, then the most recent.
        """
        inside = in_window(event.first_seen, event.last_seen, published, self.window)
        if not inside and not reverses(
            event.first_seen, event.current_stage, published, stage, self.window
        ):
            return None
        return inside, kind in event.demand_kinds, as_aware(event.last_seen)

    @property
    def events(self) -> list[Event]:
        """Every event formed so far."""
        return [event for events in self._events.values() for event in events]
