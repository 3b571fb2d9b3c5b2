"""Story and feed numbers as members type them: only ASCII digits SQLite can store count;
anything else is free text or "not found", never an OverflowError or ValueError."""

from __future__ import annotations

import pytest

from bot.errors import FeedNotFound
from bot.query.autocomplete import EXACT_ID, Candidate, score
from bot.query.refs import MAX_REF, parse_ref
from bot.query.service import QueryService
from bot.storage import Store
from tests.query.conftest import GUILD, Seeded

ODD = ["²", "١٢", "99999999999999999999", "9223372036854775808", "#" + "9" * 5000]


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("12", 12),
        (" #12 ", 12),
        (12, 12),
        ("007", 7),
        (str(MAX_REF), MAX_REF),
        ("0" * 5000 + "3", 3),
    ],
)
def test_numbers_are_read(typed: str | int, number: int) -> None:
    assert parse_ref(typed) == number


@pytest.mark.parametrize("typed", [*ODD, "", "#", "-1", "1 2", "12a", "１２"])
def test_anything_else_is_not_a_number(typed: str) -> None:
    assert parse_ref(typed) is None


@pytest.mark.parametrize("typed", ODD)
def test_autocomplete_scores_odd_numbers_as_text(typed: str) -> None:
    candidate = Candidate("2", "#2 Lockbox", ("Lockbox VPN", "India"), number=2)
    assert score(typed, candidate) is None
    assert score("#2", candidate) == EXACT_ID


@pytest.mark.parametrize("typed", ODD)
async def test_story_autocomplete_suggests_nothing_for_odd_numbers(
    service: QueryService, seeded: Seeded, typed: str
) -> None:
    assert await service.complete_story(typed, GUILD) == []


@pytest.mark.parametrize("typed", ["²", "#99999999999999999999"])
async def test_an_odd_feed_number_is_not_found(
    service: QueryService, store: Store, typed: str
) -> None:
    with pytest.raises(FeedNotFound):
        await service.feeds_pause(GUILD, typed)
    assert await service.complete_feed(typed, GUILD) == []
