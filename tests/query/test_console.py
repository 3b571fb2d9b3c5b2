"""The console prompt: parsing typed commands, and the text it prints for each result."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.errors import InvalidInput
from bot.query.console import ConsoleCommands, parse, repl, tokenize
from bot.query.service import QueryService
from tests.query.conftest import Seeded


@pytest.fixture
def console(service: QueryService) -> ConsoleCommands:
    return ConsoleCommands(service)


def test_tokenize_keeps_quotes_and_apostrophes() -> None:
    assert tokenize('ask "when does it take effect?" story:12') == [
        "ask",
        "when does it take effect?",
        "story:12",
    ]
    assert tokenize("ask what's next") == ["ask", "what's", "next"]
    assert tokenize('name:"Test Wire" “curly quotes”') == ["name:Test Wire", "curly quotes"]
    assert tokenize('q ""') == ["q", ""]
    with pytest.raises(InvalidInput, match="not closed"):
        tokenize('ask "oops')


def test_parse_commands_options_and_positional_text(console: ConsoleCommands) -> None:
    table = console.commands
    assert parse("/exits latest count:3 country:India", table) == (
        "exits latest",
        {"count": "3", "country": "India"},
    )
    assert parse('/exits ask "when does it take effect?" story:12', table) == (
        "exits ask",
        {"question": "when does it take effect?", "story": "12"},
    )
    assert parse("exits ask when does it start? story:#4", table)[1] == {
        "question": "when does it start?",
        "story": "#4",
    }
    assert parse("/exits ask what is 12:30 about", table)[1] == {"question": "what is 12:30 about"}
    assert parse("/feeds list", table) == ("feeds list", {})
    assert parse("/EXITS Story #3", table) == ("exits story", {"story": "#3"})
    with pytest.raises(InvalidInput, match="unknown command"):
        parse("/exits dance", table)
    with pytest.raises(InvalidInput, match="missing question"):
        parse("/exits ask story:3", table)
    with pytest.raises(InvalidInput, match="takes no text"):
        parse("/feeds list everything", table)


async def test_run_renders_each_command(console: ConsoleCommands, seeded: Seeded) -> None:
    latest = await console.run("/exits latest count:1")
    assert "Lockbox VPN · India · completed" in latest and "page:2" in latest
    card = await console.run(f"/exits story {seeded.lockbox_first}")
    assert "Priya Raman" in card and "Timeline:" in card and "Daily Wire Example" in card
    answer = await console.run(f'/exits ask "who said it?" story:{seeded.lockbox_first}')
    assert "Priya Raman" in answer and "https://news.example/lockbox-1" in answer
    unknown = await console.run(f"/exits ask when does it take effect? story:{seeded.signalcast}")
    assert "don't say" in unknown
    found = await console.run("/exits search backdoor")
    assert "*backdoor*" in found
    assert "Signalcast" in await console.run("/exits country the UK")
    assert "Lockbox VPN" in await console.run("/exits company lockbox vpn")
    why = await console.run(f"/exits why {seeded.bakery}")
    assert "not relevant" in why and "not posted" in why
    stats = await console.run("/exits stats")
    assert "By country:" in stats and "India" in stats
    assert "events" in await console.run("/exits export json")
    assert "World desk (config.yaml)" in await console.run("/feeds list")
    settings = await console.run("/settings threshold 0.7")
    assert "threshold          0.70" in settings
    filters = await console.run("/settings filters countries:india,britain stages:none")
    assert "India, United Kingdom" in filters
    assert "Commands:" in await console.run("help")


async def test_errors_are_one_line(console: ConsoleCommands, seeded: Seeded) -> None:
    assert await console.run("/exits story 999") == "error: no story #999"
    assert (await console.run("/exits latest count:many")).startswith("error: count must be")
    assert (await console.run("/settings threshold 3")).startswith("error: the threshold")


async def test_save_writes_export_and_chart(
    console: ConsoleCommands, seeded: Seeded, tmp_path: Path
) -> None:
    target = tmp_path / "events.csv"
    text = await console.run(f"/exits export format:csv save:{target}")
    assert "saved" in text and target.read_bytes().startswith(b"\xef\xbb\xbfevent,")
    chart = tmp_path / "chart.png"
    await console.run(f"/exits stats save:{chart}")
    assert chart.read_bytes().startswith(b"\x89PNG")


async def test_feed_commands_from_the_console(console: ConsoleCommands, site: str) -> None:
    added = await console.run(f'/feeds add {site}/feed.xml name:"My wire" backfill:1')
    assert added == "Now watching feed #1: Test Wire (3 items now), backfill 1."
    assert "My wire" in await console.run("/feeds list")
    assert "paused" in await console.run('/feeds pause "My wire"')
    tested = await console.run(f"/feeds test {site}/feed.xml")
    assert "[POST] Lockbox VPN will pull out of India" in tested
    assert "removed" in await console.run("/feeds remove 1")


async def test_repl_reads_a_stream_until_quit(service: QueryService, seeded: Seeded) -> None:
    source = io.StringIO("/exits latest count:1\n\n/bogus\nquit\n/exits stats\n")
    out = io.StringIO()
    await repl(service, source, out)
    text = out.getvalue()
    assert "Lockbox VPN" in text and "error: unknown command" in text
    assert "By country" not in text


async def test_repl_reads_an_async_iterator(service: QueryService, seeded: Seeded) -> None:
    async def lines() -> AsyncIterator[str]:
        yield "/exits country india"

    out = io.StringIO()
    await repl(service, lines(), out, prompt="> ")
    assert out.getvalue().startswith("> India") and out.getvalue().endswith("> ")


async def test_mention_and_min_score_can_be_turned_off_from_the_console(
    console: ConsoleCommands, seeded: Seeded
) -> None:
    assert "mention role       555" in await console.run("/settings mention 555")
    kept = await console.run("/settings mention stages:announced")
    assert "mention role       555" in kept, "no role given keeps the role"
    assert "mention role       off" in await console.run("/settings mention off")
    assert "mention role       555" not in await console.run("/settings mention default")
    assert "min score          0.6" in await console.run("/settings filters min_score:0.6")
    cleared = await console.run("/settings filters min_score:none")
    assert "min score          0.6" not in cleared
