"""The query service against a real store seeded with fixture stories."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest

from bot.config import Config
from bot.errors import InvalidInput, NotFound, StoryNotFound
from bot.feeds.fetch import Fetcher
from bot.query import ask
from bot.query.results import MARK_END, MARK_START, marked_segments
from bot.query.service import QueryService
from bot.storage import Store
from tests.query.conftest import CHANNEL, GUILD, Seeded


async def test_latest_lists_events_newest_first_with_pages(
    service: QueryService, seeded: Seeded
) -> None:
    page = await service.latest(count=1)
    assert [e.company for e in page.items] == ["Lockbox VPN"]
    assert page.items[0].ref == seeded.lockbox_first
    assert page.items[0].source_count == 2 and page.items[0].stage == "completed"
    assert (page.page, page.pages, page.total, page.has_more) == (1, 2, 2, True)
    second = await service.latest(count=1, page=2)
    assert [e.company for e in second.items] == ["Signalcast"] and not second.has_more


async def test_latest_filters_by_country_alias_company_and_stage(
    service: QueryService, seeded: Seeded
) -> None:
    assert [e.company for e in (await service.latest(country="the UK")).items] == ["Signalcast"]
    assert [e.company for e in (await service.latest(country="Britain")).items] == ["Signalcast"]
    assert [e.company for e in (await service.latest(company="lockbox vpn inc.")).items] == [
        "Lockbox VPN"
    ]
    assert [e.company for e in (await service.latest(stage="Threatened")).items] == ["Signalcast"]
    assert (await service.latest(country="Narnia")).items == []
    with pytest.raises(InvalidInput, match="stage"):
        await service.latest(stage="rumoured")
    with pytest.raises(InvalidInput, match="between 1 and 25"):
        await service.latest(count=99)


async def test_story_card_has_facts_quote_sources_and_timeline(
    service: QueryService, seeded: Seeded
) -> None:
    for value in (seeded.lockbox_first, f"#{seeded.lockbox_later}", str(seeded.lockbox_first)):
        card = await service.story(value)
        assert card.ref == seeded.lockbox_first
    assert card.company == "Lockbox VPN" and card.country == "India"
    assert card.stage == "completed" and card.effective_date == "June 27"
    assert card.quote and card.quote_speaker == "Priya Raman"
    assert card.quote_url == "https://news.example/lockbox-1"
    assert [s.outlet for s in card.sources] == ["Example News", "Daily Wire Example"]
    assert [(t.stage, t.story_id) for t in card.timeline] == [
        ("announced", seeded.lockbox_first),
        ("completed", seeded.lockbox_later),
    ]


async def test_story_by_free_text_and_helpful_not_found(
    service: QueryService, seeded: Seeded
) -> None:
    assert (await service.story("signalcast")).company == "Signalcast"
    assert (await service.story("end-to-end encryption")).company == "Signalcast"
    with pytest.raises(StoryNotFound, match="exits why"):
        await service.story(seeded.bakery)
    with pytest.raises(StoryNotFound, match="no story #999"):
        await service.story("#999")
    with pytest.raises(StoryNotFound, match="exits search"):
        await service.story("zeppelin")
    resolved = await service.resolve_story("India")
    assert resolved.company == "Lockbox VPN"


async def test_ask_about_a_named_story_quotes_its_sources(
    service: QueryService, seeded: Seeded
) -> None:
    result = await service.ask("when does the rule take effect?", str(seeded.signalcast))
    assert not result.answered and "don't say" in result.text
    result = await service.ask("when does the rule take effect?", seeded.lockbox_first)
    assert result.answered and "June 27" in result.text
    assert result.passages[0].url == "https://news.example/lockbox-1"
    assert result.ref == seeded.lockbox_first


async def test_ask_scores_the_sources_off_the_event_loop(
    service: QueryService, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []
    real = ask.answer

    def recording_answer(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(ask, "answer", recording_answer)
    result = await service.ask("when does the rule take effect?", seeded.lockbox_first)
    assert result.answered and "June 27" in result.text
    assert threads and threading.main_thread() not in threads


async def test_ask_without_a_story_uses_the_last_post_in_the_channel(
    service: QueryService, store: Store, seeded: Seeded
) -> None:
    # Nothing posted to the guild yet: the newest event overall.
    assert (await service.ask("why?", guild_id=GUILD)).ref == seeded.lockbox_first
    [item] = [i for i in await store.outbox.due(prefix="guild:") if i.kind == "post"]
    await store.outbox.mark_sent(item, channel_id=CHANNEL, message_id=1)
    answer = await service.ask("who said it?", guild_id=GUILD, channel_id=CHANNEL)
    assert answer.ref == seeded.lockbox_first and "Priya Raman" in answer.text
    with pytest.raises(InvalidInput):
        await service.ask("   ")


async def test_search_ranks_and_highlights(service: QueryService, seeded: Seeded) -> None:
    result = await service.search("encryption backdoor")
    assert result.hits.total == 1
    [hit] = result.hits.items
    assert hit.ref == seeded.signalcast
    assert f"{MARK_START}backdoor{MARK_END}" in hit.snippet
    assert ("backdoor", True) in marked_segments(hit.snippet)
    titled = await service.search("lockbox")
    assert titled.hits.total == 2
    assert MARK_START in titled.hits.items[0].title
    assert (await service.search("bakery")).hits.total == 0  # not an exit story


async def test_search_falls_back_to_any_word(service: QueryService, seeded: Seeded) -> None:
    result = await service.search("encryption zeppelin")
    assert [hit.ref for hit in result.hits.items] == [seeded.signalcast]


@pytest.mark.parametrize(
    "hostile",
    [
        '"India',
        '"unbalanced phrase',
        "(((India",
        "India)",
        "NOT",
        "AND OR NOT",
        "India NEAR(",
        "title:India",
        "^India",
        "India*",
        "'; DROP TABLE stories; --",
        "- India",
        "{title body}: India",
        "Ind\u0131a \u00e9",
        "x" * 1000,
        "a " * 200,
    ],
)
async def test_search_never_raises_on_fts_syntax(
    service: QueryService, seeded: Seeded, hostile: str
) -> None:
    result = await service.search(hostile)
    assert result.hits.page == 1


async def test_search_needs_a_word(service: QueryService, seeded: Seeded) -> None:
    for empty in ("", "   ", "()", '""', '"', "*^:"):
        with pytest.raises(InvalidInput, match="at least one word"):
            await service.search(empty)


async def test_company_and_country_timelines(service: QueryService, seeded: Seeded) -> None:
    company = await service.company("LOCKBOX VPN")
    assert company.name == "Lockbox VPN" and [e.ref for e in company.events] == [
        seeded.lockbox_first
    ]
    for alias in ("United Kingdom", "the UK", "Britain", "GB", "great britain"):
        country = await service.country(alias)
        assert country.name == "United Kingdom"
        assert [e.company for e in country.events] == ["Signalcast"]
    with pytest.raises(NotFound, match="did you mean Lockbox VPN"):
        await service.company("Lockbox")
    with pytest.raises(NotFound, match="no events"):
        await service.country("France")


async def test_why_explains_relevant_and_irrelevant(
    service: QueryService, store: Store, seeded: Seeded
) -> None:
    why = await service.why(seeded.lockbox_first, guild_id=GUILD)
    assert why.relevant and why.threshold == 0.5
    assert not why.posted and "not posted here yet" in why.outcome
    assert why.signals[0].name == "exit_verb" and why.sentences
    await _send_guild_post(store)
    for story in (seeded.lockbox_first, seeded.lockbox_later):
        assert (await service.why(story, guild_id=GUILD)).outcome == "It was posted here."
    not_relevant = await service.why(str(seeded.bakery))
    assert not not_relevant.relevant and not not_relevant.posted and not_relevant.ref is None
    assert "not judged to be about" in (not_relevant.reason or "")


async def test_why_says_why_a_story_was_not_posted_here(
    service: QueryService, seeded: Seeded
) -> None:
    # Signalcast (United Kingdom, 0.9) was never routed to GUILD: no post of its event.
    await service.settings_filters(GUILD, countries=["India"])
    filtered = await service.why(seeded.signalcast, guild_id=GUILD)
    assert not filtered.posted
    assert filtered.reason == "United Kingdom is not among this server's countries"
    await service.settings_threshold(GUILD, 0.95)
    below = await service.why(seeded.signalcast, guild_id=GUILD)
    assert below.reason == "score 0.90 is below the threshold 0.95"
    unset = await service.why(seeded.signalcast, guild_id=999)
    assert unset.reason == "no channel is set for stories here (use /settings channel)"
    assert "terminal" in ((await service.why(seeded.signalcast)).reason or "")


async def test_why_in_a_direct_message_does_not_claim_a_post(
    store: Store, fetcher: Fetcher, config: Config, seeded: Seeded
) -> None:
    member = QueryService(store, fetcher, config, operator=False)
    why = await member.why(seeded.lockbox_first)
    assert not why.posted and "posted in servers" in (why.reason or "")


async def _send_guild_post(store: Store) -> None:
    [item] = [i for i in await store.outbox.due(prefix=f"guild:{GUILD}") if i.kind == "post"]
    await store.outbox.mark_sent(item, channel_id=CHANNEL, message_id=1)


async def test_stats_counts_and_chart(service: QueryService, seeded: Seeded) -> None:
    stats = await service.stats()
    assert stats.events == 2 and stats.stories == 3
    assert {(c.label, c.count) for c in stats.by_country} == {("India", 1), ("United Kingdom", 1)}
    assert [(c.label, c.count) for c in stats.by_year] == [("2026", 2)]
    assert [c.label for c in stats.by_stage] == ["threatened", "completed"]
    assert len(stats.feeds) == 1 and stats.feeds[0].configured
    assert stats.chart_png is not None and stats.chart_png.startswith(b"\x89PNG")
    assert (await service.stats(chart=False)).chart_png is None


async def test_stats_on_an_empty_store(service: QueryService) -> None:
    stats = await service.stats()
    assert stats.events == 0 and stats.chart_png is None and stats.by_country == []


async def test_export_csv_has_a_row_per_source(service: QueryService, seeded: Seeded) -> None:
    result = await service.export("CSV")
    assert result.content_type == "text/csv" and result.events == 2
    rows = list(csv.DictReader(io.StringIO(result.data.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert {row["company"] for row in rows} == {"Lockbox VPN", "Signalcast"}
    assert rows[0]["url"].startswith("https://news.example/")


async def test_export_json_nests_sources(service: QueryService, seeded: Seeded) -> None:
    result = await service.export("json")
    events = json.loads(result.data)
    lockbox = next(e for e in events if e["company"] == "Lockbox VPN")
    assert [s["story"] for s in lockbox["sources"]] == [seeded.lockbox_first, seeded.lockbox_later]
    assert lockbox["first_seen"].startswith("2026-05-12")
    with pytest.raises(InvalidInput, match="csv or json"):
        await service.export("xml")


async def test_autocomplete_ranks_and_limits(service: QueryService, store: Store) -> None:
    from tests.query.conftest import add_feed, add_story, day

    feed = await add_feed(store)
    for n in range(30):
        await add_story(
            store, feed, f"k{n}", f"Firm {n} leaves Testland", ["Firm leaves the market now."],
            when=day(1, 1 + n % 28), company=f"Firm {n:02d}", country="India",
        )  # fmt: skip
    await add_story(
        store, feed, "lock", "Lockbox goes", ["Lockbox leaves now for good."],
        when=day(2, 1), company="Lockbox", country="Pakistan",
    )  # fmt: skip
    choices = await service.complete_story("")
    assert len(choices) == 25 and all(len(c.name) <= 100 for c in choices)
    assert (await service.complete_story("lock"))[0].name.startswith("#")
    assert "Lockbox" in (await service.complete_story("lock"))[0].name
    by_number = await service.complete_story("#3")
    assert by_number[0].value == "3"
    firms = await service.complete_company("firm 1")
    assert sorted(c.value for c in firms) == [f"Firm {n}" for n in range(10, 20)]
    assert (await service.complete_company("Firm 07"))[0].value == "Firm 07"
    assert (await service.complete_country("uk")) == []
    assert (await service.complete_country("pak"))[0].value == "Pakistan"
    assert (await service.complete_country("ind"))[0].value == "India"


async def test_country_autocomplete_knows_aliases(service: QueryService, seeded: Seeded) -> None:
    assert (await service.complete_country("UK"))[0].value == "United Kingdom"
    assert (await service.complete_country("britain"))[0].value == "United Kingdom"


async def test_long_names_are_clipped(service: QueryService, store: Store) -> None:
    from tests.query.conftest import add_feed, add_story, day

    feed = await add_feed(store)
    await add_story(
        store, feed, "long", "A " * 120, ["The firm leaves the market for good."],
        when=day(1, 1), company="Longname " * 20, country="India",
    )  # fmt: skip
    [choice] = await service.complete_story("longname")
    assert len(choice.name) == 100 and choice.name.endswith("…")
