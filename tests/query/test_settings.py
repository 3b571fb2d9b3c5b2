"""Per-server settings: defaults from config.yaml, stored overrides, and validation."""

from __future__ import annotations

import pytest

from bot.config import GuildConfig
from bot.errors import InvalidInput
from bot.query.service import QueryService
from bot.query.settings import GuildSettings, build_settings, guild_settings
from bot.storage import Store
from tests.query.conftest import GUILD


async def test_defaults_come_from_config_and_overrides_win(
    service: QueryService, store: Store
) -> None:
    settings = await service.guild_settings(GUILD)
    assert settings.channel == 333 and settings.mention_role == 444
    assert settings.threshold is None and settings.effective_threshold(0.5) == 0.5
    view = await service.settings_channel(GUILD, 555)
    assert view.settings.channel == 555 and view.overridden == ["channel"]
    view = await service.settings_channel(GUILD, None)
    assert view.settings.channel == 333 and view.overridden == []


async def test_threshold_validation_and_reset(service: QueryService) -> None:
    view = await service.settings_threshold(GUILD, 0.7)
    assert view.threshold == 0.7
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        await service.settings_threshold(GUILD, 1.5)
    assert (await service.settings_threshold(GUILD, None)).threshold == 0.5


async def test_stage_channels_and_mentions(service: QueryService) -> None:
    view = await service.settings_channel(GUILD, 900, stage="Completed", thread_per_event=True)
    settings = view.settings
    assert settings.stage_channels == {"completed": 900} and settings.thread_per_event
    assert settings.channel_for("completed") == 900 and settings.channel_for("threatened") == 333
    view = await service.settings_mention(GUILD, 777, stages=["announced"], countries=["the UK"])
    assert view.settings.mention_countries == ["United Kingdom"]
    assert view.settings.mentions("announced", "Britain")
    assert not view.settings.mentions("completed", "United Kingdom")
    with pytest.raises(InvalidInput, match="unknown stage"):
        await service.settings_mention(GUILD, 777, stages=["rumoured"])
    with pytest.raises(InvalidInput, match="not a country"):
        await service.settings_mention(GUILD, 777, countries=["Atlantis"])


async def test_filters_validate_and_apply(service: QueryService) -> None:
    view = await service.settings_filters(
        GUILD, countries=["india", "Britain"], stages=["announced"], min_score=0.6
    )
    f = view.settings.filters
    assert f.countries == ["India", "United Kingdom"] and f.stages == ["announced"]
    refusal = view.settings.refusal
    assert refusal(score=0.9, company="X", country="India", stage="announced") is None
    assert "below" in refusal(score=0.5, company="X", country="India", stage="announced")
    assert "not among" in refusal(score=0.9, company="X", country="Brazil", stage="announced")
    assert "stage" in refusal(score=0.9, company="X", country="India", stage="completed")
    cleared = await service.settings_filters(GUILD, countries=[])
    assert cleared.settings.filters.countries == [] and cleared.settings.filters.stages
    with pytest.raises(InvalidInput, match="min_score"):
        await service.settings_filters(GUILD, min_score=2.0)


async def test_invalid_changes_are_not_stored(service: QueryService, store: Store) -> None:
    with pytest.raises(InvalidInput, match="daily_cap"):
        await service.settings_update(GUILD, {"daily_cap": 0})
    with pytest.raises(InvalidInput, match="no such setting"):
        await service.settings_update(GUILD, {"colour": "blue"})
    assert await store.settings.get(GUILD) == {}


async def test_a_stale_stored_override_is_left_out_not_fatal(store: Store) -> None:
    await store.settings.update(5, {"mention_stages": ["rumoured"], "channel": 12})
    settings = await guild_settings(store, 5, GuildConfig(channel=10))
    assert settings.channel == 12 and settings.mention_stages == []


def test_build_settings_names_the_bad_key() -> None:
    with pytest.raises(InvalidInput, match=r"filters\.stages"):
        build_settings({}, {"filters": {"stages": ["soon"]}})
    assert build_settings({"channel": None}, {}) == GuildSettings()


async def test_show_reports_delivery_problems_and_failed_items(
    service: QueryService, store: Store, seeded
) -> None:
    await store.db.execute(
        "INSERT INTO delivery_problems (guild_id, channel_id, problem, first_at, last_at) "
        "VALUES (?, 333, 'missing permission: Send Messages', 1, 2)",
        (GUILD,),
    )
    [item] = [i for i in await store.outbox.due(prefix=f"guild:{GUILD}")][:1]
    await store.outbox.fail(item.id, "channel deleted")
    view = await service.settings_show(GUILD)
    assert view.problems[0].problem.startswith("missing permission")
    assert view.failed[0].last_error == "channel deleted"
    assert view.daily_cap == 50


async def test_mention_without_a_role_keeps_it_and_off_overrides_config(
    service: QueryService,
) -> None:
    kept = await service.settings_mention(GUILD, None)
    assert kept.settings.mention_role == 444 and kept.overridden == []
    await service.settings_mention(GUILD, 555)
    view = await service.settings_mention(GUILD, None, countries=["India"])
    assert view.settings.mention_role == 555 and view.settings.mention_countries == ["India"]
    off = await service.settings_mention(GUILD, None, ping="off")
    assert not off.settings.mentions("announced", "India")
    assert off.settings.mention_off and off.settings.mention_countries == ["India"]
    back = await service.settings_mention(GUILD, None, ping="default")
    assert back.settings.mention_role == 444 and not back.settings.mention_off
    assert back.settings.mentions("announced", "India")
    assert (await service.settings_mention(GUILD, 555)).settings.mentions("announced", "India")
    with pytest.raises(InvalidInput, match="not both"):
        await service.settings_mention(GUILD, 555, ping="off")
    with pytest.raises(InvalidInput, match="ping"):
        await service.settings_mention(GUILD, None, ping="loud")


async def test_no_ping_stays_off_when_config_names_a_role(service: QueryService) -> None:
    off = await service.settings_mention(GUILD, None, ping="off")
    again = await service.guild_settings(GUILD)
    assert off.overridden == ["mention_off"] and not again.mentions("completed", "India")


async def test_min_score_none_clears_the_filter(service: QueryService) -> None:
    await service.settings_filters(GUILD, min_score=0.6, stages=["announced"])
    for word in ("none", "None "):
        view = await service.settings_filters(GUILD, min_score=word)
        assert view.settings.filters.min_score is None
        assert view.settings.filters.stages == ["announced"]
    view = await service.settings_filters(GUILD, min_score="0.4")
    assert view.settings.filters.min_score == 0.4
    with pytest.raises(InvalidInput, match="min_score"):
        await service.settings_filters(GUILD, min_score="high")


async def test_company_filter_matches_like_exits_company(service: QueryService) -> None:
    view = await service.settings_filters(GUILD, companies=["Apple", "Inc.", "Foo", "S.A."])
    assert view.settings.filters.companies == ["Apple, Inc.", "Foo, S.A."]
    refusal = view.settings.refusal
    for company in ("Foo Inc.", "foo", "FOO, S.A.", "Apple", "apple inc"):
        assert refusal(score=0.9, company=company, country="India", stage="announced") is None
    assert "not among" in refusal(score=0.9, company="Foobar", country="India", stage="announced")
    assert "not among" in refusal(score=0.9, company=None, country="India", stage="announced")
