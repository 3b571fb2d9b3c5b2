"""Every extension the client loads, loaded together: the command tree they make."""

from __future__ import annotations

from pathlib import Path

import discord

from bot.app import open_app
from bot.config import parse_config
from cogs.client import EXTENSIONS, ExitWatchBot

EXITS_COMMANDS = (
    "latest", "story", "ask", "search", "company", "country", "why", "summarize", "stats", "export",
)  # fmt: skip
AUTOCOMPLETED = {
    "exits latest": {"country", "company"},
    "exits story": {"story"},
    "exits ask": {"story"},
    "exits company": {"name"},
    "exits country": {"name"},
    "exits why": {"story"},
    "feeds remove": {"feed"},
    "feeds pause": {"feed"},
    "feeds resume": {"feed"},
}


async def test_all_extensions_load_and_define_the_documented_commands(tmp_path: Path) -> None:
    config = parse_config(f"storage:\n  path: {tmp_path / 'exitwatch.sqlite3'}\n")
    async with open_app(config) as app:
        bot = ExitWatchBot(app, sync_commands=False)
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        try:
            payload = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
        finally:
            for extension in EXTENSIONS:
                await bot.unload_extension(extension)
            await bot.close()
    groups = {group["name"]: group for group in payload}
    assert set(groups) == {"exits", "feeds", "settings"}
    names = {g: sorted(o["name"] for o in groups[g]["options"]) for g in groups}
    assert names == {
        "exits": sorted(EXITS_COMMANDS),
        "feeds": ["add", "list", "pause", "remove", "resume", "test"],
        "settings": ["channel", "filters", "mention", "show", "threshold"],
    }
    for group in groups.values():
        for command in group["options"]:
            assert len(command["description"]) <= 100
            completed = {o["name"] for o in command.get("options", []) if o.get("autocomplete")}
            assert completed == AUTOCOMPLETED.get(f"{group['name']} {command['name']}", set())
    admin = discord.Permissions(manage_guild=True).value
    assert int(groups["feeds"]["default_member_permissions"]) == admin
    assert int(groups["settings"]["default_member_permissions"]) == admin
