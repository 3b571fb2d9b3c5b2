"""Turning whatever a member types into a safe FTS5 query.

FTS5 has its own syntax (quotes, AND/OR/NOT/NEAR, `*`, `^`, `:` column filters,
parentheses), and a stray character in it is a syntax error. So user text is never passed
through: it is cut into words, each word becomes a quoted string (in which FTS5 treats every
character literally), and only the structure built here is FTS5 syntax. Text the member put
in double quotes stays a phrase; the last word also matches as a prefix, so a search typed
halfway ("blackb") still finds something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import InvalidInput

MAX_TERMS = 12
MAX_TERM_LENGTH = 64
MAX_QUERY_LENGTH = 300
_WORD = re.compile(r"\w+", re.UNICODE)
_QUOTED = re.compile(r'"([^"]*)"')


@dataclass(frozen=True, slots=True)
class FtsQuery:
    """A query in two strictnesses: every term (`match_all`), or any term (`match_any`)."""

    terms: tuple[str, ...]
    match_all: str
    match_any: str

    @property
    def understood(self) -> str:
        """The query as it was understood, for the reply ("searched for: a b")."""
        return " ".join(self.terms)


def _quote(words: list[str], *, prefix: bool = False) -> str:
    phrase = '"' + " ".join(words) + '"'
    return f"{phrase}*" if prefix else phrase


def build_query(text: str) -> FtsQuery:
    """A safe FTS5 query for `text`; InvalidInput when it has no searchable word."""
    text = text[:MAX_QUERY_LENGTH]
    groups: list[list[str]] = []
    last_end = 0
    for match in _QUOTED.finditer(text):
        groups.extend([word] for word in _words(text[last_end : match.start()]))
        phrase = _words(match.group(1))
        if phrase:
            groups.append(phrase)
        last_end = match.end()
    groups.extend([word] for word in _words(text[last_end:]))
    groups = groups[:MAX_TERMS]
    if not groups:
        raise InvalidInput("type at least one word to search for")
    last_is_word = len(groups[-1]) == 1 and not text.rstrip().endswith('"')
    parts = [
        _quote(group, prefix=last_is_word and index == len(groups) - 1)
        for index, group in enumerate(groups)
    ]
    return FtsQuery(
        terms=tuple(" ".join(group) for group in groups),
        match_all=" AND ".join(parts),
        match_any=" OR ".join(parts),
    )


def _words(text: str) -> list[str]:
    """Word characters only: every FTS5 operator character is dropped here."""
    return [word[:MAX_TERM_LENGTH] for word in _WORD.findall(text.replace("_", " "))]
