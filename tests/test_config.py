"""Config validation: every kind of mistake gets one clear line naming the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE, discord_token, load_config, parse_config
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="cfg.yaml")
    return str(caught.value)


def test_shipped_config_is_valid() -> None:
    config = load_config(str(ROOT / "config.yaml"))
    assert config.feeds, "the shipped config watches real feeds"
    assert config.samples is True
    assert config.discord.api_base_url == DEFAULT_API_BASE


def test_empty_file_gives_defaults() -> None:
    config = parse_config("")
    assert config.feeds == []
    assert config.fetch.allow_private_networks is False
    assert config.analysis.threshold == 0.5


def test_durations_and_sizes_are_parsed() -> None:
    config = parse_config(
        "feeds:\n  - url: https://a.example/feed\n    interval: 1h30m\n"
        "fetch:\n  max_bytes: 2MiB\n  timeout: 45s\n"
    )
    assert config.feeds[0].interval == 5400
    assert config.fetch.max_bytes == 2 * 1024 * 1024
    assert config.fetch.timeout == 45


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fetch:\n  allow_privat: true\n", "cfg.yaml:2: fetch.allow_privat: unknown key"),
        ("feeds:\n  - url: ftp://x.example/f\n", "cfg.yaml:2: feeds[0].url:"),
        ("feeds:\n  - url: not a url\n", "feeds[0].url"),
        (
            "feeds:\n  - url: https://a.example/\n    interval: 5q\n",
            "cfg.yaml:3: feeds[0].interval",
        ),
        ("feeds:\n  - url: https://a.example/\n    interval: -5s\n", "feeds[0].interval"),
        ("feeds:\n  - url: https://a.example/\n    backfill: many\n", "feeds[0].backfill"),
        ("analysis:\n  threshold: 1.5\n", "cfg.yaml:2: analysis.threshold"),
        ("fetch:\n  max_bytes: lots\n", "fetch.max_bytes"),
        ("fetch:\n  allow_private_networks: maybe\n", "fetch.allow_private_networks"),
        ("discord:\n  api_base_url: gopher://x\n", "discord.api_base_url"),
        ("discord:\n  gateway_url: https://x.example\n", "discord.gateway_url"),
        ("discord:\n  guilds:\n    abc:\n      channel: 1\n", "discord.guilds.abc (a key)"),
        ("discord:\n  guilds:\n    123:\n      channel: -4\n", "discord.guilds.123.channel"),
        ("logging:\n  level: LOUD\n", "logging.level"),
        ("feeds: {url: x}\n", "feeds"),
        ("- just\n- a list\n", "top level must be a mapping"),
        ("feeds: [\n", "not valid YAML"),
    ],
)
def test_each_mistake_names_its_key(text: str, expected: str) -> None:
    assert expected in error_of(text)


def test_several_mistakes_are_all_reported() -> None:
    message = error_of("fetch:\n  timeout: soon\nanalysis:\n  threshold: -1\n")
    assert "fetch.timeout" in message
    assert "analysis.threshold" in message


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("analysis:\n  threshold: 0.7\n")
    monkeypatch.setenv("EXITWATCH_CONFIG", str(path))
    assert load_config(None).analysis.threshold == 0.7


def test_token_comes_from_environment_and_never_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    token = discord_token()
    assert token is not None
    assert token.get_secret_value() == "secret-token-value"
    assert "secret-token-value" not in repr(token) + str(token)
    monkeypatch.delenv("DISCORD_TOKEN")
    assert discord_token() is None


def test_cli_reports_bad_config_with_status_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("feeds:\n  - url: https://a.example/\n    interval: often\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "feeds[0].interval" in result.stderr
    assert "Traceback" not in result.stderr


# --- wrong types and values in every section ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("discord: 5\n", "discord: Input should be a valid dictionary"),
        ("discord:\n  guilds: [1, 2]\n", "discord.guilds:"),
        ("discord:\n  daily_cap: 0\n", "discord.daily_cap"),
        ("discord:\n  guilds:\n    1:\n      daily_cap: 5000\n", "discord.guilds.1.daily_cap"),
        ("discord:\n  guilds:\n    99999999999999999999999:\n      channel: 1\n", "(a key)"),
        ("feeds:\n  - 5\n", "feeds[0]: Input should be a valid dictionary"),
        ("feeds:\n  - name: x\n", "feeds[0].url: Field required"),
        ("feeds:\n  - url: 5\n", "feeds[0].url: Input should be a valid string"),
        ("feeds:\n  - url: https://a.example/\n    channel: abc\n", "cfg.yaml:3: feeds[0].channel"),
        ("feeds:\n  - url: https://a.example/\n    guild: 0\n", "feeds[0].guild"),
        (
            "feeds:\n  - url: https://a.example/\n    channel: 12345\n",
            "cfg.yaml:2: feeds[0]: `channel` needs `guild`",
        ),
        ("feeds:\n  - url: https://a.example/\n    backfill: 1.5\n", "feeds[0].backfill"),
        ("feeds:\n  - url: http://[::1\n", "feeds[0].url"),
        ("samples: maybe\n", "samples: Input should be a valid boolean"),
        ("fetch: yes\n", "fetch: Input should be a valid dictionary"),
        ("fetch:\n  max_redirects: many\n", "fetch.max_redirects"),
        ("fetch:\n  concurrency: 0\n", "fetch.concurrency"),
        ("fetch:\n  max_bytes: -1\n", "fetch.max_bytes: a size must be greater than zero"),
        ("fetch:\n  max_bytes: 1e400\n", "fetch.max_bytes"),
        ("fetch:\n  timeout: 0\n", "fetch.timeout: a duration must be greater than zero"),
        ("poll: []\n", "poll: Input should be a valid dictionary"),
        ("poll:\n  interval: 1e400\n", "poll.interval"),
        ("storage:\n  path: [a]\n", "storage.path: Input should be a valid string"),
        ("storage:\n  retention: forever\n", "storage.retention: 'forever' is not a duration"),
        ("analysis:\n  event_window: x\n", "analysis.event_window"),
        ("analysis:\n  threshold: .nan\n", "analysis.threshold"),
        ("health:\n  enabled: sometimes\n", "health.enabled"),
        ("health:\n  host: [1]\n", "health.host"),
        ("health:\n  port: 70000\n", "health.port"),
        ("health:\n  port: 0\n", "health.port"),
        ("logging: loud\n", "logging: Input should be a valid dictionary"),
        ("unknown_section: 1\n", "unknown_section: unknown key"),
        ("fetch:\n\tmax_bytes: 1\n", "not valid YAML"),
        ("!!python/object:os.system {}\n", "not valid YAML"),
    ],
)
def test_wrong_types_in_every_section_name_the_key(text: str, expected: str) -> None:
    assert expected in error_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "fetch:\n  timeout: []\n",
        "poll:\n  interval: {a: 1}\n",
        "fetch:\n  max_bytes: [1]\n",
        "poll:\n  interval: .nan\n",
        "feeds:\n  - url: https://a.example/\n    interval: 99999999999999999999d\n",
    ],
    ids=["list-duration", "mapping-duration", "list-size", "nan-duration", "absurd-duration"],
)
def test_durations_and_sizes_of_the_wrong_shape_are_config_errors(text: str) -> None:
    error_of(text)


def _check_config(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-config", "--config", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read config file"),
        ("dir", "cannot read config file"),
        (b"fetch:\n  max_bytes: \xff\xfe\n", "not UTF-8"),
        (b"health:\n  port: lots\n", "health.port"),
        (b"feeds:\n  - url: https://a.example/\n    channel: abc\n", "feeds[0].channel"),
        (b"\x00\x01\x02", "not valid YAML"),
    ],
    ids=["missing", "a-directory", "not-utf8", "wrong-type", "wrong-type-in-list", "binary"],
)
def test_cli_reports_unreadable_and_mistyped_files_without_a_traceback(
    tmp_path: Path, content: bytes | str | None, expected: str
) -> None:
    path = tmp_path / "config.yaml"
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    result = _check_config(path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_reports_a_list_where_a_duration_belongs_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("fetch:\n  timeout: []\n")
    result = _check_config(path)
    assert result.returncode == 2 and "Traceback" not in result.stderr


# --- storage.retention against the keys it must outlast ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("storage:\n  retention: 30d\n", "cfg.yaml:2: storage.retention: storage.retention (30d)"),
        ("storage:\n  retention: 66d\n", "at least analysis.event_window + poll.max_age"),
        (
            "storage:\n  path: x.db\nanalysis:\n  event_window: 200d\n",
            "cfg.yaml:4: analysis.event_window: storage.retention (180d) must be at least "
            "analysis.event_window + poll.max_age (200d + 7d = 207d)",
        ),
        ("poll:\n  max_age: 150d\n", "cfg.yaml:2: poll.max_age: storage.retention (180d)"),
    ],
    ids=["shorter-than-both", "one-day-short", "long-event-window", "long-max-age"],
)
def test_retention_shorter_than_event_window_plus_max_age_is_refused(
    text: str, expected: str
) -> None:
    assert expected in error_of(text)


def test_retention_covering_event_window_plus_max_age_is_accepted() -> None:
    config = parse_config(
        "storage:\n  retention: 31d\nanalysis:\n  event_window: 30d\npoll:\n  max_age: 1d\n"
    )
    assert config.storage.retention == 31 * 86400


def test_cli_refuses_a_too_short_retention_with_status_2(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("storage:\n  retention: 30d\n")
    result = _check_config(path)
    assert result.returncode == 2
    assert "storage.retention" in result.stderr and "analysis.event_window" in result.stderr
    assert "Traceback" not in result.stderr
