"""Country names typed without their accents find the place, in every command that takes
one: "Cote d'Ivoire", "turkiye", "Curacao", "Reunion", "Espana"."""

from __future__ import annotations

import pytest

from bot.models import Stage
from bot.query.autocomplete import SUBSTRING, Candidate, score
from bot.query.countries import canonical_country, country_key, same_country
from bot.query.folding import fold
from bot.query.service import QueryService
from bot.storage import Store
from tests.query.conftest import GUILD, add_feed, add_story, day

PLAIN = {
    "Cote d'Ivoire": "CI",
    "cote d’ivoire": "CI",
    "turkiye": "TR",
    "Curacao": "CW",
    "Reunion": "RE",
    "Espana": "ES",
    "Sao Tome and Principe": "ST",
}
STORED = {"CI": "Côte d'Ivoire", "TR": "Türkiye", "CW": "Curaçao", "RE": "Réunion"}


def test_fold_drops_accents_case_and_curly_apostrophes() -> None:
    assert fold("Côte d’Ivoire") == "cote d'ivoire"
    assert fold("CURAÇAO") == fold("curacao") == "curacao"


@pytest.mark.parametrize(("typed", "code"), PLAIN.items())
def test_plain_spellings_are_countries(typed: str, code: str) -> None:
    assert country_key(typed) == code


def test_accented_and_plain_spellings_are_one_place() -> None:
    assert same_country("Curaçao", "curacao")
    assert same_country("Zürichland", "zurichland")  # unknown to us, spelled alike
    assert canonical_country("reunion") == canonical_country("Réunion")


def test_autocomplete_matches_without_accents() -> None:
    candidate = Candidate("Curaçao", "Curaçao (1 event)", ("Curaçao",))
    assert score("urac", candidate) == SUBSTRING
    assert score("CURACAO", candidate) is not None


@pytest.fixture
async def exits(store: Store) -> dict[str, str]:
    """One exit in each accented country, stored with its accents."""
    feed = await add_feed(store)
    for number, (code, country) in enumerate(STORED.items()):
        await add_story(
            store, feed, f"exit-{code}", f"Vaultline leaves {country}",
            [f"Vaultline {number} will leave {country}.", "A law demands a backdoor."],
            when=day(5, 1 + number), company=f"Vaultline {number}", country=country,
            stage=Stage.ANNOUNCED,
        )  # fmt: skip
    return STORED


@pytest.mark.parametrize("typed", ["Cote d'Ivoire", "turkiye", "Curacao", "Reunion"])
async def test_country_commands_find_plain_spellings(
    service: QueryService, exits: dict[str, str], typed: str
) -> None:
    stored = exits[PLAIN[typed]]
    timeline = await service.country(typed)
    assert [event.country for event in timeline.events] == [stored]
    latest = await service.latest(country=typed)
    assert [event.country for event in latest.items] == [stored]
    suggestions = await service.complete_country(typed.lower()[:5], GUILD)
    assert suggestions and suggestions[0].value == canonical_country(stored)


async def test_filters_take_plain_spellings(service: QueryService) -> None:
    view = await service.settings_filters(GUILD, countries=["Cote d'Ivoire", "Espana"])
    countries = view.settings.filters.countries
    assert [country_key(c) for c in countries] == ["CI", "ES"]
