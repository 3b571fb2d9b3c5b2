"""Background loops that must not die: each is restarted after an unexpected error.

A loop that stops silently is the worst failure of a watcher bot (nothing is posted and
nobody notices), so every long-lived task runs under `keep_running`, which logs the error
with its traceback, waits, and starts the loop again. Cancellation still stops it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def keep_running(
    name: str, loop: Callable[[], Awaitable[None]], *, restart_after: float = 5.0
) -> None:
    """Run `loop()` forever; if it returns or raises, log and run it again."""
    while True:
        try:
            await loop()
            log.warning("%s stopped by itself; restarting it", name)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; restarting it in %.0fs", name, restart_after)
        await asyncio.sleep(restart_after)


async def every(seconds: float, step: Callable[[], Awaitable[object]], name: str) -> None:
    """Call `step` every `seconds`; an error in one call is logged and the next one runs."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again in %.0fs", name, seconds)
        await asyncio.sleep(seconds)
