"""Score the analyzer against the labelled corpus, through the same JSONL path as the CLI.

Run `python -m bot.analysis.scoring [--split tune|holdout|all] [CORPUS]`. The corpus lines
carry the CLI input fields plus `label` and `split`; the labels are stripped before the
stories go through `run_analyze`, so what is scored is exactly what `analyze` prints.

Company names match when equal after dropping legal suffixes and case, or when one is the
other plus a product word ("Cobalt VPN" / "Cobalt"); a story labelled with no company (it
never names one) expects none. Countries match by territory code, so
"UK" and "United Kingdom" agree. A summary names the country when any name, demonym or
institution of that country occurs in it, in any of the four languages.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from bot.analysis.batch import run_analyze
from bot.analysis.clean import is_boilerplate, split_sentences
from bot.analysis.countries import find_countries, resolve_country
from bot.analysis.events import normalise_company

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "data" / "corpus.jsonl"
THRESHOLDS = {
    "f1": 0.90,
    "company": 0.90,
    "country": 0.95,
    "stage": 0.80,
    "summary_names": 0.90,
}
MAX_BOILERPLATE = 0.0
# markers of page furniture, kept apart from the cleaner's own rules so the check is honest
_FURNITURE_MARKERS = re.compile(
    r"register here|sign up|subscribe\b|newsletter|cookie|on-demand|watch here|mission is|"
    r"related:|read more:|advertisement|share this|about the author|skip to|abonnez|"
    r"inscrivez|suscríbete|abonnieren|is a (?:senior )?(?:reporter|correspondent)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Report:
    """Every figure the corpus test checks, for one split."""

    split: str
    stories: int
    precision: float
    recall: float
    f1: float
    company: float
    country: float
    stage: float
    summary_names: float
    boilerplate: float
    event_pairs_f1: float
    misses: tuple[str, ...]

    def failures(self) -> list[str]:
        """The thresholds this report falls short of."""
        failed = [
            f"{name} {getattr(self, name):.3f} < {floor}"
            for name, floor in THRESHOLDS.items()
            if getattr(self, name) < floor
        ]
        if self.boilerplate > MAX_BOILERPLATE:
            failed.append(f"boilerplate {self.boilerplate:.3f} > {MAX_BOILERPLATE}")
        return failed

    def render(self) -> str:
        return (
            f"split={self.split} stories={self.stories} "
            f"precision={self.precision:.3f} recall={self.recall:.3f} f1={self.f1:.3f} "
            f"company={self.company:.3f} country={self.country:.3f} stage={self.stage:.3f} "
            f"summary_names_company_and_country={self.summary_names:.3f} "
            f"boilerplate={self.boilerplate:.3f} event_pairs_f1={self.event_pairs_f1:.3f}"
        )


def load_corpus(path: Path = DEFAULT_CORPUS, split: str = "all") -> list[dict[str, Any]]:
    """Labelled stories of one split ("tune", "holdout" or "all")."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if split == "all" or r["split"] == split]


def score(rows: list[dict[str, Any]], split: str = "all") -> Report:
    """Run the stories through the CLI path and compare with their labels."""
    outputs = _run(rows)
    gold = {r["id"]: r["label"] for r in rows}
    tp = [o for o in outputs if o["relevant"] and gold[o["id"]]["relevant"]]
    fp = sum(1 for o in outputs if o["relevant"] and not gold[o["id"]]["relevant"])
    fn = sum(1 for o in outputs if not o["relevant"] and gold[o["id"]]["relevant"])
    precision = _ratio(len(tp), len(tp) + fp)
    recall = _ratio(len(tp), len(tp) + fn)
    relevant_out = [o for o in outputs if o["relevant"]]
    misses = [o["id"] for o in outputs if o["relevant"] != gold[o["id"]]["relevant"]]
    return Report(
        split=split,
        stories=len(rows),
        precision=precision,
        recall=recall,
        f1=_ratio(2 * precision * recall, precision + recall),
        company=_share(tp, lambda o: same_company(o["company"], gold[o["id"]]["company"])),
        country=_share(tp, lambda o: same_country(o["country"], gold[o["id"]]["country"])),
        stage=_share(tp, lambda o: o["stage"] == gold[o["id"]]["stage"]),
        summary_names=_share(tp, lambda o: names_company_and_country(o, gold[o["id"]])),
        boilerplate=_share(relevant_out, lambda o: has_boilerplate(o["summary"] or "")),
        event_pairs_f1=_event_pairs_f1(tp, gold),
        misses=tuple(misses),
    )


def _run(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fields = ("id", "title", "url", "published", "summary", "content")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps({k: row[k] for k in fields}) + "\n")
    out, err = io.StringIO(), io.StringIO()
    try:
        run_analyze(f.name, out, err)
    finally:
        Path(f.name).unlink()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def same_company(predicted: str | None, expected: str | None) -> bool:
    """A story that never names its company is right only when the analyzer says so (None)."""
    if not predicted or not expected:
        return not predicted and not expected
    a, b = normalise_company(predicted), normalise_company(expected)
    return a == b or a.startswith(b + "-") or b.startswith(a + "-")


def same_country(predicted: str | None, expected: str | None) -> bool:
    if not predicted or not expected:
        return False
    return resolve_country(predicted) == resolve_country(expected)


def names_company_and_country(output: dict[str, Any], label: dict[str, Any]) -> bool:
    """Whether the summary names both; a story that never names its company, the country."""
    summary = output["summary"] or ""
    code = resolve_country(label["country"])
    names_company = True
    if label["company"]:
        company = normalise_company(label["company"]).split("-")[0]
        names_company = company in normalise_company(summary).replace("-", " ").split()
    names_country = any(m.code == code for m in find_countries(summary))
    return names_company and names_country


def has_boilerplate(summary: str) -> bool:
    return any(
        (is_boilerplate(s) and len(s.split()) >= 7) or _FURNITURE_MARKERS.search(s)
        for s in split_sentences(summary)
    )


def _event_pairs_f1(tp: list[dict[str, Any]], gold: dict[str, dict[str, Any]]) -> float:
    """Pairwise agreement of predicted events with labelled events, over true positives."""
    both = same_pred = same_gold = 0
    for a, b in combinations(tp, 2):
        pred = a["event"] is not None and a["event"] == b["event"]
        real = gold[a["id"]]["event"] == gold[b["id"]]["event"]
        both += pred and real
        same_pred += pred
        same_gold += real
    precision, recall = _ratio(both, same_pred), _ratio(both, same_gold)
    return _ratio(2 * precision * recall, precision + recall)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _share(items: Iterable[dict[str, Any]], test: Any) -> float:
    items = list(items)
    return _ratio(sum(1 for item in items if test(item)), len(items))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score the analyzer on the labelled corpus.")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    args = parser.parse_args(argv)
    splits = ("tune", "holdout") if args.split == "all" else (args.split,)
    failed = False
    for split in splits:
        report = score(load_corpus(args.corpus, split), split)
        print(report.render())
        if report.misses:
            print(f"  relevance misses: {', '.join(report.misses)}")
        if split == "tune" and report.failures():
            print(f"  below threshold: {'; '.join(report.failures())}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
