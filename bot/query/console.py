"""The console's command prompt: typed slash commands, answered by the query service.

A line is written as it would be in Discord, options as `name:value`:

    /exits latest count:3 country:India
    /exits ask "when does it take effect?" story:12
    /feeds list

Words that are not options fill the command's positional parameters in order; the last
one takes the rest of the line, so `/exits ask when does it take effect?` needs no quotes.
Double quotes (straight or curly) group words; an apostrophe is just a letter.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.errors import ExitWatchError, InvalidInput
from bot.query.results import ExportResult, StatsResult
from bot.query.service import QueryService
from bot.query.text import render

Handler = Callable[["ConsoleCommands", dict[str, str]], Awaitable[object]]
QUOTES = {'"': '"', "“": "”", "”": "”"}
NONE_WORDS = frozenset({"none", "reset", "default", "off", "clear"})
QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit"})


@dataclass(frozen=True, slots=True)
class Command:
    """One console command: its parameters and the service call it makes."""

    usage: str
    positional: tuple[str, ...]
    options: frozenset[str]
    handler: Handler
    required: tuple[str, ...] = field(default=())


def tokenize(line: str) -> list[str]:
    """Split on spaces, keeping double-quoted runs (also inside `name:"a b"`) together."""
    tokens: list[str] = []
    current: list[str] = []
    closing: str | None = None
    started = False
    for char in line:
        if closing is not None:
            if char == closing or (closing == "”" and char == '"'):
                closing = None
            else:
                current.append(char)
        elif char in QUOTES:
            closing, started = QUOTES[char], True
        elif char.isspace():
            if current or started:
                tokens.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
    if closing is not None:
        raise InvalidInput("a quote is not closed")
    if current or started:
        tokens.append("".join(current))
    return tokens


def parse(line: str, commands: dict[str, Command]) -> tuple[str, dict[str, str]]:
    """The command name and its arguments from a typed line; InvalidInput if unknown."""
    tokens = tokenize(line.strip().lstrip("/"))
    if not tokens:
        raise InvalidInput("type a command, or help")
    name = tokens[0].lower()
    rest = tokens[1:]
    if name not in commands and rest and f"{name} {rest[0].lower()}" in commands:
        name, rest = f"{name} {rest[0].lower()}", rest[1:]
    if name not in commands:
        raise InvalidInput(f"unknown command {tokens[0]!r}; type help for the list")
    command = commands[name]
    args: dict[str, str] = {}
    loose: list[str] = []
    for token in rest:
        key, sep, value = token.partition(":")
        if sep and key.lower() in command.options:
            args[key.lower()] = value
        else:
            loose.append(token)
    for index, param in enumerate(command.positional):
        if index >= len(loose) or param in args:
            continue
        last = index == len(command.positional) - 1
        args[param] = " ".join(loose[index:]) if last else loose[index]
    if loose and not command.positional:
        raise InvalidInput(f"{name} takes no text; usage: {command.usage}")
    missing = [param for param in command.required if not args.get(param)]
    if missing:
        raise InvalidInput(f"missing {', '.join(missing)}; usage: {command.usage}")
    return name, args


def _int(args: dict[str, str], name: str, default: int | None = None) -> int | None:
    value = args.get(name)
    if value is None or value.strip().lower() in NONE_WORDS:
        return default
    digits = value.strip().strip("<>#@&!")
    if not digits.isdigit():
        raise InvalidInput(f"{name} must be a whole number, not {value!r}")
    return int(digits)


def _float(args: dict[str, str], name: str) -> float | None:
    value = args.get(name)
    if value is None or value.strip().lower() in NONE_WORDS:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a number such as 0.6, not {value!r}") from exc


def _ping(args: dict[str, str]) -> dict[str, Any]:
    """The role and `ping` of /settings mention: a role id, `default` (back to
    config.yaml's role), or off/none (no ping at all); nothing keeps the stored role."""
    value = (args.get("role") or "").strip().lower()
    if value in ("default", "reset"):
        return {"role_id": None, "ping": "default"}
    if value in NONE_WORDS:
        return {"role_id": None, "ping": "off"}
    return {"role_id": _int(args, "role"), "ping": None}


def _list(args: dict[str, str], name: str) -> list[str] | None:
    value = args.get(name)
    if value is None:
        return None
    if value.strip().lower() in NONE_WORDS:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def _flag(args: dict[str, str], name: str) -> bool | None:
    value = args.get(name)
    if value is None:
        return None
    if value.lower() in ("yes", "true", "on", "1"):
        return True
    if value.lower() in ("no", "false", "off", "0"):
        return False
    raise InvalidInput(f"{name} must be yes or no")


class ConsoleCommands:
    """Parses console lines into service calls and renders their results as text.

    `guild_id` None is the terminal's operator: reads see every feed, and settings and
    added feeds are kept under server id 0.
    """

    def __init__(self, service: QueryService, *, guild_id: int | None = None) -> None:
        self.service = service
        self.guild_id = guild_id
        self.commands = _commands()

    @property
    def settings_guild(self) -> int:
        """The server id settings and added feeds are stored under."""
        return self.guild_id or 0

    async def run(self, line: str) -> str:
        """The text answer to one typed line (errors become one `error:` line)."""
        try:
            name, args = parse(line, self.commands)
            result = await self.commands[name].handler(self, args)
            if isinstance(result, str):
                return result
            text = render(result)
            saved = await self._save(result, args.get("save"))
            return f"{text}\n{saved}" if saved else text
        except ExitWatchError as exc:
            return f"error: {exc}"

    async def _save(self, result: object, path: str | None) -> str:
        """Write a chart or an export to a file when `save:PATH` was given."""
        if not path:
            return ""
        if isinstance(result, ExportResult):
            data = result.data
        elif isinstance(result, StatsResult) and result.chart_png:
            data = result.chart_png
        else:
            return "nothing to save"
        target = await asyncio.to_thread(_write_file, path, data)
        return f"saved {len(data)} bytes to {target}"

    def help(self) -> str:
        """Every command with its usage."""
        return "\n".join(["Commands:", *(f"  {c.usage}" for c in self.commands.values())])


def _write_file(path: str, data: bytes) -> Path:
    target = Path(path).expanduser()
    target.write_bytes(data)
    return target


def cmd(
    usage: str,
    handler: Handler,
    *,
    pos: tuple[str, ...] = (),
    opts: str = "",
    required: tuple[str, ...] = (),
) -> Command:
    """A command entry; positional parameters may also be given as `name:value`."""
    return Command(usage, pos, frozenset(opts.split()) | frozenset(pos), handler, required)


def _commands() -> dict[str, Command]:
    """The command table: one entry per slash command the console understands."""
    return {
        "help": cmd("help", lambda c, a: _help(c)),
        "exits latest": cmd(
            "/exits latest [count:N] [country:X] [company:X] [stage:X] [page:N]",
            lambda c, a: c.service.latest(
                count=_int(a, "count", 5) or 5,
                page=_int(a, "page", 1) or 1,
                country=a.get("country"),
                company=a.get("company"),
                stage=a.get("stage"),
                guild_id=c.guild_id,
            ),
            opts="count country company stage page",
        ),
        "exits story": cmd(
            "/exits story <story>",
            lambda c, a: c.service.story(a["story"], guild_id=c.guild_id),
            pos=("story",),
            required=("story",),
        ),
        "exits ask": cmd(
            "/exits ask <question> [story:N]",
            lambda c, a: c.service.ask(a["question"], a.get("story"), guild_id=c.guild_id),
            pos=("question",),
            opts="story",
            required=("question",),
        ),
        "exits search": cmd(
            "/exits search <query> [page:N]",
            lambda c, a: c.service.search(
                a["query"], page=_int(a, "page", 1) or 1, guild_id=c.guild_id
            ),
            pos=("query",),
            opts="page",
            required=("query",),
        ),
        "exits company": cmd(
            "/exits company <name>",
            lambda c, a: c.service.company(a["name"], guild_id=c.guild_id),
            pos=("name",),
            required=("name",),
        ),
        "exits country": cmd(
            "/exits country <name>",
            lambda c, a: c.service.country(a["name"], guild_id=c.guild_id),
            pos=("name",),
            required=("name",),
        ),
        "exits why": cmd(
            "/exits why <story>",
            lambda c, a: c.service.why(a["story"], guild_id=c.guild_id),
            pos=("story",),
            required=("story",),
        ),
        "exits summarize": cmd(
            "/exits summarize <url>",
            lambda c, a: c.service.summarize(a["url"], guild_id=c.guild_id),
            pos=("url",),
            required=("url",),
        ),
        "exits stats": cmd(
            "/exits stats [save:chart.png]",
            lambda c, a: c.service.stats(guild_id=c.guild_id, chart=bool(a.get("save"))),
            opts="save",
        ),
        "exits export": cmd(
            "/exits export [format:csv|json] [save:FILE]",
            lambda c, a: c.service.export(a.get("format", "csv"), guild_id=c.guild_id),
            pos=("format",),
            opts="save",
        ),
        "feeds add": cmd(
            "/feeds add <url> [name:X] [channel:ID] [backfill:N]",
            lambda c, a: c.service.feeds_add(
                c.settings_guild,
                a["url"],
                name=a.get("name"),
                channel_id=_int(a, "channel"),
                backfill=_int(a, "backfill", 0) or 0,
            ),
            pos=("url",),
            opts="name channel backfill",
            required=("url",),
        ),
        "feeds remove": cmd(
            "/feeds remove <feed>",
            lambda c, a: c.service.feeds_remove(c.guild_id, a["feed"]),
            pos=("feed",),
            required=("feed",),
        ),
        "feeds pause": cmd(
            "/feeds pause <feed>",
            lambda c, a: c.service.feeds_pause(c.guild_id, a["feed"]),
            pos=("feed",),
            required=("feed",),
        ),
        "feeds resume": cmd(
            "/feeds resume <feed>",
            lambda c, a: c.service.feeds_resume(c.guild_id, a["feed"]),
            pos=("feed",),
            required=("feed",),
        ),
        "feeds list": cmd("/feeds list", lambda c, a: c.service.feeds_list(c.guild_id)),
        "feeds test": cmd(
            "/feeds test <url>",
            lambda c, a: c.service.feeds_test(c.guild_id, a["url"]),
            pos=("url",),
            required=("url",),
        ),
        "settings show": cmd(
            "/settings show", lambda c, a: c.service.settings_show(c.settings_guild)
        ),
        "settings channel": cmd(
            "/settings channel <channel|none> [stage:X] [thread:yes|no]",
            lambda c, a: c.service.settings_channel(
                c.settings_guild,
                _int(a, "channel"),
                stage=a.get("stage"),
                thread_per_event=_flag(a, "thread"),
            ),
            pos=("channel",),
            opts="stage thread",
            required=("channel",),
        ),
        "settings threshold": cmd(
            "/settings threshold <0..1|default>",
            lambda c, a: c.service.settings_threshold(c.settings_guild, _float(a, "value")),
            pos=("value",),
            required=("value",),
        ),
        "settings mention": cmd(
            "/settings mention [role|off|default] [stages:a,b] [countries:a,b]",
            lambda c, a: c.service.settings_mention(
                c.settings_guild,
                **_ping(a),
                stages=_list(a, "stages"),
                countries=_list(a, "countries"),
            ),
            pos=("role",),
            opts="stages countries",
        ),
        "settings filters": cmd(
            "/settings filters [countries:a,b|none] [companies:a,b|none] [stages:a,b|none] "
            "[min_score:0..1|none]",
            lambda c, a: c.service.settings_filters(
                c.settings_guild,
                countries=_list(a, "countries"),
                companies=_list(a, "companies"),
                stages=_list(a, "stages"),
                min_score=a.get("min_score"),
            ),
            opts="countries companies stages min_score",
        ),
    }


async def _help(commands: ConsoleCommands) -> str:
    return commands.help()


async def repl(
    service: QueryService,
    source: AsyncIterator[str] | TextIO,
    out: TextIO,
    *,
    guild_id: int | None = None,
    prompt: str = "",
) -> None:
    """Answer typed commands until the input ends or the user types quit.

    A text stream is read on a daemon thread, so a blocked `readline` never holds up the
    event loop or the process's exit.
    """
    commands = ConsoleCommands(service, guild_id=guild_id)
    lines = source if isinstance(source, AsyncIterator) else read_lines(source)
    if prompt:
        _write(out, prompt)
    async for raw in lines:
        line = raw.strip()
        if line.lower() in QUIT_WORDS:
            break
        if line:
            _write(out, await commands.run(line) + "\n")
        if prompt:
            _write(out, prompt)


def _write(out: TextIO, text: str) -> None:
    out.write(text)
    out.flush()


async def read_lines(stream: TextIO) -> AsyncIterator[str]:
    """Lines of a blocking text stream, read on a daemon thread, as an async iterator."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        # A closed stream ends the input; a closed loop (the bot shut down) ends the thread.
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError, RuntimeError):
            pass
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-input", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line
