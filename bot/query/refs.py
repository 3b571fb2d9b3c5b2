"""Numbers as members type them: "12" or "#12", for a story or a feed.

Only ASCII digits count, and only values SQLite can store: `str.isdigit()` also accepts
"²" or "١٢" (which `int()` then rejects or reads as a number nobody meant), and a number
of 2**63 or more makes SQLite raise OverflowError while binding it. Anything else is not
a number, so callers treat it as free text or as "not found", never as a crash.
"""

from __future__ import annotations

MAX_REF = 2**63 - 1  # SQLite's largest INTEGER
_MAX_DIGITS = len(str(MAX_REF))


def parse_ref(text: str | int) -> int | None:
    """The number in "12" or "#12" (surrounding spaces ignored), or None when not one."""
    digits = str(text).strip().lstrip("#")
    if not (digits.isascii() and digits.isdigit()):
        return None
    significant = digits.lstrip("0") or "0"
    if len(significant) > _MAX_DIGITS:
        return None
    value = int(significant)
    return value if value <= MAX_REF else None
