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
# class/id values that mark page furniture rather than story text
_FURNITURE = re.compile(
    r"cookie|consent|newsletter|subscribe|signup|sign-up|related|promo|advert|sponsor|"
    r"share|social|author-bio|byline-bio|breadcrumb|paywall|menu|sidebar",
    re.I,
)

# Furniture phrases, matched against lower-cased lines. Literal alternatives anywhere in a
# line, and line openers separately, so `re` can scan without case folding.
_FURNITURE_PHRASE = re.compile(
    r"register\s+(?:here|now|today)|sign\s+up\b|\bsubscribe\b|newsletter|inscrivez-vous|"
    r"abonnez-vous|abonnieren|suscr[ií]b|bolet[ií]n|on-demand|watch\s+(?:here|now)|"
    r"listen\s+now|cookie|privacy\s+policy|terms\s+of\s+(?:use|service)|"
    r"all\s+rights\s+reserved|©|share\s+this|skip\s+to\s+(?:main\s+)?content|"
    r"\bmission\s+is\b|our\s+mission|dieser\s+artikel\s+erschien|"
    r"cet\s+article\s+vous\s+est\s+offert|este\s+art[ií]culo|journalisme\s+indépendant|"
    r"support\s+(?:our|independent)\s+journalism"
)
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
_PROMO_MAX_WORDS = 30
# furniture is short; a paragraph longer than this is story text even if it says "cookie"
_FURNITURE_MAX_WORDS = 80
_NON_WORD = re.compile(r"\W+")
# "Jane Smith is a senior reporter at ... covering ..." and its variants
_AUTHOR_BIO = re.compile(
    r"^\s*(?:[A-ZÀ-Þ][\w'’-]+\s+){1,3}(?:is|was)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}"
    r"(?:reporter|correspondent|editor|writer|journalist|columnist|contributor)\b|"
    r"^\s*(?:[A-ZÀ-Þ][\w'’-]+\s+){1,3}(?:writes|covers|reports)\s+(?:about|on)\b|"
    r"\b(?:previously|formerly)\s+(?:covered|worked|wrote)\b"
)
_TERMINAL = re.compile(r"[.!?…:\"”»)]\s*$")
_WS = re.compile(r"[ \t\u00a0\u200b]+")

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


def looks_like_html(text: str) -> bool:
    """True when the text carries markup worth parsing (feeds mix plain text and HTML)."""
    return bool(_HTML_HINT.search(text))


def html_to_text(markup: str) -> str:
    """Render HTML to text with one line per block, without page furniture."""
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
    if _FURNITURE_OPENER.match(lowered) or _FURNITURE_PHRASE.search(lowered):
        return True
    if _AUTHOR_BIO.search(line):
        return True
    if words <= _PROMO_MAX_WORDS and _PROMO.search(line):
        return True
    # menu entries, "Watch Here", "Share", bare event names: short and unpunctuated
    return words < 7 and not _TERMINAL.search(line)


def clean_lines(text: str) -> list[str]:
    """Split text into paragraphs and drop the ones that are page furniture."""
    if looks_like_html(text):
        text = html_to_text(text)
    elif "&" in text:
        text = html.unescape(text)
    lines = []
    for raw in text.splitlines():
        line = _WS.sub(" ", raw).strip()
        if line and not is_boilerplate(line):
            lines.append(line)
    return lines


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
    body = [s for line in clean_lines(content) for s in split_sentences(line)]
    body = [s for s in body if _normalise(s) != _normalise(clean_title)]
    lead = [s for line in clean_lines(summary) for s in split_sentences(line)]
    seen = {_normalise(s) for s in body}
    lead = [s for s in lead if _normalise(s) not in seen]
    return CleanText(title=clean_title, summary=lead, body=body)


def _normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text).strip().lower()
