"""Discord's validation rules for messages, components, commands and autocomplete answers.

Each check raises what Discord answers (usually 400 "Invalid Form Body" with the field path),
so a bot that would be refused in production is refused in tests too.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .errors import EMPTY_MESSAGE, TAG_REQUIRED, DiscordError, FormErrors

Json = dict[str, Any]
Path = tuple[str | int, ...]

MESSAGE_CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
SELECT_PLACEHOLDER = 150
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
COMMAND_TOTAL = 4000
CHAT_COMMANDS_PER_SCOPE = 100
THREAD_NAME = 100
APPLIED_TAGS = 5
EPHEMERAL = 1 << 6
COMPONENTS_V2 = 1 << 15

CHAT_INPUT = 1
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
OPTION_TYPES = range(1, 12)
CHOICE_TYPES = {3, 4, 10}  # string, integer, number
_CHAT_NAME = re.compile(r"^[-_'\w]{1,32}$")
_SELECTS = {3, 5, 6, 7, 8}


def validate_message(
    payload: Json, *, files: int = 0, creating: bool = True, within: Path = ()
) -> None:
    """Check a message body (create or edit, channel or webhook) against Discord's limits;
    ``within`` is where the body sits in the request (``("data",)`` for interactions)."""
    errors = FormErrors(within)
    errors.too_long(("content",), payload.get("content"), MESSAGE_CONTENT)
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        errors.too_long(("embeds",), embeds, EMBEDS_PER_MESSAGE)
    total = sum(_check_embed(errors, ("embeds", i), embed) for i, embed in enumerate(embeds))
    if total > EMBED_TOTAL:
        errors.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL}",
        )
    if not int(payload.get("flags") or 0) & COMPONENTS_V2:
        _check_components(errors, payload.get("components") or [])
    errors.raise_if_any()
    has_body = payload.get("content") or embeds or payload.get("components") or files
    if creating and not (has_body or payload.get("sticker_ids") or payload.get("poll")):
        raise DiscordError(400, EMPTY_MESSAGE, "Cannot send an empty message")


def _check_embed(errors: FormErrors, path: Path, embed: Json) -> int:
    """Check one embed; return its character count toward the 6000 total."""
    errors.too_long((*path, "title"), embed.get("title"), EMBED_TITLE)
    errors.too_long((*path, "description"), embed.get("description"), EMBED_DESCRIPTION)
    fields = embed.get("fields") or []
    errors.too_long((*path, "fields"), fields, EMBED_FIELDS)
    for i, embed_field in enumerate(fields):
        for key, limit in (("name", EMBED_FIELD_NAME), ("value", EMBED_FIELD_VALUE)):
            text = embed_field.get(key)
            if not text:
                errors.add(
                    (*path, "fields", i, key), "BASE_TYPE_REQUIRED", "This field is required"
                )
            errors.too_long((*path, "fields", i, key), text, limit)
    footer = (embed.get("footer") or {}).get("text")
    author = (embed.get("author") or {}).get("name")
    errors.too_long((*path, "footer", "text"), footer, EMBED_FOOTER)
    errors.too_long((*path, "author", "name"), author, EMBED_AUTHOR)
    if embed.get("url") is not None and not _is_web_url(embed["url"]):
        errors.add((*path, "url"), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    for media in ("image", "thumbnail"):
        url = (embed.get(media) or {}).get("url")
        if url is not None and not (_is_web_url(url) or url.startswith("attachment://")):
            errors.add((*path, media, "url"), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    color = embed.get("color")
    if color is not None and not 0 <= int(color) <= 0xFFFFFF:
        errors.add((*path, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    texts = [embed.get("title"), embed.get("description"), footer, author]
    texts += [f.get(k) for f in fields for k in ("name", "value")]
    return sum(len(t) for t in texts if t)


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_components(errors: FormErrors, rows: list[Json]) -> None:
    """Action rows of buttons or one select each; custom ids unique within the message."""
    errors.too_long(("components",), rows, ACTION_ROWS)
    seen: set[str] = set()
    for r, row in enumerate(rows):
        children = row.get("components") or []
        path: Path = ("components", r, "components")
        if row.get("type") != 1 or not children:
            errors.add(("components", r), "UNION_TYPE_CHOICES", "Value of field must be a row")
            continue
        if any(c.get("type") in _SELECTS for c in children) and len(children) > 1:
            errors.add(path, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "A select must be alone in a row")
        errors.too_long(path, children, BUTTONS_PER_ROW)
        for c, component in enumerate(children):
            custom_id = component.get("custom_id")
            if custom_id is not None:
                errors.too_long((*path, c, "custom_id"), custom_id, CUSTOM_ID)
                if custom_id in seen:
                    errors.add(
                        (*path, c, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                seen.add(custom_id)
            if component.get("type") == 2:
                _check_button(errors, (*path, c), component)
            elif component.get("type") in _SELECTS:
                errors.too_long(
                    (*path, c, "placeholder"), component.get("placeholder"), SELECT_PLACEHOLDER
                )
                if component.get("type") == 3:
                    errors.too_long((*path, c, "options"), component.get("options"), SELECT_OPTIONS)


def _check_button(errors: FormErrors, path: Path, button: Json) -> None:
    """Link buttons need a URL and no custom id; the others need a custom id."""
    errors.too_long((*path, "label"), button.get("label"), BUTTON_LABEL)
    if not button.get("label") and not button.get("emoji"):
        errors.add(path, "BUTTON_COMPONENT_INVALID", "A button needs a label or an emoji")
    if button.get("style") == 5:
        if not button.get("url") or button.get("custom_id"):
            errors.add(path, "BUTTON_COMPONENT_LINK_INVALID", "A link button needs only a url")
    elif button.get("style") != 6 and not button.get("custom_id"):
        errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")


def validate_commands(commands: list[Json]) -> None:
    """Check a bulk overwrite of one scope (global or one guild) against Discord's rules."""
    errors = FormErrors()
    seen: set[tuple[int, str]] = set()
    for i, command in enumerate(commands):
        kind = command.get("type", CHAT_INPUT)
        name = command.get("name", "")
        _check_name(errors, (i, "name"), name, chat=kind == CHAT_INPUT)
        if (kind, name) in seen:
            errors.add((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name")
        seen.add((kind, name))
        description = command.get("description", "")
        if kind == CHAT_INPUT:
            _check_description(errors, (i, "description"), description)
            _check_options(errors, (i, "options"), command.get("options") or [], depth=0)
        elif description:
            errors.add((i, "description"), "BASE_TYPE_MAX_LENGTH", "Must be 0 in length.")
        if _command_size(command) > COMMAND_TOTAL:
            errors.add((i,), "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)")
    chat_commands = sum(1 for c in commands if c.get("type", CHAT_INPUT) == CHAT_INPUT)
    if chat_commands > CHAT_COMMANDS_PER_SCOPE:
        errors.add((), "APPLICATION_COMMANDS_TOO_MANY", "Maximum number of commands reached (100)")
    errors.raise_if_any()


def _check_name(errors: FormErrors, path: Path, name: str, *, chat: bool) -> None:
    if chat and (not _CHAT_NAME.match(name) or name != name.lower()):
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    elif not 1 <= len(name) <= COMMAND_NAME:
        errors.add(path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")


def _check_description(errors: FormErrors, path: Path, description: str) -> None:
    if not 1 <= len(description) <= COMMAND_DESCRIPTION:
        errors.add(path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")


def _check_options(errors: FormErrors, path: Path, options: list[Json], *, depth: int) -> None:
    """Options of a command (depth 0), a subcommand group (1) or a subcommand (2)."""
    errors.too_long(path, options, COMMAND_OPTIONS)
    names: set[str] = set()
    nested = [o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in options]
    if any(nested) and not all(nested):
        errors.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Cannot mix subcommands")
    optional_seen = False
    for i, option in enumerate(options):
        kind, name = option.get("type"), option.get("name", "")
        _check_name(errors, (*path, i, "name"), name, chat=True)
        _check_description(errors, (*path, i, "description"), option.get("description", ""))
        if name in names:
            errors.add((*path, i, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", name)
        names.add(name)
        if kind not in OPTION_TYPES:
            errors.add((*path, i, "type"), "BASE_TYPE_CHOICES", "Value must be one of 1..11")
        elif (kind == SUB_COMMAND_GROUP and depth > 0) or (kind == SUB_COMMAND and depth > 1):
            errors.add((*path, i, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Nesting")
        elif kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            child_depth = 2 if kind == SUB_COMMAND else 1
            _check_options(
                errors, (*path, i, "options"), option.get("options") or [], depth=child_depth
            )
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    (*path, i, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        _check_choices(errors, (*path, i), option)


def _check_choices(errors: FormErrors, path: Path, option: Json) -> None:
    choices = option.get("choices") or []
    if choices and option.get("type") not in CHOICE_TYPES:
        errors.add((*path, "choices"), "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", "No choices")
    if choices and option.get("autocomplete"):
        errors.add(
            (*path, "autocomplete"),
            "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
            "Autocomplete cannot be used with choices",
        )
    check_choices(errors, (*path, "choices"), choices)


def check_choices(errors: FormErrors, path: Path, choices: list[Json]) -> None:
    """Choices of a command option or an autocomplete answer: ≤ 25, short names and values."""
    errors.too_long(path, choices, CHOICES)
    for i, choice in enumerate(choices):
        name = choice.get("name", "")
        if not 1 <= len(name) <= CHOICE_NAME:
            errors.add((*path, i, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100.")
        if isinstance(choice.get("value"), str):
            errors.too_long((*path, i, "value"), choice["value"], CHOICE_VALUE)


def validate_autocomplete(data: Json) -> None:
    """An autocomplete answer: at most 25 choices with names of 1–100 characters."""
    errors = FormErrors()
    check_choices(errors, ("data", "choices"), data.get("choices") or [])
    errors.raise_if_any()


def validate_thread_name(name: str | None) -> None:
    """Thread names are 1–100 characters."""
    if not name or len(name) > THREAD_NAME:
        errors = FormErrors()
        errors.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        errors.raise_if_any()


def validate_forum_post(body: Json, *, files: int, require_tag: bool) -> None:
    """A forum post: its starter ``message`` is required and checked like any message (field
    paths under ``message``), at most five ``applied_tags``, and at least one when the forum
    has REQUIRE_TAG (40067)."""
    errors = FormErrors()
    message = body.get("message")
    if not isinstance(message, dict):
        errors.add(("message",), "BASE_TYPE_REQUIRED", "This field is required")
    tags = body.get("applied_tags") or []
    errors.too_long(("applied_tags",), tags, APPLIED_TAGS)
    errors.raise_if_any()
    validate_message(message, files=files, within=("message",))
    if require_tag and not tags:
        raise DiscordError(
            400, TAG_REQUIRED, "A tag is required to create a forum post in this channel"
        )


def _command_size(node: Json) -> int:
    """Characters Discord counts toward a command's 4000 limit: names, descriptions, values."""
    size = len(node.get("name", "")) + len(node.get("description", ""))
    for choice in node.get("choices") or []:
        size += len(choice.get("name", "")) + len(str(choice.get("value", "")))
    return size + sum(_command_size(option) for option in node.get("options") or [])
