"""Fault knobs: make a route answer 429, 5xx or hang a given number of times.

Each answer is shaped like Discord's so discord.py takes its real path: a 429 carries the
``Via`` header and a JSON ``retry_after`` (without them discord.py assumes a Cloudflare ban and
gives up), and 5xx bodies are JSON like Discord's.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from aiohttp import web

from .errors import json_response


@dataclass
class Fault:
    """``times`` more answers of ``status`` (or a hang) for one method and route."""

    method: str
    route: str
    status: int
    times: int
    retry_after: float = 1.0
    is_global: bool = False
    hang: bool = False
    after_handling: bool = False

    def matches(self, method: str, route: str, path: str) -> bool:
        """True for the route template (``/channels/{channel_id}/messages``) or exact path."""
        return self.times > 0 and self.method == method and self.route in (route, path)


class Faults:
    """The armed faults; the REST layer asks ``take`` before handling each call."""

    def __init__(self, closing: asyncio.Event) -> None:
        self._faults: list[Fault] = []
        self._closing = closing

    def add(self, fault: Fault) -> None:
        """Arm ``fault``; faults for the same route are used in the order added."""
        self._faults.append(fault)

    def clear(self) -> None:
        """Disarm every fault."""
        self._faults.clear()

    def take(self, method: str, route: str, path: str) -> Fault | None:
        """Use up one answer of the first matching fault, if any."""
        for fault in self._faults:
            if fault.matches(method, route, path):
                fault.times -= 1
                return fault
        return None

    async def answer(self, fault: Fault) -> web.Response:
        """The response for ``fault``; a hang lasts until the stand-in stops."""
        if fault.hang:
            await self._closing.wait()
            return json_response({"message": "Service stopping", "code": 0}, 503)
        if fault.status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(math.ceil(fault.retry_after)),
                "X-RateLimit-Scope": "global" if fault.is_global else "user",
            }
            return json_response(body, 429, headers)
        return json_response({"message": f"{fault.status}: Server error", "code": 0}, fault.status)
