"""The query service: one async method per command, returning result objects.

Everything a command needs (storage reads, fetching, the analyzer, per-server settings)
goes through here, so the Discord cogs and the terminal console give the same answers;
they only check permissions and render. Errors are the domain errors of `bot.errors`,
with messages fit for an ephemeral reply.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from bot.config import Config, GuildConfig
from bot.errors import InvalidInput, NotFound, StoryNotFound
from bot.feeds.fetch import Fetcher
from bot.models import Analysis, Article, Stage
from bot.query import ask as asking
from bot.query.autocomplete import Candidate, rank
from bot.query.chart import render_events_chart
from bot.query.countries import canonical_country, country_key, same_country
from bot.query.export import build_export, check_format
from bot.query.feeds_admin import FeedAdmin, FeedLimits, normalise_url
from bot.query.refs import parse_ref
from bot.query.results import (
    MARK_END,
    MARK_START,
    Answer,
    Choice,
    Count,
    EventSummary,
    ExportResult,
    FeedAdded,
    FeedChanged,
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
)
from bot.query.search import build_query
from bot.query.settings import (
    GuildSettings,
    company_key,
    company_names,
    guild_settings,
    known_country,
    update_settings,
)
from bot.query.summarize import summarize_url
from bot.query.views import event_card, signal_views
from bot.storage import Store
from bot.storage.feedback import FeedbackRepository
from bot.storage.queries import EventFilter, EventRow, QueryRepository
from bot.storage.records import StoryRecord
from bot.storage.scope import Scopes, readable

Analyzer = Callable[[Article], Analysis]

MAX_COUNT = 25
DEFAULT_COUNT = 5
SEARCH_PAGE = 5
CANDIDATE_EVENTS = 500
STAGES = tuple(stage.value for stage in Stage)
CONSOLE = "console"
NOT_RELEVANT = "not_relevant"
CLEAR_WORDS = frozenset({"none", "-", "all"})
PING_OFF = "off"
PING_DEFAULT = "default"


def destination(guild_id: int | None) -> str:
    """The outbox destination of a server (or of the terminal, for None)."""
    return CONSOLE if guild_id is None else f"guild:{guild_id}"


def _default_analyzer(threshold: float) -> Analyzer:
    """The analyzer, imported on first use so the query service loads without it.

    It judges relevance at `threshold` where that is below its own bar: the watcher lets
    a server's lower threshold decide what is posted there, so a dry run must as well.
    """
    from bot.analysis.classify import THRESHOLD
    from bot.analysis.pipeline import analyze

    return partial(analyze, threshold=threshold) if threshold < THRESHOLD else analyze


class QueryService:
    """Answers every follow-up command; built once with the process's shared resources."""

    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        config: Config,
        *,
        analyzer: Analyzer | None = None,
        feed_limits: FeedLimits | None = None,
        clock: Callable[[], float] = time.time,
        operator: bool = True,
    ) -> None:
        """`operator` says who asks when a call names no server (`guild_id` None): the
        local operator at the terminal, who reads every server's stories (True), or, for
        the Discord bot, a member in a direct message, who reads shared stories only."""
        self._store = store
        self._operator = operator
        self._config = config
        self._fetcher = fetcher
        self._analyzer = analyzer
        self._queries = QueryRepository(store.db)
        self._feedback = FeedbackRepository(store.db)
        self._feeds = FeedAdmin(
            store,
            self._queries,
            fetcher,
            interval=config.poll.interval,
            max_age=config.poll.max_age,
            limits=feed_limits or FeedLimits(),
            clock=clock,
        )

    def analyzer(self, threshold: float) -> Analyzer:
        """The analyzer for a server at `threshold`: the one given at construction, else
        the project's own pipeline, judging at that threshold when it is below 0.5."""
        return self._analyzer or _default_analyzer(threshold)

    # --- for everyone -----------------------------------------------------------------

    async def latest(
        self,
        *,
        count: int = DEFAULT_COUNT,
        page: int = 1,
        country: str | None = None,
        company: str | None = None,
        stage: str | None = None,
        guild_id: int | None = None,
    ) -> Page[EventSummary]:
        """Recent events this server may see, most recently updated first, optionally filtered."""
        if not 1 <= count <= MAX_COUNT:
            raise InvalidInput(f"count must be between 1 and {MAX_COUNT}")
        if page < 1:
            raise InvalidInput("page numbers start at 1")
        filters = EventFilter(
            countries=await self._stored_countries(country, guild_id) if country else (),
            companies=await self._stored_companies(company, guild_id) if company else (),
            stage=_check_stage(stage),
        )
        if (country and not filters.countries) or (company and not filters.companies):
            return Page([], 1, 1, 0)
        scopes = self._scopes(guild_id)
        total = await self._queries.count_events(filters, scopes=scopes)
        pages = max(1, math.ceil(total / count))
        rows = await self._queries.events(
            filters, scopes=scopes, limit=count, offset=(page - 1) * count
        )
        return Page(list(rows), page, pages, total)

    async def story(self, story: str | int, *, guild_id: int | None = None) -> StoryCard:
        """The full card of a story's event: summary, facts, quote, sources, timeline.

        An event is in one scope with all its sources, so a visible event shows them all.
        """
        row = await self._event_of(story, guild_id)
        sources = await self._store.stories.event_stories(row.event_id)
        stages = await self._store.stories.timeline(row.event_id)
        return event_card(row, sources, stages)

    async def ask(
        self,
        question: str,
        story: str | int | None = None,
        *,
        guild_id: int | None = None,
        channel_id: int | None = None,
    ) -> Answer:
        """Answer a question from the sources' own sentences.

        Without a story, the question is about the event last posted in this channel (or
        thread), else in this server, else the newest event. Scoring is CPU work over
        every source, so it runs in a worker thread (bounded by `ask.considered`).
        """
        if not question.strip():
            raise InvalidInput("ask a question, e.g. “when does it take effect?”")
        if story is not None and str(story).strip():
            row = await self._event_of(story, guild_id)
        else:
            row = await self._default_event(guild_id, channel_id)
        stories = await self._store.stories.event_stories(row.event_id)
        sources = [asking.Source(s.id, s.title, s.url, s.outlet, _with_title(s)) for s in stories]
        return await asyncio.to_thread(
            asking.answer, question, sources, ref=row.ref, headline=row.headline
        )

    async def search(
        self,
        query: str,
        *,
        page: int = 1,
        per_page: int = SEARCH_PAGE,
        guild_id: int | None = None,
    ) -> SearchResult:
        """Stories this server may see matching every word (or, failing that, any word)."""
        if page < 1:
            raise InvalidInput("page numbers start at 1")
        scopes = self._scopes(guild_id)
        fts = build_query(query)
        match = fts.match_all
        total = await self._queries.count_search(match, scopes=scopes)
        if total == 0 and len(fts.terms) > 1:
            match = fts.match_any
            total = await self._queries.count_search(match, scopes=scopes)
        rows = await self._queries.search(
            match,
            scopes=scopes,
            marks=(MARK_START, MARK_END),
            limit=per_page,
            offset=(page - 1) * per_page,
        )
        hits = list(rows)
        pages = max(1, math.ceil(total / per_page))
        return SearchResult(query, fts.understood, Page(hits, page, pages, total))

    async def company(self, name: str, *, guild_id: int | None = None) -> Timeline:
        """Every event of one company, oldest first (case and "Inc." ignored)."""
        names = await self._stored_companies(name, guild_id)
        if not names:
            known = [n.name for n in await self._queries.companies(scopes=self._scopes(guild_id))]
            raise NotFound(_not_found("company", name, known))
        rows = await self._all_events(EventFilter(companies=names), guild_id)
        return Timeline("company", rows[0].company if rows else name, _oldest_first(rows))

    async def country(self, name: str, *, guild_id: int | None = None) -> Timeline:
        """Every event in one country, oldest first ("the UK" and "Britain" are one)."""
        names = await self._stored_countries(name, guild_id)
        if not names:
            known = [n.name for n in await self._queries.countries(scopes=self._scopes(guild_id))]
            raise NotFound(_not_found("country", name, known))
        rows = await self._all_events(EventFilter(countries=names), guild_id)
        return Timeline("country", canonical_country(name), _oldest_first(rows))

    async def why(self, story: str | int, *, guild_id: int | None = None) -> WhyResult:
        """Why a story was judged relevant or not: its signals, against this server's bar,
        and whether its event was posted here (else the reason it was not)."""
        record, row = await self._resolve(story, guild_id)
        settings = await self.guild_settings(guild_id)
        threshold = settings.effective_threshold(self._config.analysis.threshold)
        reason = await self._not_posted(record, settings, threshold, guild_id)
        signals = signal_views(record.signals)
        sentences = list(dict.fromkeys(s.sentence for s in signals if s.sentence))
        return WhyResult(
            story_id=record.id,
            ref=row.ref if row else None,
            title=record.title,
            url=record.url,
            relevant=record.relevant,
            score=record.score,
            threshold=threshold,
            posted=reason is None,
            reason=reason,
            signals=signals,
            sentences=sentences,
        )

    async def summarize(self, url: str, *, guild_id: int | None = None) -> SummarizeResult:
        """Fetch any article, analyse it now, and show its card or why it is not a story."""
        threshold = await self._threshold(guild_id)
        return await summarize_url(
            self._fetcher, self.analyzer(threshold), normalise_url(url), threshold=threshold
        )

    async def stats(self, *, guild_id: int | None = None, chart: bool = True) -> StatsResult:
        """Counts by country, year and stage, feed health, and a chart of events over time."""
        scopes = self._scopes(guild_id)
        countries: dict[str, int] = {}
        for label, count in await self._queries.tally("country", scopes=scopes):
            name = canonical_country(label)
            countries[name] = countries.get(name, 0) + count
        monthly = [
            (month, canonical_country(country), count)
            for month, country, count in await self._queries.monthly_by_country(scopes=scopes)
        ]
        png = await asyncio.to_thread(render_events_chart, monthly) if chart else None
        by_year = sorted(await self._queries.tally("year", scopes=scopes))
        stages = dict(await self._queries.tally("stage", scopes=scopes))
        return StatsResult(
            events=await self._queries.count_events(scopes=scopes),
            stories=await self._queries.story_count(scopes=scopes),
            by_country=[Count(n, c) for n, c in sorted(countries.items(), key=lambda i: -i[1])],
            by_year=[Count(label, count) for label, count in by_year],
            by_stage=[Count(stage, stages[stage]) for stage in STAGES if stage in stages],
            feeds=await self._feeds.list(guild_id),
            chart_png=png,
        )

    async def export(self, fmt: str | None = "csv", *, guild_id: int | None = None) -> ExportResult:
        """Every event this server may see with its sources, as CSV or JSON bytes."""
        chosen = check_format(fmt)
        rows = await self._all_events(EventFilter(), guild_id)
        sources = await self._queries.event_sources(scopes=self._scopes(guild_id))
        return await asyncio.to_thread(build_export, rows, sources, chosen)

    async def flag_not_relevant(self, story: str | int, *, guild_id: int, user_id: int) -> bool:
        """A member says a posted story is not relevant; True when the post was not flagged yet.

        The verdict is kept against the event's number (its first story) for tuning the
        analyzer; the server's post of the event is marked flagged.
        """
        row = await self._event_of(story, guild_id)
        return await self._feedback.flag(
            story_id=row.ref,
            event_id=row.event_id,
            guild_id=guild_id,
            user_id=user_id,
            destination=destination(guild_id),
            verdict=NOT_RELEVANT,
        )

    # --- feeds (admins) ---------------------------------------------------------------

    async def feeds_add(
        self,
        guild_id: int,
        url: str,
        *,
        name: str | None = None,
        channel_id: int | None = None,
        backfill: int = 0,
        user_id: int | None = None,
    ) -> FeedAdded:
        """Fetch a feed once to validate it, then watch it for this server."""
        return await self._feeds.add(
            guild_id, url, name=name, channel_id=channel_id, backfill=backfill, user_id=user_id
        )

    async def feeds_remove(self, guild_id: int | None, feed: str) -> FeedChanged:
        """Stop watching one of this server's feeds (its stories stay)."""
        return await self._feeds.change(guild_id, feed, "remove")

    async def feeds_pause(self, guild_id: int | None, feed: str) -> FeedChanged:
        """Stop polling a feed until it is resumed."""
        return await self._feeds.change(guild_id, feed, "pause")

    async def feeds_resume(self, guild_id: int | None, feed: str) -> FeedChanged:
        """Poll a paused feed again."""
        return await self._feeds.change(guild_id, feed, "resume")

    async def feeds_list(self, guild_id: int | None) -> FeedList:
        """Every feed this server sees, with last success, last error and next poll."""
        return FeedList(await self._feeds.list(guild_id))

    async def feeds_test(self, guild_id: int | None, url: str) -> FeedTestResult:
        """A dry run of a feed: what would be posted here and why; nothing is stored."""
        settings = await self.guild_settings(guild_id)
        threshold = settings.effective_threshold(self._config.analysis.threshold)
        return await self._feeds.test(
            url, analyzer=self.analyzer(threshold), settings=settings, threshold=threshold
        )

    # --- settings (admins) ------------------------------------------------------------

    async def guild_settings(self, guild_id: int | None) -> GuildSettings:
        """A server's effective settings (config.yaml defaults plus stored overrides)."""
        if guild_id is None:
            return GuildSettings()
        return await guild_settings(self._store, guild_id, self._guild_config(guild_id))

    async def settings_show(self, guild_id: int) -> SettingsView:
        """The effective settings, what was overridden, and delivery problems."""
        settings = await self.guild_settings(guild_id)
        problems = await self._queries.delivery_problems(guild_id)
        return SettingsView(
            guild_id=guild_id,
            settings=settings,
            threshold=settings.effective_threshold(self._config.analysis.threshold),
            daily_cap=settings.daily_cap or self._config.discord.daily_cap,
            overridden=sorted(await self._store.settings.get(guild_id)),
            problems=list(problems),
            failed=await self._queries.failed_deliveries(destination(guild_id)),
        )

    async def settings_update(self, guild_id: int, changes: dict[str, Any]) -> SettingsView:
        """Validate and store any settings; a None value goes back to the default."""
        await update_settings(self._store, guild_id, self._guild_config(guild_id), changes)
        return await self.settings_show(guild_id)

    async def settings_channel(
        self,
        guild_id: int,
        channel_id: int | None,
        *,
        stage: str | None = None,
        thread_per_event: bool | None = None,
    ) -> SettingsView:
        """Where stories go: the server's channel, or the channel for one stage."""
        changes: dict[str, Any] = {}
        if stage:
            current = dict((await self.guild_settings(guild_id)).stage_channels)
            stage = _check_stage(stage)
            if channel_id is None:
                current.pop(stage or "", None)
            else:
                current[stage or ""] = channel_id
            changes["stage_channels"] = current
        else:
            changes["channel"] = channel_id
        if thread_per_event is not None:
            changes["thread_per_event"] = thread_per_event
        return await self.settings_update(guild_id, changes)

    async def settings_threshold(self, guild_id: int, value: float | None) -> SettingsView:
        """How sure the analyzer must be before a story is posted here (None: default)."""
        if value is not None and not 0.0 <= value <= 1.0:
            raise InvalidInput("the threshold is a score between 0 and 1, e.g. 0.6")
        return await self.settings_update(guild_id, {"threshold": value})

    async def settings_mention(
        self,
        guild_id: int,
        role_id: int | None = None,
        *,
        ping: str | None = None,
        stages: Sequence[str] | None = None,
        countries: Sequence[str] | None = None,
    ) -> SettingsView:
        """Which role to ping, optionally only for some stages or countries.

        No role leaves the role as it is, so changing stages or countries keeps it. "No
        ping" is stored as a value of its own (`ping="off"`): clearing the role would fall
        back to config.yaml's, which may ping. `ping="default"` returns to config.yaml's.
        """
        changes = _ping_changes(role_id, ping)
        if stages is not None:
            changes["mention_stages"] = [_check_stage(s) for s in stages] or None
        if countries is not None:
            changes["mention_countries"] = [known_country(c) for c in countries] or None
        if not changes:
            return await self.settings_show(guild_id)
        return await self.settings_update(guild_id, changes)

    async def settings_filters(
        self,
        guild_id: int,
        *,
        countries: Sequence[str] | None = None,
        companies: Sequence[str] | None = None,
        stages: Sequence[str] | None = None,
        min_score: float | str | None = None,
    ) -> SettingsView:
        """Which stories this server wants; an empty list, or "none" for `min_score`,
        clears that filter. Companies split at commas keep their "Inc."-style suffixes."""
        filters: dict[str, Any] = {}
        if countries is not None:
            filters["countries"] = [known_country(c) for c in countries]
        if companies is not None:
            filters["companies"] = company_names(companies)
        if stages is not None:
            filters["stages"] = [_check_stage(s) for s in stages]
        if min_score is not None:
            filters["min_score"] = _min_score(min_score)
        if not filters:
            return await self.settings_show(guild_id)
        return await self.settings_update(guild_id, {"filters": filters})

    # --- autocomplete and resolvers ---------------------------------------------------

    async def complete_story(self, query: str, guild_id: int | None = None) -> list[Choice]:
        """Story suggestions by number, company, country or headline (at most 25)."""
        rows = await self._queries.events(scopes=self._scopes(guild_id), limit=CANDIDATE_EVENTS)
        posted = await self._queries.event_ids_posted_to(destination(guild_id))
        return rank(query, [_story_candidate(row, row.event_id in posted) for row in rows])

    async def complete_company(self, query: str, guild_id: int | None = None) -> list[Choice]:
        """Company suggestions, most recently active first among equal matches."""
        names = await self._queries.companies(scopes=self._scopes(guild_id))
        return rank(
            query,
            [
                Candidate(n.name, f"{n.name} ({_events(n.events)})", (n.name,), n.last_at)
                for n in names
            ],
        )

    async def complete_country(self, query: str, guild_id: int | None = None) -> list[Choice]:
        """Country suggestions; aliases ("UK") match the country they name."""
        merged: dict[str, tuple[int, float, set[str]]] = {}
        for n in await self._queries.countries(scopes=self._scopes(guild_id)):
            name = canonical_country(n.name)
            events, last, spellings = merged.get(name, (0, 0.0, set()))
            merged[name] = (events + n.events, max(last, n.last_at), spellings | {n.name})
        typed_key = country_key(query) if query.strip() else None
        candidates = []
        for name, (events, last, spellings) in merged.items():
            # An alias ("UK", "Britain") matches the country it names as if typed in full.
            alias = (query,) if typed_key and country_key(name) == typed_key else ()
            fields = (name, *sorted(spellings), *alias)
            candidates.append(Candidate(name, f"{name} ({_events(events)})", fields, last))
        return rank(query, candidates)

    async def complete_feed(self, query: str, guild_id: int | None = None) -> list[Choice]:
        """Feed suggestions by number, name, title or URL."""
        return await self._feeds.complete(query, guild_id)

    async def resolve_story(self, text: str | int, guild_id: int | None = None) -> EventSummary:
        """The event a `<story>` value names: "#12", "12" or free text; else StoryNotFound."""
        return await self._event_of(text, guild_id)

    # --- helpers ----------------------------------------------------------------------

    def _scopes(self, guild_id: int | None) -> Scopes:
        """The stories a reader may see: shared ones and, in a server, that server's own."""
        if guild_id is None and self._operator:
            return None
        return readable(guild_id)

    async def _resolve(
        self, text: str | int, guild_id: int | None
    ) -> tuple[StoryRecord, EventRow | None]:
        """A story this server may see and its event, from a number (a story id) or free
        text; another server's story is not found, exactly like a missing one."""
        value = str(text).strip()
        if not value:
            raise StoryNotFound("name a story: its number (e.g. 12) or a company or country")
        scopes = self._scopes(guild_id)
        number = parse_ref(value)
        if number is not None:
            record = await self._queries.story(number, scopes=scopes)
        else:
            row = await self._match_event(value, guild_id)
            record = await self._queries.story(row.ref, scopes=scopes)
        row = (
            await self._queries.event_row(record.event_id, scopes=scopes)
            if record.event_id
            else None
        )
        return record, row

    async def _event_of(self, text: str | int, guild_id: int | None) -> EventRow:
        record, row = await self._resolve(text, guild_id)
        if row is None:
            raise StoryNotFound(
                f"story #{record.id} was not judged to be about a surveillance-driven exit; "
                f"/exits why {record.id} explains why"
            )
        return row

    async def _match_event(self, text: str, guild_id: int | None) -> EventRow:
        """The best event for free text: autocomplete ranking, then full-text search."""
        choices = await self.complete_story(text, guild_id)
        if choices:
            return await self._event_of(choices[0].value, guild_id)
        try:
            result = await self.search(text, per_page=1, guild_id=guild_id)
        except InvalidInput:
            result = None
        if result and result.hits.items and result.hits.items[0].ref is not None:
            return await self._event_of(result.hits.items[0].ref, guild_id)
        raise StoryNotFound(f"no story matches {text!r}; try /exits search {text} or /exits latest")

    async def _default_event(self, guild_id: int | None, channel_id: int | None) -> EventRow:
        scopes = self._scopes(guild_id)
        event_id = await self._queries.posted_event(destination(guild_id), channel_id)
        if event_id is not None:
            row = await self._queries.event_row(event_id, scopes=scopes)
            if row is not None:
                return row
        rows = await self._queries.events(scopes=scopes, limit=1)
        if not rows:
            raise StoryNotFound("there are no stories yet to ask about")
        return rows[0]

    async def _stored_countries(self, name: str, guild_id: int | None) -> list[str]:
        """The stored spellings of the country `name` denotes, among this server's events."""
        found = await self._queries.countries(scopes=self._scopes(guild_id))
        return [n.name for n in found if same_country(n.name, name)]

    async def _stored_companies(self, name: str, guild_id: int | None) -> list[str]:
        """The stored spellings of a company, ignoring case and corporate suffixes."""
        key = company_key(name)
        if not key:
            raise InvalidInput("name a company")
        found = await self._queries.companies(scopes=self._scopes(guild_id))
        return [n.name for n in found if company_key(n.name) == key]

    async def _all_events(self, filters: EventFilter, guild_id: int | None) -> list[EventRow]:
        scopes = self._scopes(guild_id)
        total = await self._queries.count_events(filters, scopes=scopes)
        return await self._queries.events(filters, scopes=scopes, limit=max(total, 1))

    async def _not_posted(
        self, record: StoryRecord, settings: GuildSettings, threshold: float, guild_id: int | None
    ) -> str | None:
        """Why a story's event was not posted here, or None when it was.

        Whether it was posted is read from storage (this destination's posts), not
        recomputed: settings change, and filters or a missing channel keep stories out.
        """
        if guild_id is None and not self._operator:
            return "stories are posted in servers; ask there whether it was posted"
        if record.event_id is not None and await self._store.outbox.post_for(
            destination(guild_id), record.event_id
        ):
            return None
        if not record.relevant:
            return "not judged to be about a surveillance-driven exit"
        if record.event_id is None:
            return "it names no company and country, which a post needs"
        if record.score < threshold:
            return f"score {record.score:.2f} is below the threshold {threshold:.2f}"
        if guild_id is None:
            return "not shown in the terminal yet"
        return settings.refusal(
            score=record.score, company=record.company, country=record.country, stage=record.stage
        ) or await self._undelivered(record, settings, guild_id)

    async def _undelivered(
        self, record: StoryRecord, settings: GuildSettings, guild_id: int
    ) -> str:
        """Why a story this server's settings let in has no post here."""
        feeds = await self._store.feeds.of_entry(record.entry_id)
        own_channel = any(f.guild_id == guild_id and f.channel_id for f in feeds)
        if settings.channel_for(record.stage) is None and not own_channel:
            return "no channel is set for stories here (use /settings channel)"
        return "not posted here yet: it may be waiting to be sent or held by the daily cap"

    async def _threshold(self, guild_id: int | None) -> float:
        settings = await self.guild_settings(guild_id)
        return settings.effective_threshold(self._config.analysis.threshold)

    def _guild_config(self, guild_id: int) -> GuildConfig | None:
        return self._config.discord.guilds.get(guild_id)


def _check_stage(stage: str | None) -> str | None:
    if stage is None or not stage.strip():
        return None
    value = stage.strip().lower()
    if value not in STAGES:
        raise InvalidInput(f"unknown stage {stage!r}; use one of {', '.join(STAGES)}")
    return value


def _ping_changes(role_id: int | None, ping: str | None) -> dict[str, Any]:
    """The mention changes for a role and a ping choice; None values reset to config.yaml."""
    choice = (ping or "").strip().lower()
    if choice and choice not in (PING_OFF, PING_DEFAULT):
        raise InvalidInput(f"ping is {PING_OFF!r} or {PING_DEFAULT!r}, not {ping!r}")
    if role_id is not None and choice:
        raise InvalidInput("give a role to ping, or ping off/default, not both")
    if role_id is not None:
        return {"mention_role": role_id, "mention_off": None}
    if choice == PING_OFF:
        return {"mention_off": True}
    if choice == PING_DEFAULT:
        return {"mention_role": None, "mention_off": None}
    return {}


def _min_score(value: float | str) -> float | None:
    """A minimum score typed as a number, or a word that clears it (None)."""
    if isinstance(value, str) and value.strip().casefold() in CLEAR_WORDS:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise InvalidInput(f"min_score is a score from 0 to 1, or none; not {value!r}") from exc


def _with_title(story: StoryRecord) -> list[str]:
    """A source's sentences; the headline stands in when the analyzer kept none."""
    return list(story.sentences) or [story.title]


def _oldest_first(rows: list[EventRow]) -> list[EventSummary]:
    return sorted(rows, key=lambda r: (r.first_at, r.event_id))


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _story_candidate(row: EventRow, posted_here: bool) -> Candidate:
    return Candidate(
        value=str(row.ref),
        label=f"#{row.ref} {row.company} · {row.country} · {row.stage} — {row.headline}",
        fields=(row.company, row.country, row.headline),
        recency=row.last_at,
        boosted=posted_here,
        number=row.ref,
    )


def _not_found(kind: str, name: str, known: list[str]) -> str:
    """ "No events for X", with close names when there are some."""
    folded = name.strip().casefold()
    close = [k for k in known if folded and (folded in k.casefold() or k.casefold() in folded)]
    message = f"no events for the {kind} {name.strip()!r} yet"
    if close:
        message += f"; did you mean {', '.join(close[:3])}?"
    return message
