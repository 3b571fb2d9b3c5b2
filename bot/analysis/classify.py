"""Decide whether a story is about an exit over a surveillance demand, and explain why.

The score is a transparent sum of evidence, not a trained model: an exit (or a government
cutting a service off) linked to a surveillance demand in the same or a nearby sentence,
helped by a causal word, a refusal or a headline exit, and pulled down by a reason that is
not surveillance (sanctions, war, tax, censorship, espionage fears...), by the company
complying, or by the story denying that any surveillance demand was made. Each piece that
fires becomes a `Signal` naming the sentence it fired in, which is what `/exits why` shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.analysis.facts import SentenceFacts, neighbours
from bot.models import Signal

THRESHOLD = 0.5
_BASE = 0.1
_LINK_WEIGHT = 0.6
_LINK_SAME_DEMAND = 1.0
_LINK_SAME_TOPIC = 0.7
_LINK_NEAR_DEMAND = 0.75
_LINK_NEAR_TOPIC = 0.5
_LINK_FAR_DEMAND = 0.5
_BLOCK_DISCOUNT = 0.85  # a government cut-off is an exit only by its stated reason
_CAUSAL_BONUS = 0.08
_REFUSAL_BONUS = 0.08
_REPEAT_BONUS = 0.07
_HEADLINE_BONUS = 0.05
_REASON_PENALTY = 0.4
_MIXED_REASON_PENALTY = 0.15
_COMPLIANCE_PENALTY = 0.35
_DENIAL_PENALTY = 0.3


@dataclass(frozen=True, slots=True)
class Verdict:
    """Relevance, score and the evidence behind them."""

    relevant: bool
    score: float
    signals: list[Signal]
    exit_positions: list[int]  # sentences whose exit is linked to a surveillance demand


def classify(facts: list[SentenceFacts], threshold: float = THRESHOLD) -> Verdict:
    """Score the article from its sentence facts."""
    signals: list[Signal] = []
    link, best, linked = _best_link(facts)
    score = _BASE + _LINK_WEIGHT * link
    if best is not None:
        anchor = facts[best]
        signals.append(Signal(_link_name(anchor), round(_LINK_WEIGHT * link, 3), anchor.text))
        score += _bonuses(facts, best, linked, signals)
        score -= _penalties(facts, best, signals)
    score = round(min(1.0, max(0.0, score)), 3)
    return Verdict(score >= threshold, score, signals, linked)


def _best_link(facts: list[SentenceFacts]) -> tuple[float, int | None, list[int]]:
    """The strongest exit-to-surveillance link, where it is, and every linked exit."""
    best_strength, best_position, linked = 0.0, None, []
    for position, fact in enumerate(facts):
        if not fact.has_exit:
            continue
        strength = _link_strength(facts, position)
        if all(m.by_government for m in fact.exits):
            strength *= _BLOCK_DISCOUNT
        if strength >= _LINK_NEAR_TOPIC:
            linked.append(position)
        if strength > best_strength:
            best_strength, best_position = strength, position
    return best_strength, best_position, linked


def _link_strength(facts: list[SentenceFacts], position: int) -> float:
    fact = facts[position]
    if fact.surveillance_demand:
        return _LINK_SAME_DEMAND
    close = neighbours(facts, position, 1)
    if any(n.surveillance_demand for n in close):
        return _LINK_NEAR_DEMAND
    if fact.surveillance:
        return _LINK_SAME_TOPIC
    if any(n.surveillance_demand for n in neighbours(facts, position, 2)):
        return _LINK_FAR_DEMAND
    if any(n.surveillance for n in close):
        return _LINK_NEAR_TOPIC
    return 0.0


def _link_name(fact: SentenceFacts) -> str:
    kind = "government cut-off" if all(m.by_government for m in fact.exits) else "exit"
    return f"{kind} linked to surveillance demand"


def _bonuses(facts: list[SentenceFacts], best: int, linked: list[int], out: list[Signal]) -> float:
    bonus = 0.0
    anchor = facts[best]
    if anchor.causal and (anchor.surveillance or anchor.demand):
        bonus += _CAUSAL_BONUS
        out.append(Signal("causal link", _CAUSAL_BONUS, anchor.text))
    refusal = next((f for f in facts if f.refusal and (f.has_exit or f.surveillance)), None)
    if refusal is not None:
        bonus += _REFUSAL_BONUS
        out.append(Signal("company refuses the demand", _REFUSAL_BONUS, refusal.text))
    if len(linked) > 1:
        bonus += _REPEAT_BONUS
        out.append(Signal("exit restated", _REPEAT_BONUS, facts[linked[1]].text))
    headline = next((f for f in facts if f.part == "title" and f.has_exit), None)
    if headline is not None:
        bonus += _HEADLINE_BONUS
        out.append(Signal("exit in headline", _HEADLINE_BONUS, headline.text))
    return bonus


def _penalties(facts: list[SentenceFacts], best: int, out: list[Signal]) -> float:
    penalty = 0.0
    anchor = facts[best]
    context = [anchor, *neighbours(facts, best, 1)]
    for fact in context:
        if fact.near and (fact is anchor or fact.has_exit or not fact.surveillance_demand):
            weight = _MIXED_REASON_PENALTY if anchor.surveillance_demand else _REASON_PENALTY
            reasons = ", ".join(sorted(fact.near))
            out.append(Signal(f"other reason: {reasons}", -weight, fact.text))
            penalty += weight
            break
    if _complies_without_exit_plan(facts):
        complying = next(f for f in facts if f.compliance)
        out.append(Signal("company complies", -_COMPLIANCE_PENALTY, complying.text))
        penalty += _COMPLIANCE_PENALTY
    denial = next((f for f in facts if f.surveillance_denied), None)
    if denial is not None:
        out.append(Signal("no surveillance demand", -_DENIAL_PENALTY, denial.text))
        penalty += _DENIAL_PENALTY
    return penalty


def _complies_without_exit_plan(facts: list[SentenceFacts]) -> bool:
    """Going along with a demand is a near miss unless it settles an earlier exit plan."""
    if not any(f.compliance for f in facts):
        return False
    if any(f.refusal for f in facts):
        return False
    return not any(f.reverse and (f.prior or f.has_exit) for f in facts)
