"""Turn ``"exits latest"`` plus a dict of options into the ``data`` of an interaction.

Discord's client only lets a member send what the registered command allows, so the stand-in
builds the payload from the registered schema: option types come from there, unknown or missing
options and values outside the choices or ranges are refused before anything reaches the bot.
"""

from __future__ import annotations

from typing import Any

from .limits import SUB_COMMAND, SUB_COMMAND_GROUP
from .state import DiscordState, Guild, Json

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10


class InvocationRefused(ValueError):
    """Discord's client would not let a member send this command as given."""


def find_command(state: DiscordState, name: str, guild: Guild) -> Json:
    """The chat-input command ``name`` visible in ``guild``: its guild commands, then global."""
    for command in [*state.commands(guild.id), *state.commands()]:
        if command["name"] == name and command.get("type", 1) == 1:
            return command
    raise InvocationRefused(f"/{name} is not registered (globally or in {guild.name!r})")


def command_data(
    state: DiscordState,
    guild: Guild,
    command_line: str,
    options: dict[str, Any],
    *,
    user_id: int,
    focused: str | None = None,
) -> tuple[Json, Json]:
    """The interaction ``data`` for ``command_line`` and the registered command it targets.

    With ``focused`` the data is for autocomplete: that option is marked focused and its value
    is the partial text typed so far.
    """
    name, *path = command_line.split()
    command = find_command(state, name, guild)
    schema = command.get("options") or []
    wrappers: list[Json] = []
    for part in path:
        option = _option(schema, part, command_line)
        if option["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise InvocationRefused(f"{part!r} in {command_line!r} is not a subcommand")
        wrappers.append({"type": option["type"], "name": part, "options": []})
        schema = option.get("options") or []
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        raise InvocationRefused(f"{command_line!r} needs a subcommand")
    resolved: Json = {}
    leaf = [
        _leaf_option(
            guild, _option(schema, key, command_line), value, key == focused, resolved, user_id
        )
        for key, value in options.items()
    ]
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in options]
    if missing and focused is None:
        raise InvocationRefused(f"{command_line!r} is missing required options {missing}")
    if focused is not None and focused not in options:
        raise InvocationRefused(f"the focused option {focused!r} needs a value (the typed text)")
    nested = leaf
    for wrapper in reversed(wrappers):
        wrapper["options"] = nested
        nested = [wrapper]
    data: Json = {"id": command["id"], "name": name, "type": 1, "options": nested}
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data, command


def _option(schema: list[Json], name: str, command_line: str) -> Json:
    for option in schema:
        if option["name"] == name:
            return option
    raise InvocationRefused(f"{command_line!r} has no option or subcommand {name!r}")


def _leaf_option(
    guild: Guild, option: Json, value: Any, focused: bool, resolved: Json, user_id: int
) -> Json:
    """One option value, typed and checked as Discord's client would send it."""
    kind = option["type"]
    if focused:
        if not option.get("autocomplete"):
            raise InvocationRefused(f"option {option['name']!r} has no autocomplete")
        return {"type": kind, "name": option["name"], "value": str(value), "focused": True}
    if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
        value = _resolve(guild, kind, int(getattr(value, "id", value)), resolved, user_id)
    elif kind == STRING:
        value = str(value)
        _check_range(option, len(value), "min_length", "max_length")
    elif kind in (INTEGER, NUMBER):
        value = int(value) if kind == INTEGER else float(value)
        _check_range(option, value, "min_value", "max_value")
    elif kind == BOOLEAN:
        value = bool(value)
    choices = option.get("choices")
    if choices and value not in [c["value"] for c in choices]:
        raise InvocationRefused(f"{value!r} is not a choice of option {option['name']!r}")
    return {"type": kind, "name": option["name"], "value": value}


def _check_range(option: Json, size: float, low_key: str, high_key: str) -> None:
    low, high = option.get(low_key), option.get(high_key)
    if (low is not None and size < low) or (high is not None and size > high):
        raise InvocationRefused(f"option {option['name']!r} must be within {low}..{high}")


def _resolve(guild: Guild, kind: int, target: int, resolved: Json, user_id: int) -> str:
    """Add a user, channel or role option's object to ``resolved``, as Discord does; a channel
    carries the invoking member's permissions in it."""
    if kind in (USER, MENTIONABLE) and target in guild.members:
        member = guild.members[target]
        resolved.setdefault("users", {})[str(target)] = member.user
        member_data = {k: v for k, v in member.payload().items() if k != "user"}
        member_data["permissions"] = str(int(guild.base_permissions(target)))
        resolved.setdefault("members", {})[str(target)] = member_data
    elif kind == CHANNEL and target in guild.channels:
        channel = guild.channels[target]
        data = channel.payload() | {"permissions": str(int(guild.permissions(user_id, channel)))}
        resolved.setdefault("channels", {})[str(target)] = data
    elif kind in (ROLE, MENTIONABLE) and target in guild.roles:
        resolved.setdefault("roles", {})[str(target)] = guild.roles[target].payload()
    else:
        raise InvocationRefused(f"no user, channel or role {target} in {guild.name!r}")
    return str(target)
