"""How far the exit has gone: threatened, announced, completed or reversed.

Stories mention earlier stages ("a month ago it said it would leave"), so each exit
sentence votes with the modality right before its exit verb, and the headline and lead
votes weigh most. A reversal in the lead (stays, ban lifted, deal reached) wins, because
a reversal story always recounts the exit it undoes.
"""

from __future__ import annotations

import re

from bot.analysis import lexicon as lx
from bot.analysis.facts import ExitMention, SentenceFacts
from bot.models import Stage

_PART_WEIGHT = {"title": 3.0, "summary": 2.0}
_BODY_WEIGHTS = (2.0, 1.5, 1.0, 1.0)
_LATE_WEIGHT = 0.5
_UNMARKED = 0.4  # an exit verb in the present with no modal: usually a fresh announcement
_PRIORITY = (Stage.REVERSED, Stage.COMPLETED, Stage.ANNOUNCED, Stage.THREATENED)
_STRONG_THREAT = re.compile(
    r"(?<![\w-])(?:threat\w*|warn\w*|could|might|(?-i:may)|prepared\s+to|ready\s+to|willing\s+to|"
    r"consider\w*|weigh\w*|rather|unless|vow\w*|poised|droh\w*|könnte\w*|erwäg\w*|notfalls|"
    r"menac\w*|pourrai\w*|\w+erait|préfér\w*|envisag\w*|amenaz\w*|podría\w*|\w+aría|\w+ería|"
    r"\w+iría|dispuest\w*|or\s+face)(?![\w])",
    re.I,
)
_WOULD = re.compile(r"\b(?:would|würde\w*|'d)\b", re.I)
_WILL = re.compile(r"\b(?:would|will|würde\w*|wird|'d|'ll)\b", re.I)
_IF = re.compile(r"\b(?:if|unless|falls|sollte\w*|si)\b", re.I)
_WINDOW = 90


def find_stage(facts: list[SentenceFacts]) -> Stage:
    """The stage with the most weighted votes; ties go to the later stage."""
    votes = dict.fromkeys(Stage, 0.0)
    prior_in_article = any(f.prior for f in facts)
    for fact in facts:
        weight = _weight(fact)
        if fact.lead and fact.reverse and (fact.has_exit or fact.prior or prior_in_article):
            votes[Stage.REVERSED] += weight * 1.5
            continue
        for mention in fact.exits:
            stage, strength = _mention_stage(fact, mention)
            votes[stage] += weight * strength
    return max(_PRIORITY, key=lambda stage: votes[stage])


def _weight(fact: SentenceFacts) -> float:
    if fact.part in _PART_WEIGHT:
        return _PART_WEIGHT[fact.part]
    if fact.index < len(_BODY_WEIGHTS):
        return _BODY_WEIGHTS[fact.index]
    return _LATE_WEIGHT


def _mention_stage(fact: SentenceFacts, mention: ExitMention) -> tuple[Stage, float]:
    """The stage one exit verb expresses, from the words just before it."""
    window = mention.before[-_WINDOW:] + fact.text[mention.start : mention.end]
    low_window, low_sentence = lx.lower(window), fact.low
    conditional = _WILL.search(window) and _IF.search(fact.text)
    if (
        _STRONG_THREAT.search(window)
        or conditional
        or (_WOULD.search(window) and lx.CONDITION.search(low_sentence))
    ):
        return Stage.THREATENED, 1.0
    if lx.PRIOR_EXIT.search(low_window):
        return Stage.ANNOUNCED, 0.3
    if lx.COMPLETE.search(low_window):
        return Stage.COMPLETED, 1.0
    if lx.ANNOUNCE.search(low_window) or _WOULD.search(window):
        return Stage.ANNOUNCED, 1.0
    if lx.COMPLETE.search(low_sentence):
        return Stage.COMPLETED, 0.6
    return Stage.ANNOUNCED, _UNMARKED
