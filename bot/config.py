"""Load and validate `config.yaml` once, at start, into typed settings.

Every mistake is reported as one line naming the key (and the file line where YAML tells
us), so an operator can fix the file without reading a traceback. Secrets never live here:
the Discord token comes from the environment (see `discord_token`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from yarl import URL

from bot.durations import format_duration, parse_duration, parse_size
from bot.errors import ConfigError

DEFAULT_API_BASE = "https://discord.com/api/v10"
CONFIG_ENV = "EXITWATCH_CONFIG"
TOKEN_ENV = "DISCORD_TOKEN"

Duration = Annotated[float, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]
Snowflake = Annotated[int, Field(gt=0, lt=2**63)]


def _http_url(value: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """Accept an absolute URL with one of `schemes` and a host; reject anything else."""
    if not isinstance(value, str):
        raise ValueError("expected a URL string")
    try:
        url = URL(value.strip())
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid URL") from exc
    if url.scheme not in schemes or not url.host:
        raise ValueError(f"{value!r} must be an absolute {' or '.join(schemes)} URL")
    return str(url)


class _Section(BaseModel):
    """Every section refuses unknown keys, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Section):
    """One watched feed."""

    url: str
    name: str | None = None
    interval: Duration | None = None
    backfill: int = Field(default=0, ge=0, le=500)
    channel: Snowflake | None = None
    guild: Snowflake | None = None

    _check_url = field_validator("url")(lambda v: _http_url(v))

    @model_validator(mode="after")
    def _channel_needs_guild(self) -> FeedConfig:
        """A channel id means nothing without its server: routing would ignore it and post
        the feed's stories in every server's default channel instead."""
        if self.channel is not None and self.guild is None:
            raise ValueError("`channel` needs `guild`: name the server the channel belongs to")
        return self


class FetchConfig(_Section):
    """Limits on every download (feeds and article pages alike)."""

    allow_private_networks: bool = False
    max_bytes: Size = 5 * 1024 * 1024
    timeout: Duration = 30.0
    connect_timeout: Duration = 10.0
    read_timeout: Duration = 20.0
    max_redirects: int = Field(default=5, ge=0, le=20)
    concurrency: int = Field(default=20, ge=1, le=500)
    per_host: int = Field(default=2, ge=1, le=50)
    fetch_pages: bool = True


class PollConfig(_Section):
    """When feeds are polled and which items are old news."""

    interval: Duration = 900.0
    max_age: Duration = 7 * 86400.0
    max_backoff: Duration = 6 * 3600.0


class GuildConfig(_Section):
    """Defaults for one Discord server; `/settings` overrides them per server."""

    channel: Snowflake | None = None
    admin_channel: Snowflake | None = None
    mention_role: Snowflake | None = None
    daily_cap: int | None = Field(default=None, ge=1, le=1000)


class DiscordConfig(_Section):
    """Where the Discord API is, and where stories go."""

    api_base_url: str = DEFAULT_API_BASE
    gateway_url: str | None = None
    guilds: dict[Snowflake, GuildConfig] = Field(default_factory=dict)
    daily_cap: int = Field(default=50, ge=1, le=1000)

    _check_api = field_validator("api_base_url")(lambda v: _http_url(v).rstrip("/"))
    _check_gateway = field_validator("gateway_url")(
        lambda v: None if v is None else _http_url(v, schemes=("ws", "wss"))
    )


class StorageConfig(_Section):
    """The embedded database."""

    path: str = "data/exitwatch.sqlite3"
    retention: Duration = 180 * 86400.0


class AnalysisConfig(_Section):
    """How sure the analyzer must be before a story is posted."""

    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    event_window: Duration = 60 * 86400.0


class HealthConfig(_Section):
    """An optional local endpoint for /healthz and Prometheus metrics."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=1, le=65535)


class LoggingConfig(_Section):
    """Log verbosity for the whole process."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    """The whole validated configuration."""

    discord: DiscordConfig = Field(default_factory=DiscordConfig)
    feeds: list[FeedConfig] = Field(default_factory=list)
    samples: bool = False
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    poll: PollConfig = Field(default_factory=PollConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    source: str = Field(default="", exclude=True)

    @property
    def uses_custom_api(self) -> bool:
        """True when a REST proxy or a test stand-in replaces Discord's own API."""
        return self.discord.api_base_url != DEFAULT_API_BASE


def discord_token() -> SecretStr | None:
    """The bot token from the environment, typed so it never prints by accident."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    return SecretStr(token) if token else None


def resolve_path(explicit: str | None) -> Path | None:
    """The config file to read: --config, then $EXITWATCH_CONFIG, then ./config.yaml."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if chosen:
        return Path(chosen)
    default = Path("config.yaml")
    return default if default.exists() else None


def load_config(explicit: str | None = None) -> Config:
    """Read and validate the config file; raise ConfigError with one readable message."""
    path = resolve_path(explicit)
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the file is not UTF-8 text") from exc
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "config") -> Config:
    """Validate YAML text; errors name the key path and, when known, the line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {_yaml_problem(exc)}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, root, source)) from exc
    problem = _retention_problem(config)
    if problem is not None:
        raise ConfigError(_located(data, root, source, _RETENTION_KEYS, problem))
    return config.model_copy(update={"source": source})


_RETENTION_KEYS = (("storage", "retention"), ("analysis", "event_window"), ("poll", "max_age"))


def _retention_problem(config: Config) -> str | None:
    """Why `storage.retention` is too short for the other keys, or None when it is not.

    Pruning must not forget what still decides whether a story is posted. A new entry may
    be up to `poll.max_age` old and joins an event whose last source is up to
    `analysis.event_window` older than it, so an event's post must outlive both or the
    event is posted a second time; an entry pruned before `poll.max_age` comes back as new
    and gets posted as news.
    """
    window, max_age = config.analysis.event_window, config.poll.max_age
    needed = window + max_age
    if config.storage.retention >= needed:
        return None
    return (
        f"storage.retention ({format_duration(config.storage.retention)}) must be at least "
        f"analysis.event_window + poll.max_age ({format_duration(window)} + "
        f"{format_duration(max_age)} = {format_duration(needed)}); with less, pruning forgets "
        "posts and entries that still decide what is posted, and stories are posted twice"
    )


def _located(
    data: dict[str, Any],
    root: yaml.Node | None,
    source: str,
    keys: tuple[tuple[str, str], ...],
    message: str,
) -> str:
    """`file:line: key: message` for a rule over several keys, at the first the file sets.

    The message names every key of the rule; the line points at one the operator wrote.
    """
    written = [key for key in keys if key[1] in (data.get(key[0]) or {})]
    key = written[0] if written else keys[0]
    line = _line_of(root, key) if written else None
    where = f"{source}:{line}" if line else source
    return f"{where}: {_key_path(key)}: {message}"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{problem} (line {mark.line + 1})" if mark else problem


def _describe(exc: ValidationError, root: yaml.Node | None, source: str) -> str:
    """One line per problem: `file:line: key.path: message`."""
    lines = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        key = _key_path(loc)
        line = _line_of(root, loc)
        where = f"{source}:{line}" if line else source
        lines.append(f"{where}: {key}: {_message(error)}")
    return "\n".join(lines)


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling and section)"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts and parts[-1] == "feeds":
            parts[-1] = f"feeds[{item}]"
        elif item == "[key]":
            parts[-1] += " (a key)"
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Walk the YAML node tree along `loc` to find the line of the offending value."""
    line = None
    for item in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if str(k.value) == str(item)), None)
            key = next((k for k, _ in node.value if str(k.value) == str(item)), None)
            if key is not None:
                line = key.start_mark.line + 1
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(item, int):
            node = node.value[item] if item < len(node.value) else None
            line = node.start_mark.line + 1 if node is not None else line
        else:
            break
    return line
