"""The fetcher against a real local server: validators, caps, timeouts, redirects, errors."""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import random
from datetime import UTC, datetime

import pytest

from bot.errors import FetchFailed, FetchRefused
from bot.feeds.fetch import RetryPolicy, backoff_delay, parse_retry_after
from tests.feeds.conftest import DATA, FakeDNS, small_limits

LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.1/32")]


async def test_fetch_returns_body_validators_and_hash(feed_server, make_fetcher):
    result = await make_fetcher().fetch(f"{feed_server.base}/feed/rss20.xml")
    body = (DATA / "rss20.xml").read_bytes()
    assert result.status == 200
    assert result.body == body
    assert result.body_hash == hashlib.sha256(body).hexdigest()
    assert result.content_type == "application/rss+xml"
    assert result.etag == '"v1"'
    assert result.last_modified == "Sat, 28 Nov 2026 10:00:00 GMT"
    assert not result.not_modified


async def test_user_agent_and_accept_headers_are_sent(feed_server, make_fetcher):
    await make_fetcher().fetch(f"{feed_server.base}/feed/rss20.xml")
    headers = feed_server.state.requests[-1].headers
    assert headers["User-Agent"].startswith("ExitWatch/")
    assert "application/rss+xml" in headers["Accept"]
    assert "gzip" in headers["Accept-Encoding"]


@pytest.mark.parametrize(
    "validators",
    [{"etag": '"v1"'}, {"last_modified": "Sat, 28 Nov 2026 10:00:00 GMT"}],
    ids=["etag", "last-modified"],
)
async def test_conditional_get_gives_not_modified(feed_server, make_fetcher, validators):
    result = await make_fetcher().fetch(f"{feed_server.base}/feed/rss20.xml", **validators)
    assert result.status == 304
    assert result.not_modified
    assert result.body == b""


async def test_announced_size_over_cap_is_refused_early(feed_server, make_fetcher):
    with pytest.raises(FetchFailed, match=r"announced"):
        await make_fetcher().fetch(f"{feed_server.base}/big")


async def test_streamed_size_over_cap_is_cut_off(feed_server, make_fetcher):
    with pytest.raises(FetchFailed, match=r"too large"):
        await make_fetcher().fetch(f"{feed_server.base}/big-streamed")


async def test_gzip_body_is_decompressed(feed_server, make_fetcher):
    result = await make_fetcher().fetch(f"{feed_server.base}/gzip")
    assert result.body == (DATA / "rss20.xml").read_bytes()


async def test_gzip_bomb_is_bounded_by_decompressed_size(feed_server, make_fetcher):
    with pytest.raises(FetchFailed, match=r"1048576-byte limit"):
        await make_fetcher().fetch(f"{feed_server.base}/gzip-bomb")


async def test_slow_server_times_out_with_clear_message(feed_server, make_fetcher):
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(FetchFailed, match=r"timed out after 0\.3s waiting for data"):
        await make_fetcher().fetch(f"{feed_server.base}/slow")
    assert loop.time() - started < 2


async def test_total_timeout_bounds_the_whole_fetch(feed_server, make_fetcher):
    fetcher = make_fetcher(limits=small_limits(read_timeout=10.0, total_timeout=0.3))
    with pytest.raises(FetchFailed, match=r"timed out after 0\.3s"):
        await fetcher.fetch(f"{feed_server.base}/slow")


async def test_redirects_are_followed_up_to_the_limit(feed_server, make_fetcher):
    result = await make_fetcher().fetch(f"{feed_server.base}/hop/5")
    assert result.url == f"{feed_server.base}/hop/0"
    with pytest.raises(FetchFailed, match=r"too many redirects"):
        await make_fetcher().fetch(f"{feed_server.base}/hop/6")


async def test_redirect_loop_is_detected(feed_server, make_fetcher):
    with pytest.raises(FetchFailed, match=r"redirect loop"):
        await make_fetcher().fetch(f"{feed_server.base}/loop/a")
    assert len(feed_server.state.requests) == 2


async def test_429_carries_retry_after(feed_server, make_fetcher):
    with pytest.raises(FetchFailed) as caught:
        await make_fetcher().fetch(f"{feed_server.base}/status/429?retry=120")
    assert caught.value.status == 429
    assert caught.value.retry_after == 120
    assert "HTTP 429" in str(caught.value)


async def test_other_http_errors_carry_status(feed_server, make_fetcher):
    with pytest.raises(FetchFailed) as caught:
        await make_fetcher().fetch(f"{feed_server.base}/status/404")
    assert caught.value.status == 404
    assert caught.value.retry_after is None


async def test_unreachable_port_is_a_clear_failure(make_fetcher):
    with pytest.raises(FetchFailed, match=r"could not connect to 127.0.0.1"):
        await make_fetcher().fetch("http://127.0.0.1:9/")


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert parse_retry_after("90", now=now) == 90
    assert parse_retry_after("Mon, 30 Nov 2026 12:05:00 GMT", now=now) == 300
    assert parse_retry_after("Mon, 30 Nov 2026 11:00:00 GMT", now=now) == 0
    assert parse_retry_after("99999999", now=now) == 24 * 3600
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None


def test_backoff_is_full_jitter_exponential_and_capped():
    rng = random.Random(7)
    samples = [backoff_delay(4, 10.0, 1000.0, rng) for _ in range(500)]
    assert all(0 <= s <= 80 for s in samples)
    assert max(samples) > 60 and min(samples) < 20
    assert all(backoff_delay(50, 10.0, 1000.0, rng) <= 1000 for _ in range(100))
    assert 0 <= RetryPolicy(base=1, cap=5).delay(3, random.Random(1)) <= 4


async def test_connector_limits_bound_concurrency_per_host(feed_server, make_fetcher):
    fetcher = make_fetcher(limits=small_limits(per_host=2, concurrency=20))
    url = f"{feed_server.base}/counted"
    await asyncio.gather(*(fetcher.fetch(url) for _ in range(8)))
    assert feed_server.state.peak == 2


async def test_connector_limits_bound_concurrency_overall(feed_server, make_fetcher):
    dns = FakeDNS({f"h{i}.test": ["127.0.0.1"] for i in range(4)})
    fetcher = make_fetcher(limits=small_limits(per_host=2, concurrency=3), dns=dns)
    urls = [f"http://h{i}.test:{feed_server.port}/counted" for i in range(4)]
    await asyncio.gather(*(fetcher.fetch(url) for url in urls * 2))
    assert feed_server.state.peak == 3


# --- the guard on the real request path ---------------------------------------------------


async def test_loopback_is_refused_by_default(feed_server, make_fetcher):
    with pytest.raises(FetchRefused, match=r"127.0.0.1 is a loopback address"):
        await make_fetcher(allow_private=False).fetch(f"{feed_server.base}/feed/rss20.xml")
    assert feed_server.state.requests == []


async def test_name_resolving_to_private_address_is_refused(make_fetcher):
    fetcher = make_fetcher(allow_private=False, dns=FakeDNS({"intranet.test": ["10.0.0.5"]}))
    with pytest.raises(FetchRefused, match=r"intranet.test resolves to 10.0.0.5, a private"):
        await fetcher.fetch("http://intranet.test/feed")


async def test_redirect_to_private_host_is_refused(feed_server, make_fetcher):
    dns = FakeDNS({"public.test": ["127.0.0.1"], "private.test": ["10.0.0.5"]})
    fetcher = make_fetcher(allow_private=False, dns=dns, allowed_networks=LOOPBACK_ONLY)
    start = f"http://public.test:{feed_server.port}"
    assert (await fetcher.fetch(f"{start}/feed/rss20.xml")).status == 200
    with pytest.raises(FetchRefused, match=r"private.test resolves to 10.0.0.5"):
        await fetcher.fetch(f"{start}/redirect?to=http://private.test:{feed_server.port}/feed")


async def test_redirect_to_literal_loopback_is_refused(feed_server, make_fetcher):
    dns = FakeDNS({"public.test": ["127.0.0.1"]})
    fetcher = make_fetcher(allow_private=False, dns=dns, allowed_networks=LOOPBACK_ONLY)
    target = f"http://0x7f.0.0.2:{feed_server.port}/feed/rss20.xml"
    with pytest.raises(FetchRefused, match=r"0x7f.0.0.2 .that is 127.0.0.2. is a loopback"):
        await fetcher.fetch(f"http://public.test:{feed_server.port}/redirect?to={target}")


async def test_connection_goes_to_the_checked_address(feed_server, make_fetcher):
    """A rebinding DNS answers an allowed address once, then a private one.

    The fetch succeeds after exactly one lookup: aiohttp connected to the address the guard
    checked. Had it looked the name up again to connect, it would have got 10.0.0.5. When a
    new lookup does happen (a new session, or once the DNS cache expires), it is checked
    again and refused.
    """
    dns = FakeDNS({"flip.test": ["127.0.0.1", "10.0.0.5"]})
    fetcher = make_fetcher(allow_private=False, dns=dns, allowed_networks=LOOPBACK_ONLY)
    url = f"http://flip.test:{feed_server.port}/feed/rss20.xml"
    assert (await fetcher.fetch(url)).status == 200
    assert dns.calls == {"flip.test": 1}
    fresh = make_fetcher(allow_private=False, dns=dns, allowed_networks=LOOPBACK_ONLY)
    with pytest.raises(FetchRefused, match=r"flip.test resolves to 10.0.0.5"):
        await fresh.fetch(url)
