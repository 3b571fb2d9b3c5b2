"""Turn feed text or article HTML into clean paragraphs and sentences.

Pages carry more than the story: event promotions, "Register here" lines, newsletter and
cookie notices, "Related:" links, outlet mission blurbs and author bios. None of that may
reach a summary, and some of it (a summit named "Security Week") would otherwise feed the
classifier, so it is dropped here, line by line, before anything else looks at the text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from bot.analysis.lexicon import word_set

_HTML_HINT = re.compile(
    r"<(?:p|div|br|html|body|article|span|a|h[1-6]|li|ul|ol|section|main|table|td|em|strong)\b",
    re.I,
)
_DROP_TAGS = (
    "script",
    "style",
    "nav",
    "footer",
    "aside",
    "form",
    "noscript",
    "iframe",
    "button",
    "svg",
    "figure",
    "template",
    "head",
)
_BLOCK_TAGS = word_set(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 section article header main blockquote tr table "
    "dd dt pre hr"
)
# section labels that open a teaser or headline: "Short take:", "Update:", "Explainer:"
_RUBRIC = re.compile(
    r"(?:(?:short|quick|hot)\s+take|update[ds]?|analysis|opinion|explainer|exclusive|breaking|"
    r"correction|editor's\s+note|in\s+brief|briefly|background|watch|listen|live)\s*:\s+",
    re.I,
)
_RUBRIC_REACH = 16  # the colon of a rubric is this close to the start of the line
# class/id values that mark page furniture rather than story text
_FURNITURE = re.compile(
    r"cookie|consent|newsletter|subscribe|signup|sign-up|related|promo|advert|sponsor|"
    r"share|social|author-bio|byline-bio|breadcrumb|paywall|menu|sidebar",
    re.I,
)

# Furniture phrases, matched against lower-cased lines. Each comes with a literal that every
# match contains: a line holding none of them (nearly every story line) skips the regex, which
# would otherwise try every alternative at every character.
_FURNITURE_PHRASES = (
    ("register", r"register\s+(?:here|now|today)"),
    ("sign", r"sign\s+up\b"),
    ("subscribe", r"\bsubscribe\b"),
    ("newsletter", "newsletter"),
    ("inscrivez-vous", "inscrivez-vous"),
    ("abonnez-vous", "abonnez-vous"),
    ("abonnieren", "abonnieren"),
    ("suscr", r"suscr[ií]b"),
    ("bolet", r"bolet[ií]n"),
    ("on-demand", "on-demand"),
    ("watch", r"watch\s+(?:here|now)"),
    ("listen", r"listen\s+now"),
    ("cookie", "cookie"),
    ("policy", r"privacy\s+policy"),
    ("terms", r"terms\s+of\s+(?:use|service)"),
    ("reserved", r"all\s+rights\s+reserved"),
    ("©", "©"),
    ("share", r"share\s+this"),
    ("skip", r"skip\s+to\s+(?:main\s+)?content"),
    ("mission", r"\bmission\s+is\b"),
    ("mission", r"our\s+mission"),
    ("erschien", r"dieser\s+artikel\s+erschien"),
    ("offert", r"cet\s+article\s+vous\s+est\s+offert"),
    ("culo", r"este\s+art[ií]culo"),
    ("journalisme", r"journalisme\s+indépendant"),
    ("journalism", r"support\s+(?:our|independent)\s+journalism"),
)
_FURNITURE_HINTS = tuple(dict.fromkeys(hint for hint, _ in _FURNITURE_PHRASES))
_FURNITURE_PHRASE = re.compile("|".join(phrase for _, phrase in _FURNITURE_PHRASES))
_FURNITURE_OPENER = re.compile(
    r"\s*(?:(?:related|read\s+more|see\s+also|also\s+read|more\s+on\s+this|tags?|"
    r"lire\s+aussi|à\s+lire|leer\s+m[aá]s|mehr\s+zum\s+thema|lesen\s+sie\s+auch|topics)\s*:|"
    r"(?:advertisement|sponsored|anzeige|publicit[ée]|publicidad)\s*$|about\s+the\s+author|"
    r"copyright\b)"
)
# event promotions: only short lines, so a story sentence naming a conference survives
_PROMO = re.compile(
    r"^\s*(?:join|connect\s+with|meet)\s.{0,120}\b(?:summit|forum|conference|expo|festival|week)\b|"
    r"\b(?:summit|conference|forum|expo)\b.{0,80}\b(?:20\d\d|on-demand|tickets?)\b",
    re.I,
)
_PROMO_HINTS = ("summit", "forum", "conference", "expo", "festival", "week")
_PROMO_MAX_WORDS = 30
# furniture is short; a paragraph longer than this is story text even if it says "cookie"
_FURNITURE_MAX_WORDS = 80
_NON_WORD = re.compile(r"\W+")
# "Jane Smith is a senior reporter at ... covering ..." and its variants, from the line start
_AUTHOR_BIO = re.compile(
    r"\s*(?:[A-ZÀ-Þ][\w'’-]+\s+){1,3}(?:is|was)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}"
    r"(?:reporter|correspondent|editor|writer|journalist|columnist|contributor)\b|"
    r"\s*(?:[A-ZÀ-Þ][\w'’-]+\s+){1,3}(?:writes|covers|reports)\s+(?:about|on)\b"
)
# "... previously covered telecoms for ...": anywhere in a bio line
_FORMER_JOB = re.compile(r"\b(?:previously|formerly)\s+(?:covered|worked|wrote)\b")
_TERMINAL = frozenset('.!?…:"”»)')
# runs of spaces, tabs, no-break and zero-width spaces that are not already a single space;
# single spaces are left alone, so the common case costs no substitution
_WS = re.compile(r"[\t\u00a0\u200b][ \t\u00a0\u200b]*| [ \t\u00a0\u200b]+")

# Sentence boundary: end punctuation (optionally closed by a quote or bracket), space, then
# something that can start a sentence. Abbreviations are checked afterwards.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”»’)\]]*\s+(?=[\"“„«(¿¡]?[A-ZÀ-ÖØ-Þ0-9])")
# German ordinal dates: "ab dem 11. Oktober" is one sentence
_ORDINAL_DATE = re.compile(
    r"(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b"
)
_ABBREVIATIONS = word_set(
    "mr mrs ms dr prof sr jr st mt no nos vs etc inc ltd co corp jan feb mar apr jun jul aug "
    "sep sept oct nov dec gen gov sen rep fig approx dept est u.s u.k e.g i.e a.m p.m z.b "
    "bzw ca vgl s.a mme m sra sr dña av"
)


@dataclass(frozen=True, slots=True)
class CleanText:
    """An article reduced to what a reader would read: title, lead summary and body."""

    title: str
    summary: list[str]
    body: list[str]


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def looks_like_html(text: str) -> bool:
    """True when the text carries markup worth parsing (feeds mix plain text and HTML)."""
    return bool(_HTML_HINT.search(text))


def html_to_text(markup: str) -> str:
    """Render HTML to text with one line per block, without page furniture.

    Control characters are removed first: lxml refuses text holding them, and they carry
    nothing a reader sees.
    """
    markup = _CONTROL_CHARS.sub("", markup)
    try:
        root = lxml.html.fromstring(markup)
    except (etree.ParserError, ValueError):
        return _strip_tags(markup)
    for element in list(root.iter(*_DROP_TAGS)):
        _drop(element)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            _drop(element)
            continue
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if marker.strip() and _FURNITURE.search(marker):
            _drop(element)
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
        element.text = "\n" + (element.text or "")
    return root.text_content()


def _drop(element: etree._Element) -> None:
    """Remove an element but keep its tail text, which belongs to the parent."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _strip_tags(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "\n", markup))


def is_boilerplate(line: str) -> bool:
    """True for promotional, navigational and bio lines that are never part of a story."""
    words = len(line.split())
    if words > _FURNITURE_MAX_WORDS:
        return False
    lowered = line.lower()
    if _FURNITURE_OPENER.match(lowered) or _has_furniture_phrase(lowered):
        return True
    if _is_author_bio(line):
        return True
    if words <= _PROMO_MAX_WORDS and _is_promo(line, lowered):
        return True
    # menu entries, "Watch Here", "Share", bare event names: short and unpunctuated
    return words < 7 and line.rstrip()[-1:] not in _TERMINAL


def _has_furniture_phrase(lowered: str) -> bool:
    # map() keeps the hint loop in C; a generator costs more than the substring tests
    hinted = any(map(lowered.__contains__, _FURNITURE_HINTS))
    return hinted and bool(_FURNITURE_PHRASE.search(lowered))


def _is_promo(line: str, lowered: str) -> bool:
    return any(map(lowered.__contains__, _PROMO_HINTS)) and bool(_PROMO.search(line))


def _is_author_bio(line: str) -> bool:
    if _AUTHOR_BIO.match(line):
        return True
    return ("previously" in line or "formerly" in line) and bool(_FORMER_JOB.search(line))


def clean_lines(text: str) -> list[str]:
    """Split text into paragraphs and drop the ones that are page furniture."""
    if looks_like_html(text):
        text = html_to_text(text)
    elif "&" in text:
        text = html.unescape(text)
    lines = []
    for raw in text.splitlines():
        line = strip_rubric(_WS.sub(" ", raw).strip())
        if line and not is_boilerplate(line):
            lines.append(line)
    return lines


def strip_rubric(line: str) -> str:
    """Drop a section label ("Short take:", "Update:", "Exclusive:") that opens a line.

    It is the outlet's filing, not the story, and a summary that starts with it reads badly.
    """
    if ":" not in line[:_RUBRIC_REACH]:
        return line
    match = _RUBRIC.match(line)
    if not match or match.end() == len(line):
        return line
    rest = line[match.end() :]
    return rest[0].upper() + rest[1:]


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences, keeping abbreviations and initials intact.

    A regex splitter rather than pysbd: it agrees with pysbd on news prose and is two
    orders of magnitude faster (see docs/analysis.md).
    """
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        head = paragraph[start : match.start()]
        if _ends_with_abbreviation(head) or _ordinal_date(head, paragraph, match.end()):
            continue
        piece = paragraph[start : match.end()].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def _ordinal_date(head: str, paragraph: str, next_start: int) -> bool:
    """ "11. Oktober": a day number with a full stop, followed by a month name."""
    last = head.rstrip(".").rsplit(None, 1)[-1] if head.strip() else ""
    return last.isdigit() and len(last) <= 2 and bool(_ORDINAL_DATE.match(paragraph, next_start))


def _ends_with_abbreviation(head: str) -> bool:
    """True when the text before a full stop ends in an abbreviation or an initial."""
    stripped = head.rstrip('"”»’)]')
    if not stripped.endswith("."):
        return False
    word = stripped[:-1].rsplit(None, 1)[-1] if stripped[:-1].strip() else ""
    word = word.lstrip('("“„«').lower()
    return (len(word) == 1 and word.isalpha()) or word in _ABBREVIATIONS


def clean_article(title: str, summary: str, content: str) -> CleanText:
    """Clean every part of an article; the summary is dropped when the body repeats it."""
    clean_title = _WS.sub(" ", html_to_text(title) if looks_like_html(title) else title).strip()
    clean_title = strip_rubric(clean_title)
    body = [s for line in clean_lines(content) for s in split_sentences(line)]
    title_key = _normalise(clean_title)
    keyed = [(s, key) for s in body if (key := _normalise(s)) != title_key]
    body = [s for s, _ in keyed]
    lead = [s for line in clean_lines(summary) for s in split_sentences(line)]
    if lead:
        seen = {key for _, key in keyed}
        lead = [s for s in lead if _normalise(s) not in seen]
    return CleanText(title=clean_title, summary=lead, body=body)


def _normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text).strip().lower()
