"""Pull the who, where, what demand, when and the strongest quote out of a relevant story.

Every choice is made by position relative to the exit: the country is the one the exit
verb leaves ("exit Pakistan", "servers in India"), not the company's home ("the Canadian
firm"); the demand is the clause around the surveillance term in the sentence that links
to the exit; the date is one stated next to an exit or a deadline.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass

from bot.analysis import lexicon as lx
from bot.analysis.companies import find_company
from bot.analysis.countries import Mention, country_name, find_countries
from bot.analysis.facts import SentenceFacts
from bot.analysis.stage import find_stage
from bot.models import Stage

_EXIT_OBJECT = re.compile(
    r"(?:leav\w*|exit\w*|quit\w*|out\s+of|from|in|within|across|withdraw\w*\s+from|"
    r"verlass\w*|aus|quitter|quitterait|hors\s+de|de|du|en|dejar|dejará|salir\s+de|"
    r"abandonar)\s+(?:the\s+|der\s+|die\s+|dem\s+|den\s+|le\s+|la\s+|l'|el\s+|la\s+)?$",
    re.I,
)
_HOME_COUNTRY = re.compile(r"^[\s-]*(?:based|headquartered|owned|registered|firm|company)", re.I)
_DEMAND_WORDS = (
    r"(?<![\w-])(?:monitor|intercept|read|scan|log|store|retain|keep|record|hand\s+over|"
    r"turn\s+over|give|provide|build|break|weaken|undermine|decrypt|identify|trace|route|"
    r"install|connect|tap|retrieve|share|open\s+up|create|access|retention|scanning|"
    r"monitoring|logging|interception|backdoor|back\s+door)(?:s|ed|ing)?(?![\w-])"
)
_DEMAND_START = re.compile(_DEMAND_WORDS, re.I)
_DEMAND_STOP = re.compile(
    r"[.;:!?\"”»]|,\s+(?:which|and\s+it|but|saying|citing|the|a|according|including|as)\b|"
    r"\s(?:which|because|that\s+would|in\s+order|or\s+face|before|after|if|unless|so\s+that|"
    r"under|ahead\s+of|for\s+security|in\s+the\s+country|in\s+readable|rather|as|deepened|"
    r"came|comes|would|will|could|cannot|can|may|might|should|must|was|were|is|are|has|had|"
    r"and\s+(?:would|will|to|that))\b|"
    r",\s+(?:\w+ing|cannot|can|could|would|will|is|are|was|were|has|have|had|said|says)\b",
    re.I,
)
# a demand and what it asks for: "requires providers to [record]", "wanted to be able to
# [monitor]", "the ability to", "a rule that VPN providers [retain]", "must [keep]",
# "seeking [access to]"; the match ends where the demanded action starts
_DEMAND_COMPLEMENT = re.compile(
    r"(?<![\w-])(?:(?:requir\w*|oblig\w*|forc\w*|order\w*|compel\w*|demand\w*|want\w*|"
    r"ask\w*|mandat\w*|seek\w*|sought|push\w*|direct\w*|instruct\w*|insist\w*|ability|way|"
    r"power|powers|capability|obligation|duty)"
    r"(?:(?:\s+(?!to\s)[\w'’-]+){0,5}?\s+(?:to\s+(?:be\s+able\s+to\s+)?|"
    r"that\s+(?:[\w'’-]+\s+){1,4}?)|\s+(?:(?:a|an|the)\s+)?(?=(?:[\w-]+\s+)?(?:access|"
    r"back\s*doors?|decryption|interception)\b))|(?:must|(?:has|have|had)\s+to)\s+)"
    rf"(?={_DEMAND_WORDS})",
    re.I,
)
_MAX_DEMAND_WORDS = 12
# words a phrase cannot end on: "access to it", "monitor traffic on the"
_DANGLING = lx.word_set(
    "the a an to of and or with for by on in at its their it them his her against that which "
    "from into over under as where when who whose so"
)
# the law, not the demand: "retention rules", "scanning proposals", "interception regulations"
_INSTRUMENTS = lx.word_set(
    "rule rules law laws ordinance bill act decree decrees regulation regulations directive "
    "proposal proposals mandate notice notices requirement requirements regime changes overhaul"
)
_REPORTING = lx.word_set(
    "says said say told tells warns warned announced confirmed threatens threatened added"
)
_DEMAND_LABELS = {
    "access": "access to encrypted communications",
    "monitoring": "the ability to monitor communications",
    "scanning": "scanning of private messages",
    "retention": "retention of user data",
}
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember|janvier|février|mars|avril|mai|juin|"
    r"juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|"
    r"julio|agosto|septiembre|octubre|noviembre|diciembre"
)
_DATE = re.compile(
    r"(?:by|from|as\s+of|on|starting|until|before|effective|at\s+the\s+end\s+of|ab\s+dem|ab|zum|"
    r"bis|à\s+partir\s+du|d'ici|le|a\s+partir\s+del|el|hasta)?\s*"
    rf"(?:(?:\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTHS})(?:\s+(?:de\s+)?\d{{4}})?)|"
    rf"(?:(?:{_MONTHS})\s+\d{{1,2}}(?:,\s+\d{{4}})?)|(?:end\s+of\s+(?:{_MONTHS}))|"
    rf"(?:(?:Ende|fin)\s+(?:de\s+)?(?:{_MONTHS})))",
    re.I,
)
# cheap pre-check on lower-cased text before the full date pattern runs
_DATE_HINT = re.compile(
    r"\d|" + "|".join(m.lower() for m in _MONTHS.split("|")) + r"|\bend\s+of|\bende\b|\bfin\b"
)
# matched against lower-cased sentences
_DEADLINE = re.compile(
    r"take\s+effect|takes\s+effect|came\s+into\s+force|come\s+into\s+force|deadline|in\s+kraft|"
    r"entre(?:ra)?\s+en\s+vigueur|entre\s+en\s+vigor"
)
_QUOTE = re.compile(r"[\"“«„]\s*([^\"“”«»„]{25,400}?)\s*[\"”»“]")
_SPEAKER_AFTER = re.compile(
    r"^[\s,]*(?:(?:said|says|wrote|writes|told|added|warned|explained|argued|sagte|erklärte|"
    r"a\s+déclaré|a\s+expliqué|dijo|afirmó)\s+([^,.;]{2,60})|"
    r"([^,.;\"]{2,60}?)\s+(?:said|says|wrote|told|added|warned|sagte|dijo))",
    re.I,
)
_PRONOUNS = lx.word_set("he she they it we i sie er il elle ils él ella ellos")
_SPEAKER_BEFORE = re.compile(
    r"([A-Z][^,.;:\"“]{1,60}?)\s+(?:said|says|wrote|told|warned|added)(?:\s+\w+){0,4}\s*[:,]?\s*$",
)


@dataclass(frozen=True, slots=True)
class Extraction:
    """The facts a reader needs: who leaves where, because of what, and how far it went."""

    company: str | None
    country: str | None
    stage: Stage
    demand: str | None
    demand_kind: str | None
    effective_date: str | None
    quote: str | None
    quote_speaker: str | None


def extract(facts: list[SentenceFacts], linked: list[int]) -> Extraction:
    """Extract every field from the sentence facts of a relevant article."""
    demand, kind = find_demand(facts, linked)
    quote, speaker = find_quote(facts)
    return Extraction(
        company=find_company(facts),
        country=find_country(facts),
        stage=find_stage(facts),
        demand=demand,
        demand_kind=kind,
        effective_date=find_effective_date(facts),
        quote=quote,
        quote_speaker=speaker,
    )


def find_country(facts: list[SentenceFacts]) -> str | None:
    """The country the company leaves, as a standard English name."""
    scores: dict[str, float] = defaultdict(float)
    starts, offset = [], 0
    for fact in facts:
        starts.append(offset)
        offset += len(fact.text) + 1
    for mention in find_countries("\n".join(f.text for f in facts)):
        n = bisect_right(starts, mention.start) - 1
        shift = starts[n]
        local = Mention(mention.code, mention.start - shift, mention.end - shift, mention.kind)
        scores[mention.code] += _country_weight(facts[n], local)
    if not scores:
        return None
    best = max(scores, key=lambda code: scores[code])
    return country_name(best)


def _country_weight(fact: SentenceFacts, mention: Mention) -> float:
    before = fact.text[max(0, mention.start - 30) : mention.start]
    after = fact.text[mention.end : mention.end + 20]
    weight = 0.5
    if fact.has_exit:
        weight = 4.0 if _EXIT_OBJECT.search(before) else 2.0
    elif fact.surveillance_demand:
        weight = 1.5
    if fact.part == "title":
        weight += 2.0
    if mention.kind == "institution" and fact.surveillance:
        weight += 1.5
    if mention.kind in ("demonym", "city"):
        weight *= 0.5
    if _HOME_COUNTRY.match(after) or (mention.kind == "demonym" and _describes_company(after)):
        weight *= 0.1
    return weight


def _describes_company(after: str) -> bool:
    """ "Canadian smartphone company", "Swiss firm": the home country, not the one left."""
    return bool(re.match(r"\s+(?:\S+\s+)?(?:company|firm|provider|start-?up|group|maker)", after))


def find_demand(facts: list[SentenceFacts], linked: list[int]) -> tuple[str | None, str | None]:
    """A short phrase for the demand, and its kind (access, monitoring, scanning, retention).

    The best phrase is what the government asks the company to do, read as the complement
    of the demand ("requires VPN operators to *record ...*"); next, the phrase around the
    surveillance term. Sentences near the exit come first within each. A phrase that is a
    clause fragment ("no-logs VPN says it") or only names the law ("retention rules") is
    no phrase; then the kind's label stands in.
    """
    candidates = [f for f in facts if f.surveillance_demand] or [f for f in facts if f.surveillance]
    if not candidates:
        return None, None
    anchor = min(linked) if linked else 0
    position = {id(fact): n for n, fact in enumerate(facts)}

    def preference(fact: SentenceFacts) -> float:
        closeness = 0.2 * abs(position[id(fact)] - anchor)
        return closeness - 2 * fact.surveillance_demand

    english = sorted((f for f in candidates if _is_english(f.text)), key=preference)
    kind = _main_kind(facts)
    for read in (_complement_phrase, _demand_phrase):
        for fact in english:
            phrase = read(fact)
            if phrase:
                return phrase, kind
    return _DEMAND_LABELS[kind], kind


def _main_kind(facts: list[SentenceFacts]) -> str:
    """The demand kind named most often; retention wins ties (it is the more specific)."""
    counts: dict[str, int] = defaultdict(int)
    for fact in facts:
        for kind in fact.surveillance:
            counts[kind] += 1
    order = ("retention", "scanning", "access", "monitoring")
    return max(order, key=lambda kind: (counts.get(kind, 0), -order.index(kind)))


def _complement_phrase(fact: SentenceFacts) -> str | None:
    """What a demand asks for: "requires VPN operators to [record customers' names ...]"."""
    text = fact.text
    for match in _DEMAND_COMPLEMENT.finditer(text):
        verb = _DEMAND_START.match(text, match.end())
        phrase = _phrase(text, match.end(), verb.end() if verb else match.end())
        if phrase:
            return phrase
    return None


def _demand_phrase(fact: SentenceFacts) -> str | None:
    """The verb phrase around the surveillance term: "monitor all BES traffic"."""
    text = fact.text
    low = fact.low
    hit = None
    for pattern in lx.SURVEILLANCE_KINDS.values():
        match = pattern.search(low)
        if match and (hit is None or match.start() < hit.start()):
            hit = match
    if hit is None:
        return None
    window_start = max(0, hit.start() - 40)
    starts = list(_DEMAND_START.finditer(text, window_start, hit.end()))
    if not starts:
        return None  # "no-logs VPN", "surveillance ordinance": not something demanded
    return _phrase(text, starts[-1].start(), hit.end())


def _phrase(text: str, start: int, after: int) -> str | None:
    """The phrase from `start` to the next clause boundary after `after`, cut to fit.

    A cut falls on a list boundary (", " or " and ") so the phrase never ends mid-list,
    and trailing function words go ("access to it" -> "access"). A phrase that names
    only the instrument ("retention rules") or holds a reporting verb is rejected.
    """
    stop = _DEMAND_STOP.search(text, after)
    words = text[start : stop.start() if stop else len(text)].split()
    if len(words) > _MAX_DEMAND_WORDS:
        words = words[:_MAX_DEMAND_WORDS]
        if words[-1].lower() in ("and", "or"):
            words.pop()  # the cut fell on a list boundary already
        elif not words[-1].endswith(","):
            cut = " ".join(words)
            boundary = max(cut.rfind(", "), cut.rfind(" and "))
            if boundary > 0 and len(cut[:boundary].split()) >= 3:
                words = cut[:boundary].split()
    while words and words[-1].lower().strip(",") in _DANGLING:
        words.pop()
    if len(words) < 2:
        return None
    lowered = [word.lower().strip(",") for word in words]
    if _INSTRUMENTS.intersection(lowered[1:3]) or _REPORTING.intersection(lowered):
        return None
    return " ".join(words).strip(" ,")


def _is_english(text: str) -> bool:
    words = text.lower().split()
    return sum(w in lx.ENGLISH_HINTS for w in words) * 8 >= len(words)


def find_effective_date(facts: list[SentenceFacts]) -> str | None:
    """A date stated next to an exit or a deadline ("December 30", "1 September")."""
    for fact in facts:
        # cheapest test first: most sentences hold neither an exit nor a deadline
        if not (fact.has_exit or _DEADLINE.search(fact.low)):
            continue
        if not _DATE_HINT.search(fact.low):
            continue
        match = _DATE.search(fact.text)
        if match:
            return match.group().strip()
    return None


def find_quote(facts: list[SentenceFacts]) -> tuple[str | None, str | None]:
    """The quote that speaks most about the exit or the demand, and who said it."""
    best: tuple[float, str, str | None] | None = None
    for position, fact in enumerate(facts):
        for match in _QUOTE.finditer(fact.text):
            quote = match.group(1).strip()
            weight = _quote_weight(quote)
            if best is None or weight > best[0]:
                speaker = _speaker(facts, position, match)
                best = (weight, quote, speaker)
    if best is None:
        return None, None
    return best[1], best[2]


def _quote_weight(quote: str) -> float:
    quote = lx.lower(quote)
    weight = 0.0
    if lx.EXIT.search(quote):
        weight += 2.0
    if any(p.search(quote) for p in lx.SURVEILLANCE_KINDS.values()):
        weight += 1.5
    if lx.REFUSAL.search(quote):
        weight += 1.0
    return weight + min(len(quote), 200) / 1000


def _speaker(facts: list[SentenceFacts], position: int, match: re.Match[str]) -> str | None:
    text = facts[position].text
    after = _SPEAKER_AFTER.match(text[match.end() :])
    if after:
        speaker = (after.group(1) or after.group(2)).strip()
        # "she said": the card cannot show a pronoun; the person is named elsewhere
        return None if speaker.lower() in _PRONOUNS else speaker
    before = _SPEAKER_BEFORE.search(text[: match.start()])
    if before:
        return before.group(1).strip()
    if position > 0:
        previous = _SPEAKER_BEFORE.search(facts[position - 1].text.rstrip(".:"))
        if previous:
            return previous.group(1).strip()
    return None
