"""`/exits`: each command end to end, from the interaction to what the member sees."""

from __future__ import annotations

import json

import pytest

from tests.cogs.conftest import Harness

pytestmark = pytest.mark.asyncio(loop_scope="module")

OWNER = "guild-owner"


def buttons(message: dict) -> dict[str, dict]:
    """A message's buttons by label."""
    rows = message.get("components") or []
    return {b["label"]: b for row in rows for b in row["components"]}


def field(embed: dict, name: str) -> str:
    """The value of the embed field called `name`."""
    return next(f["value"] for f in embed["fields"] if f["name"].startswith(name))


# --- /exits latest and the page buttons -------------------------------------------------


async def test_latest_defers_then_answers_with_a_page_and_buttons(harness: Harness) -> None:
    call = await harness.invoke("exits latest")
    reply = await call.wait_final()
    assert call.deferred and not call.ephemeral
    embed = reply["embeds"][0]
    assert embed["footer"]["text"] == "Page 1 of 6 · 30 events"
    assert embed["description"].startswith(f"**#{harness.seeded.lockbox}** ·")
    assert "Lockbox VPN · 🇮🇳 India · Exit completed · 2 sources" in embed["description"]
    assert buttons(reply)["Previous"]["disabled"] and not buttons(reply)["Next"]["disabled"]


async def test_next_turns_the_page_for_the_member_who_asked(harness: Harness) -> None:
    reply = await (await harness.invoke("exits latest")).wait_final()
    click = await harness.api.click(reply, buttons(reply)["Next"]["custom_id"])
    turned = await click.wait_final()
    assert click.deferred
    assert turned["id"] == reply["id"]
    assert turned["embeds"][0]["footer"]["text"] == "Page 2 of 6 · 30 events"
    assert not buttons(turned)["Previous"]["disabled"]
    back = await harness.api.click(turned, buttons(turned)["Previous"]["custom_id"])
    assert (await back.wait_final())["embeds"][0]["footer"]["text"].startswith("Page 1 of 6")


async def test_only_the_member_who_asked_turns_pages(harness: Harness) -> None:
    reply = await (await harness.invoke("exits latest")).wait_final()
    click = await harness.api.click(reply, buttons(reply)["Next"]["custom_id"], user=OWNER)
    refusal = await click.wait_final()
    assert click.ephemeral and "Only the member who ran the command" in refusal["content"]
    page = harness.api.interactions.stored(reply["id"])
    assert page is not None and page["embeds"][0]["footer"]["text"].startswith("Page 1 of 6")


async def test_latest_filters_by_country_alias_and_stage(harness: Harness) -> None:
    uk = await (await harness.invoke("exits latest", country="Britain")).wait_final()
    assert "Signalcast" in uk["embeds"][0]["description"]
    assert uk["embeds"][0]["footer"]["text"] == "Page 1 of 1 · 1 event"
    assert not uk.get("components")
    completed = await (await harness.invoke("exits latest", stage="completed")).wait_final()
    assert "Lockbox VPN" in completed["embeds"][0]["description"]
    none = await (await harness.invoke("exits latest", company="Nobody Ltd")).wait_final()
    assert none["embeds"][0]["description"] == "No stories match."


async def test_latest_fits_twenty_five_events_in_one_embed(harness: Harness) -> None:
    reply = await (await harness.invoke("exits latest", count=25)).wait_final()
    embed = reply["embeds"][0]
    assert embed["description"].count("**#") == 25
    assert len(embed["description"]) <= 4096


async def test_commands_work_in_every_guild_the_bot_is_in(harness: Harness) -> None:
    call = await harness.invoke("exits latest", guild=harness.other)
    reply = await call.wait_final()
    assert reply["embeds"][0]["footer"]["text"] == "Page 1 of 6 · 30 events"


# --- autocomplete -----------------------------------------------------------------------


async def test_story_autocomplete_is_ranked_and_at_most_25(harness: Harness) -> None:
    everything = await harness.autocomplete("exits story", "story", "")
    assert len(everything) == 25
    lockbox = await harness.autocomplete("exits story", "story", "lockb")
    assert lockbox[0]["value"] == str(harness.seeded.lockbox)
    assert all(len(choice["name"]) <= 100 for choice in everything)
    by_number = await harness.autocomplete("exits story", "story", f"#{harness.seeded.signalcast}")
    assert by_number[0]["value"] == str(harness.seeded.signalcast)


async def test_company_and_country_autocomplete(harness: Harness) -> None:
    companies = await harness.autocomplete("exits company", "name", "cipher")
    assert len(companies) == 25 and all("Cipherline" in c["name"] for c in companies)
    countries = await harness.autocomplete("exits country", "name", "uk")
    assert countries[0]["value"] == "United Kingdom"


# --- one story --------------------------------------------------------------------------


async def test_story_shows_the_full_card(harness: Harness) -> None:
    call = await harness.invoke("exits story", story=f"#{harness.seeded.lockbox}")
    embed = (await call.wait_final())["embeds"][0]
    assert call.deferred
    assert embed["title"] == "Lockbox VPN to pull its servers out of India over logging rule"
    assert field(embed, "Company") == "Lockbox VPN"
    assert "Priya Raman" in field(embed, "Key quote")
    assert "Daily Wire Example" in field(embed, "Sources (2)")
    assert "Exit completed" in field(embed, "Timeline")
    assert embed["footer"]["text"].startswith(f"Story #{harness.seeded.lockbox} ·")


async def test_story_by_free_text(harness: Harness) -> None:
    embed = (await (await harness.invoke("exits story", story="signalcast")).wait_final())[
        "embeds"
    ][0]
    assert embed["title"].startswith("Signalcast threatens")


async def test_a_typed_story_that_does_not_exist_is_refused_privately(harness: Harness) -> None:
    call = await harness.invoke("exits story", story="zzzz qqqq")
    reply = await call.wait_final()
    assert reply["flags"] & 64
    assert reply["content"].startswith("No story matches")
    assert call.original is None  # the public "thinking…" placeholder was removed
    channel = harness.guild.channel("news")
    assert all("zzzz" not in m.get("content", "") for m in harness.api.messages(channel))


async def test_a_story_that_is_not_an_exit_has_no_card(harness: Harness) -> None:
    reply = await (
        await harness.invoke("exits story", story=str(harness.seeded.bakery))
    ).wait_final()
    assert reply["flags"] & 64 and "/exits why" in reply["content"]


# --- ask --------------------------------------------------------------------------------


async def test_ask_quotes_the_sources(harness: Harness) -> None:
    call = await harness.invoke(
        "exits ask", question="when does it take effect?", story=str(harness.seeded.lockbox)
    )
    embed = (await call.wait_final())["embeds"][0]
    assert "June 27" in embed["description"]
    assert embed["author"]["name"] == "Q: when does it take effect?"
    assert "[Example News](https://news.example/lockbox-1)" in embed["description"]


async def test_ask_without_a_story_asks_about_the_newest(harness: Harness) -> None:
    embed = (await (await harness.invoke("exits ask", question="who said it?")).wait_final())[
        "embeds"
    ][0]
    assert embed["title"].startswith(f"About story #{harness.seeded.lockbox}:")


async def test_a_question_the_sources_cannot_answer(harness: Harness) -> None:
    call = await harness.invoke(
        "exits ask",
        question="What did Greta Mortensen say about the bakery merger?",
        story=str(harness.seeded.signalcast),
    )
    embed = (await call.wait_final())["embeds"][0]
    assert "don't say" in embed["description"]


# --- search and timelines ---------------------------------------------------------------


async def test_search_ranks_and_highlights_with_pages(harness: Harness) -> None:
    reply = await (await harness.invoke("exits search", query="withdraw")).wait_final()
    embed = reply["embeds"][0]
    assert embed["title"] == "Search: withdraw"
    assert "**withdraw" in embed["description"]
    assert embed["footer"]["text"].startswith("Page 1 of")
    assert "Next" in buttons(reply)


async def test_search_escapes_what_the_member_typed(harness: Harness) -> None:
    reply = await (
        await harness.invoke("exits search", query="*encryption* @everyone")
    ).wait_final()
    embed = reply["embeds"][0]
    assert "@everyone" not in embed["title"] and "**" not in embed["title"]


async def test_company_timeline_ignores_case_and_suffix(harness: Harness) -> None:
    embed = (await (await harness.invoke("exits company", name="lockbox vpn inc.")).wait_final())[
        "embeds"
    ][0]
    assert embed["title"].startswith("Lockbox VPN: 1 event")


async def test_country_timeline_pages(harness: Harness) -> None:
    reply = await (await harness.invoke("exits country", name="Brazil")).wait_final()
    embed = reply["embeds"][0]
    assert embed["title"] == "🇧🇷 Brazil: 28 events, oldest first"
    assert embed["footer"]["text"] == "Page 1 of 3 · 28 events"
    assert "Cipherline 0 " in embed["description"]
    click = await harness.api.click(reply, buttons(reply)["Next"]["custom_id"])
    assert "Cipherline 10 " in (await click.wait_final())["embeds"][0]["description"]


async def test_unknown_country_is_refused_with_the_service_message(harness: Harness) -> None:
    reply = await (await harness.invoke("exits country", name="Atlantis")).wait_final()
    assert reply["flags"] & 64 and "No events for the country 'Atlantis'" in reply["content"]


# --- why, summarize, stats, export ------------------------------------------------------


async def test_why_explains_a_story_that_was_not_posted(harness: Harness) -> None:
    call = await harness.invoke("exits why", story=str(harness.seeded.bakery))
    embed = (await call.wait_final())["embeds"][0]
    assert "Judged **not relevant**" in embed["description"]
    assert "exit verb" in embed["description"]


async def test_summarize_an_article(harness: Harness) -> None:
    call = await harness.invoke("exits summarize", url=f"{harness.site}/article")
    reply = await call.wait_final()
    assert call.deferred
    embed = reply["embeds"][0]
    assert embed["footer"]["text"].startswith("Analysed now, not stored")
    assert embed["title"] == "Lockbox VPN leaves India"


async def test_summarize_a_page_that_is_not_an_article(harness: Harness) -> None:
    # another member: the reader's summarize above is still cooling down
    call = await harness.invoke("exits summarize", url=f"{harness.site}/index", user="guild-owner")
    reply = await call.wait_final()
    assert reply["flags"] & 64
    assert "has no article text" in reply["content"]


async def test_stats_attach_a_chart(harness: Harness) -> None:
    call = await harness.invoke("exits stats")
    reply = await call.wait_final()
    embed = reply["embeds"][0]
    assert embed["description"] == "**30** events from **31** stories"
    assert "🇧🇷 Brazil — 28" in field(embed, "By country")
    assert "1 watched" in field(embed, "Feeds")
    attachment = reply["attachments"][0]
    assert attachment["filename"] == "events.png"
    assert embed["image"]["url"] == "attachment://events.png"
    data = harness.api.state.files[int(attachment["id"])]
    assert data.startswith(b"\x89PNG")


async def test_export_is_a_private_attachment(harness: Harness) -> None:
    call = await harness.invoke("exits export", format="json")
    reply = await call.wait_final()
    assert call.ephemeral and reply["flags"] & 64
    attachment = reply["attachments"][0]
    assert attachment["filename"].endswith(".json")
    exported = json.loads(harness.api.state.files[int(attachment["id"])])
    assert reply["content"] == "30 events with their sources."
    assert len(exported) == 30
    assert max(len(event["sources"]) for event in exported) == 2
    csv_reply = await (await harness.invoke("exits export")).wait_final()
    assert csv_reply["attachments"][0]["filename"].endswith(".csv")
