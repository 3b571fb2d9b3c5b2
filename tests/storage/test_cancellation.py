"""A transaction cancelled at any await (BEGIN, body, COMMIT) leaves the database usable.

Cancellation is routine, not a fault: the feed scheduler cancels a feed's task after
`/feeds pause` or `/feeds remove`, whatever that task is writing at the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.storage.database import Database

# BEGIN, two inserts, COMMIT: the calls a transaction of `write_pair` makes on the connection.
CALLS_PER_PAIR = 4


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await Database.open(tmp_path / "db.sqlite3", busy_timeout=0.2)
    await opened.execute("CREATE TABLE pairs (side TEXT NOT NULL)")
    yield opened
    await opened.close()


async def write_pair(db: Database) -> None:
    """Two rows that belong together: both or neither must be stored."""
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO pairs VALUES ('a')")
        await conn.execute("INSERT INTO pairs VALUES ('b')")


class CancelAtCall:
    """The real connection, except that its caller is cancelled while awaiting call `at`.

    The call is queued on aiosqlite's thread first, as in a real cancellation: the
    statement still runs there while the task unwinds.
    """

    def __init__(self, conn: aiosqlite.Connection, at: int) -> None:
        self._conn = conn
        self._at = at
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def execute(self, *args: Any) -> Any:
        return await self._counted(self._conn.execute(*args))

    async def commit(self) -> None:
        await self._counted(self._conn.commit())

    async def _counted(self, call: Any) -> Any:
        self.calls += 1
        if self.calls == self._at:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
        return await call


async def assert_usable_and_consistent(db: Database, path: Path) -> None:
    """Later writes work, another process can write, and no pair is half-written."""
    await db.execute("INSERT INTO pairs VALUES ('later')")
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
    counts = dict(await db.fetchall("SELECT side, count(*) FROM pairs GROUP BY side"))
    assert counts.get("a", 0) == counts.get("b", 0)
    assert counts["later"] >= 1


@pytest.mark.parametrize("at", range(1, CALLS_PER_PAIR + 1))
async def test_cancel_at_each_call_of_a_transaction(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, at: int
) -> None:
    wrapped = CancelAtCall(db._conn, at)
    monkeypatch.setattr(db, "_conn", wrapped)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.create_task(write_pair(db))
    assert wrapped.calls == at, "cancelled while awaiting that call, not later"
    monkeypatch.undo()
    assert not db._conn.in_transaction
    await assert_usable_and_consistent(db, tmp_path / "db.sqlite3")


async def test_cancel_after_each_number_of_loop_steps(db: Database, tmp_path: Path) -> None:
    """Real timing, no stand-ins: cancel after 0, 1, 2... loop steps until a pair commits."""
    for steps in range(10_000):
        task = asyncio.create_task(write_pair(db))
        for _ in range(steps):
            await asyncio.sleep(0)
        finished = task.done()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await assert_usable_and_consistent(db, tmp_path / "db.sqlite3")
        if finished:
            break
    else:
        pytest.fail("the transaction never finished")
    assert dict(await db.fetchall("SELECT side, count(*) FROM pairs GROUP BY side"))["a"] >= 1
