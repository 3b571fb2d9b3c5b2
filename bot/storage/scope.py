"""Visibility scopes: which servers may see a story and the event it belongs to.

A feed a server adds with `/feeds add` serves that server only (docs/SECURITY.md), so what
only such feeds carried must not reach other servers through events, lists, search or
export. Every story and event has a scope: `SHARED` (0), seen by every server, or one
server's id, seen by that server alone. The rule, decided from the feeds that carried the
entry when its story is saved:

* carried by any feed that is not a server's own (config.yaml, samples, a feed tied to a
  server in config.yaml, one added in the console under server 0): shared;
* carried only by feeds one server added: that server's;
* carried only by feeds several servers added: the server whose feed carried it first.
  A story lives in one event and an event in one scope; sharing it would show each
  server's feed to every other, and posting it to the later servers would give them a
  post whose later sources are another server's private ones. The later servers miss
  this story, exactly as they do when their feed carries an entry already analysed.

Events are matched within a scope, so a scoped story never joins (or moves) a shared event
or another server's. Rows stored before scopes existed are shared.
"""

from __future__ import annotations

from collections.abc import Sequence

SHARED = 0
GUILD_PREFIX = "guild:"

# The scopes a reader may see: a tuple of scope values, or None for every scope (the
# local operator at the terminal, who sees every post printed anyway).
Scopes = tuple[int, ...] | None


def scope_of(sources: Sequence[tuple[str, int]]) -> int:
    """The scope of a story from its entry's feeds as (origin, guild_id), first carrier first."""
    if not sources or any(not _private(origin, guild_id) for origin, guild_id in sources):
        return SHARED
    return sources[0][1]


def may_receive(scope: int, destination: str) -> bool:
    """Whether an outbox destination may get a story of this scope (the terminal always)."""
    if scope == SHARED or not destination.startswith(GUILD_PREFIX):
        return True
    return destination == f"{GUILD_PREFIX}{scope}"


def readable(guild_id: int | None) -> tuple[int, ...]:
    """What a member sees in a server (shared and that server's), or outside any (shared)."""
    return (SHARED, guild_id) if guild_id else (SHARED,)


def scope_clause(column: str, scopes: Scopes) -> tuple[list[str], list[int]]:
    """SQL conditions (none for every scope) and parameters limiting `column` to `scopes`."""
    if scopes is None:
        return [], []
    return [f"{column} IN ({', '.join('?' * len(scopes))})"], list(scopes)


def _private(origin: str, guild_id: int) -> bool:
    return origin == "guild" and guild_id != SHARED
