"""Find the company that leaves: the actor of the exit verb, not the government.

Candidates are capitalised name spans. Each earns evidence from its role rather than from
a list of expected names: being the subject of an exit verb ("Signal would leave"), the
object of a cut-off ("Russia blocks Telegram"), an appositive after a descriptor ("the
encrypted mail provider Vaultline"), a legal suffix ("Tessellate GmbH"), the headline.
Countries, regulators, officials and people introduced by their role are excluded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

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
    apps cloud ai ip email e-mail sms"""
)
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
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_SUBJECT_GAP = re.compile(
    r"^\s*(?:'s\s+\S+\s*)?(?:,[^,]{0,40},\s*)?(?:\S+\s+){0,6}?$"
)  # between subject and verb: "says it will", "has told users it may", ", the firm said,"
_OBJECT_GAP = 24  # characters after a cut-off verb in which its object is named


def find_company(facts: list[SentenceFacts]) -> str | None:
    """The most likely leaving company in the article, with legal suffixes dropped."""
    scores: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for fact in facts:
        for name, start, end, bonus in _candidates(fact.text):
            scores[name] += bonus
            counts[name] += 1
            if fact.part == "title":
                scores[name] += 1.5
            scores[name] += _role_evidence(fact, name, start, end)
    for name, count in counts.items():
        scores[name] += 0.5 * min(count, 4)
        if name.lower() in _KNOWN_COMPANIES:
            scores[name] += 2.0
    merged = _merge_variants(scores)
    if not merged:
        return None
    best, score = max(merged.items(), key=lambda item: (item[1], -len(item[0])))
    return best if score > 0 else None


def _candidates(sentence: str) -> Iterable[tuple[str, int, int, float]]:
    """Name spans with any cue from their own wording (descriptor before, suffix after)."""
    for match in _SPAN.finditer(sentence):
        raw = match.group()
        start = match.start()
        words = raw.split()
        bonus = 0.0
        while words:
            descriptor = _is_descriptor(words[0])
            if not descriptor and words[0].lower() not in _STOPWORDS:
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
        if _is_descriptor_before(sentence, start):
            bonus += 3.0
        yield name, start, start + len(name), bonus


def _is_descriptor(word: str) -> bool:
    lowered = word.lower()
    if lowered.endswith("-based"):  # "Singapore-based VPN": a home, never a name
        return True
    return lowered in _DESCRIPTORS or lowered.rsplit("-", 1)[-1] in _DESCRIPTORS


def _is_descriptor_before(sentence: str, start: int) -> bool:
    before = sentence[max(0, start - 30) : start].split()
    return bool(before) and _is_descriptor(before[-1].strip(",("))


def _plausible(name: str, sentence: str, start: int) -> bool:
    lowered = name.lower()
    if len(name) < 2 or lowered in _STOPWORDS or lowered in _COMMON_NOUNS:
        return False
    if name.split()[-1].lower() in _FUNCTION_WORDS:
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
