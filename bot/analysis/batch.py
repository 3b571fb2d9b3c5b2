"""`python -m bot analyze PATH`: JSONL stories in, one JSONL verdict per story out.

Input lines are objects with `id, title, url, published, summary, content`; `summary`,
`content` and `published` may be empty, and `published` may be ISO 8601 or RFC 822. A
malformed line is reported on stderr with its line number and skipped; the others still
run and keep their order. Events are formed after every line is analysed, oldest first,
so an event's id does not depend on the order of the file.

Exit codes: 0 when every line was analysed, 1 when some lines were skipped, 2 when the
file could not be read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TextIO

from bot.analysis.events import EventGrouper, as_aware
from bot.analysis.pipeline import analyze
from bot.models import Analysis, Article

EXIT_OK = 0
EXIT_SKIPPED = 1
EXIT_UNREADABLE = 2
_PROGRESS_EVERY = 25
_TEXT_FIELDS = ("title", "url", "published", "summary", "content")


class MalformedLine(ValueError):
    """A line that is not a story object; the message says what is wrong with it."""


@dataclass(slots=True)
class _Result:
    article: Article
    analysis: Analysis
    event: str | None = None


def run_analyze(in_path: str, out: TextIO, err: TextIO) -> int:
    """Analyse every story in a JSONL file and write one JSON line per story to `out`."""
    try:
        lines = Path(in_path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        err.write(f"analyze: cannot read {in_path}: {exc}\n")
        return EXIT_UNREADABLE
    progress = _Progress(err, len(lines))
    results: list[_Result] = []
    skipped = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            article = parse_line(line, number, err)
        except MalformedLine as exc:
            err.write(f"analyze: line {number}: {exc}; skipped\n")
            skipped += 1
            continue
        results.append(_Result(article, analyze(article)))
        progress.update(number)
    progress.done()
    _group(results)
    for result in results:
        out.write(json.dumps(to_record(result.article, result.analysis, result.event)) + "\n")
    return EXIT_SKIPPED if skipped else EXIT_OK


def parse_line(line: str, number: int, err: TextIO) -> Article:
    """One input line as an `Article`; a bad date is warned about, not fatal."""
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise MalformedLine(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise MalformedLine("expected a JSON object")
    story_id = data.get("id")
    if isinstance(story_id, bool) or not isinstance(story_id, str | int) or story_id == "":
        raise MalformedLine("missing or invalid 'id'")
    fields = {}
    for name in _TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise MalformedLine(f"'{name}' must be a string")
        fields[name] = value or ""
    published = parse_published(fields["published"])
    if fields["published"] and published is None:
        err.write(f"analyze: line {number}: unreadable 'published' date; treated as unknown\n")
    return Article(
        id=str(story_id),
        title=fields["title"],
        url=fields["url"],
        published=published,
        summary=fields["summary"],
        content=fields["content"],
    )


def parse_published(value: str) -> datetime | None:
    """ISO 8601 or RFC 822 to a datetime; None when empty or unreadable."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def to_record(article: Article, analysis: Analysis, event: str | None) -> dict[str, Any]:
    """The output line: null fields where the story is not relevant."""
    relevant = analysis.relevant
    return {
        "id": article.id,
        "relevant": relevant,
        "score": analysis.score,
        "company": analysis.company if relevant else None,
        "country": analysis.country if relevant else None,
        "stage": analysis.stage.value if relevant and analysis.stage else None,
        "demand": analysis.demand if relevant else None,
        "summary": analysis.summary if relevant else None,
        "event": event if relevant else None,
    }


def _group(results: list[_Result]) -> None:
    """Assign events oldest first; undated stories last, in file order."""
    grouper = EventGrouper()
    order = sorted(
        range(len(results)),
        key=lambda i: (
            results[i].article.published is None,
            as_aware(results[i].article.published),
            i,
        ),
    )
    for i in order:
        result = results[i]
        result.event = grouper.assign(result.article.id, result.article.published, result.analysis)


class _Progress:
    """A one-line counter on stderr, only when stderr is a terminal."""

    def __init__(self, err: TextIO, total: int) -> None:
        self.err = err
        self.total = total
        self.enabled = bool(getattr(err, "isatty", lambda: False)())

    def update(self, line: int) -> None:
        if self.enabled and (line % _PROGRESS_EVERY == 0 or line == self.total):
            self.err.write(f"\ranalyzing: line {line}/{self.total}")
            self.err.flush()

    def done(self) -> None:
        if self.enabled:
            self.err.write("\n")
