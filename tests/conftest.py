"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, migrated database in a temporary folder."""
    opened = await Store.open(tmp_path / "exitwatch.sqlite3")
    yield opened
    await opened.close()
