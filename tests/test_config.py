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
