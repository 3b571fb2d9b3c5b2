"""Human durations ("30s", "15m", "1h30m", "7d") and byte sizes ("5MiB") for the config."""

from __future__ import annotations

import math
import re

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_FACTOR = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}


MAX_DURATION = 10 * 365 * 86400.0


def parse_duration(value: object) -> float:
    """Seconds from a duration; a bare number is seconds. Raises ValueError with a hint."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("expected a duration such as 30s, 15m or 1h")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().replace(" ", "")
        parts = _DURATION_PART.findall(text)
        if not parts or "".join(n + u for n, u in parts).lower() != text.lower():
            raise ValueError(f"{value!r} is not a duration; use forms like 30s, 15m, 1h or 7d")
        seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in parts)
    if not math.isfinite(seconds):
        raise ValueError("a duration must be a finite number")
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    if seconds > MAX_DURATION:
        raise ValueError("a duration must be at most ten years")
    return seconds


def parse_size(value: object) -> int:
    """Bytes from a size such as 5MiB or 800kB; a bare number is bytes."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected a size such as 512kB or 5MiB")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a size; use forms like 512kB or 5MiB")
        size = int(float(match.group(1)) * _SIZE_FACTOR[(match.group(2) or "b").lower()])
    if size <= 0:
        raise ValueError("a size must be greater than zero")
    return size


def format_duration(seconds: float) -> str:
    """The shortest readable form of a duration, for logs and /feeds list."""
    for unit, factor in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= factor and seconds % factor == 0:
            return f"{int(seconds // factor)}{unit}"
    if seconds >= 1 and seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{seconds:g}s"
