"""Throughput of the analyzer on ~600-word plain-text articles, on one core.

Run `python benchmarks/bench_analysis.py [--articles N] [--repeat N]`. Articles are built
offline from the labelled corpus: each story is padded to about 600 words with paragraphs
from the corpus's ordinary (not exit-related) stories, so padding does not change what a
story is about and the relevant share stays that of the corpus. Prints articles per second
of the real pipeline (`analyze`: extraction and summary only for relevant stories) as the
median of several timed runs, the upper bound with extraction and summary forced on every
article, and the share of time in each stage.

Time is CPU time of this process, and the median damps the rest of the noise of a shared
machine; pinning to one core (`taskset -c 0 python benchmarks/bench_analysis.py`) helps
further.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from bot.analysis.classify import classify
from bot.analysis.clean import clean_article
from bot.analysis.extract import extract
from bot.analysis.facts import read_facts
from bot.analysis.pipeline import analyze
from bot.analysis.summarize import summarize
from bot.models import Article

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus.jsonl"
TARGET_WORDS = 600


def build_articles(count: int) -> list[tuple[str, str, str]]:
    """(title, summary, content) triples of about 600 words of plain text."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    plain = [r for r in rows if "<" not in r["content"]]
    ordinary = [r for r in plain if r["label"]["kind"] == "other"]
    paragraphs = [p for r in ordinary for p in r["content"].split("\n\n") if p.strip()]
    articles = []
    for i in range(count):
        story = plain[i % len(plain)]
        parts = [story["content"]]
        words = len(story["content"].split())
        j = i
        while words < TARGET_WORDS:
            filler = paragraphs[(j * 7 + 3) % len(paragraphs)]
            parts.append(filler)
            words += len(filler.split())
            j += 1
        articles.append((story["title"], story["summary"], "\n\n".join(parts)))
    return articles


def run(articles: list[tuple[str, str, str]]) -> tuple[float, dict[str, float]]:
    """Seconds in total and per stage, running the pipeline stage by stage."""
    stages: dict[str, float] = defaultdict(float)
    clock = time.process_time
    start = clock()
    for title, summary, content in articles:
        t0 = clock()
        text = clean_article(title, summary, content)
        t1 = clock()
        facts = read_facts(text)
        verdict = classify(facts)
        t2 = clock()
        # extraction and summary run on every article here, relevant or not, so the figure
        # is an upper bound on the cost of the real pipeline
        found = extract(facts, verdict.exit_positions)
        t3 = clock()
        summarize(facts, found.company, found.country, found.effective_date)
        t4 = clock()
        stages["clean"] += t1 - t0
        stages["classify"] += t2 - t1
        stages["extract"] += t3 - t2
        stages["summarize"] += t4 - t3
    return clock() - start, stages


def run_pipeline(articles: list[tuple[str, str, str]]) -> tuple[float, float]:
    """Seconds for `analyze` over all articles, and the share found relevant."""
    stories = [Article(str(i), t, summary=s, content=c) for i, (t, s, c) in enumerate(articles)]
    start = time.process_time()
    relevant = sum(analyze(story).relevant for story in stories)
    return time.process_time() - start, relevant / len(stories)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of `analyze`")
    args = parser.parse_args()
    articles = build_articles(args.articles)
    run(articles[:50])  # warm-up: builds the country tables and compiles nothing else
    words = sum(len(c.split()) for _, _, c in articles) / len(articles)
    rates = []
    for _ in range(max(1, args.repeat)):
        pipeline_seconds, relevant_share = run_pipeline(articles)
        rates.append(len(articles) / pipeline_seconds)
    total, stages = run(articles)
    print(f"articles={len(articles)} mean_words={words:.0f} relevant_share={relevant_share:.2f}")
    runs = " ".join(f"{rate:.0f}" for rate in rates)
    print(
        f"analyze_articles_per_second={statistics.median(rates):.0f} "
        f"(one core, median of {len(rates)} runs: {runs})"
    )
    print(f"all_stages_on_every_article_per_second={len(articles) / total:.0f}")
    for name, seconds in stages.items():
        print(
            f"  {name:<10} {100 * seconds / total:5.1f}%  {1000 * seconds / len(articles):.3f} ms"
        )


if __name__ == "__main__":
    main()
