"""Ranking autocomplete suggestions: what a member is typing, matched the way they mean it.

Discord shows at most 25 suggestions of at most 100 characters, so ranking decides what
is reachable at all: an exact number first, then names that start with the text, then
words that start with it, then text found anywhere; recency and "posted here" break ties.
The final value is always re-validated by a resolver, since a client can send any string.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.query.folding import fold
from bot.query.refs import parse_ref
from bot.query.results import Choice

MAX_CHOICES = 25
MAX_NAME = 100

EXACT_ID = 100.0
EXACT = 80.0
PREFIX = 60.0
WORD_PREFIX = 45.0
SUBSTRING = 30.0
BOOST = 5.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something that can be suggested: its value, its label and the texts it matches on.

    `fields` are in order of importance (a company name before a headline); a match in a
    later field counts a little less. `recency` orders equal matches, newest first.
    """

    value: str
    label: str
    fields: Sequence[str]
    recency: float = 0.0
    boosted: bool = False
    number: int | None = None


def clip(text: str, limit: int = MAX_NAME) -> str:
    """Text cut to `limit` characters with an ellipsis (Discord refuses longer names)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def score(query: str, candidate: Candidate) -> float | None:
    """How well a candidate matches the typed text; None when it does not match at all.

    Both sides are folded ("curacao" finds "Curaçao"); the number is read from the text as
    typed, since folding would turn "²" into "2".
    """
    text = fold(query.strip())
    if not text:
        return BOOST * candidate.boosted
    if candidate.number is not None and parse_ref(query) == candidate.number:
        return EXACT_ID
    best = None
    for rank, field in enumerate(candidate.fields):
        value = fold(field)
        if not value:
            continue
        if value == text:
            found = EXACT
        elif value.startswith(text):
            found = PREFIX
        elif any(word.startswith(text) for word in value.split()):
            found = WORD_PREFIX
        elif text in value:
            found = SUBSTRING
        else:
            continue
        found -= rank
        best = found if best is None else max(best, found)
    if best is None:
        return None
    return best + BOOST * candidate.boosted


def rank(query: str, candidates: Iterable[Candidate], limit: int = MAX_CHOICES) -> list[Choice]:
    """The best `limit` matches, best first, as choices with names Discord accepts."""
    scored = []
    for candidate in candidates:
        value = score(query, candidate)
        if value is not None:
            scored.append((value, candidate.recency, candidate))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2].label))
    seen: set[str] = set()
    choices = []
    for _, _, candidate in scored:
        if candidate.value in seen:
            continue
        seen.add(candidate.value)
        choices.append(Choice(clip(candidate.label), candidate.value[:MAX_NAME]))
        if len(choices) == limit:
            break
    return choices
