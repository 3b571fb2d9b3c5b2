"""`/exits summarize`: any article, fetched through the guard and analysed on demand."""

from __future__ import annotations

import threading

import pytest

from bot.config import Config
from bot.errors import FetchFailed, FetchRefused, InvalidInput
from bot.feeds.fetch import Fetcher
from bot.query import summarize
from bot.query.service import QueryService
from bot.query.summarize import page_title
from bot.storage import Store
from tests.query.conftest import GUILD, keyword_analyzer


async def test_article_about_an_exit_gets_a_card(service: QueryService, site: str) -> None:
    result = await service.summarize(f"{site}/article", guild_id=GUILD)
    assert result.relevant and result.card is not None
    assert result.title == "Lockbox VPN leaves India"
    assert result.card.ref is None and result.card.sources[0].url == f"{site}/article"
    assert result.verdict.startswith("About a surveillance-driven exit")


async def test_article_not_about_an_exit_says_why(service: QueryService, site: str) -> None:
    result = await service.summarize(f"{site}/bakery")
    assert not result.relevant and result.card is None
    assert result.verdict.startswith("Not about a surveillance-driven exit")


async def test_below_threshold_is_said_plainly(service: QueryService, site: str) -> None:
    await service.settings_threshold(GUILD, 0.9)
    result = await service.summarize(f"{site}/article", guild_id=GUILD)
    assert result.relevant and "would not be posted" in result.verdict


async def test_non_article_pages_are_refused_clearly(service: QueryService, site: str) -> None:
    with pytest.raises(InvalidInput, match="no article text"):
        await service.summarize(f"{site}/index")
    with pytest.raises(InvalidInput, match="application/pdf"):
        await service.summarize(f"{site}/file.pdf")


async def test_timeouts_and_errors_are_fetch_failures(service: QueryService, site: str) -> None:
    with pytest.raises(FetchFailed, match="timed out"):
        await service.summarize(f"{site}/slow")
    with pytest.raises(FetchFailed, match="404"):
        await service.summarize(f"{site}/missing")


async def test_private_addresses_are_refused(
    store: Store, guarded_fetcher: Fetcher, config: Config, site: str
) -> None:
    guarded = QueryService(store, guarded_fetcher, config, analyzer=keyword_analyzer)
    with pytest.raises(FetchRefused, match="refused"):
        await guarded.summarize(f"{site}/article")
    with pytest.raises(FetchRefused):
        await guarded.summarize("http://[::1]/article")


def test_page_title_prefers_og_title_and_unescapes() -> None:
    html = b'<meta property="og:title" content="A &amp; B"><title>Other</title>'
    assert page_title(html, None, "host") == "A & B"
    assert page_title(b"<title> Just\n this </title>", "utf-8", "host") == "Just this"
    assert page_title(b"<p>no title</p>", None, "host") == "host"


def test_page_title_survives_a_head_of_repeated_og_title_attributes() -> None:
    """This head took minutes with the regular expression used before; it must finish."""
    head = b"<html><head><title>Real</title>" + b"<meta property='og:title' " * 2_600
    assert page_title(head, None, "host") == "Real"
    late = b"<meta property='og:title' " * 10_000 + b'content="Late"><title>T</title>'
    assert page_title(late, None, "host") == "Late"


async def test_the_page_is_read_off_the_event_loop(
    service: QueryService, site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = []

    def recording_title(body: bytes, charset: str | None, fallback: str) -> str:
        threads.append(threading.current_thread())
        return page_title(body, charset, fallback)

    monkeypatch.setattr(summarize, "page_title", recording_title)
    result = await service.summarize(f"{site}/article", guild_id=GUILD)
    assert result.title == "Lockbox VPN leaves India"
    assert threads and threading.main_thread() not in threads
