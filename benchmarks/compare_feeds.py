"""Measure candidate feed parsers and article extractors on the fixtures in data/.

Run from the repository root: `python benchmarks/compare_feeds.py`. The figures in
docs/feeds.md come from this script; it is not part of the test suite.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "tests" / "feeds" / "data"
FEED_URL = "https://feeds.example.com/news/feed"

# (fixture, description, check on the parsed result) -- the same checks for each parser.
FeedCheck = tuple[str, str, Callable[[Any], bool]]
FEED_CHECKS: list[FeedCheck] = [
    ("rss20.xml", "RSS 2.0: 3 items", lambda r: len(r["entries"]) == 3),
    (
        "rss20.xml",
        "RSS 2.0: relative link made absolute",
        lambda r: r["entries"][1].get("link", "").startswith("https://"),
    ),
    ("rss10.rdf", "RSS 1.0: 2 items", lambda r: len(r["entries"]) == 2),
    ("rss091.xml", "RSS 0.91: 2 items", lambda r: len(r["entries"]) == 2),
    ("atom.xml", "Atom: 3 items", lambda r: len(r["entries"]) == 3),
    (
        "atom.xml",
        "Atom: xml:base applied to links",
        lambda r: r["entries"][1].get("link") == "https://atom.example.org/briefs/spyware-report",
    ),
    ("feed10.json", "JSON Feed 1.0: 2 items", lambda r: len(r["entries"]) == 2),
    ("feed11.json", "JSON Feed 1.1: 1 item", lambda r: len(r["entries"]) == 1),
    (
        "wrong_encoding.xml",
        "declared utf-8, really cp1252: text intact",
        lambda r: "café" in r["entries"][0].get("title", ""),
    ),
    ("bom_utf8.xml", "UTF-8 BOM", lambda r: r["entries"][0].get("title", "").startswith("Über")),
    ("utf16.xml", "UTF-16", lambda r: r["entries"][0].get("title", "").startswith("Über")),
    ("malformed.xml", "malformed XML: >= 2 items kept", lambda r: len(r["entries"]) >= 2),
    (
        "billion_laughs.xml",
        "billion laughs: not expanded",
        lambda r: "lollol" not in str(r["entries"][:1]),
    ),
]


def _feedparser(body: bytes) -> Any:
    import feedparser

    return feedparser.parse(body, response_headers={"content-location": FEED_URL})


def _fastfeedparser(body: bytes) -> Any:
    import fastfeedparser

    try:
        return fastfeedparser.parse(body)
    except ValueError:
        return {"entries": []}


def _feedparser_rs(body: bytes) -> Any:
    import feedparser_rs

    # Bytes, never str: given a string that starts with http(s)://, it fetches that URL.
    return feedparser_rs.parse(body)


def _big_feed(items: int) -> bytes:
    """A well-formed RSS 2.0 feed of `items` items, for timing."""
    entry = (
        "<item><title>Story {i} about encryption policy</title>"
        "<link>https://big.example.com/{i}</link><guid>https://big.example.com/{i}</guid>"
        "<pubDate>Sat, 28 Nov 2026 09:15:00 GMT</pubDate>"
        "<description>&lt;p&gt;Paragraph {i} of a summary.&lt;/p&gt;</description></item>"
    )
    body = "".join(entry.format(i=i) for i in range(items))
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
        f"<link>https://big.example.com/</link>{body}</channel></rss>"
    ).encode()


def _median_ms(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def compare_parsers() -> None:
    parsers = {
        "feedparser": _feedparser,
        "fastfeedparser": _fastfeedparser,
        "feedparser-rs": _feedparser_rs,
    }
    print("## Feed parsers\n")
    print("| check | " + " | ".join(parsers) + " |")
    print("|---|" + "---|" * len(parsers))
    passed = dict.fromkeys(parsers, 0)
    for fixture, description, check in FEED_CHECKS:
        body = (DATA / fixture).read_bytes()
        marks = []
        for name, parse in parsers.items():
            try:
                ok = bool(check(parse(body)))
            except (IndexError, KeyError, TypeError):
                ok = False
            passed[name] += ok
            marks.append("yes" if ok else "no")
        print(f"| {description} | " + " | ".join(marks) + " |")
    print("| **passed** | " + " | ".join(f"{passed[n]}/{len(FEED_CHECKS)}" for n in parsers) + " |")
    print()
    fixtures = sorted({fixture for fixture, _, _ in FEED_CHECKS})
    bodies = [(DATA / f).read_bytes() for f in fixtures]
    big = _big_feed(1000)
    print(f"| timing (median) | {' | '.join(parsers)} |")
    print("|---|" + "---|" * len(parsers))
    small = [
        _median_ms(lambda p=p: [p(b) for b in bodies], 20) / len(bodies) for p in parsers.values()
    ]
    print("| per small fixture, ms | " + " | ".join(f"{t:.2f}" for t in small) + " |")
    large = [_median_ms(lambda p=p: p(big), 5) for p in parsers.values()]
    print(
        f"| 1000-item RSS ({len(big) // 1024} KiB), ms | "
        + " | ".join(f"{t:.0f}" for t in large)
        + " |"
    )


# Per page: phrases of the story that must be kept, and boilerplate that must go.
PAGES = {
    "vpn_exit.html": (
        ["switched off its physical servers", "A no-logs service", "free to leave"],
        ["cookie policy", "Register here", "Watch here", "Related stories", "Sign up", "mission"],
    ),
    "messenger_uk.html": (
        ["stop operating in the United Kingdom", "back door by another name", "neither has yet"],
        ["cookies", "Most read", "Register here", "Subscribe", "mission", "Advertisement"],
    ),
}


def _trafilatura(html: bytes) -> str:
    from bot.feeds.article import extract_article

    return extract_article(html, "https://news.example.com/story") or ""


def _trafilatura_defaults(html: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html, url="https://news.example.com/story") or ""


def _readability(html: bytes) -> str:
    from readability import Document

    from bot.feeds.text import html_to_text

    return html_to_text(Document(html).summary(), paragraphs=True)


def _justext(html: bytes) -> str:
    import justext

    paragraphs = justext.justext(html, justext.get_stoplist("English"))
    return "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def compare_extractors() -> None:
    extractors = {
        "trafilatura (as configured in article.py)": _trafilatura,
        "trafilatura (defaults)": _trafilatura_defaults,
        "readability-lxml": _readability,
        "jusText": _justext,
    }
    print("\n## Article extractors\n")
    print("| extractor | story phrases kept | boilerplate removed | median ms/page |")
    print("|---|---|---|---|")
    pages = [(DATA / "pages" / page).read_bytes() for page in PAGES]
    for name, extract in extractors.items():
        kept = removed = total_keep = total_drop = 0
        for html, (keep, drop) in zip(pages, PAGES.values(), strict=True):
            text = extract(html)
            kept += sum(phrase in text for phrase in keep)
            removed += sum(phrase not in text for phrase in drop)
            total_keep += len(keep)
            total_drop += len(drop)
        ms = _median_ms(lambda ex=extract: [ex(h) for h in pages], 10) / len(pages)
        print(f"| {name} | {kept}/{total_keep} | {removed}/{total_drop} | {ms:.1f} |")


if __name__ == "__main__":
    compare_parsers()
    compare_extractors()
