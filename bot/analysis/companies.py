"""Find the company that leaves: the actor of the exit verb, not the government.

Candidates are capitalised name spans. Each earns evidence from its role rather than from
a list of expected names: being the subject of an exit verb ("Signal would leave"), the
object of a cut-off ("Russia blocks Telegram"), an appositive after a descriptor ("the
encrypted mail provider Vaultline", "Vaultline, an encrypted mail provider,"), a legal
suffix ("Tessellate GmbH"), the headline. Countries, regulators, officials and people
introduced by their role are excluded.

A capital letter proves nothing at the start of a sentence, after a colon or in a
title-case headline: "Two other VPN companies", "Short take:", "Secure-mail company says".
A word seen only there counts as a name only when nothing marks it as an ordinary word
(a determiner, numeral, common adjective or rubric, a compound like "Secure-mail", a
modifier of "company" or "provider") and it is the actor of the exit or opens more than
one sentence. When no candidate is a name, the story never named the company, and the
answer is None rather than a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from bot.analysis.countries import find_countries
from bot.analysis.facts import SentenceFacts
from bot.analysis.lexicon import word_set

_SPAN = re.compile(
    r"(?<![\w'’-])(?:[A-Z0-9][\w'’&.-]*[\w&]|[A-Z])(?:\s+(?:[A-Z][\w'’&.-]*[\w&]|&|In|of))*"
)
LEGAL_SUFFIXES = word_set(
    "ltd limited inc incorporated corp corporation co company ag gmbh sa s.a sas se nv n.v bv "
    "b.v llc l.l.c plc pty holdings group oy ab asa s.p.a spa kk"
)
_DESCRIPTORS = word_set(
    """company firm provider app application service services startup start-up maker messenger
    messaging platform giant group operator developer vendor host hosting network client
    anbieter messenger-anbieter unternehmen hersteller dienst konzern firma
    messagerie fournisseur entreprise société groupe service application
    empresa proveedor servicio compañía aplicación plataforma"""
)
_ROLES = word_set(
    """chief executive officer president presidente présidente präsident präsidentin founder
    co-founder cofounder ceo cto coo director directeur directrice head spokesperson
    spokeswoman spokesman minister ministre ministra ministro governor secretary chairman chair
    justice judge counsel lawyer analyst researcher professor mitgründer mitgründerin gründer
    gründerin geschäftsführer geschäftsführerin firmenchef firmenchefin chef patron directora
    fundador fundadora ministerin sprecher sprecherin portavoz boss managing"""
)
_ROLE_LOOKBACK = 4  # words before a name in which a role marks it as a person
_STOPWORDS = word_set(
    """the a an and but or if in on at for from to of by with as after before since under over
    while when where what who why how this that these those it its they their we our you he she
    his her i there here according meanwhile however also today yesterday tomorrow now then
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december new
    der die das ein eine und oder aber wenn im in am auf für von zu mit als nach vor seit unter
    über bei es sie er wir ihr dieser diese dieses nun auch zuvor bislang
    le la les un une et ou mais si dans sur pour de du des à au aux avec comme après avant
    depuis il elle ils elles nous vous ce cette ces selon pour
    el los las uno una y o pero si en con como tras antes desde él ella ellos nosotros este esta
    estos según para por del al
    government ministry minister court parliament police officials authority authorities regulator
    commission council agency department office state president chief ceo users customers
    companies providers analysts experts critics privacy security news internet mobile vpn vpns
    apps cloud ai ip email e-mail sms mp mps mep meps senate senator senators congress
    congressional assembly committee cabinet bundestag bundesrat duma lords commons"""
)
# never a name, wherever they stand: "Another VPN", "Two other providers", "Several apps"
_DETERMINERS = word_set(
    """another other others several many some any each every both few fewer most more all no
    such same either neither own only even one two three four five six seven eight nine ten
    eleven twelve twenty thirty forty fifty hundred hundreds thousand thousands million dozen
    dozens first second third fourth fifth last next latest former latter
    zwei drei andere anderen mehrere viele einige jede jeder jedes alle deux trois autre
    autres plusieurs chaque tous toutes dos tres otro otra otros otras varios varias cada
    todos todas"""
)
# ordinary words that open sentences, rubrics ("Short take:") and generic actors: a name
# only when written as one somewhere else in the story
_GENERIC_OPENERS = word_set(
    """short quick brief long big small large major minor main key top leading popular
    prominent rival similar different various certain local foreign global national
    international domestic regional federal secure private public encrypted anonymous free
    open independent smaller larger bigger biggest largest early earlier late later recent
    recently previously currently separately similarly likewise elsewhere overall finally
    initially ultimately eventually originally already again once soon still yet instead
    together nearly almost roughly around because although though despite unlike without
    during until amid among against through between within thus so yes not nor whether
    unless whereas besides beyond following including given
    update updated analysis opinion explainer exclusive breaking watch listen correction
    editorial interview podcast video photos live recap roundup background context note
    comment review preview feature report reports briefing take takeaway factbox timeline
    ministers lawmakers legislators regulators researchers activists campaigners advocates
    engineers employees staff investors executives lawyers judges prosecutors governments
    citizens residents journalists groups rivals competitors people consumers subscribers
    operators platforms services firms businesses"""
)
# English words that a title-case headline capitalises and a sentence-case one never does
_TITLE_CASE_WORDS = word_set(
    "To Over With From For After Than In On Of And The Its As By At Into Says Will Would Could"
)
_QUOTES_AND_SPACE = frozenset(" \"“‘«„'")
_APPOSITIVE_AFTER = re.compile(r",\s+(?:a|an|the)\s+((?:[\w'’-]+\s+){0,3}[\w'’-]+)")
_FUNCTION_WORDS = word_set("of in and de du des del la le el & the")
# German capitalises every noun: these common ones are never company names
_COMMON_NOUNS = word_set(
    """regierung behörde behörden gesetz gesetzentwurf verordnung daten nutzer nutzerinnen dienst
    dienste grund hintergrund anbieter unternehmen firmenchef geschäftsführerin speicherung
    verschlüsselung überwachung nachrichten server land markt monate jahre funktion artikel
    newsletter polizei innenministerium verbot schritt hersteller nutzern ende mitgründer
    hintertür schnittstelle jahresende gericht datenschutz regulierungsbehörde"""
)
_KNOWN_COMPANIES = word_set(
    """apple google meta facebook instagram whatsapp signal telegram blackberry microsoft amazon
    yahoo linkedin tiktok bytedance huawei zte zoom cloudflare viber skype snapchat twitter x
    kaspersky yandex mozilla brave duckduckgo proton protonmail tutanota tuta threema wire
    element wickr session olvid mullvad expressvpn nordvpn surfshark cyberghost ipvanish
    privateinternetaccess pia windscribe tunnelbear hotspotshield vyprvpn dropbox box netflix
    uber spotify ericsson nokia vodafone telenor orange research-in-motion rim line kakao wechat
    tencent alibaba baidu naver openai anthropic"""
)
_NUMERAL = re.compile(r"\d+(?:s|st|nd|rd|th|g|m|bn|k)?(?:\s|$)", re.I)  # "2015", "1990s", "5G"
_NEXT_WORD = re.compile(r"\s+([a-z][\w-]*)")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_SUBJECT_GAP = re.compile(
    r"^\s*(?:'s\s+\S+\s*)?(?:,[^,]{0,40},\s*)?(?:\S+\s+){0,6}?$"
)  # between subject and verb: "says it will", "has told users it may", ", the firm said,"
_OBJECT_GAP = 24  # characters after a cut-off verb in which its object is named


def find_company(facts: list[SentenceFacts]) -> str | None:
    """The most likely leaving company in the article, with legal suffixes dropped.

    None when no candidate is shown to be a name: a story about "a VPN provider" that never
    names it must not be credited to "Two" or "Short".
    """
    scores: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    named: set[str] = set()  # shown to be names by how they are written or introduced
    acting: set[str] = set()  # only sentence-initial, but the actor of an exit
    plain: dict[str, int] = defaultdict(int)  # sentence-initial, not an ordinary word
    for fact in facts:
        if fact.part == "title" and _title_case(fact.text):
            continue  # every word is capitalised: no evidence, and one run-on span
        for candidate in _candidates(fact.text):
            name = candidate.name
            role = _role_evidence(fact, name, candidate.start, candidate.end)
            scores[name] += candidate.bonus + role
            counts[name] += 1
            if fact.part == "title":
                scores[name] += 1.5
            if candidate.named:
                named.add(name)
            elif not candidate.ordinary:
                plain[name] += 1
                if role > 0:
                    acting.add(name)
    for name, count in counts.items():
        scores[name] += 0.5 * min(count, 4)
        if name.lower() in _KNOWN_COMPANIES:
            scores[name] += 2.0
            named.add(name)
    # "Lockwell" at the start of sentences is the name "Lockwell VPN" begins with
    named |= {" ".join(words[:n]) for words in map(str.split, named) for n in range(1, len(words))}
    # a plain word opens a sentence once ("Short take:"); a name the story is about recurs
    acting |= {name for name, count in plain.items() if count >= 2}
    accepted = {name: scores[name] for name in counts if name in named or name in acting}
    merged = _merge_variants(accepted)
    if not merged:
        return None
    best, score = max(merged.items(), key=lambda item: (item[1], -len(item[0])))
    return best if score > 0 else None


class _Candidate(NamedTuple):
    """A capitalised span and what its wording says about it."""

    name: str
    start: int
    end: int
    bonus: float  # descriptor before or after, legal suffix
    named: bool  # written or introduced as a name, not just capitalised
    ordinary: bool  # an ordinary word that only a sentence start capitalised


def _candidates(sentence: str) -> Iterable[_Candidate]:
    """Name spans with any cue from their own wording (descriptor before, suffix after)."""
    for match in _SPAN.finditer(sentence):
        raw = match.group()
        start = match.start()
        words = raw.split()
        bonus = 0.0
        while words:
            descriptor = _is_descriptor(words[0])
            lowered = words[0].lower()
            if not descriptor and lowered not in _STOPWORDS and lowered not in _DETERMINERS:
                break
            if descriptor:
                bonus += 3.0
            start += len(words[0]) + 1
            words = words[1:]
        if not words:
            continue
        kept = _without_legal_suffix(words)
        if len(kept) < len(words):
            bonus += 3.0
        name = _POSSESSIVE.sub("", " ".join(kept)).rstrip(".,")
        if not _plausible(name, sentence, start):
            continue
        end = start + len(name)
        if _is_descriptor_before(sentence, start) or (
            "," in sentence[end : end + 2] and _is_descriptor_after(sentence, end)
        ):
            bonus += 3.0
        opening = _at_opening(sentence, start)
        named = bonus > 0 or not opening or _written_as_name(name)
        ordinary = not named and _ordinary_word(name, sentence, end)
        yield _Candidate(name, start, end, bonus, named, ordinary)


def _title_case(title: str) -> bool:
    """ "Signal Says It Will Leave The UK": a headline that capitalises function words."""
    words = title.split()[1:]
    return sum(word in _TITLE_CASE_WORDS for word in words) >= 2


def _at_opening(sentence: str, start: int) -> bool:
    """Whether a capital here is owed to position: sentence start, after a colon or quote."""
    i = start - 1
    while i >= 0 and sentence[i] in _QUOTES_AND_SPACE:
        i -= 1
    return i < 0 or sentence[i] in ":;([—–-…" or sentence.endswith("..", 0, i)


def _written_as_name(name: str) -> bool:
    """Two capitalised words, an inner capital (BlackBerry) or an acronym: not a plain word."""
    if " " in name:
        return True
    rest = name[1:]
    return rest != rest.lower()


def _ordinary_word(name: str, sentence: str, end: int) -> bool:
    """A plain word capitalised by position: "Short take", "Secure-mail company", "Several"."""
    lowered = name.lower()
    if lowered in _GENERIC_OPENERS or lowered in _DETERMINERS:
        return True
    if any(part[:1].islower() for part in name.split("-")[1:]):
        return True  # "Secure-mail", "Privacy-focused", "End-to-end"
    following = _NEXT_WORD.match(sentence, end)
    return bool(following) and _is_descriptor(_singular(following.group(1)))


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def _is_descriptor(word: str) -> bool:
    lowered = word.lower()
    if lowered.endswith("-based"):  # "Singapore-based VPN": a home, never a name
        return True
    return lowered in _DESCRIPTORS or lowered.rsplit("-", 1)[-1] in _DESCRIPTORS


def _is_descriptor_before(sentence: str, start: int) -> bool:
    before = sentence[max(0, start - 30) : start].split()
    return bool(before) and _is_descriptor(before[-1].strip(",("))


def _is_descriptor_after(sentence: str, end: int) -> bool:
    """ "Lockwell, a VPN provider," and "Proton, the company behind Proton Mail"."""
    match = _APPOSITIVE_AFTER.match(sentence, end)
    return bool(match) and any(_is_descriptor(word) for word in match.group(1).split())


def _plausible(name: str, sentence: str, start: int) -> bool:
    lowered = name.lower()
    if len(name) < 2 or lowered in _STOPWORDS or lowered in _COMMON_NOUNS:
        return False
    if name.split()[-1].lower() in _FUNCTION_WORDS or _NUMERAL.match(name):
        return False
    if _names_country(name):
        return False
    before = sentence[max(0, start - 40) : start].lower().replace(",", " ").split()
    return not any(word in _ROLES for word in before[-_ROLE_LOOKBACK:])


def _role_evidence(fact: SentenceFacts, name: str, start: int, end: int) -> float:
    """Subject of an exit verb (+4), or object of a government cut-off (+3)."""
    evidence = 0.0
    for mention in fact.exits:
        if mention.by_government:
            if 0 <= start - mention.end <= _OBJECT_GAP:
                evidence = max(evidence, 3.0)
            continue
        if end <= mention.start and _SUBJECT_GAP.match(fact.text[end : mention.start]):
            if not _another_name_between(fact.text[end : mention.start]):
                evidence = max(evidence, 4.0)
        elif 0 <= start - mention.end <= _OBJECT_GAP and _passive_exit(fact.text, mention.end):
            evidence = max(evidence, 3.0)
    return evidence


def _another_name_between(gap: str) -> bool:
    """A second capitalised name between subject and verb means the subject is elsewhere."""
    for match in _SPAN.finditer(gap):
        word = match.group().split()[0]
        if word.lower() not in _STOPWORDS and not _names_country(match.group()):
            return True
    return False


@lru_cache(maxsize=4096)
def _names_country(span: str) -> bool:
    """Cached: the same capitalised spans recur across sentences and articles."""
    return bool(find_countries(span))


def _passive_exit(text: str, end: int) -> bool:
    """ "suspend BlackBerry Messenger", "abschalten ... BlackBerry": the object is the service."""
    return bool(re.match(r"\s+(?:\S+\s+){0,2}$", text[end : end + _OBJECT_GAP]))


def _merge_variants(scores: dict[str, float]) -> dict[str, float]:
    """Fold "BlackBerry Messenger" into "BlackBerry" and "Proton Mail" into "Proton"."""
    merged = dict(scores)
    by_first: dict[str, list[str]] = defaultdict(list)
    for name in sorted(scores, key=len):
        by_first[name.split()[0]].append(name)
    for names in by_first.values():
        for short in names:
            for long in names:
                if long != short and long.startswith(short + " ") and long in merged:
                    merged[short] = merged.get(short, 0.0) + merged.pop(long)
    return merged


def _without_legal_suffix(words: list[str]) -> list[str]:
    """Drop trailing legal-form words, keeping at least one word."""
    end = len(words)
    while end > 1 and words[end - 1].lower().strip(".,") in LEGAL_SUFFIXES:
        end -= 1
    return words[:end]


def strip_legal_suffix(name: str) -> str:
    """ "BlackBerry Ltd" -> "BlackBerry", "Tessellate GmbH" -> "Tessellate"."""
    return " ".join(_without_legal_suffix(name.replace(",", " ").split()))
