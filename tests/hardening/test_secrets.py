"""The Discord token comes from the environment and never reaches the output or the logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gx-test.secret-token-value-for-the-test"


def test_token_is_not_in_debug_logs_when_discord_is_unreachable(tmp_path: Path) -> None:
    """The token path is taken (DISCORD_TOKEN set) with every log at DEBUG; Discord's
    address is a closed loopback port, so the run fails fast, logging as it goes."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "discord:\n  api_base_url: http://127.0.0.1:9/api/v10\n"
        f"storage:\n  path: {tmp_path / 'db.sqlite3'}\n"
        "logging:\n  level: DEBUG\n"
    )
    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert output, "the run logged something"
    assert TOKEN not in output
    assert "secret-token-value" not in output
