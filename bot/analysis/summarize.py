"""Extractive summary: two or three of the source's own sentences, at most 500 characters.

Sentences are picked for the job they do — the exit (who leaves where), the demand (why),
the stage or date (how far, when) — and kept in source order so the summary reads like
the story. Only cleaned sentences are eligible, so boilerplate can never be chosen; the
headline is used only when no picked sentence names the company or the country.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.analysis.facts import SentenceFacts

MAX_CHARS = 500
MAX_SENTENCES = 3
_ELLIPSIS = "…"

# a role scores how well a sentence does one job, given company, country and date
Role = Callable[[SentenceFacts, str | None, str | None, str | None], float]


def summarize(
    facts: list[SentenceFacts], company: str | None, country: str | None, date: str | None
) -> str:
    """Pick and join the sentences that say who leaves where, why, and how far it went."""
    pool = [f for f in facts if f.part != "title"]
    if not pool:
        pool = [f for f in facts if f.part == "title"]
    chosen: list[SentenceFacts] = []
    for role in (_exit_role, _demand_role, _stage_role):
        pick = _best(pool, chosen, role, (company, country, date))
        if pick is not None:
            chosen.append(pick)
    if company and chosen and not any(_mentions(f.text, company) for f in chosen):
        chosen = _with_company(pool, chosen, company)
    title = next((f for f in facts if f.part == "title"), None)
    if title is not None and title not in chosen and not _names_both(chosen, company, country):
        chosen = [title, *chosen[: MAX_SENTENCES - 1]]
    chosen.sort(key=_order)
    return _fit([_sentence(f.text) for f in chosen])


def _best(
    pool: list[SentenceFacts],
    chosen: list[SentenceFacts],
    role: Role,
    context: tuple[str | None, str | None, str | None],
) -> SentenceFacts | None:
    ranked = [(role(f, *context), f) for f in pool if f not in chosen]
    ranked = [r for r in ranked if r[0] > 0]
    if not ranked:
        return None
    # best score first; among equals the earliest sentence, as news puts the key fact first
    return min(ranked, key=lambda r: (-r[0], _order(r[1])))[1]


def _with_company(
    pool: list[SentenceFacts], chosen: list[SentenceFacts], company: str
) -> list[SentenceFacts]:
    """Make room for the first sentence that names the company: a summary must say who.

    Stories often name the company once ("The company, Halyard, said...") in a sentence
    that does none of the three jobs; without it the summary would tell of "a provider".
    """
    naming = next((f for f in pool if _mentions(f.text, company)), None)
    if naming is None:
        return chosen
    return [*chosen[: MAX_SENTENCES - 1], naming]


def _order(fact: SentenceFacts) -> tuple[int, int]:
    """Reading order: headline, then feed summary, then body."""
    return ({"title": 0, "summary": 1}.get(fact.part, 2), fact.index)


def _mentions(text: str, name: str | None) -> bool:
    return bool(name) and name.lower() in text.lower()


def _exit_role(
    fact: SentenceFacts, company: str | None, country: str | None, date: str | None
) -> float:
    if not fact.has_exit:
        return 0.0
    return 2.0 + _mentions(fact.text, company) + _mentions(fact.text, country) + fact.lead


def _demand_role(
    fact: SentenceFacts, company: str | None, country: str | None, date: str | None
) -> float:
    if not fact.surveillance:
        return 0.0
    return 1.0 + fact.surveillance_demand + 0.5 * _mentions(fact.text, country) + 0.5 * fact.lead


def _stage_role(
    fact: SentenceFacts, company: str | None, country: str | None, date: str | None
) -> float:
    score = 0.0
    if date and date in fact.text:
        score += 1.5
    if fact.reverse or fact.complete:
        score += 1.0
    return score


def _names_both(chosen: list[SentenceFacts], company: str | None, country: str | None) -> bool:
    text = " ".join(f.text for f in chosen)
    return (not company or _mentions(text, company)) and (not country or _mentions(text, country))


def _sentence(text: str) -> str:
    """Headlines carry no full stop; a summary sentence needs one."""
    text = text.strip()
    return text if text[-1:] in '.!?…"”»' else text + "."


def _fit(sentences: list[str]) -> str:
    """Drop trailing sentences, then cut at a word, until the summary fits 500 characters."""
    while len(sentences) > 1 and len(" ".join(sentences)) > MAX_CHARS:
        sentences = sentences[:-1]
    summary = " ".join(sentences[:MAX_SENTENCES])
    if len(summary) <= MAX_CHARS:
        return summary
    cut = summary[: MAX_CHARS - len(_ELLIPSIS)].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + _ELLIPSIS
