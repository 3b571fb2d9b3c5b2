"""Discord's error answers, in its JSON shape, so discord.py raises the exceptions it would."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

# JSON error codes Discord uses for the refusals the stand-in reproduces.
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
UNKNOWN_INTERACTION = 10062
UNKNOWN_APPLICATION_COMMAND = 10063
TAG_REQUIRED = 40067
MISSING_ACCESS = 50001
CANNOT_EDIT_OTHERS_MESSAGE = 50005
EMPTY_MESSAGE = 50006
CANNOT_SEND_IN_NON_TEXT = 50008
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035
THREAD_ARCHIVED = 50083
THREAD_ALREADY_CREATED = 160004
ALREADY_ACKNOWLEDGED = 40060


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON answer with ``Content-Type: application/json`` exactly: discord.py compares the
    header verbatim and treats ``application/json; charset=utf-8`` bodies as plain text."""
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


class DiscordError(Exception):
    """A refusal the REST layer turns into ``status`` with Discord's error body."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON body Discord sends with this error."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def not_found(code: int, what: str) -> DiscordError:
    """404 for a missing resource, e.g. ``not_found(UNKNOWN_CHANNEL, "Channel")``."""
    return DiscordError(404, code, f"Unknown {what}")


def forbidden(code: int = MISSING_PERMISSIONS) -> DiscordError:
    """403 for a permission refusal (50013), or 50001 when the bot cannot see the channel."""
    text = "Missing Access" if code == MISSING_ACCESS else "Missing Permissions"
    return DiscordError(403, code, text)


class FormErrors:
    """Collects field problems and raises them as one "Invalid Form Body" (50035).

    Discord nests errors by field path (``embeds.0.description``); discord.py flattens that
    into its exception text, so tests can match on the path.
    """

    def __init__(self, prefix: tuple[str | int, ...] = ()) -> None:
        """``prefix`` places every path inside a field, e.g. ``("data",)`` in an interaction
        response."""
        self.prefix = prefix
        self.problems: list[tuple[tuple[str | int, ...], str, str]] = []

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Record one problem at ``path``."""
        self.problems.append(((*self.prefix, *path), code, message))

    def too_long(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        """Record BASE_TYPE_MAX_LENGTH when ``value`` is longer than ``limit``."""
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def raise_if_any(self) -> None:
        """Raise the collected problems, if there are any."""
        if not self.problems:
            return
        tree: dict[str, Any] = {}
        for path, code, message in self.problems:
            node = tree
            for key in path:
                node = node.setdefault(str(key), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        raise DiscordError(400, INVALID_FORM_BODY, "Invalid Form Body", tree)
