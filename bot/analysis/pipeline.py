"""The analyzer's entry point: one article in, one `Analysis` out.

`analyze` is pure, synchronous and deterministic, and uses only the CPU, so callers in the
event loop hand it to an executor (`analyze_in_executor`) rather than blocking the loop.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from bot.analysis.classify import THRESHOLD, classify
from bot.analysis.clean import clean_article
from bot.analysis.extract import extract
from bot.analysis.facts import read_facts
from bot.analysis.summarize import summarize
from bot.models import Analysis, Article


def analyze(article: Article, threshold: float = THRESHOLD) -> Analysis:
    """Clean, classify and, when relevant, extract and summarize one article.

    An article whose feed summary is empty is judged on its content, and one whose content
    is empty on its title and summary.
    """
    text = clean_article(article.title, article.summary, article.content)
    facts = read_facts(text)
    verdict = classify(facts, threshold)
    sentences = [f.text for f in facts]
    if not verdict.relevant:
        return Analysis(False, verdict.score, signals=verdict.signals, sentences=sentences)
    found = extract(facts, verdict.exit_positions)
    return Analysis(
        relevant=True,
        score=verdict.score,
        company=found.company,
        country=found.country,
        stage=found.stage,
        demand=found.demand,
        effective_date=found.effective_date,
        quote=found.quote,
        quote_speaker=found.quote_speaker,
        summary=summarize(facts, found.company, found.country, found.effective_date),
        signals=verdict.signals,
        sentences=sentences,
    )


def demoted(analysis: Analysis) -> Analysis:
    """`analysis` as a not-relevant verdict: score, signals and sentences, nothing extracted.

    What `analyze` gives below its threshold, for a caller that analysed at a lower bar
    (the watcher, which extracts every story so a server's own threshold can route it)
    and then finds the story wanted nowhere.
    """
    return Analysis(False, analysis.score, signals=analysis.signals, sentences=analysis.sentences)


async def analyze_in_executor(
    article: Article, executor: Executor | None = None, threshold: float = THRESHOLD
) -> Analysis:
    """Run `analyze` off the event loop (a thread pool by default, or the given executor)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, analyze, article, threshold)
