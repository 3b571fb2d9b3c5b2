"""The Discord stand-in, proven with a small real discord.py bot wired through cogs/endpoint.py."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from cogs import endpoint
from tests.discord_standin import Channel, DiscordStandIn, Guild, InvocationRefused, Permission

TOKEN = "test-token"
T = TypeVar("T")
C = TypeVar("C", bound=discord.abc.GuildChannel)


class StoryButtons(discord.ui.View):
    """A persistent view, as the real bot uses for story actions."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Sources", custom_id="story:sources")
    async def sources(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_message("3 sources", ephemeral=True)


class ProbeBot(commands.Bot):
    """A tiny bot whose commands exercise each interaction path; errors are kept for asserts."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
        )
        self.guild_id = guild_id
        self.failures: asyncio.Queue[discord.HTTPException] = asyncio.Queue()

    async def setup_hook(self) -> None:
        self.add_view(StoryButtons())
        self.tree.add_command(build_exits(self))
        self.tree.add_command(build_feeds(), guild=discord.Object(self.guild_id))


def build_exits(bot: ProbeBot) -> app_commands.Group:
    exits = app_commands.Group(name="exits", description="Company exits")

    @exits.command(description="Latest stories")
    async def latest(interaction: discord.Interaction, count: app_commands.Range[int, 1, 10] = 3):
        embed = discord.Embed(title="Latest", description=f"{count} stories")
        await interaction.response.send_message(embed=embed)

    @exits.command(description="Slow answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done after thinking")

    @exits.command(description="Export as a file, privately")
    async def export(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = discord.File(io.BytesIO(b"id,company\n"), filename="exits.csv")
        await interaction.followup.send("your export", file=data, ephemeral=True)

    @exits.command(description="Edit the deferred answer")
    async def stats(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="12 stories")

    @exits.command(description="Answers with too much text")
    async def huge(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message("x" * 2001)
        except discord.HTTPException as exc:
            bot.failures.put_nowait(exc)

    @exits.command(description="One story")
    async def story(interaction: discord.Interaction, story: str) -> None:
        await interaction.response.send_message(f"story {story}", view=StoryButtons())

    @story.autocomplete("story")
    async def story_names(interaction: discord.Interaction, typed: str):
        names = ["blackberry-pakistan", "blackberry-india", "signal-uk"]
        return [app_commands.Choice(name=n, value=n) for n in names if typed in n]

    @exits.command(description="Answers too late")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.5)
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as exc:
            bot.failures.put_nowait(exc)

    @exits.command(description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        route = discord.http.Route(
            "POST",
            "/interactions/{webhook_id}/{webhook_token}/callback",
            webhook_id=interaction.id,
            webhook_token=interaction.token,
        )
        try:
            await bot.http.request(route, json={"type": 4, "data": {"content": "second"}})
        except discord.HTTPException as exc:
            bot.failures.put_nowait(exc)

    return exits


def build_feeds() -> app_commands.Group:
    feeds = app_commands.Group(
        name="feeds",
        description="Feeds",
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @feeds.command(name="list", description="List feeds")
    async def list_feeds(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("no feeds yet", ephemeral=True)

    return feeds


async def forget_endpoints(client: discord.Client) -> None:
    """Point discord.py back at Discord so no later test inherits a stopped stand-in's port."""
    endpoint.configure_rest(None)
    await endpoint.configure_gateway(client.http, None, None)


@pytest.fixture
async def discord_api(request: pytest.FixtureRequest) -> AsyncIterator[DiscordStandIn]:
    options = getattr(request, "param", {})
    async with DiscordStandIn(token=TOKEN, wait_limit=5.0, **options) as api:
        yield api


@pytest.fixture
def guild(discord_api: DiscordStandIn) -> Guild:
    return discord_api.add_guild("Newsroom", channels=["news", "admin"])


@pytest.fixture
async def bot(discord_api: DiscordStandIn, guild: Guild) -> AsyncIterator[ProbeBot]:
    probe = ProbeBot(guild.id)
    running = asyncio.create_task(
        endpoint.start(probe, TOKEN, api_base_url=discord_api.api_base_url)
    )
    await discord_api.wait_until_ready()
    async with asyncio.timeout(5):
        await probe.wait_until_ready()
    yield probe
    await probe.close()
    await running
    await forget_endpoints(probe)


@pytest.fixture
async def synced(bot: ProbeBot, guild: Guild) -> ProbeBot:
    await bot.tree.sync()
    await bot.tree.sync(guild=discord.Object(guild.id))
    return bot


@pytest.fixture
def forum(discord_api: DiscordStandIn, guild: Guild) -> Channel:
    """A forum with six tags (one more than a post may carry). List it before ``bot``."""
    tags = ["exit", "rumour", "asia", "europe", "americas", "africa"]
    return discord_api.add_forum(guild, "stories", tags=tags)


@pytest.fixture
def strict_forum(discord_api: DiscordStandIn, guild: Guild) -> Channel:
    """A forum whose posts need a tag (REQUIRE_TAG). List it before ``bot``."""
    return discord_api.add_forum(guild, "confirmed", tags=["exit"], require_tag=True)


def news(bot: ProbeBot, guild: Guild) -> discord.TextChannel:
    channel = bot.get_channel(guild.channel("news").id)
    assert isinstance(channel, discord.TextChannel)
    return channel


def seen_as(bot: ProbeBot, channel: Channel, kind: type[C]) -> C:
    """The bot's cached view of a stand-in channel, which must be of ``kind``."""
    found = bot.get_channel(channel.id)
    assert isinstance(found, kind)
    return found


def tags_of(forum: discord.ForumChannel) -> dict[str, discord.ForumTag]:
    return {tag.name: tag for tag in forum.available_tags}


async def cached_after(bot: ProbeBot, event: str, check: Callable[[], T | None]) -> T:
    """The truthy result of ``check`` on the client's cache, now or once discord.py has
    handled ``event`` (e.g. ``"thread_create"``): a gateway event reaches the cache on its
    own connection, independently of the REST answer that caused it."""
    if not (result := check()):
        await bot.wait_for(event, check=lambda *_: bool(check()), timeout=3)
        result = check()
    assert result
    return result


# -- connecting ----------------------------------------------------------------------------


async def test_bot_logs_in_opens_gateway_and_sees_the_guild(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    assert bot.user is not None and bot.user.id == discord_api.application_id
    seen = bot.get_guild(guild.id)
    assert seen is not None and seen.name == "Newsroom"
    assert {c.name for c in seen.text_channels} == {"news", "admin"}
    assert seen.me is not None and len(seen.me.roles) == 2
    routes = [r.route for r in discord_api.requests("GET")]
    assert routes[:3] == ["/users/@me", "/oauth2/applications/@me", "/gateway/bot"]
    assert discord_api.gateway.identifies == 1


async def test_configured_gateway_url_is_used_without_asking(
    discord_api: DiscordStandIn, guild: Guild
) -> None:
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    running = asyncio.create_task(
        endpoint.start(
            client,
            TOKEN,
            api_base_url=discord_api.api_base_url,
            gateway_url=discord_api.gateway_url,
        )
    )
    await discord_api.wait_until_ready()
    await client.close()
    await running
    await forget_endpoints(client)
    assert discord_api.requests("GET", "/gateway/bot") == []


async def test_wrong_token_is_refused_at_login(discord_api: DiscordStandIn) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await endpoint.start(client, "wrong-token", api_base_url=discord_api.api_base_url)
    await client.close()
    await forget_endpoints(client)


async def test_gateway_reconnect_resumes_the_session(
    discord_api: DiscordStandIn, synced: ProbeBot
) -> None:
    await discord_api.reconnect()
    call = await discord_api.invoke("exits latest")
    assert (await call.wait_final())["embeds"][0]["title"] == "Latest"
    assert (discord_api.gateway.identifies, discord_api.gateway.resumes) == (1, 1)


# -- application commands ------------------------------------------------------------------


async def test_commands_sync_globally_and_per_guild(
    discord_api: DiscordStandIn, guild: Guild, synced: ProbeBot
) -> None:
    assert [c["name"] for c in discord_api.commands()] == ["exits"]
    assert [c["name"] for c in discord_api.commands(guild)] == ["feeds"]
    first_id = discord_api.commands()[0]["id"]
    fetched = await synced.tree.fetch_commands()
    assert [c.name for c in fetched] == ["exits"]
    await synced.tree.sync()
    assert discord_api.commands()[0]["id"] == first_id  # same name keeps its id


async def test_invalid_command_registration_is_refused(
    discord_api: DiscordStandIn, bot: ProbeBot
) -> None:
    bad = [{"name": "Bad Name", "description": "uppercase and a space", "type": 1}]
    with pytest.raises(discord.HTTPException) as refused:
        await bot.http.bulk_upsert_global_commands(discord_api.application_id, payload=bad)
    assert refused.value.code == 50035 and "0.name" in refused.value.text


async def test_slash_command_gets_a_response(
    discord_api: DiscordStandIn, guild: Guild, synced: ProbeBot
) -> None:
    call = await discord_api.invoke("exits latest", options={"count": 2})
    reply = await call.wait_final()
    assert reply["embeds"][0]["description"] == "2 stories"
    assert not call.deferred
    assert discord_api.messages(guild.channel("news")) == [reply]


async def test_defer_then_followup(discord_api: DiscordStandIn, synced: ProbeBot) -> None:
    call = await discord_api.invoke("exits slow")
    final = await call.wait_final()
    assert call.deferred
    assert final["content"] == "done after thinking"
    assert [m["content"] for m in await call.wait_followups()] == ["done after thinking"]


async def test_ephemeral_deferral_completed_by_a_followup_with_a_file(
    discord_api: DiscordStandIn, guild: Guild, synced: ProbeBot
) -> None:
    call = await discord_api.invoke("exits export")
    final = await call.wait_final()
    assert call.ephemeral and final["attachments"][0]["filename"] == "exits.csv"
    assert discord_api.messages(guild.channel("news")) == []  # only the member saw it


async def test_deferral_completed_by_editing_the_original(
    discord_api: DiscordStandIn, guild: Guild, synced: ProbeBot
) -> None:
    call = await discord_api.invoke("exits stats")
    assert (await call.wait_final())["content"] == "12 stories"
    assert [m["content"] for m in discord_api.messages(guild.channel("news"))] == ["12 stories"]


async def test_interaction_response_over_the_limit_is_refused(
    discord_api: DiscordStandIn, synced: ProbeBot
) -> None:
    call = await discord_api.invoke("exits huge")
    async with asyncio.timeout(3):
        failure = await synced.failures.get()
    assert failure.code == 50035 and "data.content" in failure.text
    assert call.response is None


async def test_autocomplete_answers_choices(discord_api: DiscordStandIn, synced: ProbeBot) -> None:
    call = await discord_api.autocomplete("exits story", "story", "blackberry")
    await call.wait_response()
    assert [c["value"] for c in call.choices] == ["blackberry-pakistan", "blackberry-india"]


async def test_button_click_on_a_persistent_view(
    discord_api: DiscordStandIn, synced: ProbeBot
) -> None:
    shown = await (await discord_api.invoke("exits story", options={"story": "x"})).wait_final()
    click = await discord_api.click(shown, "story:sources")
    answer = await click.wait_final()
    assert answer["content"] == "3 sources" and click.ephemeral


async def test_member_without_default_permissions_cannot_invoke(
    discord_api: DiscordStandIn, synced: ProbeBot
) -> None:
    with pytest.raises(InvocationRefused):
        await discord_api.invoke("feeds list")
    allowed = await discord_api.invoke("feeds list", permissions=Permission.MANAGE_GUILD)
    assert (await allowed.wait_final())["content"] == "no feeds yet"


@pytest.mark.parametrize("discord_api", [{"response_deadline": 0.3}], indirect=True)
async def test_response_after_the_deadline_is_unknown_interaction(
    discord_api: DiscordStandIn, synced: ProbeBot
) -> None:
    call = await discord_api.invoke("exits late")
    async with asyncio.timeout(3):
        failure = await synced.failures.get()
    assert failure.code == 10062 and call.response is None


async def test_second_response_is_already_acknowledged(
    discord_api: DiscordStandIn, synced: ProbeBot
) -> None:
    await (await discord_api.invoke("exits twice")).wait_final()
    async with asyncio.timeout(3):
        failure = await synced.failures.get()
    assert failure.code == 40060


# -- messages and limits -------------------------------------------------------------------


async def test_message_with_embed_is_recorded(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    embed = discord.Embed(title="BlackBerry to leave Pakistan", url="https://example.org/s")
    await news(bot, guild).send(embed=embed)
    stored = await discord_api.wait_for_message(lambda m: bool(m["embeds"]))
    assert stored["embeds"][0]["title"] == "BlackBerry to leave Pakistan"
    assert discord_api.requests("POST", "/channels/{channel_id}/messages")[0].status == 200


async def test_embed_over_the_limit_is_refused(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await news(bot, guild).send(embed=discord.Embed(description="x" * 4097))
    assert refused.value.status == 400 and refused.value.code == 50035
    assert "embeds.0.description" in refused.value.text
    assert discord_api.messages(guild.channel("news")) == []


async def test_everyone_ping_is_suppressed_by_allowed_mentions(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    await news(bot, guild).send("@everyone look", allowed_mentions=discord.AllowedMentions.none())
    assert discord_api.messages(guild.channel("news"))[0]["mention_everyone"] is False


async def test_files_threads_edits_and_deletes(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    report = discord.File(io.BytesIO(b"id,company\n1,BlackBerry\n"), filename="export.csv")
    message = await news(bot, guild).send("export", file=report)
    assert message.attachments[0].filename == "export.csv"
    assert await message.attachments[0].read() == b"id,company\n1,BlackBerry\n"
    thread = await message.create_thread(name="Discussion")
    await thread.send("in the thread")
    await message.edit(content="export (edited)")
    assert [m["content"] for m in discord_api.messages(thread.id)] == ["in the thread"]
    assert discord_api.messages(guild.channel("news"))[0]["content"] == "export (edited)"
    await message.delete()
    assert discord_api.messages(guild.channel("news")) == []


async def test_missing_channel_permission_is_forbidden(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    await discord_api.set_bot_permissions(guild.channel("news"), deny=Permission.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as refused:
        await news(bot, guild).send("story")
    assert refused.value.code == 50013
    await discord_api.set_bot_permissions(guild.channel("news"), deny=Permission.VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden) as hidden:
        await news(bot, guild).send("story")
    assert hidden.value.code == 50001


# -- forums --------------------------------------------------------------------------------


async def test_forum_post_is_a_public_thread_started_by_its_message(
    discord_api: DiscordStandIn, guild: Guild, forum: Channel, bot: ProbeBot
) -> None:
    stories = seen_as(bot, forum, discord.ForumChannel)
    tags = tags_of(stories)
    post = await stories.create_thread(
        name="BlackBerry leaves Pakistan",
        content="story",
        applied_tags=[tags["exit"], tags["asia"]],
    )
    assert post.thread.type is discord.ChannelType.public_thread
    assert post.thread.parent_id == forum.id
    assert post.message.id == post.thread.id and post.message.content == "story"
    assert [t.name for t in post.thread.applied_tags] == ["exit", "asia"]
    [stored] = discord_api.threads(forum)
    assert stored.id == post.thread.id
    assert stored.applied_tags == [str(tags["exit"].id), str(tags["asia"].id)]
    assert [m["id"] for m in discord_api.messages(stored)] == [str(post.thread.id)]
    # THREAD_CREATE put the post in the client's cache, tags and all.
    cached = await cached_after(bot, "thread_create", lambda: bot.get_channel(post.thread.id))
    assert isinstance(cached, discord.Thread) and cached.parent == stories
    assert [t.name for t in cached.applied_tags] == ["exit", "asia"]


async def test_forum_post_tag_rules(
    discord_api: DiscordStandIn,
    guild: Guild,
    forum: Channel,
    strict_forum: Channel,
    bot: ProbeBot,
) -> None:
    stories = seen_as(bot, forum, discord.ForumChannel)
    with pytest.raises(discord.HTTPException) as too_many:
        await stories.create_thread(
            name="Six tags", content="story", applied_tags=stories.available_tags
        )
    assert too_many.value.status == 400 and too_many.value.code == 50035
    assert "applied_tags" in too_many.value.text
    confirmed = seen_as(bot, strict_forum, discord.ForumChannel)
    with pytest.raises(discord.HTTPException) as untagged:
        await confirmed.create_thread(name="No tag", content="story")
    assert untagged.value.status == 400 and untagged.value.code == 40067
    assert discord_api.threads(forum) == [] and discord_api.threads(strict_forum) == []
    tagged = await confirmed.create_thread(
        name="Tagged", content="story", applied_tags=[tags_of(confirmed)["exit"]]
    )
    assert [t.id for t in discord_api.threads(strict_forum)] == [tagged.thread.id]


async def test_plain_message_to_a_forum_is_refused(
    discord_api: DiscordStandIn, guild: Guild, forum: Channel, bot: ProbeBot
) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await bot.get_partial_messageable(forum.id).send("story")
    assert refused.value.status == 400 and refused.value.code == 50008
    assert discord_api.messages(forum) == [] and discord_api.threads(forum) == []


# -- threads -------------------------------------------------------------------------------


async def test_archived_thread_refuses_edits_until_a_message_reopens_it(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    message = await news(bot, guild).send("story")
    thread = await message.create_thread(name="Discussion")
    reply = await thread.send("first")
    seen = bot.get_guild(guild.id)
    assert seen is not None
    cached = await cached_after(bot, "thread_create", lambda: seen.get_thread(thread.id))
    await discord_api.archive_thread(guild.channel("Discussion"))
    # THREAD_UPDATE: discord.py marks the thread archived and drops it from the cache.
    await cached_after(bot, "thread_update", lambda: cached.archived)
    assert seen.get_thread(thread.id) is None
    with pytest.raises(discord.HTTPException) as refused:
        await reply.edit(content="first (edited)")
    assert refused.value.status == 400 and refused.value.code == 50083
    assert discord_api.messages(thread.id)[0]["content"] == "first"
    await thread.send("second")
    assert guild.channel("Discussion").archived is False
    reopened = await cached_after(bot, "thread_join", lambda: seen.get_thread(thread.id))
    assert reopened.archived is False
    await reply.edit(content="first (edited)")
    contents = [m["content"] for m in discord_api.messages(thread.id)]
    assert contents == ["first (edited)", "second"]


async def test_thread_edit_reopens_an_archived_thread(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    message = await news(bot, guild).send("story")
    thread = await message.create_thread(name="Discussion")
    await discord_api.archive_thread(guild.channel("Discussion"))
    edited = await thread.edit(archived=False)
    assert edited.archived is False and guild.channel("Discussion").archived is False
    [patch] = discord_api.requests("PATCH", "/channels/{channel_id}")
    assert patch.body == {"archived": False} and patch.status == 200
    seen = bot.get_guild(guild.id)
    assert seen is not None
    reopened = await cached_after(bot, "thread_join", lambda: seen.get_thread(thread.id))
    assert reopened.archived is False
    await thread.send("back")
    assert [m["content"] for m in discord_api.messages(thread.id)] == ["back"]


async def test_active_threads_exclude_archived_ones_listed_newest_archive_first(
    discord_api: DiscordStandIn, guild: Guild, forum: Channel, bot: ProbeBot
) -> None:
    stories = seen_as(bot, forum, discord.ForumChannel)
    posts = [
        (await stories.create_thread(name=name, content=name)).thread
        for name in ("oldest", "middle", "newest")
    ]
    oldest, middle, newest = (guild.channel(p.name) for p in posts)
    await discord_api.archive_thread(newest)
    await discord_api.archive_thread(oldest)  # archived last, so listed first
    seen = bot.get_guild(guild.id)
    assert seen is not None
    active = await seen.active_threads()
    assert [t.name for t in active] == ["middle"]
    assert all(not t.archived for t in active)
    archived = [t async for t in stories.archived_threads()]
    assert [t.name for t in archived] == ["oldest", "newest"]
    assert all(t.archived for t in archived)
    assert middle.archived is False


async def test_a_message_starts_only_one_thread(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    message = await news(bot, guild).send("story")
    first = await message.create_thread(name="First")
    assert first.id == message.id
    with pytest.raises(discord.HTTPException) as refused:
        await message.create_thread(name="Second")
    assert refused.value.status == 400 and refused.value.code == 160004
    assert [t.name for t in discord_api.threads(guild.channel("news"))] == ["First"]


# -- nonces --------------------------------------------------------------------------------


async def test_repeated_nonce_returns_the_first_message_until_it_expires(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    channel = news(bot, guild)
    first = await channel.send("story", nonce="delivery-1")
    again = await channel.send("story (retry)", nonce="delivery-1")
    assert again.id == first.id and again.content == "story"
    assert [m["content"] for m in discord_api.messages(guild.channel("news"))] == ["story"]
    sent = discord_api.requests("POST", "/channels/{channel_id}/messages")
    assert all(r.body["enforce_nonce"] is True for r in sent)  # discord.py asks for it
    discord_api.nonce_lifetime = 0.2
    await asyncio.sleep(0.25)
    later = await channel.send("story (later)", nonce="delivery-1")
    assert later.id != first.id and later.content == "story (later)"
    contents = [m["content"] for m in discord_api.messages(guild.channel("news"))]
    assert contents == ["story", "story (later)"]


# -- leaving a guild -----------------------------------------------------------------------


async def test_removed_bot_loses_the_guild_and_its_channels(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    removed: asyncio.Queue[discord.Guild] = asyncio.Queue()

    async def on_guild_remove(left: discord.Guild) -> None:
        removed.put_nowait(left)

    bot.add_listener(on_guild_remove)
    news_id = guild.channel("news").id
    await discord_api.remove_bot(guild)
    async with asyncio.timeout(3):
        left = await removed.get()
    assert left.id == guild.id
    assert bot.get_guild(guild.id) is None and list(bot.guilds) == []
    assert bot.get_channel(news_id) is None
    # The guild is gone from this Discord, as for a deleted server: its channels are unknown.
    with pytest.raises(discord.NotFound) as unknown:
        await bot.get_partial_messageable(news_id).send("story")
    assert unknown.value.code == 10003
    with pytest.raises(discord.NotFound) as fetched:
        await bot.fetch_channel(news_id)
    assert fetched.value.code == 10003
    with pytest.raises(discord.NotFound) as guild_fetched:
        await bot.fetch_guild(guild.id)
    assert guild_fetched.value.code == 10004


# -- Discord trouble -----------------------------------------------------------------------


async def test_rate_limited_twice_then_one_message(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    discord_api.fail(
        "POST", "/channels/{channel_id}/messages", status=429, times=2, retry_after=0.05
    )
    await news(bot, guild).send("story")
    assert [m["content"] for m in discord_api.messages(guild.channel("news"))] == ["story"]
    statuses = [r.status for r in discord_api.requests("POST", "/channels/{channel_id}/messages")]
    assert statuses == [429, 429, 200]


async def test_server_error_once_is_retried_into_one_message(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    discord_api.fail("POST", "/channels/{channel_id}/messages", status=500)
    await news(bot, guild).send("story")
    assert len(discord_api.messages(guild.channel("news"))) == 1
    statuses = [r.status for r in discord_api.requests("POST", "/channels/{channel_id}/messages")]
    assert statuses == [500, 200]


async def test_hanging_route_stalls_until_the_caller_gives_up(
    discord_api: DiscordStandIn, guild: Guild, bot: ProbeBot
) -> None:
    discord_api.hang("GET", "/channels/{channel_id}")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await bot.fetch_channel(guild.channel("admin").id)
    fetched = await bot.fetch_channel(guild.channel("admin").id)
    assert fetched.name == "admin"


async def test_unknown_route_is_404_and_recorded(
    discord_api: DiscordStandIn, bot: ProbeBot
) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/stickers/{id}", id=1))
    assert discord_api.requests("GET", "/stickers/1")[0].status == 404
