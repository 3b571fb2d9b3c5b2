"""Recognise countries and regions in text, in four languages, and name them in English.

Names come from CLDR through Babel (English, German, French and Spanish territory names),
which pycountry lacks; demonyms, regulators, laws and capitals are listed here because
stories name the country through them ("Pakistani regulators", "the PTA", "CERT-In",
"Ofcom", "the Investigatory Powers Act"). Lookup is by token n-grams in a dictionary
rather than one huge regex alternation, which keeps it fast on long articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from babel import Locale

LANGUAGES = ("en", "de", "fr", "es")
MAX_NGRAM = 4

_CANONICAL_OVERRIDES = {
    "TR": "Turkey",
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "MM": "Myanmar",
    "HK": "Hong Kong",
    "MO": "Macau",
    "PS": "Palestine",
    "CI": "Ivory Coast",
    "CZ": "Czech Republic",
    "KR": "South Korea",
    "KP": "North Korea",
    "VA": "Vatican City",
}
_NOT_COUNTRIES = frozenset({"ZZ", "QO", "EZ", "UN", "XA", "XB", "AQ", "BV", "HM", "UM", "TF"})

# Extra names that CLDR does not give as the primary form. Keys are matched as tokens.
_ALIASES = {
    "GB": "UK|U.K.|Britain|Great Britain|England|Großbritannien|Grossbritannien|"
    "Grande-Bretagne|Gran Bretaña",
    "US": "US|U.S.|USA|U.S.A.|America|United States of America|Vereinigte Staaten|EE.UU.",
    "AE": "UAE|U.A.E.|Emirates|the Emirates|Emirate|Vereinigten Arabischen Emirate|"
    "Émirats arabes unis|Emiratos Árabes Unidos",
    "EU": "EU|E.U.|Europe|European Union|Union européenne|Unión Europea|Europa|UE",
    "RU": "Russian Federation",
    "KR": "Korea|Republic of Korea",
    "TR": "Türkiye|Turquía|Türkei",
    "CZ": "Czechia",
    "NL": "Holland",
    "CH": "Schweiz|Suisse|Suiza|Svizzera",
    "VN": "Viet Nam",
    "IR": "Islamic Republic of Iran",
}

# English demonyms; German, French and Spanish adjective stems get their endings below.
_DEMONYMS_EN = {
    "AF": "Afghan",
    "AR": "Argentine|Argentinian",
    "AU": "Australian",
    "AT": "Austrian",
    "BD": "Bangladeshi",
    "BY": "Belarusian",
    "BE": "Belgian",
    "BR": "Brazilian",
    "CA": "Canadian",
    "CL": "Chilean",
    "CN": "Chinese",
    "CO": "Colombian",
    "CU": "Cuban",
    "CZ": "Czech",
    "DK": "Danish",
    "EG": "Egyptian",
    "EE": "Estonian",
    "ET": "Ethiopian",
    "FI": "Finnish",
    "FR": "French",
    "DE": "German",
    "GH": "Ghanaian",
    "GR": "Greek",
    "HU": "Hungarian",
    "IN": "Indian",
    "ID": "Indonesian",
    "IR": "Iranian",
    "IQ": "Iraqi",
    "IE": "Irish",
    "IL": "Israeli",
    "IT": "Italian",
    "JP": "Japanese",
    "JO": "Jordanian",
    "KZ": "Kazakh|Kazakhstani",
    "KE": "Kenyan",
    "KW": "Kuwaiti",
    "LB": "Lebanese",
    "MY": "Malaysian",
    "MX": "Mexican",
    "MA": "Moroccan",
    "NL": "Dutch",
    "NZ": "New Zealand",
    "NG": "Nigerian",
    "NO": "Norwegian",
    "OM": "Omani",
    "PK": "Pakistani",
    "PE": "Peruvian",
    "PH": "Philippine|Filipino",
    "PL": "Polish",
    "PT": "Portuguese",
    "QA": "Qatari",
    "RO": "Romanian",
    "RU": "Russian",
    "SA": "Saudi",
    "SG": "Singaporean",
    "ZA": "South African",
    "KR": "South Korean",
    "ES": "Spanish",
    "LK": "Sri Lankan",
    "SE": "Swedish",
    "CH": "Swiss",
    "TW": "Taiwanese",
    "TH": "Thai",
    "TR": "Turkish",
    "UA": "Ukrainian",
    "AE": "Emirati",
    "GB": "British",
    "US": "American",
    "UY": "Uruguayan",
    "UZ": "Uzbek",
    "VE": "Venezuelan",
    "VN": "Vietnamese",
    "EU": "European",
    "BH": "Bahraini",
}
_ADJECTIVE_STEMS = {
    "de": {
        "GB": "britisch",
        "US": "amerikanisch|us-amerikanisch",
        "CH": "schweizerisch|schweizer",
        "DE": "deutsch",
        "AT": "österreichisch",
        "FR": "französisch",
        "IN": "indisch",
        "PK": "pakistanisch",
        "RU": "russisch",
        "CN": "chinesisch",
        "EU": "europäisch",
        "SE": "schwedisch",
        "TR": "türkisch",
        "BR": "brasilianisch",
    },
    "fr": {
        "GB": "britannique",
        "US": "américain",
        "CH": "suisse",
        "DE": "allemand",
        "FR": "français",
        "IN": "indien",
        "PK": "pakistanais",
        "RU": "russe",
        "CN": "chinois",
        "EU": "européen",
        "SE": "suédois",
        "AT": "autrichien",
        "BR": "brésilien",
    },
    "es": {
        "GB": "británic",
        "US": "estadounidense",
        "CH": "suiz",
        "DE": "alemán|aleman",
        "FR": "francés|frances",
        "IN": "indi",
        "PK": "pakistaní",
        "RU": "rus",
        "CN": "chin",
        "EU": "europe",
        "MX": "mexican",
        "BR": "brasileñ",
        "SE": "suec",
    },
}
_ENDINGS = {
    "de": ("", "e", "en", "er", "es"),
    "fr": ("", "e", "s", "es", "ne", "nes"),
    "es": ("", "o", "a", "os", "as", "es"),
}

# Regulators, agencies and laws that stand for their country.
_INSTITUTIONS = {
    "PK": "PTA|Pakistan Telecommunication Authority",
    "IN": "CERT-In|MeitY|Delhi High Court|IT Rules|DoT",
    "GB": "Ofcom|Home Office|Investigatory Powers Act|Online Safety Bill|Online Safety Act|"
    "GCHQ|Westminster",
    "RU": "Roskomnadzor|FSB|SORM|Kremlin|Duma",
    "AE": "TRA",
    "SA": "CITC",
    "AU": "Assistance and Access Act|eSafety|ASIO",
    "CH": "Federal Council|VÜPF|OSCPT|Bundesrat",
    "US": "FBI|NSA|Congress|Commerce Department|Justice Department",
    "CN": "Cyberspace Administration",
    "BR": "Anatel|Supreme Federal Court",
    "FR": "Assemblée nationale|Sénat|narcotrafic",
    "DE": "Bundestag|Bundesregierung",
    "EU": "European Commission|Brussels|Commission européenne|Comisión Europea|"
    "chat control|Chatkontrolle|CSAM regulation",
}
_CITIES = {
    "RU": "Moscow|Moskau|Moscou|Moscú",
    "CN": "Beijing|Peking|Pékin|Pekín|Shanghai|Guizhou",
    "IN": "New Delhi|Delhi|Mumbai|Bangalore|Bengaluru",
    "PK": "Islamabad|Karachi|Lahore",
    "GB": "London|Londres",
    "BR": "Brasília|Brasilia|São Paulo|Sergipe",
    "AE": "Abu Dhabi|Dubai",
    "SA": "Riyadh",
    "CH": "Bern|Berne|Zurich|Zürich|Geneva|Genf|Genève",
    "AU": "Canberra|Sydney|Melbourne",
    "TR": "Ankara|Istanbul",
    "VN": "Hanoi|Ho Chi Minh City",
    "KE": "Nairobi",
    "NG": "Lagos|Abuja",
    "ID": "Jakarta",
    "DE": "Berlin|Frankfurt",
    "FR": "Paris",
    "SE": "Stockholm",
    "AT": "Vienna|Wien",
    "BY": "Minsk",
    "MX": "Mexico City",
    "TW": "Taipei",
    "KR": "Seoul",
    "JP": "Tokyo",
    "MY": "Kuala Lumpur",
    "EG": "Cairo",
    "IR": "Tehran",
}
_CASE_SENSITIVE_MAX = 4  # short keys like "US", "UK", "TRA", "PTA" must match in capitals
# a token may contain inner dots ("U.K") but never ends with one
_TOKEN = re.compile(r"\w[\w'’&-]*(?:\.\w[\w'’&-]*)*")
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")
_POSSESSIVES = ("", "'s", "’s")


@dataclass(frozen=True, slots=True)
class Mention:
    """One place in the text where a country is named, and how it was named."""

    code: str
    start: int
    end: int
    kind: str  # "name", "demonym", "institution" or "city"


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    entries: dict[str, tuple[str, str]]  # normalised n-gram -> (code, kind)
    exact: dict[str, tuple[str, str]]  # short capitalised keys, matched case-sensitively
    first_tokens: dict[str, int]  # first token -> longest n-gram starting with it
    names: dict[str, str]  # code -> English name


def _norm(token: str) -> str:
    return token.rstrip(".").lower()


def _split(value: str) -> list[str]:
    return [v for v in value.split("|") if v]


@cache
def gazetteer() -> _Gazetteer:
    """Build the lookup tables once per process (about 50 ms)."""
    entries: dict[str, tuple[str, str]] = {}
    exact: dict[str, tuple[str, str]] = {}
    names: dict[str, str] = {}

    def add(surface: str, code: str, kind: str) -> None:
        tokens = [_norm(t) for t in _TOKEN.findall(surface)]
        if not tokens:
            return
        short = len(surface) <= _CASE_SENSITIVE_MAX and surface.upper() == surface
        key = surface.rstrip(".") if short else " ".join(tokens)
        # possessives are stored rather than stripped per token: lookups stay plain dict hits
        for suffix in _POSSESSIVES:
            (exact if short else entries).setdefault(key + suffix, (code, kind))

    for language in LANGUAGES:
        for code, name in Locale(language).territories.items():
            if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
                continue
            if language == "en":
                names[code] = _CANONICAL_OVERRIDES.get(code, name)
            add(name, code, "name")
    # CLDR's primary names have moved on ("Türkiye", "Côte d’Ivoire"); the English names
    # we display are what most English copy still says, so they must be found as well.
    for code, name in _CANONICAL_OVERRIDES.items():
        add(name, code, "name")
    for code, aliases in _ALIASES.items():
        for alias in _split(aliases):
            add(alias, code, "name")
    for code, demonyms in _DEMONYMS_EN.items():
        for demonym in _split(demonyms):
            add(demonym, code[:2], "demonym")
    for language, stems in _ADJECTIVE_STEMS.items():
        for code, stem_list in stems.items():
            for stem in _split(stem_list):
                for ending in _ENDINGS[language]:
                    add(stem + ending, code, "demonym")
    for table, kind in ((_INSTITUTIONS, "institution"), (_CITIES, "city")):
        for code, surfaces in table.items():
            for surface in _split(surfaces):
                add(surface, code[:2], kind)
    first_tokens: dict[str, int] = {}
    for key in entries:
        parts = key.split(" ")
        first_tokens[parts[0]] = max(first_tokens.get(parts[0], 0), len(parts))
    return _Gazetteer(entries, exact, first_tokens, names)


def find_countries(text: str) -> list[Mention]:
    """Every country mention in the text, longest match first, in reading order."""
    table = gazetteer()
    # separators and tokens alternate; offsets come from their running lengths, which is
    # several times cheaper than a match object per token
    pieces = _TOKEN_SPLIT.split(text)
    bounds = list(accumulate(map(len, pieces)))
    raws = pieces[1::2]
    lowered = [raw.lower() for raw in raws]
    firsts, exact, entries = table.first_tokens, table.exact, table.entries
    # most tokens start no entry: find the few that can before doing any n-gram work
    candidates = [i for i, word in enumerate(lowered) if word in firsts or raws[i] in exact]
    mentions: list[Mention] = []
    covered = -1
    for i in candidates:
        if i <= covered:
            continue
        hit = exact.get(raws[i])
        length = 1
        for n in range(min(firsts.get(lowered[i], 0), len(raws) - i), 0, -1):
            found = entries.get(" ".join(lowered[i : i + n]) if n > 1 else lowered[i])
            if found and _cased_right(raws[i], found[1]):
                hit, length = found, n
                break
        if hit:
            code, kind = hit
            end = i + length - 1
            mentions.append(Mention(code, bounds[2 * i], bounds[2 * end + 1], kind))
            covered = end
    return mentions


def _cased_right(raw: str, kind: str) -> bool:
    """Names are capitalised in all four languages; only adjectives may be lower case."""
    return kind == "demonym" or raw[:1].isupper()


def country_name(code: str) -> str:
    """The standard English name for a territory code ("RU" -> "Russia")."""
    return gazetteer().names.get(code, code)


def resolve_country(name: str) -> str | None:
    """The code for a country name, demonym, institution or territory code, if it names one."""
    code = name.strip().upper()
    if len(code) == 2 and code in gazetteer().names:
        return code
    mentions = find_countries(name)
    return mentions[0].code if mentions else None
