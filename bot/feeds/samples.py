"""The sample feeds shipped inside the package, so ExitWatch shows real output offline.

They are read from the package by name through this module, never by opening `file:` URLs
from the config: a config cannot point the fetcher at the local disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from bot.errors import FeedNotFound

SCHEME = "sample:"
SAMPLE_BACKFILL = 20
_CONTENT_TYPES = {".xml": "application/rss+xml", ".atom": "application/atom+xml"}


@dataclass(frozen=True, slots=True)
class SampleFeed:
    """A bundled feed: its pseudo-URL (stored like any feed URL) and display name."""

    url: str
    name: str


def _folder() -> resources.abc.Traversable:
    return resources.files("bot.samples").joinpath("feeds")


def sample_feeds() -> list[SampleFeed]:
    """Every bundled sample feed, by file name."""
    files = sorted(entry.name for entry in _folder().iterdir() if entry.name[0] != ".")
    return [
        SampleFeed(url=f"{SCHEME}{name}", name=name.rsplit(".", 1)[0].replace("-", " ").title())
        for name in files
        if not name.endswith(".py")
    ]


def is_sample(url: str) -> bool:
    """True for the pseudo-URL of a bundled feed."""
    return url.startswith(SCHEME)


def read_sample(url: str) -> tuple[bytes, str]:
    """The body and content type of a bundled feed; FeedNotFound for an unknown name."""
    name = url.removeprefix(SCHEME)
    entry = _folder().joinpath(name)
    if "/" in name or "\\" in name or not entry.is_file():
        raise FeedNotFound(f"no bundled sample feed named {name!r}")
    suffix = name[name.rfind(".") :]
    return entry.read_bytes(), _CONTENT_TYPES.get(suffix, "application/feed+json")
