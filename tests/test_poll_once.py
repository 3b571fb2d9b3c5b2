"""`poll --once` (and local mode) without Discord take nothing away from a later Discord run.

Both poll and analyse for real, on the bot's own database; an analysed entry is never
analysed again, so what they find must be queued for the servers as well as printed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import cli, console
from bot.delivery import Delivered, Delivery, OutboxWorker
from bot.routing import GUILD_PREFIX
from bot.storage import Store

CONFIGURED, SET_UP_WITH_SETTINGS = 111, 222
COMMANDS = {"poll --once": ["poll", "--once"], "local run": ["run"]}


class RecordingSender:
    """Stands in for Discord: accepts every delivery and remembers where it went."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    async def send(self, delivery: Delivery) -> Delivered:
        self.sent.append((delivery.item.destination, delivery.item.event_id))
        return Delivered(channel_id=5, message_id=1000 + len(self.sent))

    async def summarise_held(self, destination: str, held: list[Delivery]) -> None:
        raise AssertionError("no daily cap in this test")


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled samples, one server in config.yaml, one set up with /settings."""
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setattr(console, "interactive", lambda: False)
    database = tmp_path / "db.sqlite3"

    async def set_up_with_settings() -> None:
        store = await Store.open(database)
        await store.settings.update(SET_UP_WITH_SETTINGS, {"channel": 6})
        await store.close()

    asyncio.run(set_up_with_settings())
    path = tmp_path / "config.yaml"
    path.write_text(
        f"samples: true\nstorage:\n  path: {database}\n"
        f"discord:\n  guilds:\n    {CONFIGURED}:\n      channel: 5\n"
    )
    return path


def outbox(database: Path) -> list[tuple[str, str, int, str]]:
    async def read() -> list[tuple[str, str, int, str]]:
        store = await Store.open(database)
        rows = await store.db.fetchall(
            "SELECT destination, kind, event_id, status FROM outbox ORDER BY id"
        )
        await store.close()
        return [tuple(row) for row in rows]

    return asyncio.run(read())


def deliver_to_discord(database: Path) -> list[tuple[str, int]]:
    """What a later Discord run's outbox worker sends from this database."""

    async def drain() -> list[tuple[str, int]]:
        store = await Store.open(database)
        sender = RecordingSender()
        await OutboxWorker(store, sender, prefix=GUILD_PREFIX).drain()
        await store.close()
        return sender.sent

    return asyncio.run(drain())


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_stories_found_without_discord_are_queued_for_the_servers(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert cli.main([*command, "--config", str(config_path)]) == 0
    printed = capsys.readouterr().out
    rows = outbox(tmp_path / "db.sqlite3")
    shown = [(kind, event) for dest, kind, event, status in rows if dest == "console"]
    assert shown, "the samples hold stories to post"
    assert printed.count("NEW STORY") == sum(1 for kind, _ in shown if kind == "post")
    for guild in (CONFIGURED, SET_UP_WITH_SETTINGS):
        queued = [(k, e) for d, k, e, s in rows if d == f"guild:{guild}" and s == "pending"]
        assert queued == shown, f"server {guild} gets every printed story, in order"
    assert f"{2 * len(shown)} deliveries wait for Discord" in printed

    sent = deliver_to_discord(tmp_path / "db.sqlite3")
    assert sorted(sent) == sorted(
        (f"guild:{guild}", event)
        for guild in (CONFIGURED, SET_UP_WITH_SETTINGS)
        for _, event in shown
    )


def test_a_second_poll_finds_nothing_new_and_queues_nothing(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """poll --once is a real poll: what it saw stays seen, for it and for the bot."""
    assert cli.main(["poll", "--once", "--config", str(config_path)]) == 0
    before = outbox(tmp_path / "db.sqlite3")
    capsys.readouterr()
    assert cli.main(["poll", "--once", "--config", str(config_path)]) == 0
    assert "Nothing new to post." in capsys.readouterr().out
    assert outbox(tmp_path / "db.sqlite3") == before
