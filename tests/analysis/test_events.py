"""Event grouping: same company and country within a window is one event."""

from datetime import UTC, datetime, timedelta

from bot.analysis.events import (
    EventGrouper,
    TimelineEntry,
    current_stage,
    event_key,
    in_window,
    ordered_stages,
    stage_rank,
)
from bot.models import Analysis, Stage


def relevant(company: str, country: str, stage: Stage, demand: str = "monitor traffic"):
    return Analysis(True, 0.9, company=company, country=country, stage=stage, demand=demand)


def day(n: int) -> datetime:
    return datetime(2015, 11, 1, tzinfo=UTC) + timedelta(days=n)


def test_key_normalises_company_and_country() -> None:
    a = event_key(relevant("BlackBerry Ltd", "Pakistan", Stage.ANNOUNCED))
    b = event_key(relevant("BlackBerry", "PK", Stage.REVERSED, "backdoor access"))
    assert a == b == "blackberry|PK"
    assert event_key(Analysis(False, 0.1)) is None


def test_sources_within_the_window_update_one_event() -> None:
    grouper = EventGrouper()
    first = grouper.assign("a", day(0), relevant("BlackBerry", "Pakistan", Stage.ANNOUNCED))
    second = grouper.assign("b", day(30), relevant("BlackBerry", "Pakistan", Stage.REVERSED))
    assert first == second
    (event,) = grouper.events
    assert event.stages == [Stage.ANNOUNCED, Stage.REVERSED]
    assert event.current_stage is Stage.REVERSED


def test_a_source_after_the_window_starts_a_new_event() -> None:
    grouper = EventGrouper(window=timedelta(days=60))
    first = grouper.assign("a", day(0), relevant("Signal", "United Kingdom", Stage.THREATENED))
    later = grouper.assign("b", day(400), relevant("Signal", "United Kingdom", Stage.THREATENED))
    assert first != later


def test_one_demand_worded_as_two_kinds_stays_one_event() -> None:
    grouper = EventGrouper()
    access = grouper.assign("a", day(0), relevant("Proton", "Switzerland", Stage.THREATENED))
    logs = grouper.assign(
        "b", day(1), relevant("Proton", "Switzerland", Stage.THREATENED, "retain user data")
    )
    assert access == logs


def test_demand_kind_breaks_ties_between_open_events() -> None:
    grouper = EventGrouper(window=timedelta(days=60))
    logs = grouper.assign(
        "a", day(0), relevant("Proton", "Switzerland", Stage.THREATENED, "retain user data")
    )
    access = grouper.assign("b", day(100), relevant("Proton", "Switzerland", Stage.THREATENED))
    assert logs != access
    # day 50 is within the window of both; the kind of demand decides
    later_logs = grouper.assign(
        "c", day(50), relevant("Proton", "Switzerland", Stage.ANNOUNCED, "store IP addresses")
    )
    assert later_logs == logs


def test_a_late_reversal_joins_the_exit_it_undoes() -> None:
    grouper = EventGrouper(window=timedelta(days=60))
    ban = grouper.assign("a", day(0), relevant("Telegram", "Russia", Stage.COMPLETED))
    lifted = grouper.assign("b", day(700), relevant("Telegram", "Russia", Stage.REVERSED))
    assert lifted == ban
    # once reversed, a new exit after the window is a new event, and so is its reversal
    again = grouper.assign("c", day(1500), relevant("Telegram", "Russia", Stage.THREATENED))
    assert again != ban
    assert grouper.assign("d", day(1600), relevant("Telegram", "Russia", Stage.REVERSED)) == again


def test_a_late_source_that_is_not_a_reversal_starts_a_new_event() -> None:
    grouper = EventGrouper(window=timedelta(days=60))
    first = grouper.assign("a", day(0), relevant("Telegram", "Russia", Stage.COMPLETED))
    later = grouper.assign("b", day(700), relevant("Telegram", "Russia", Stage.ANNOUNCED))
    assert first != later


def test_ids_are_stable_across_runs() -> None:
    ids = [
        EventGrouper().assign("a", day(0), relevant("Apple", "UK", Stage.COMPLETED))
        for _ in range(2)
    ]
    assert ids[0] == ids[1]


def test_timeline_helpers() -> None:
    assert [stage_rank(s) for s in Stage] == [0, 1, 2, 3]
    timeline = [
        TimelineEntry(day(5), Stage.COMPLETED, "c"),
        TimelineEntry(day(1), Stage.THREATENED, "a"),
        TimelineEntry(None, Stage.ANNOUNCED, "b"),
    ]
    assert ordered_stages(timeline) == [Stage.ANNOUNCED, Stage.THREATENED, Stage.COMPLETED]
    assert current_stage(timeline) is Stage.COMPLETED
    assert in_window(day(0), day(10), day(65))
    assert not in_window(day(0), day(10), day(80))
    assert in_window(day(0), day(10), None)
