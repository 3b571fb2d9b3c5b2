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

    Exits, surveillance terms and compliance are found for every sentence up front; the
    other concepts are looked up on first use, because most sentences are never asked
    about them (the classifier only looks around exits), which halves the cost.
    """

    __slots__ = (
        "_cache",
        "compliance",
        "exits",
        "index",
        "low",
        "negated_exit",
        "part",
        "surveillance",
        "surveillance_denied",
        "text",
    )

    def __init__(
        self,
        text: str,
        index: int,
        part: str,
        exits: list[ExitMention] | None = None,
        surveillance: frozenset[str] = frozenset(),
        *,
        negated_exit: bool = False,
        compliance: bool = False,
        surveillance_denied: bool = False,
    ) -> None:
        self.text = text
        self.low = lx.lower(text)
        self.index = index
        self.part = part  # "title", "summary" or "body"
        self.exits = exits or []
        self.surveillance = surveillance
        self.negated_exit = negated_exit
        self.compliance = compliance
        self.surveillance_denied = surveillance_denied
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
    """Scan the article for every concept, one pass per concept over the whole text.

    One pass per concept (rather than per sentence) keeps the number of regex calls
    independent of article length; matches are then bucketed into their sentences.
    """
    parts = [("title", [text.title] if text.title else []), ("summary", text.summary)]
    parts.append(("body", text.body))
    placed = [(part, i, s) for part, sentences in parts for i, s in enumerate(sentences)]
    sentences = [s for _, _, s in placed]
    scan = _Scan(sentences)
    kinds = {k: scan.sentences_with(p) for k, p in lx.SURVEILLANCE_KINDS.items()}
    denied = scan.sentences_with(lx.SURVEILLANCE_DENIED)
    exits = scan.matches(lx.EXIT)
    blocks = scan.matches(lx.BLOCK)
    complying = scan.matches(lx.COMPLIANCE)
    facts = []
    for n, (part, index, sentence) in enumerate(placed):
        found, negated = _exits(sentence, exits.get(n, []), blocks.get(n, []))
        fact = SentenceFacts(
            sentence,
            index,
            part,
            found,
            frozenset(k for k, hit in kinds.items() if n in hit),
            negated_exit=negated,
            compliance=_complies(sentence, complying.get(n, [])),
            surveillance_denied=n in denied,
        )
        facts.append(fact)
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

    def _locate(self, match: re.Match[str]) -> tuple[int, int, int] | None:
        """Sentence number and offsets of a match, or None if it spans two sentences."""
        n = bisect_right(self.starts, match.start()) - 1
        start = self.starts[n]
        end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
        if match.end() > end:
            return None
        return n, match.start() - start, match.end() - start

    def sentences_with(self, pattern: re.Pattern[str]) -> set[int]:
        return {loc[0] for m in pattern.finditer(self.text) if (loc := self._locate(m))}

    def matches(self, pattern: re.Pattern[str]) -> dict[int, list[tuple[int, int]]]:
        found: dict[int, list[tuple[int, int]]] = {}
        for match in pattern.finditer(self.text):
            loc = self._locate(match)
            if loc:
                found.setdefault(loc[0], []).append((loc[1], loc[2]))
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
            if lx.EXIT_NEGATION.search(before):
                negated = True
                continue
            if lx.OTHER_ACTOR.search(before):
                continue
            found.append(ExitMention(start, end, before, by_government))
    found.sort(key=lambda m: m.start)
    return found, negated and not found


def _complies(sentence: str, spans: list[tuple[int, int]]) -> bool:
    """A company going along with a demand; "will not comply" is a refusal instead."""
    for start, _ in spans:
        if not lx.COMPLIANCE_NEGATION.search(sentence[max(0, start - 40) : start]):
            return True
    return False


def neighbours(facts: list[SentenceFacts], position: int, distance: int) -> list[SentenceFacts]:
    """Sentences near one sentence; the title and summary count as next to the lead."""
    here = facts[position]
    near = []
    for other_position, other in enumerate(facts):
        if other_position == position:
            continue
        if abs(other_position - position) <= distance or (here.lead and other.lead):
            near.append(other)
    return near
