"""Runs the real bot (`python -m bot run`) as a child process against local stand-ins.

The bot under test is the same entry point users run: it reads a config file that points
it at the Discord stand-in and at a local feed site, and it is stopped with SIGTERM — or
killed with SIGKILL to prove that a crash loses and doubles nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.discord_standin import DiscordStandIn, Guild

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-test-token"


@dataclass
class BotProcess:
    """One run of the bot; `log` collects its stderr for assertions and failures."""

    config_path: Path
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    runs: int = 0
    env: dict[str, str] = field(default_factory=dict)

    async def start(self) -> None:
        """Start `python -m bot run` with the token in its environment."""
        self.runs += 1
        log = self.log_path.open("ab")
        environment = {**os.environ, "DISCORD_TOKEN": TOKEN, **self.env}
        environment.pop("EXITWATCH_CONFIG", None)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(self.config_path),
            cwd=ROOT,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()

    async def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit status."""
        return await self._end(signal.SIGTERM)

    async def kill(self) -> int:
        """SIGKILL: no chance to clean up, as in a crash or an OOM kill."""
        return await self._end(signal.SIGKILL)

    async def _end(self, signum: int) -> int:
        process = self.process
        if process is None or process.returncode is not None:
            return process.returncode if process else 0
        process.send_signal(signum)
        try:
            async with asyncio.timeout(15):
                return await process.wait()
        except TimeoutError:
            process.kill()
            return await process.wait()

    def log(self) -> str:
        """Everything the bot wrote to stderr so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def write_config(
    path: Path,
    discord_api: DiscordStandIn,
    guild: Guild,
    feeds: list[dict[str, Any]],
    **sections: Any,
) -> Path:
    """A config that points the bot at the stand-in, the guild's #news channel, and `feeds`."""
    config = {
        "discord": {
            "api_base_url": discord_api.api_base_url,
            "guilds": {guild.id: {"channel": guild.channel("news").id}},
        },
        "feeds": feeds,
        "samples": False,
        "fetch": {"allow_private_networks": True, "timeout": "5s", "fetch_pages": False},
        "poll": {"interval": "1s"},
        "storage": {"path": str(path.parent / "exitwatch.sqlite3")},
        "logging": {"level": "INFO"},
    }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    path.write_text(yaml.safe_dump(config))
    return path
