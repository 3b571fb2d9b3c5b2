"""Visibility scopes: what a server's own feeds carry stays in that server.

Real storage and the real query service over the fixture stories (shared: they come from a
configured feed), plus stories that only feeds one server added carried.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.config import Config
from bot.errors import NotFound, StoryNotFound
from bot.feeds.fetch import Fetcher
from bot.models import Analysis, FeedItem, Stage
from bot.query.service import QueryService
from bot.storage import Store
from bot.storage.records import KeyedItem, StoredAnalysis, Target
from tests.query import texts
from tests.query.conftest import (
    GUILD,
    WINDOW,
    Seeded,
    add_feed,
    add_story,
    day,
    keyword_analyzer,
)

OWNER = 777  # the server that added the private feed; GUILD is another server
THIRD = 888


@dataclass
class Private:
    """The private stories: one about the shared event's company and country, one of a
    company only the private feed reported, and one the analyzer judged not relevant."""

    lockbox: int
    lockbox_event: int
    nimbus: int
    irrelevant: int


async def add_guild_feed(store: Store, guild_id: int, url: str) -> int:
    feed = await store.feeds.add(url=url, name="Our tip line", guild_id=guild_id, interval_s=900.0)
    return feed.id


@pytest.fixture
async def private(store: Store, seeded: Seeded) -> Private:
    feed = await add_guild_feed(store, OWNER, "https://tips.example/private.xml")
    here = ("console", f"guild:{OWNER}")
    lockbox, lockbox_event = await add_story(
        store, feed, "private-lockbox", "Quokka memo: Lockbox VPN restores its Indian servers",
        ["Lockbox VPN restored its servers in India after the logging rule was dropped."],
        when=day(6, 25), company="Lockbox VPN", country="India", stage=Stage.REVERSED,
        outlet="Our tip line", destinations=here,
    )  # fmt: skip
    nimbus, _ = await add_story(
        store, feed, "private-nimbus", "Nimbus Mail quits Norway over a quokka backdoor demand",
        ["Nimbus Mail will leave Norway.", "The law demands a backdoor."],
        when=day(7, 1), company="Nimbus Mail", country="Norway", stage=Stage.ANNOUNCED,
        outlet="Our tip line", destinations=here,
    )  # fmt: skip
    irrelevant, _ = await add_story(
        store, feed, "private-bakery", "Quokka bakery opens", texts.BAKERY,
        when=day(6, 1), relevant=False, score=0.05,
    )  # fmt: skip
    assert lockbox_event is not None
    return Private(lockbox, lockbox_event, nimbus, irrelevant)


async def test_a_server_feed_story_does_not_join_or_move_a_shared_event(
    store: Store, seeded: Seeded, private: Private
) -> None:
    assert private.lockbox_event != seeded.lockbox_event
    shared = await store.stories.get_event(seeded.lockbox_event)
    assert shared.stage == "completed" and shared.source_count == 2
    sources = await store.stories.event_stories(seeded.lockbox_event)
    assert private.lockbox not in [s.id for s in sources]  # what a post rebuild lists
    scopes = await store.db.fetchall(
        "SELECT v.scope AS event, s.scope AS story FROM stories s "
        "JOIN events v ON v.id = s.event_id WHERE s.id = ?",
        (private.lockbox,),
    )
    assert [tuple(row) for row in scopes] == [(OWNER, OWNER)]


@pytest.mark.parametrize("reader", [GUILD, THIRD, "direct message"])
async def test_other_servers_and_direct_messages_never_see_it(
    store: Store, fetcher: Fetcher, config: Config, seeded: Seeded, private: Private, reader
) -> None:
    service = QueryService(store, fetcher, config, analyzer=keyword_analyzer, operator=False)
    guild_id = None if reader == "direct message" else reader
    latest = await service.latest(count=25, guild_id=guild_id)
    assert [e.ref for e in latest.items] == [seeded.lockbox_first, seeded.signalcast]
    assert (await service.latest(company="Nimbus Mail", guild_id=guild_id)).items == []
    assert (await service.latest(country="Norway", guild_id=guild_id)).items == []
    assert (await service.search("quokka", guild_id=guild_id)).hits.total == 0
    for story in (private.lockbox, private.nimbus, private.irrelevant, "Nimbus Mail"):
        with pytest.raises(StoryNotFound):
            await service.story(story, guild_id=guild_id)
        with pytest.raises(StoryNotFound):
            await service.why(story, guild_id=guild_id)
        with pytest.raises(StoryNotFound):
            await service.ask("when?", story, guild_id=guild_id)
    answer = await service.ask("when does it take effect?", guild_id=guild_id)
    assert answer.ref in (seeded.lockbox_first, seeded.signalcast)  # not the newer private one
    with pytest.raises(NotFound) as missing:
        await service.company("Nimbus", guild_id=guild_id)
    assert "Nimbus Mail" not in str(missing.value)
    with pytest.raises(NotFound):
        await service.country("Norway", guild_id=guild_id)
    export = (await service.export("json", guild_id=guild_id)).data.decode()
    assert "Quokka" not in export and "Nimbus" not in export and "tip line" not in export
    stats = await service.stats(guild_id=guild_id, chart=False)
    assert (stats.events, stats.stories) == (2, 3)
    assert {c.label for c in stats.by_country} == {"India", "United Kingdom"}
    assert "reversed" not in {c.label for c in stats.by_stage}
    assert await service.complete_story("Nimbus", guild_id) == []
    assert await service.complete_story(str(private.nimbus), guild_id) == []
    assert await service.complete_company("Nim", guild_id) == []
    assert await service.complete_country("Norw", guild_id) == []


async def test_its_own_server_sees_it(service: QueryService, private: Private) -> None:
    latest = await service.latest(count=25, guild_id=OWNER)
    assert [e.ref for e in latest.items][:2] == [private.nimbus, private.lockbox]
    assert latest.total == 4  # the two shared events and its own two
    assert (await service.search("quokka", guild_id=OWNER)).hits.total == 2
    card = await service.story("Nimbus Mail", guild_id=OWNER)
    assert card.ref == private.nimbus and [s.outlet for s in card.sources] == ["Our tip line"]
    assert (await service.story(private.lockbox, guild_id=OWNER)).stage == "reversed"
    assert not (await service.why(private.irrelevant, guild_id=OWNER)).relevant
    assert (await service.ask("when?", guild_id=OWNER)).ref == private.nimbus
    assert len((await service.company("Nimbus Mail", guild_id=OWNER)).events) == 1
    assert "Quokka" in (await service.export("json", guild_id=OWNER)).data.decode()
    assert (await service.stats(guild_id=OWNER, chart=False)).events == 4
    assert [c.value for c in await service.complete_story("Nimbus", OWNER)] == [str(private.nimbus)]
    assert [c.value for c in await service.complete_country("Norw", OWNER)] == ["Norway"]


async def test_the_terminal_operator_sees_every_server(
    service: QueryService, private: Private
) -> None:
    assert (await service.latest(count=25)).total == 4
    assert (await service.story(private.nimbus)).ref == private.nimbus
    assert (await service.search("quokka")).hits.total == 2


async def save_carried(
    store: Store, feeds: list[int], key: str, company: str, country: str, destinations=()
) -> StoredAnalysis:
    """One entry carried by several feeds (first one first), then analysed and stored."""
    item = FeedItem(title=f"{company} leaves {country}", link=f"https://news.example/{key}",
                    summary=f"{company} has left {country}.", published=day(6, 22))  # fmt: skip
    keyed = KeyedItem(key=key, content_hash=key, item=item, eligible=True)
    saved = await store.entries.save_items(feeds[0], [keyed])
    for feed in feeds[1:]:
        await store.entries.save_items(feed, [keyed])
    [entry] = await store.entries.get_many([saved.pending[0].id])
    analysis = Analysis(
        relevant=True, score=0.9, company=company, country=country, stage=Stage.COMPLETED
    )
    return await store.stories.save_analysis(
        entry,
        analysis,
        outlet="Wire",
        event_key=f"{company}|{country}".lower(),
        event_window=WINDOW,
        destinations=[Target(name) for name in destinations],
    )


async def test_a_story_a_configured_feed_also_carried_is_shared(
    store: Store, service: QueryService, seeded: Seeded
) -> None:
    """A configured feed makes the story public: it joins the shared event, as before."""
    private_feed = await add_guild_feed(store, OWNER, "https://tips.example/private.xml")
    shared_feed = await add_feed(store)
    stored = await save_carried(store, [private_feed, shared_feed], "both", "Lockbox VPN", "India")
    assert stored.event_id == seeded.lockbox_event and stored.change == "new_source"
    card = await service.story(seeded.lockbox_first, guild_id=GUILD)
    assert stored.story_id in [s.story_id for s in card.sources]
    assert (await service.latest(guild_id=THIRD)).items[0].source_count == 3


async def test_feeds_of_two_servers_scope_the_story_to_the_first_carrier(store: Store) -> None:
    """Neither server may learn the other's feed: the first carrier keeps the story, and
    the later one gets no post of an event whose other sources it could never see."""
    first = await add_guild_feed(store, OWNER, "https://tips.example/a.xml")
    second = await add_guild_feed(store, GUILD, "https://tips.example/b.xml")
    targets = ("console", f"guild:{GUILD}", f"guild:{OWNER}")
    stored = await save_carried(store, [first, second], "two", "Nimbus Mail", "Norway", targets)
    assert stored.change == "new_event" and stored.enqueued == 2
    rows = await store.db.fetchall(
        "SELECT destination FROM outbox WHERE story_id = ? ORDER BY destination",
        (stored.story_id,),
    )
    assert [row[0] for row in rows] == ["console", f"guild:{OWNER}"]
    scope = await store.db.scalar("SELECT scope FROM events WHERE id = ?", (stored.event_id,))
    assert scope == OWNER
