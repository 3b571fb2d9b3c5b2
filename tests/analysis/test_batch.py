"""The `analyze` JSONL contract."""

import io
import json
from pathlib import Path

from bot.analysis.batch import EXIT_OK, EXIT_SKIPPED, EXIT_UNREADABLE, run_analyze

FIELDS = ["id", "relevant", "score", "company", "country", "stage", "demand", "summary", "event"]
RELEVANT = {
    "id": "r1",
    "title": "Harrow VPN to remove its servers from Kazakhstan over logging law",
    "url": "https://example.org/r1",
    "published": "Mon, 06 Jun 2022 10:00:00 +0000",
    "summary": "",
    "content": "<p>Harrow VPN will remove its servers from Kazakhstan by July 1 because a new law "
    "requires providers to store users' IP addresses for five years.</p>",
}
SECOND_SOURCE = RELEVANT | {
    "id": "r2",
    "published": "2022-06-07T09:00:00Z",
    "content": "Harrow VPN is removing its servers from Kazakhstan, refusing a law that requires "
    "it to keep logs of users' activity for five years.",
}
OTHER = {"id": 7, "title": "Cup final", "content": "The home side won.", "published": ""}


def run(tmp_path: Path, lines: list[str]) -> tuple[int, list[dict], str]:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run_analyze(str(path), out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_one_line_per_story_in_order_with_the_contract_fields(tmp_path: Path) -> None:
    lines = [json.dumps(RELEVANT), json.dumps(OTHER), json.dumps(SECOND_SOURCE)]
    code, records, _ = run(tmp_path, lines)
    assert code == EXIT_OK
    assert [r["id"] for r in records] == ["r1", "7", "r2"]
    assert all(list(r) == FIELDS for r in records)
    first, other, second = records
    assert first["relevant"] and first["company"] == "Harrow VPN"
    assert first["country"] == "Kazakhstan"
    assert first["event"] == second["event"] is not None
    assert other["relevant"] is False
    assert all(other[f] is None for f in FIELDS[3:])


def test_malformed_lines_are_reported_with_their_number_and_skipped(tmp_path: Path) -> None:
    lines = [json.dumps(OTHER), "{not json", json.dumps([1, 2]), json.dumps({"title": "no id"})]
    lines.append(json.dumps(OTHER | {"id": "last"}))
    code, records, err = run(tmp_path, lines)
    assert code == EXIT_SKIPPED
    assert [r["id"] for r in records] == ["7", "last"]
    assert "line 2" in err and "line 3" in err and "line 4" in err


def test_unreadable_file(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run_analyze(str(tmp_path / "missing.jsonl"), io.StringIO(), err) == EXIT_UNREADABLE
    assert "cannot read" in err.getvalue()


def test_bad_date_is_a_warning_not_a_skip(tmp_path: Path) -> None:
    code, records, err = run(tmp_path, [json.dumps(OTHER | {"published": "next Tuesday"})])
    assert code == EXIT_OK and len(records) == 1
    assert "line 1" in err
