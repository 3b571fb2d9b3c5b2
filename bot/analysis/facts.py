"""Per-sentence facts: which concepts occur in each sentence, and in what relation.

Everything downstream (relevance, stage, extraction, summary) reasons over these facts,
so each sentence is scanned once per concept and never again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from bot.analysis import lexicon as lx
from bot.analysis.clean import CleanText

LEAD_BODY_SENTENCES = 3
_EXIT_WINDOW = 70  # characters before an exit verb that can hold its actor and modality


@dataclass(slots=True)
class ExitMention:
    """One exit verb in a sentence, with the text just before it (actor and modality)."""

    start: int
    end: int
    before: str
    by_government: bool = False


class SentenceFacts:
    """The concepts found in one sentence of the cleaned article.

    Exits and government cut-offs are found for every sentence up front, because every
    later step starts from them. Every other concept is looked up on first use: most
    sentences are never asked about them (the classifier only looks around exits, and an
    article that is not relevant is never extracted), which halves the cost.
    """

    __slots__ = ("_cache", "_surveillance", "exits", "index", "low", "negated_exit", "part", "text")

    def __init__(
        self,
        text: str,
        index: int,
        part: str,
        exits: list[ExitMention] | None = None,
        *,
        negated_exit: bool = False,
    ) -> None:
        self.text = text
        self.low = lx.lower(text)
        self.index = index
        self.part = part  # "title", "summary" or "body"
        self.exits = exits or []
        self.negated_exit = negated_exit
        self._surveillance: frozenset[str] | None = None
        self._cache: dict[str, bool] = {}

    def _has(self, name: str, pattern: re.Pattern[str]) -> bool:
        if name not in self._cache:
            self._cache[name] = pattern.search(self.low) is not None
        return self._cache[name]

    @property
    def demand(self) -> bool:
        return self._has("demand", lx.DEMAND)

    @property
    def government(self) -> bool:
        return self._has("government", lx.GOVERNMENT)

    @property
    def causal(self) -> bool:
        return self._has("causal", lx.CAUSAL)

    @property
    def refusal(self) -> bool:
        return self._has("refusal", lx.REFUSAL)

    @property
    def reverse(self) -> bool:
        return self._has("reverse", lx.REVERSE)

    @property
    def prior(self) -> bool:
        return self._has("prior", lx.PRIOR_EXIT)

    @property
    def complete(self) -> bool:
        return self._has("complete", lx.COMPLETE)

    @property
    def near(self) -> frozenset[str]:
        """Non-surveillance reasons named in the sentence (sanctions, war, tax...)."""
        return frozenset(
            name for name, pattern in lx.NEAR_MISS_REASONS.items() if self._has(name, pattern)
        )

    @property
    def surveillance(self) -> frozenset[str]:
        """Kinds of surveillance capability named (access, monitoring, scanning, retention)."""
        if self._surveillance is None:
            self._surveillance = frozenset(
                kind for kind, pattern in lx.SURVEILLANCE_KINDS.items() if pattern.search(self.low)
            )
        return self._surveillance

    @property
    def surveillance_denied(self) -> bool:
        """ "had not been asked to hand over user data": no demand was made."""
        return self._has("denied", lx.SURVEILLANCE_DENIED)

    @property
    def compliance(self) -> bool:
        """A company going along with a demand; "will not comply" is a refusal instead."""
        if "compliance" not in self._cache:
            self._cache["compliance"] = any(
                not lx.COMPLIANCE_NEGATION.search(self.text[max(0, m.start() - 40) : m.start()])
                for m in lx.COMPLIANCE.finditer(self.low)
            )
        return self._cache["compliance"]

    @property
    def has_exit(self) -> bool:
        return bool(self.exits)

    @property
    def lead(self) -> bool:
        """Title, feed summary and the first body sentences: where stories state the news."""
        return self.part != "body" or self.index < LEAD_BODY_SENTENCES

    @property
    def surveillance_demand(self) -> bool:
        """A surveillance capability that a government or law asks for, in this sentence."""
        return bool(self.surveillance) and (self.demand or self.government)


def read_facts(text: CleanText) -> list[SentenceFacts]:
    """Find the exits of every sentence, in one pass per exit concept over the whole text.

    One pass per concept (rather than per sentence) keeps the number of regex calls
    independent of article length; matches are then bucketed into their sentences.
    """
    parts = [("title", [text.title] if text.title else []), ("summary", text.summary)]
    parts.append(("body", text.body))
    placed = [(part, i, s) for part, sentences in parts for i, s in enumerate(sentences)]
    scan = _Scan([s for _, _, s in placed])
    exits = scan.matches(lx.EXIT)
    blocks = scan.matches(lx.BLOCK)
    facts = []
    for n, (part, index, sentence) in enumerate(placed):
        found, negated = _exits(sentence, exits.get(n, []), blocks.get(n, []))
        facts.append(SentenceFacts(sentence, index, part, found, negated_exit=negated))
    return facts


class _Scan:
    """The article as one lower-cased string, with sentence offsets for bucketing."""

    def __init__(self, sentences: list[str]) -> None:
        self.starts = []
        offset = 0
        for sentence in sentences:
            self.starts.append(offset)
            offset += len(sentence) + 1
        self.text = lx.lower("\n".join(sentences))

    def matches(self, pattern: re.Pattern[str]) -> dict[int, list[tuple[int, int]]]:
        """Sentence number -> offsets of the pattern's matches that lie within it."""
        found: dict[int, list[tuple[int, int]]] = {}
        for match in pattern.finditer(self.text):
            n = bisect_right(self.starts, match.start()) - 1
            start = self.starts[n]
            end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
            if match.end() <= end:
                found.setdefault(n, []).append((match.start() - start, match.end() - start))
        return found


def _exits(
    sentence: str, exits: list[tuple[int, int]], blocks: list[tuple[int, int]]
) -> tuple[list[ExitMention], bool]:
    """Exit and block verbs whose actor is the story's subject and that are not negated."""
    found: list[ExitMention] = []
    negated = False
    for spans, by_government in ((exits, False), (blocks, True)):
        for start, end in spans:
            before = sentence[max(0, start - _EXIT_WINDOW) : start]
            if _negated(sentence, before, start, end):
                negated = True
                continue
            if lx.OTHER_ACTOR.search(before):
                continue
            found.append(ExitMention(start, end, before, by_government))
    found.sort(key=lambda m: m.start)
    return found, negated and not found


def _negated(sentence: str, before: str, start: int, end: int) -> bool:
    """Whether the exit verb at `start:end` is denied, in the word order of each language:
    the negation before the verb (English, Spanish, compound tenses), "nicht" after it or
    inside a separable German verb, or French "ne" before with "pas" after."""
    if lx.EXIT_NEGATION.search(before):
        return True
    if lx.NEGATION_FROM_VERB.match(sentence, start, end + _EXIT_WINDOW):
        return True
    return bool(
        lx.FRENCH_NE.search(before) and lx.FRENCH_PAS.match(sentence, end, end + _EXIT_WINDOW)
    )


def neighbours(facts: list[SentenceFacts], position: int, distance: int) -> list[SentenceFacts]:
    """Sentences near one sentence, in order; the title and summary count as next to the lead.

    Lead sentences come first in `read_facts` order, so the sentences near a lead sentence
    are one slice from the start, and those near any other sentence are its window.
    """
    start, end = max(0, position - distance), min(len(facts), position + distance + 1)
    if facts[position].lead:
        start = 0
        while end < len(facts) and facts[end].lead:
            end += 1
    return facts[start:position] + facts[position + 1 : end]
