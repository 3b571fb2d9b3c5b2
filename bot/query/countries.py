"""Country names as people type them: "the UK", "Britain" and "United Kingdom" are one place.

Names resolve to a key (an ISO 3166 alpha-2 code, or a region code such as "EU") through
the analyzer's own gazetteer first, so commands and stored events agree on what a name
means and on how a country is written. The analyzer matches capitalised names as they
appear in articles; what members type in lower case ("india", "the uk") falls back to
pycountry plus the everyday names it lacks, and then to every known name with its accents
folded away ("Curacao", "Cote d'Ivoire"). Lookups are cached: the set of names seen in
practice is small.
"""

from __future__ import annotations

import functools
import re

import pycountry

from bot.analysis.countries import country_name, gazetteer, resolve_country
from bot.query.folding import fold

# Everyday names and abbreviations that pycountry's lookup does not know.
ALIASES = {
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "us": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "united states": "US",
    "russia": "RU", "south korea": "KR", "korea": "KR", "north korea": "KP",
    "turkey": "TR", "iran": "IR", "syria": "SY", "laos": "LA", "vietnam": "VN",
    "taiwan": "TW", "moldova": "MD", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ",
    "holland": "NL", "the netherlands": "NL", "ivory coast": "CI", "uae": "AE",
    "emirates": "AE", "czech republic": "CZ", "burma": "MM", "macedonia": "MK",
    "palestine": "PS", "vatican": "VA", "brunei": "BN", "cape verde": "CV",
    "swaziland": "SZ", "east timor": "TL", "mainland china": "CN", "prc": "CN",
}  # fmt: skip
REGIONS = {
    "eu": "EU", "e.u.": "EU", "european union": "EU", "europe": "EU",
}  # fmt: skip
_LEADING_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def _normal(name: str) -> str:
    return fold(_SPACES.sub(" ", name.strip().strip(".,;:!?\"'")))


@functools.cache
def _folded_names() -> dict[str, str]:
    """Every country name the gazetteer and pycountry know, folded, to its code.

    Both look names up with their accents ("Côte d’Ivoire", "España", "Curaçao"), which
    members rarely type; folding both sides lets the plain spelling find the place.
    """
    names: dict[str, str] = {}
    for surface, (code, kind) in gazetteer().entries.items():
        if kind == "name":
            names.setdefault(_normal(surface), code)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            if spelled := getattr(country, attribute, None):
                names.setdefault(_normal(spelled), country.alpha_2)
    return names


@functools.lru_cache(maxsize=4096)
def country_key(name: str) -> str | None:
    """The code for a country or region name, or None when it is not one we know."""
    text = _normal(name)
    if not text:
        return None
    for typed in (name.strip(), name.strip().title()):
        code = resolve_country(typed)
        if code:
            return code
    for candidate in (text, _LEADING_ARTICLE.sub("", text)):
        if candidate in REGIONS:
            return REGIONS[candidate]
        if candidate in ALIASES:
            return ALIASES[candidate]
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            if candidate in _folded_names():
                return _folded_names()[candidate]
    return None


def display_name(key: str) -> str:
    """The everyday name for a code: "South Korea", not "Korea, Republic of"."""
    named = country_name(key)
    if named != key:
        return named
    country = pycountry.countries.get(alpha_2=key)
    if country is None:
        return key
    return getattr(country, "common_name", None) or country.name


def same_country(a: str, b: str) -> bool:
    """True when two names denote one place (or, unknown to us, are spelled alike)."""
    key_a, key_b = country_key(a), country_key(b)
    if key_a is not None and key_b is not None:
        return key_a == key_b
    return _normal(a) == _normal(b)


def canonical_country(name: str) -> str:
    """The everyday name of a country, or the input tidied when it is not a known one."""
    key = country_key(name)
    return display_name(key) if key else " ".join(name.split())
