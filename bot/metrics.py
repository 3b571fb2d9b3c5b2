"""Process counters and the event-loop lag sampler, shared by the loops that count.

Kept apart from the health endpoint so the scheduler and the outbox worker can count
without importing a web server.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field


class Counter:
    """A monotonically increasing count (Prometheus `counter`)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        """Add `amount` (default 1); a counter never goes down."""
        if amount < 0:
            raise ValueError("a counter only goes up")
        self.value += amount


class LoopLag:
    """Samples event-loop lag: how late a short sleep wakes up.

    A blocked loop (a CPU-heavy parse run in the loop by mistake, a synchronous call) shows
    here before it shows anywhere else. `window` samples are kept for the p99.
    """

    def __init__(self, interval: float = 0.5, window: int = 240) -> None:
        self.interval = interval
        self.samples: deque[float] = deque(maxlen=window)

    @property
    def last(self) -> float:
        """The most recent overshoot in seconds (0 before the first sample)."""
        return self.samples[-1] if self.samples else 0.0

    def p99(self) -> float:
        """The 99th percentile overshoot over the window (nearest-rank)."""
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        rank = math.ceil(0.99 * len(ordered)) - 1
        return ordered[rank]

    async def run(self) -> None:
        """Sample until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, loop.time() - started - self.interval))


@dataclass
class Metrics:
    """Process counters, incremented where the events happen."""

    polls: Counter = field(default_factory=Counter)
    poll_failures: Counter = field(default_factory=Counter)
    posts_delivered: Counter = field(default_factory=Counter)
    loop_lag: LoopLag = field(default_factory=LoopLag)
