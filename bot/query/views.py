"""Building result objects from stored records and fresh analyses.

Kept apart from the service so the rules of a card (which source's quote, which
effective date) are written once and shared by `/exits story` and `/exits summarize`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from bot.models import Analysis
from bot.query.results import SignalView, SourceView, StoryCard, TimelineStep
from bot.storage.queries import EventRow
from bot.storage.records import StageRecord, StoryRecord


def signal_views(signals: Sequence[dict | object]) -> list[SignalView]:
    """Signals as stored (dicts) or as analysed (Signal objects), strongest first."""
    views = []
    for signal in signals:
        values = signal if isinstance(signal, dict) else asdict(signal)  # type: ignore[arg-type]
        views.append(
            SignalView(
                str(values.get("name", "")),
                float(values.get("weight", 0.0)),
                str(values.get("sentence", "")),
            )
        )
    return sorted(views, key=lambda view: -abs(view.weight))


def event_card(
    row: EventRow, sources: Sequence[StoryRecord], stages: Sequence[StageRecord]
) -> StoryCard:
    """The full card of an event: the first source leads, later sources fill the gaps.

    The facts that change over time (the effective date) come from the newest source that
    states them; the quote from the first source that has one, linked to that source.
    """
    first = sources[0]
    quoted = next((story for story in sources if story.quote), None)
    effective = next((s.effective_date for s in reversed(sources) if s.effective_date), None)
    by_id = {story.id: story for story in sources}
    timeline = [
        TimelineStep(
            stage=step.stage,
            at=step.at,
            story_id=step.story_id,
            title=by_id[step.story_id].title if step.story_id in by_id else "",
            url=by_id[step.story_id].url if step.story_id in by_id else None,
        )
        for step in stages
    ]
    return StoryCard(
        ref=row.ref,
        event_id=row.event_id,
        title=first.title,
        url=first.url,
        outlet=first.outlet,
        published_at=first.published_at,
        summary=first.summary,
        company=row.company,
        country=row.country,
        stage=row.stage,
        demand=row.demand or next((s.demand for s in sources if s.demand), None),
        effective_date=effective,
        quote=quoted.quote if quoted else None,
        quote_speaker=quoted.quote_speaker if quoted else None,
        quote_url=quoted.url if quoted else None,
        score=max(story.score for story in sources),
        sources=[source_view(story) for story in sources],
        timeline=timeline,
    )


def source_view(story: StoryRecord) -> SourceView:
    """One source line."""
    return SourceView(
        story.id, story.title, story.url, story.outlet, story.published_at, story.stage
    )


def analysis_card(
    analysis: Analysis, *, title: str, url: str, outlet: str, published_at: float | None
) -> StoryCard:
    """The card of an article analysed on demand (not stored: no number, no timeline)."""
    stage = analysis.stage.value if analysis.stage else None
    return StoryCard(
        ref=None,
        event_id=None,
        title=title,
        url=url,
        outlet=outlet,
        published_at=published_at,
        summary=analysis.summary,
        company=analysis.company,
        country=analysis.country,
        stage=stage,
        demand=analysis.demand,
        effective_date=analysis.effective_date,
        quote=analysis.quote,
        quote_speaker=analysis.quote_speaker,
        quote_url=url if analysis.quote else None,
        score=analysis.score,
        sources=[SourceView(None, title, url, outlet, published_at, stage)],
        timeline=[],
    )
