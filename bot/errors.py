"""Domain errors, one small hierarchy so callers (CLI, cogs, console) map them in one place.

Every error carries a message written for the person who will read it: an admin in Discord,
an operator reading the log, or a user at the console.
"""

from __future__ import annotations


class ExitWatchError(Exception):
    """Base of every error the core raises on purpose."""


class ConfigError(ExitWatchError):
    """The configuration file is missing, malformed or has an invalid value."""


class FeedError(ExitWatchError):
    """A feed or page could not be fetched or understood."""


class FetchRefused(FeedError):
    """A URL was refused before any request: bad scheme, private address, userinfo..."""


class FetchFailed(FeedError):
    """A request was made and failed: timeout, too large, too many redirects, HTTP error."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class FeedParseError(FeedError):
    """A body was fetched but is not a feed we can read."""


class StorageError(ExitWatchError):
    """The database refused an operation (busy, disk full, corrupt)."""


class NotFound(ExitWatchError):
    """A lookup by id or name found nothing."""


class StoryNotFound(NotFound):
    """No story or event matches the given id or text."""


class FeedNotFound(NotFound):
    """No feed matches the given id, name or URL."""


class InvalidInput(ExitWatchError):
    """A command argument is out of range or malformed."""
