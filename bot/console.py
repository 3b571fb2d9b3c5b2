"""Local mode: ExitWatch without Discord, printing its posts as cards in the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import TextIO

from bot.app import CONSOLE, App, poll_all
from bot.cards import story_card
from bot.delivery import Delivered, Delivery, OutboxWorker
from bot.query.console import repl
from bot.query.service import QueryService
from bot.runtime import run_services

log = logging.getLogger(__name__)

HEADINGS = {
    "post": "NEW STORY",
    "source": "NEW SOURCE FOR A KNOWN STORY",
    "stage": "STAGE CHANGE",
}


class ConsoleSender:
    """Prints each delivery as a card; a terminal never refuses, so it never raises."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def send(self, delivery: Delivery) -> Delivered:
        """Print the card for one outbox item."""
        heading = HEADINGS.get(delivery.item.kind, "")
        if delivery.item.kind == "stage":
            heading = f"{heading}: now {delivery.event.stage}"
        print(story_card(delivery.story, delivery.event, heading=heading), file=self._out)
        self._out.flush()
        return Delivered()

    async def summarise_held(self, destination: str, held: list[Delivery]) -> None:
        """The terminal has no daily cap, so nothing is ever held for it."""


async def run_once(app: App, out: TextIO) -> int:
    """Poll every feed once, print the feed report and the cards; returns cards printed."""
    outcomes, _ = await poll_all(app)
    for outcome in outcomes:
        print(outcome.describe(), file=out)
    print("", file=out)
    worker = OutboxWorker(app.store, ConsoleSender(out), prefix=CONSOLE)
    printed = 0
    while sent := await worker.drain():
        printed += sent
    if not printed:
        print("Nothing new to post.", file=out)
    return printed


async def run_forever(app: App, out: TextIO) -> None:
    """Keep polling on schedule and print cards as stories arrive, until cancelled."""
    worker = OutboxWorker(app.store, ConsoleSender(out), prefix=CONSOLE, metrics=app.metrics)
    await run_services(app, worker)


async def run_interactive(app: App, out: TextIO) -> None:
    """Poll on schedule and print cards, while a prompt answers typed slash commands.

    Typing `quit` (or closing the input) ends the session cleanly.
    """
    service = QueryService(app.store, app.on_demand, app.config)
    print(
        "ExitWatch is watching your feeds. Try /exits latest, /exits ask, /feeds list, "
        "help; quit to leave.",
        file=out,
    )
    watching = asyncio.create_task(run_forever(app, out), name="watch")
    try:
        await repl(service, sys.stdin, out, prompt="> ")
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching


def interactive() -> bool:
    """True when a person is at the terminal (then the console stays and listens)."""
    return sys.stdin.isatty()
