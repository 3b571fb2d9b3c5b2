"""The SQLite connection: WAL, numbered migrations, and serialized transactions.

aiosqlite runs sqlite3 on its own thread, so queries never block the event loop. One
connection is shared; an asyncio lock makes each transaction atomic with respect to the
other coroutines of the process (SQLite itself guards against other processes).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import StorageError

log = logging.getLogger(__name__)

Params = Iterable[Any] | Mapping[str, Any]

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """The bundled migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("bot.storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    """One shared aiosqlite connection with a transaction helper."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout: float = 5.0) -> Database:
        """Open (creating folders as needed), set pragmas and migrate to the newest schema."""
        if str(path) != ":memory:":
            await asyncio.to_thread(Path(path).parent.mkdir, parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open database {path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn)
        await db._configure(busy_timeout)
        await db._migrate()
        return db

    async def close(self) -> None:
        """Checkpoint and close; safe to call twice."""
        async with self._lock:
            try:
                await self._conn.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.debug("optimize skipped on close: %s", exc)
            await self._conn.close()

    async def _configure(self, busy_timeout: float) -> None:
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={int(busy_timeout * 1000):d}",
        ):
            await self._conn.execute(pragma)

    async def _migrate(self) -> None:
        """Apply every bundled migration newer than the database's user_version."""
        current = await self.scalar("PRAGMA user_version") or 0
        for version, name, sql in migrations():
            if version <= current:
                continue
            log.info("applying database migration %s", name)
            async with self.transaction() as conn:
                for statement in _statements(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version={version:d}")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error, one at a time.

        Cancelling an await does not stop its statement: aiosqlite has already queued it on
        its thread, where it still runs. So every way out other than a finished COMMIT (an
        error or a cancellation at BEGIN, in the body or at COMMIT) queues a ROLLBACK behind
        it; otherwise a cancelled BEGIN would leave the shared connection inside a write
        transaction, holding SQLite's write lock and failing every later BEGIN.
        """
        async with self._lock:
            committed = False
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                await self._conn.commit()
                committed = True
            except sqlite3.Error as exc:
                raise _storage_error(exc) from exc
            finally:
                if not committed:
                    await self._roll_back()

    async def _roll_back(self) -> None:
        """End whatever transaction is open; sqlite3 makes this a no-op when none is.

        aiosqlite runs its queue in order, so once this call has queued the ROLLBACK (before
        its first suspension) it runs after the cancelled statement and before anything the
        next holder of the lock sends; a second cancellation while waiting changes nothing.
        A failure is logged rather than raised, so it cannot hide the error that led here.
        """
        try:
            await self._conn.rollback()
        except sqlite3.Error as exc:
            log.error("rollback failed: %s", exc)

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        """Run a read query outside any transaction."""
        async with self._lock:
            try:
                cursor = await self._conn.execute(sql, _bind(params))
                return list(await cursor.fetchall())
            except sqlite3.Error as exc:
                raise _storage_error(exc) from exc

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        """The first row of a read query, or None."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return row[0] if row is not None else None

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction; returns the changed row count."""
        async with self.transaction() as conn:
            cursor = await conn.execute(sql, _bind(params))
            return cursor.rowcount

    async def integrity_check(self) -> str:
        """SQLite's own verdict on the file: 'ok' when sound."""
        return str(await self.scalar("PRAGMA integrity_check"))


def _bind(params: Params) -> tuple[Any, ...] | Mapping[str, Any]:
    """Named parameters stay a mapping; positional ones become a tuple."""
    return params if isinstance(params, Mapping) else tuple(params)


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (our migrations have no ; inside literals)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def _storage_error(exc: sqlite3.Error) -> StorageError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StorageError(f"the database is busy (another process holds a lock): {text}")
    if "full" in text:
        return StorageError(f"the disk holding the database is full: {text}")
    return StorageError(f"database error: {text}")


def now() -> float:
    """Wall-clock seconds; one place so tests and records agree on the clock."""
    return time.time()
