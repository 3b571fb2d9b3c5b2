"""Answering a member's question from the sources' own sentences: small, offline, repeatable.

The question is first given a type (when, who said, what demand, why, what next, where,
how many, which company) by concept lexicons, so phrasings no rule names still land where
they belong: "by what date must they be gone?" is a *when* question because of "date",
"what made them pull out?" a *why* question because of "what made". Every sentence of every
source is then scored by the cues of that type (a date, a quote and a speech verb, the
demand vocabulary, causal connectives, later-stage verbs...) and by how much of the
question's own vocabulary it shares (stemmed, stop words removed, weighted by rarity). The
best one or two sentences are the answer, quoted with their source. Below a confidence
threshold the answer is an honest "the sources don't say": a made-up answer in a news bot
is worse than none.

The work is bounded (`considered`) and CPU-bound: the service runs it in a worker thread.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.query.countries import country_key
from bot.query.results import Answer, Passage

TYPED_THRESHOLD = 0.3
GENERAL_THRESHOLD = 0.5
SECOND_PASSAGE_RATIO = 0.8
CUE_WEIGHT = 0.65
OVERLAP_WEIGHT = 0.35
MIN_SENTENCE_WORDS = 4
MAX_QUESTION_LENGTH = 500
# What one answer reads, so a question costs the same however long the stored sources are
# (scoring is ~0.2 ms a sentence: 40,000 took 23 s). A news article answers questions
# about an exit in its first few dozen sentences; 200 is a 4,000-word feature.
MAX_SENTENCES_PER_SOURCE = 200
# Across all sources: an event with many sources reads the lead of each.
MAX_SENTENCES = 2000
# Longer "sentences" are unsplit runs (tables, lists without full stops), not quotable.
MAX_SENTENCE_CHARS = 1000

_STOP_TEXT = """a about above after again all am an and any are as at be been before being below
    between both but by can could did do does doing done down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those
    through to too under until up very was we were what whats which while who whom whose
    why will with would you your yours s t d ll m re ve tell me please know anything
    something thing things any really actually exactly did get got go going gone much
    many also say"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_SUFFIXES = (
    "ational", "ations", "ation", "ements", "ement", "ments", "ment", "ingly", "ities",
    "ity", "ness", "ings", "ing", "ies", "ied", "ed", "ers", "er", "ly", "ive", "es", "s",
)  # fmt: skip


def stem(word: str) -> str:
    """A light suffix-stripping stem: "leaving", "leaves", "leave" all become "leav".

    Precision is not the point; the same word in a question and in an article must meet.
    """
    word = word.casefold()
    if len(word) <= 3:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix in ("ies", "ied", "ities"):
                word = word[: -len(suffix)] + "y"
            elif suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            else:
                word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, apostrophes and punctuation dropped."""
    return [w.casefold() for w in _TOKEN.findall(text.replace("’", "'"))]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (stop words removed)."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


# --- sentence cues --------------------------------------------------------------------

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_FULL_DATE = re.compile(
    rf"\b(?:{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"{_MONTHS}\b|{_MONTHS}\s+(?:19|20)\d\d\b|\d{{4}}-\d{{2}}-\d{{2}}\b)",
    re.IGNORECASE,
)
_RELATIVE_DATE = re.compile(
    rf"\b(?:(?:next|this|last|coming)\s+(?:week|month|year|spring|summer|autumn|fall|winter)|"
    rf"(?:within|in)\s+(?:\d+|a|one|two|three|four|six|ninety|thirty|sixty)\s+"
    rf"(?:days?|weeks?|months?|years?)|(?:end|beginning|start|middle)\s+of\s+"
    rf"(?:the\s+)?(?:year|month|week|{_MONTHS}|(?:19|20)\d\d)|(?:early|mid|late)[- ]"
    rf"(?:{_MONTHS}|(?:19|20)\d\d)|today|tomorrow|yesterday|immediately|"
    rf"(?:first|second|third|fourth)\s+quarter|q[1-4]\b|{_MONTHS}\b|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TIME_WORDS = re.compile(
    r"\b(?:deadline|effective|take effect|takes effect|starting|from|as of|until|by|"
    r"before|after|no later than|begin|begins|start|starts|when)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[“\"«]([^”\"»]{12,})[”\"»]")
_SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|stated|states|added|wrote|writes|explained|argued|"
    r"warned|insisted|noted|claimed|according to|in a statement|statement|blog post|"
    r"spokesperson|spokesman|spokeswoman|announced|confirmed|commented|quoted|interview|"
    r"tweeted|posted)\b",
    re.IGNORECASE,
)
_DEMAND = re.compile(
    r"\b(?:demand\w*|requir\w*|request\w*|order\w*|law|laws|legislation|bill|decree|"
    r"regulat\w*|rules?|authorit\w*|government\w*|ministr\w*|minister|officials?|"
    r"monitor\w*|intercept\w*|access|backdoors?|back doors?|decrypt\w*|encrypt\w*|keys?|"
    r"surveil\w*|logs?|logging|retain\w*|retention|hand over|handing over|locali[sz]\w*|"
    r"wiretap\w*|scan\w*|compel\w*|mandat\w*|comply|compliance|directive|user data|"
    r"traffic|messages)\b",
    re.IGNORECASE,
)
_CAUSAL = re.compile(
    r"\b(?:because|due to|as a result|citing|cited|reasons?|so that|in order to|"
    r"rather than|refus\w*|unwilling|will not comply|won't comply|would not comply|"
    r"cannot|can't|in protest|led to|prompted|forced|owing to|on the grounds|principle|"
    r"concerns?|over|since|after|argu\w*|risks?|endanger\w*)\b",
    re.IGNORECASE,
)
_STRONG_CAUSAL = re.compile(
    r"\b(?:because|due to|as a result|citing|reasons?|rather than|refus\w*|unwilling|"
    r"will not comply|won't comply|in protest|owing to|on the grounds|concerns?|principle)\b",
    re.IGNORECASE,
)
_LATER = re.compile(
    r"\b(?:later|subsequently|since then|has since|have since|following|eventually|"
    r"finally|afterwards|now|then|completed|shut|shuts|shut down|ceased|closed|closes|"
    r"withdrew|withdrawn|left|exited|pulled|reversed|reverses|agreed|agreement|deal|"
    r"returned|returns|resumed|resumes|backed down|back down|postponed|delayed|extended|"
    r"reached|compromise|stays|stayed|remain\w*|u-turn|dropped|suspended|will|plans?|"
    r"expects?|next)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"(?:\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|dozens?|hundreds?|thousands?|millions?|billions?)\b)",
    re.IGNORECASE,
)
_COUNTED = (
    r"(?:users|customers|subscribers|people|employees|staff|jobs|servers|accounts|"
    r"devices|businesses|companies|percent|per cent|%)"
)
_QUANTITY = re.compile(
    rf"(?:\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens|hundreds|"
    rf"thousands|millions))(?:\s+(?:million|billion|thousand|hundred))?\s*(?:of\s+)?"
    rf"(?:\w+\s+)?{_COUNTED}",
    re.IGNORECASE,
)
_EXIT = re.compile(
    r"\b(?:leav\w*|left|exit\w*|withdraw\w*|withdrew|pull\w* out|pull\w*|quit\w*|"
    r"shut\w*|clos\w*|stop\w*|suspend\w*|cease\w*|depart\w*|abandon\w*|threaten\w*)\b",
    re.IGNORECASE,
)
_PLACE_HINT = re.compile(r"\b(?:country|countries|region|market|nation|territory)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")


def _hits(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))


def _when_cue(sentence: str) -> float:
    """A date answers "when": an explicit one best, a relative one or a year less so."""
    if _FULL_DATE.search(sentence):
        base = 0.9
    elif _RELATIVE_DATE.search(sentence):
        base = 0.75
    elif _YEAR.search(sentence):
        base = 0.55
    else:
        return 0.0
    return min(1.0, base + 0.15 * min(_hits(_TIME_WORDS, sentence), 1))


def _said_cue(sentence: str) -> float:
    quoted = bool(_QUOTE.search(sentence))
    speech = bool(_SPEECH.search(sentence))
    return 1.0 if quoted and speech else 0.6 if quoted or speech else 0.0


def _demand_cue(sentence: str) -> float:
    count = _hits(_DEMAND, sentence)
    return 0.0 if count == 0 else min(1.0, 0.35 + 0.2 * count)


def _why_cue(sentence: str) -> float:
    strong, weak = _hits(_STRONG_CAUSAL, sentence), _hits(_CAUSAL, sentence)
    if not weak:
        return 0.0
    base = 0.75 if strong else 0.4
    return min(1.0, base + 0.1 * (weak - 1) + 0.1 * min(_hits(_DEMAND, sentence), 2))


def _next_cue(sentence: str) -> float:
    """Later-stage verbs answer "what next"; a plain exit verb at least says where it stands."""
    count = _hits(_LATER, sentence)
    if count:
        return min(1.0, 0.4 + 0.15 * count)
    return 0.35 if _EXIT.search(sentence) else 0.0


def _where_cue(sentence: str) -> float:
    names = [name for name in _NAME.findall(sentence) if country_key(name)]
    if names:
        return 0.8 + 0.2 * bool(_EXIT.search(sentence))
    return 0.4 if _PLACE_HINT.search(sentence) else 0.0


def _count_cue(sentence: str) -> float:
    """A number that counts something ("2 million users") beats a bare number."""
    if _QUANTITY.search(sentence):
        return 1.0
    numbers = _NUMBER.findall(sentence)
    return 0.5 if len(numbers) > len(_YEAR.findall(sentence)) else 0.0


def _company_cue(sentence: str) -> float:
    return 0.8 if _EXIT.search(sentence) and _NAME.search(sentence[1:]) else 0.0


# --- question types -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionType:
    """One kind of question: the words that signal it, its sentence cue, its "not said"."""

    name: str
    triggers: frozenset[str]  # stems
    phrases: tuple[str, ...]  # lower-case phrases, matched on the question text
    cue: Callable[[str], float]
    unknown: str  # completes "The sources don't say ..."


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in text.split())


QUESTION_TYPES = (
    QuestionType(
        "when",
        _stems(
            "when date dates deadline day days timing timeline time schedule scheduled "
            "effective effect start starts begin begins kick soon month year week until"
        ),
        ("how long", "how soon", "by when", "what time", "take effect", "kick in", "by what"),
        _when_cue,
        "when that happens",
    ),
    QuestionType(
        "said",
        _stems(
            "said say says saying quote quoted quotes statement comment comments "
            "spokesperson spokesman spokeswoman told speak spoke spoken stated words "
            "according remark remarks response respond responded announce announced"
        ),
        ("who said", "what did they say", "in their own words", "who spoke"),
        _said_cue,
        "who said it",
    ),
    QuestionType(
        "why",
        _stems("why reason reasons cause caused motive motivation rationale because purpose"),
        ("how come", "what made", "what led", "what prompted", "what drove", "behind the"),
        _why_cue,
        "why",
    ),
    QuestionType(
        "count",
        _stems("number amount figure figures percent percentage"),
        ("how many", "how much"),
        _count_cue,
        "how many",
    ),
    QuestionType(
        "where",
        _stems("where country countries region regions location place market markets"),
        ("which country", "what country", "which countries", "which market"),
        _where_cue,
        "where",
    ),
    QuestionType(
        "next",
        _stems(
            "next then later afterwards since update updates latest outcome result "
            "finally eventually still status follow followed happen happened happening "
            "return returned reverse reversed resolved deal stay stayed end ended now "
            "actually really leave left gone"
        ),
        ("what happened", "come back", "go through", "back down", "did they", "have they"),
        _next_cue,
        "what happened next",
    ),
    QuestionType(
        "demand",
        _stems(
            "demand demanded demands want wanted wants ask asked request requested require "
            "required requirement order ordered law rule rules regulation regulator "
            "government authorities authority ministry access backdoor monitor monitoring "
            "surveillance intercept decrypt encryption keys comply insist insisted pressure"
        ),
        ("back door", "hand over", "asked for"),
        _demand_cue,
        "what the government demanded",
    ),
    QuestionType(
        "company",
        _stems("company companies firm firms business who"),
        ("which company", "what company", "who is leaving", "who's leaving", "who left"),
        _company_cue,
        "which company it is",
    ),
)
_INTERROGATIVES = {"when": "when", "why": "why", "where": "where"}


def classify(question: str) -> QuestionType | None:
    """The type of a question, or None when it names no known concept (general question).

    Each trigger word counts once and each phrase twice; an interrogative (when, why,
    where) counts twice more. Ties go to the earlier, more specific type.
    """
    text = " ".join(words(question))
    stems = {stem(word) for word in words(question)}
    best, best_score = None, 0.0
    for kind in QUESTION_TYPES:
        score = float(len(stems & kind.triggers))
        score += sum(2.0 for phrase in kind.phrases if re.search(rf"\b{phrase}\b", text))
        if any(_INTERROGATIVES.get(word) == kind.name for word in text.split()):
            score += 2.0
        if score > best_score:
            best, best_score = kind, score
    return best


# --- scoring and answering ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One source's text as the answerer needs it (from a stored story or a fresh analysis)."""

    story_id: int | None
    title: str
    url: str | None
    outlet: str
    sentences: Sequence[str]


@dataclass(frozen=True, slots=True)
class _Scored:
    score: float
    source_index: int
    sentence_index: int
    sentence: str


def answer(
    question: str, sources: Sequence[Source], *, ref: int | None = None, headline: str = ""
) -> Answer:
    """Answer `question` from the sentences of `sources` (given oldest first).

    The answer is one or two sentences quoted with their sources, or a clear statement
    that the sources do not say when nothing fits well enough.
    """
    question = " ".join(question.split())[:MAX_QUESTION_LENGTH]
    sources = considered(sources)
    kind = classify(question)
    name = kind.name if kind else "general"
    missing = _unknown_names(question, sources)
    if missing:
        text = f"The sources don't say: they don't mention {', '.join(missing)}."
        return Answer(question, name, False, text, [], 0.0, ref, headline)
    ranked = _rank(question, kind, sources)
    threshold = TYPED_THRESHOLD if kind else GENERAL_THRESHOLD
    if not ranked or ranked[0].score < threshold:
        confidence = ranked[0].score if ranked else 0.0
        text = _not_said(kind, question)
        return Answer(question, name, False, text, [], confidence, ref, headline)
    chosen = [ranked[0]]
    for other in ranked[1:]:
        if other.score < max(threshold, SECOND_PASSAGE_RATIO * ranked[0].score):
            break
        if _same_text(other.sentence, ranked[0].sentence):
            continue
        chosen.append(other)
        break
    chosen.sort(key=lambda s: (s.source_index, s.sentence_index))
    passages = [_passage(sources[s.source_index], s.sentence) for s in chosen]
    text = " ".join(s.sentence for s in chosen)
    return Answer(question, name, True, text, passages, round(ranked[0].score, 3), ref, headline)


def considered(sources: Sequence[Source]) -> list[Source]:
    """The sources cut to what one answer reads.

    The leading `MAX_SENTENCES_PER_SOURCE` sentences of each (fewer when many sources
    share `MAX_SENTENCES`), none over `MAX_SENTENCE_CHARS`: news puts the facts first, and
    the stored text is as long as the article, which anyone's feed decides.
    """
    keep = min(MAX_SENTENCES_PER_SOURCE, max(1, MAX_SENTENCES // max(len(sources), 1)))
    return [
        replace(s, sentences=[t for t in s.sentences[:keep] if len(t) <= MAX_SENTENCE_CHARS])
        for s in sources
    ]


def _rank(question: str, kind: QuestionType | None, sources: Sequence[Source]) -> list[_Scored]:
    """Every usable sentence with its score, best first (earlier sources win ties)."""
    sentences = [
        (i, j, sentence)
        for i, source in enumerate(sources)
        for j, sentence in enumerate(source.sentences)
        if len(sentence.split()) >= MIN_SENTENCE_WORDS
    ]
    if not sentences:
        return []
    terms = {(i, j): _terms(sentence) for i, j, sentence in sentences}
    idf = _idf(list(terms.values()))
    focus = _focus(question, kind)
    last = max(len(sources) - 1, 1)
    scored = []
    for i, j, sentence in sentences:
        overlap = _overlap(focus, terms[i, j], idf)
        if kind is None:
            score = overlap
        else:
            cue = kind.cue(sentence)
            if cue == 0.0:
                continue
            if kind.name == "next":
                cue = min(1.0, cue + 0.25 * i / last)
            score = CUE_WEIGHT * cue + OVERLAP_WEIGHT * overlap if focus else cue * 0.85
        scored.append(_Scored(score, i, j, sentence))
    scored.sort(key=lambda s: (-s.score, s.source_index, s.sentence_index))
    return scored


def _country_terms(text: str) -> dict[str, str]:
    """Country names in a text as `country:<code>` terms, keyed by the name as written."""
    found = {}
    for name in _NAME.findall(text):
        key = country_key(name)
        if key:
            found[name] = f"country:{key}"
    return found


def _terms(text: str) -> set[str]:
    """What a sentence is about: its stems, plus its countries however they are spelled."""
    return set(content_stems(text)) | set(_country_terms(text).values())


def _focus(question: str, kind: QuestionType | None) -> list[str]:
    """The question's meaningful terms, minus the words that only name its type.

    A country in the question counts as its code, so "Britain" meets "United Kingdom".
    """
    countries = _country_terms(question)
    country_words = {stem for name in countries for stem in content_stems(name)}
    stems = [s for s in content_stems(question) if s not in country_words]
    if kind is not None:
        stems = [s for s in stems if s not in kind.triggers]
    return list(dict.fromkeys([*stems, *countries.values()]))


def _idf(sentences: list[set[str]]) -> dict[str, float]:
    """Rarer words weigh more: a match on "backdoor" says more than one on "company"."""
    counts: dict[str, int] = {}
    for terms in sentences:
        for token in terms:
            counts[token] = counts.get(token, 0) + 1
    total = len(sentences)
    return {token: math.log(1 + total / (1 + n)) + 0.5 for token, n in counts.items()}


def _overlap(focus: list[str], sentence: set[str], idf: dict[str, float]) -> float:
    """The share of the question's weight the sentence covers (0 when the question has none).

    Words no source uses weigh as much as the rarest, so a question about something the
    sources never mention cannot score high on the words they do share.
    """
    if not focus:
        return 0.0
    ceiling = max(idf.values(), default=1.0)
    weights = {token: idf.get(token, ceiling) for token in focus}
    covered = sum(weight for token, weight in weights.items() if token in sentence)
    return covered / sum(weights.values())


def _unknown_names(question: str, sources: Sequence[Source]) -> list[str]:
    """Capitalised names in the question (not its first word) that no source mentions.

    "When did Apple leave?" asked of a story about another company must not be answered
    with that company's date.
    """
    known = set()
    for source in sources:
        known.update(content_stems(source.title))
        for sentence in source.sentences:
            known.update(content_stems(sentence))
    missing = []
    for match in _NAME.finditer(question):
        if match.start() == 0:
            continue
        name = re.sub(r"['’]s$", "", match.group(0).strip(".’'"))
        stems = content_stems(name)
        if stems and not any(s in known for s in stems) and not _is_known_country(name, sources):
            missing.append(name)
    return missing


def _is_known_country(name: str, sources: Sequence[Source]) -> bool:
    """ "Britain" asked of a story that says "United Kingdom" is not an unknown name."""
    key = country_key(name)
    if key is None:
        return False
    return any(
        country_key(found) == key
        for source in sources
        for text in (source.title, *source.sentences)
        for found in _NAME.findall(text)
    )


def _not_said(kind: QuestionType | None, question: str) -> str:
    if kind is None:
        return f'The sources don\'t say: nothing in them answers "{question}".'
    return f"The sources don't say {kind.unknown}."


def _same_text(a: str, b: str) -> bool:
    return content_stems(a) == content_stems(b)


def _passage(source: Source, sentence: str) -> Passage:
    return Passage(sentence, source.story_id, source.title, source.url, source.outlet)
