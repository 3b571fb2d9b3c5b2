"""Per-server settings: the typed model, its defaults from config.yaml, and its validation.

config.yaml gives each server its defaults (`discord.guilds.<id>`); `/settings` stores
overrides as one JSON document per server (`store.settings`). `guild_settings` merges the
two, so every reader (the posting layer, `/feeds test`, `/exits why`) sees one typed object.
Every change is validated here, and a bad value is refused with a message fit for an
ephemeral reply, never stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.config import GuildConfig
from bot.errors import InvalidInput
from bot.models import Stage
from bot.query.countries import canonical_country, country_key, same_country
from bot.storage import Store

log = logging.getLogger(__name__)

STAGES = tuple(stage.value for stage in Stage)
MAX_LIST = 25
SNOWFLAKE_MAX = 2**63
_SUFFIXES = r"(inc|ltd|llc|plc|corp|corporation|co|gmbh|ag|s\.?a|limited|group)\.?"
_CORPORATE_SUFFIX = re.compile(rf"[\s,]+{_SUFFIXES}$", re.I)
_ONLY_SUFFIX = re.compile(_SUFFIXES, re.I)


def company_key(name: str) -> str:
    """A company name for comparison: case, punctuation and "Inc."-style suffixes ignored.

    `/exits company` and the company filter both compare through this, so a filter finds
    exactly the stories the command lists.
    """
    name = _CORPORATE_SUFFIX.sub("", name.strip())
    return re.sub(r"[^\w]+", "", name.casefold())


def company_names(parts: Iterable[str]) -> list[str]:
    """Company names from a list split at commas: a part that is only a corporate suffix
    ("Inc.", "GmbH", "S.A.") rejoins the name before it, so "Apple, Inc." stays one name."""
    names: list[str] = []
    for part in (p.strip() for p in parts):
        if names and _ONLY_SUFFIX.fullmatch(part):
            names[-1] = f"{names[-1]}, {part}"
        elif part:
            names.append(part)
    return names


def _stage(value: str) -> str:
    stage = str(value).strip().lower()
    if stage not in STAGES:
        raise ValueError(f"unknown stage {value!r}; use one of {', '.join(STAGES)}")
    return stage


def _channel(value: int | None) -> int | None:
    if value is not None and not 0 < int(value) < SNOWFLAKE_MAX:
        raise ValueError(f"{value} is not a channel or role id")
    return value


class Filters(BaseModel):
    """Which events a server wants; an empty list means every value is welcome."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    countries: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    companies: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    stages: list[str] = Field(default_factory=list, max_length=len(STAGES))
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("countries")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        return _unique([canonical_country(value) for value in values if value.strip()])

    @field_validator("companies")
    @classmethod
    def _companies(cls, values: list[str]) -> list[str]:
        return _unique([" ".join(value.split()) for value in values if value.strip()])

    @field_validator("stages")
    @classmethod
    def _stages(cls, values: list[str]) -> list[str]:
        return _unique([_stage(value) for value in values])


class GuildSettings(BaseModel):
    """Everything a server can set; None means "use the default"."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    channel: int | None = None
    stage_channels: dict[str, int] = Field(default_factory=dict)
    thread_per_event: bool = False
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    mention_role: int | None = None
    # "No ping", stored as its own value: an absent mention_role means config.yaml's role.
    mention_off: bool = False
    mention_stages: list[str] = Field(default_factory=list)
    mention_countries: list[str] = Field(default_factory=list, max_length=MAX_LIST)
    filters: Filters = Field(default_factory=Filters)
    admin_channel: int | None = None
    daily_cap: int | None = Field(default=None, ge=1, le=1000)

    _ids = field_validator("channel", "mention_role", "admin_channel")(_channel)

    @field_validator("stage_channels")
    @classmethod
    def _stage_channels(cls, values: dict[str, int]) -> dict[str, int]:
        return {_stage(stage): _channel(channel) for stage, channel in values.items()}

    @field_validator("mention_stages")
    @classmethod
    def _mention_stages(cls, values: list[str]) -> list[str]:
        return _unique([_stage(value) for value in values])

    @field_validator("mention_countries")
    @classmethod
    def _mention_countries(cls, values: list[str]) -> list[str]:
        return _unique([canonical_country(value) for value in values if value.strip()])

    def effective_threshold(self, default: float) -> float:
        """The score a story needs here: this server's threshold, else the config's."""
        return self.threshold if self.threshold is not None else default

    def channel_for(self, stage: str | None) -> int | None:
        """Where a story of this stage goes: its stage channel, else the server's channel."""
        return self.stage_channels.get(stage or "", self.channel)

    def mentions(self, stage: str | None, country: str | None) -> bool:
        """Whether a post should ping the mention role."""
        if self.mention_role is None or self.mention_off:
            return False
        if self.mention_stages and stage not in self.mention_stages:
            return False
        return not self.mention_countries or any(
            same_country(country or "", wanted) for wanted in self.mention_countries
        )

    def refusal(
        self, *, score: float, company: str | None, country: str | None, stage: str | None
    ) -> str | None:
        """Why this server's filters keep a relevant story out, or None when they let it in."""
        wanted = self.filters
        if wanted.min_score is not None and score < wanted.min_score:
            return f"score {score:.2f} is below this server's minimum {wanted.min_score:.2f}"
        if wanted.countries and not any(same_country(country or "", c) for c in wanted.countries):
            return f"{country or 'an unknown country'} is not among this server's countries"
        if wanted.companies and company_key(company or "") not in {
            company_key(name) for name in wanted.companies
        }:
            return f"{company or 'an unknown company'} is not among this server's companies"
        if wanted.stages and stage not in wanted.stages:
            return f"stage {stage or 'unknown'} is not among this server's stages"
        return None


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def defaults_from(config: GuildConfig | None) -> dict[str, Any]:
    """The settings a server starts with, from its config.yaml section."""
    if config is None:
        return {}
    return {
        "channel": config.channel,
        "admin_channel": config.admin_channel,
        "mention_role": config.mention_role,
        "daily_cap": config.daily_cap,
    }


def build_settings(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> GuildSettings:
    """Merge stored overrides onto defaults and validate; InvalidInput names the bad key."""
    merged = {key: value for key, value in defaults.items() if value is not None}
    for key, value in overrides.items():
        if key == "filters" and isinstance(value, Mapping):
            merged["filters"] = {**merged.get("filters", {}), **value}
        else:
            merged[key] = value
    try:
        return GuildSettings.model_validate(merged)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from exc


def describe(exc: ValidationError) -> str:
    """One short line per problem: `setting: message`."""
    problems = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "there is no such setting"
        problems.append(f"{key}: {message}")
    return "; ".join(problems)


async def guild_settings(
    store: Store, guild_id: int, defaults: GuildConfig | None
) -> GuildSettings:
    """A server's effective settings: config.yaml defaults with its stored overrides on top.

    Changes are validated before they are stored, so a stored override fails only after
    the model changed (a stage renamed). Posting must not stop for that: the override is
    left out, with a warning in the log naming it.
    """
    base = defaults_from(defaults)
    overrides = await store.settings.get(guild_id)
    try:
        return build_settings(base, overrides)
    except InvalidInput as exc:
        log.warning("guild %d: stored settings ignored: %s", guild_id, exc)
    valid = {}
    for key, value in overrides.items():
        try:
            build_settings(base, {key: value})
        except InvalidInput:
            continue
        valid[key] = value
    return build_settings(base, valid)


async def update_settings(
    store: Store, guild_id: int, defaults: GuildConfig | None, changes: Mapping[str, Any]
) -> GuildSettings:
    """Validate `changes` against the merged settings, then store them; None resets a key.

    Nothing is stored when any change is invalid.
    """
    stored = await store.settings.get(guild_id)
    proposed = dict(stored)
    for key, value in changes.items():
        if value is None:
            proposed.pop(key, None)
        elif key == "filters":
            proposed["filters"] = {**stored.get("filters", {}), **value}
        else:
            proposed[key] = value
    settings = build_settings(defaults_from(defaults), proposed)
    validated = settings.model_dump(mode="json")
    to_store = {key: (validated[key] if key in proposed else None) for key in changes}
    await store.settings.update(guild_id, to_store)
    return settings


def known_country(name: str) -> str:
    """A country or region name as stored in filters; InvalidInput when it is not a place."""
    if country_key(name) is None:
        raise InvalidInput(f"{name!r} is not a country or region I know")
    return canonical_country(name)
