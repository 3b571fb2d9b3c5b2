"""`/feeds` and `/settings`: admins only (Discord's default permissions and the handler's own
check), private answers, and the service's validation surfacing as short messages."""

from __future__ import annotations

import pytest

from bot.query.results import FeedHealth
from cogs.service import query_service
from tests.cogs.conftest import Harness
from tests.discord_standin import InvocationRefused, Permission

pytestmark = pytest.mark.asyncio(loop_scope="module")

MANAGE_SERVER = int(Permission.MANAGE_GUILD)


def field(embed: dict, name: str) -> str:
    """The value of the embed field called `name`."""
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


async def test_admin_groups_are_registered_for_managers_in_servers_only(
    harness: Harness,
) -> None:
    registered = {c["name"]: c for c in harness.api.commands()}
    for name in ("feeds", "settings"):
        assert int(registered[name]["default_member_permissions"]) == MANAGE_SERVER
        assert registered[name]["contexts"] == [0]
    assert registered["exits"].get("default_member_permissions") is None


async def test_discord_hides_admin_commands_from_plain_members(harness: Harness) -> None:
    with pytest.raises(InvocationRefused):
        await harness.invoke("feeds add", url=f"{harness.site}/feed.xml")


async def test_the_handler_refuses_plain_members_too(harness: Harness) -> None:
    for command, options in (
        ("feeds add", {"url": f"{harness.site}/feed.xml"}),
        ("feeds list", {}),
        ("settings show", {}),
    ):
        call = await harness.invoke(command, bypass_default_permissions=True, **options)
        reply = await call.wait_final()
        assert not call.deferred and call.ephemeral
        assert reply["content"] == "You need the Manage Server permission for this."
    assert [f.feed.url for f in (await _feeds(harness))] == ["https://feeds.example/world.xml"]


async def _feeds(harness: Harness) -> list[FeedHealth]:
    return (await query_service(harness.bot).feeds_list(harness.guild.id)).feeds


# --- feeds ------------------------------------------------------------------------------


async def test_feeds_lifecycle(harness: Harness) -> None:
    url = f"{harness.site}/feed.xml"
    added = await harness.admin("feeds add", url=url, name="Local wire", backfill=2)
    reply = await added.wait_final()
    assert added.deferred and added.ephemeral
    embed = reply["embeds"][0]
    assert embed["title"] == "Now watching: Test Wire"
    assert "2 items now · backfill 2" in embed["description"]

    again = await (await harness.admin("feeds add", url=url)).wait_final()
    assert again["flags"] & 64 and "already watched" in again["content"]

    listed = await (await harness.admin("feeds list")).wait_final()
    assert "Local wire" in listed["embeds"][0]["description"]
    assert listed["embeds"][0]["title"] == "Feeds (2)"

    choices = await harness.autocomplete("feeds pause", "feed", "local")
    assert choices[0]["name"] == f"#{choices[0]['value']} Local wire — {url}"
    feed = choices[0]["value"]
    for action, past in (("pause", "paused"), ("resume", "resumed"), ("remove", "removed")):
        changed = await (await harness.admin(f"feeds {action}", feed=feed)).wait_final()
        assert changed["embeds"][0]["description"].endswith(f"{past}.")


async def test_configured_feeds_are_changed_in_config_yaml(harness: Harness) -> None:
    reply = await (await harness.admin("feeds pause", feed="World desk")).wait_final()
    assert reply["flags"] & 64 and "config.yaml" in reply["content"]


async def test_an_unknown_feed_is_refused(harness: Harness) -> None:
    reply = await (await harness.admin("feeds remove", feed="#9999")).wait_final()
    assert reply["content"].startswith("No feed matches '#9999'")


async def test_feeds_test_is_a_dry_run(harness: Harness) -> None:
    call = await harness.admin("feeds test", url=f"{harness.site}/feed.xml")
    embed = (await call.wait_final())["embeds"][0]
    assert call.deferred and call.ephemeral
    assert embed["title"] == "Dry run: Test Wire"
    assert embed["description"].startswith("2 items; the newest 2 judged:")
    assert "Bakery opens a third shop" in embed["description"]
    assert embed["footer"]["text"] == "Nothing was stored or posted."


async def test_a_page_that_is_not_a_feed(harness: Harness) -> None:
    reply = await (await harness.admin("feeds add", url=f"{harness.site}/index")).wait_final()
    assert reply["flags"] & 64
    assert reply["content"].startswith("That could not be read as a feed:")


# --- settings ---------------------------------------------------------------------------


async def test_threshold_is_saved_and_reset(harness: Harness) -> None:
    saved = await (await harness.admin("settings threshold", value=0.7)).wait_final()
    assert saved["content"] == "Saved." and saved["flags"] & 64
    assert field(saved["embeds"][0], "Threshold") == "0.70"
    shown = await (await harness.admin("settings show")).wait_final()
    assert field(shown["embeds"][0], "Threshold") == "0.70"
    assert "threshold" in field(shown["embeds"][0], "Changed from the defaults")
    reset = await (await harness.admin("settings threshold")).wait_final()
    assert field(reset["embeds"][0], "Threshold") == "0.50"


async def test_channel_and_thread(harness: Harness) -> None:
    admin = harness.guild.channel("admin")
    reply = await (
        await harness.admin("settings channel", channel=admin.id, thread=True)
    ).wait_final()
    embed = reply["embeds"][0]
    assert field(embed, "Channel") == f"<#{admin.id}>"
    assert field(embed, "Thread per event") == "yes"
    staged = await (
        await harness.admin("settings channel", channel=admin.id, stage="completed")
    ).wait_final()
    assert field(staged["embeds"][0], "Channels by stage") == f"Exit completed → <#{admin.id}>"


async def test_mention_and_filters(harness: Harness) -> None:
    role = harness.guild.role("@everyone")
    mention = await (
        await harness.admin("settings mention", role=role.id, stages="announced, completed")
    ).wait_final()
    embed = mention["embeds"][0]
    assert field(embed, "Mention") == f"<@&{role.id}>"
    assert field(embed, "Mention stages") == "Exit announced, Exit completed"
    filters = await (
        await harness.admin("settings filters", countries="India, UK", min_score=0.4)
    ).wait_final()
    assert field(filters["embeds"][0], "Countries") == "India, United Kingdom"
    cleared = await (await harness.admin("settings filters", countries="none")).wait_final()
    assert field(cleared["embeds"][0], "Countries") == "all"


async def test_mention_keeps_its_role_and_pings_can_be_turned_off(harness: Harness) -> None:
    role = harness.guild.role("@everyone")
    await (await harness.admin("settings mention", role=role.id)).wait_final()
    kept = await (await harness.admin("settings mention", countries="India")).wait_final()
    assert field(kept["embeds"][0], "Mention") == f"<@&{role.id}>"
    assert field(kept["embeds"][0], "Mention countries") == "India"
    off = await (await harness.admin("settings mention", ping="off")).wait_final()
    assert field(off["embeds"][0], "Mention") == "off"
    back = await (await harness.admin("settings mention", ping="default")).wait_final()
    assert field(back["embeds"][0], "Mention") == "—"  # config.yaml names no role here


async def test_min_score_clears_and_company_suffixes_stay_with_their_name(
    harness: Harness,
) -> None:
    await (await harness.admin("settings filters", min_score="0.4")).wait_final()
    cleared = await (await harness.admin("settings filters", min_score="none")).wait_final()
    assert field(cleared["embeds"][0], "Minimum score") == "—"
    await (
        await harness.admin("settings filters", companies="Apple, Inc.; Foo GmbH, Lockbox VPN")
    ).wait_final()
    settings = await query_service(harness.bot).guild_settings(harness.guild.id)
    assert settings.filters.companies == ["Apple, Inc.", "Foo GmbH", "Lockbox VPN"]
    await (await harness.admin("settings filters", companies="none")).wait_final()


async def test_why_says_why_a_story_was_not_posted_here(harness: Harness) -> None:
    await (await harness.admin("settings filters", countries="India")).wait_final()
    call = await harness.invoke("exits why", story=str(harness.seeded.signalcast))
    description = (await call.wait_final())["embeds"][0]["description"]
    assert "not posted here: United Kingdom is not among this server's countries" in description
    await (await harness.admin("settings filters", countries="none")).wait_final()


async def test_bad_values_are_refused_and_not_stored(harness: Harness) -> None:
    reply = await (await harness.admin("settings filters", stages="sideways")).wait_final()
    assert reply["flags"] & 64 and reply["content"].startswith(
        "Unknown stage 'sideways'; use one of"
    )
    shown = await (await harness.admin("settings show")).wait_final()
    assert field(shown["embeds"][0], "Stages") == "all"
    place = await (await harness.admin("settings filters", countries="Atlantis")).wait_final()
    assert "'Atlantis' is not a country" in place["content"]
