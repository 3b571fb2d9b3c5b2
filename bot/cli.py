"""`python -m bot` — the command line: run, poll, analyze, check-config.

Errors the user can fix (config, input files) end with one message and exit status 2;
nothing here prints a traceback for them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.config import Config, discord_token, load_config
from bot.errors import ConfigError, ExitWatchError

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("bot")

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="ExitWatch: stories of companies leaving countries over surveillance demands.",
    )
    parser.add_argument("--version", action="version", version=f"ExitWatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (Discord with DISCORD_TOKEN, else locally)")
    poll = sub.add_parser("poll", help="poll every feed and print what would be posted")
    poll.add_argument("--once", action="store_true", required=True, help="poll once and exit")
    check = sub.add_parser("check-config", help="validate the config file and exit")
    sync = sub.add_parser("sync", help="register the slash commands with Discord now")
    sync.add_argument("--guild", type=int, metavar="ID", help="only in this server (instant)")
    for command in (run, poll, check, sync):
        command.add_argument("--config", metavar="PATH", help="config file (default config.yaml)")

    analyze = sub.add_parser("analyze", help="analyze a JSONL file of articles")
    analyze.add_argument("path", help="JSONL input; '-' for standard input")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "analyze":
        from bot.analysis.batch import run_analyze

        setup_logging("WARNING")
        return run_analyze(args.path, sys.stdout, sys.stderr)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(config.logging.level)
    if args.command == "check-config":
        print(f"{config.source or 'defaults'}: OK ({len(config.feeds)} feeds)")
        return 0
    jobs = {"run": _run, "poll": _poll_once, "sync": lambda c: _sync(c, args.guild)}
    job = jobs[args.command](config)
    try:
        return run_until_signal(job)
    except ExitWatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def setup_logging(level: str) -> None:
    """Configure logging once, for the whole process, on stderr."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))


def run_until_signal(job: Coroutine[Any, Any, int]) -> int:
    """Run a job; SIGINT or SIGTERM cancels it cleanly (transactions finish or roll back)."""

    async def guarded() -> int:
        task = asyncio.ensure_future(job)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
        try:
            return await task
        except asyncio.CancelledError:
            log.info("stopped by signal; shut down cleanly")
            return 0

    return asyncio.run(guarded())


async def _poll_once(config: Config) -> int:
    from bot.console import run_once

    async with _open_offline(config) as app:
        await run_once(app, sys.stdout)
        await _report_waiting(app)
    return 0


def _open_offline(config: Config) -> AbstractAsyncContextManager[App]:
    """The app without Discord; what it finds is queued for Discord as well.

    It polls and analyses for real, and an analysed entry is never analysed again: were
    its story only printed, a later Discord run on the same database would never post it.
    """
    from bot.app import open_app
    from bot.routing import offline_router

    return open_app(config, lambda store: offline_router(store, config))


async def _report_waiting(app: App) -> None:
    """Say what stays queued for Discord, so nobody takes the printed cards as all of it."""
    waiting = await app.store.outbox.depth()
    if waiting:
        print(
            f"{waiting} deliveries wait for Discord; `python -m bot run` with DISCORD_TOKEN "
            "sends them."
        )


async def _sync(config: Config, guild_id: int | None) -> int:
    token = discord_token()
    if token is None:
        print("error: set DISCORD_TOKEN to register commands", file=sys.stderr)
        return EXIT_USAGE
    from cogs.client import sync_commands

    return await sync_commands(config, token, guild_id)


async def _run(config: Config) -> int:
    token = discord_token()
    if token is not None:
        from cogs.client import run_discord

        return await run_discord(config, token)
    from bot.console import interactive, run_interactive, run_once

    log.info("no DISCORD_TOKEN in the environment: running locally in this terminal")
    async with _open_offline(config) as app:
        if interactive():
            await run_interactive(app, sys.stdout)
        else:
            await run_once(app, sys.stdout)
            await _report_waiting(app)
    return 0
