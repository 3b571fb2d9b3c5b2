"""The address guard against the tricks tests/feeds/test_guard.py does not already list:
more spellings of loopback and private addresses, userinfo and scheme tricks, names that
resolve (or redirect) somewhere private, and several answers for one name.

Everything is refused by default; `allow_private=True` opens private ranges but never a
cloud metadata address.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.errors import FetchFailed, FetchRefused
from bot.feeds.guard import GuardedResolver, check_url
from tests.feeds.conftest import FakeDNS

LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://0x7f000001/", "that is 127.0.0.1"),
        ("http://017700000001/", "that is 127.0.0.1"),
        ("http://0x7f.0x0.0x0.0x1/", "that is 127.0.0.1"),
        ("http://00000000177.0.0.1/", "that is 127.0.0.1"),
        ("http://127.000.000.001/", "that is 127.0.0.1"),
        ("http://0177.1/", "that is 127.0.0.1"),
        ("http://2130706433./", "that is 127.0.0.1"),
        ("http://0x0a.0x00.0x00.0x01/", "that is 10.0.0.1"),
        ("http://10.0.0.1./", "private"),
        ("http://127。0。0。1/", "loopback"),
        ("http://①②⑦.0.0.1/", "loopback"),
        ("HTTP://127.0.0.1/", "loopback"),
        ("http://[::ffff:7f00:1]/", "embedding 127.0.0.1"),
        ("http://[0:0:0:0:0:ffff:127.0.0.1]/", "embedding 127.0.0.1"),
        ("http://[::ffff:127.0.0.1%25eth0]/", "embedding 127.0.0.1"),
        ("http://[::ffff:a9fe:a9fe]/", "embedding 169.254.169.254, a cloud metadata"),
        ("http://[::ffff:0:0]/", "embedding 0.0.0.0"),
        ("http://[::127.0.0.1]/", "reserved"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://0/", "that is 0.0.0.0"),
        ("http://0.0.0.0:8080/", "unspecified"),
        ("http://[::]:80/", "unspecified"),
        ("http://[0::0]/", "unspecified"),
        ("http://198.18.0.1/", "private"),
        ("http://100.100.100.200/", "cloud metadata"),
        ("http://192.0.0.192/", "cloud metadata"),
        ("http://168.63.129.16/", "cloud metadata"),
    ],
)
def test_more_address_spellings_are_refused(url: str, reason: str) -> None:
    with pytest.raises(FetchRefused, match=reason):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://user@127.0.0.1/",
        "http://:@example.com/",
        "http://example.com@127.0.0.1/",
        "http://127.0.0.1:80@example.com/",
        "https://token:x-oauth-basic@news.example.com/feed",
    ],
)
def test_userinfo_is_refused_whatever_it_hides(url: str) -> None:
    with pytest.raises(FetchRefused, match="user name or password"):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "gopher://x.example/",
        "javascript:alert(1)",
        "data:text/xml,<rss/>",
        "ws://example.com/",
        "dict://127.0.0.1:11211/",
        "//example.com/feed",
        "example.com/feed",
    ],
)
def test_other_schemes_are_refused_even_with_private_allowed(url: str) -> None:
    with pytest.raises(FetchRefused, match="only http and https"):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url", ["http:///path", "http://10.0.0.1:99999/", "http://1.1.1.1\\@127.0.0.1/"]
)
def test_malformed_urls_are_refused_not_guessed(url: str) -> None:
    with pytest.raises(FetchRefused):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://0x7f.1/", "http://[::ffff:10.0.0.1]/", "http://0/"]
)
def test_allow_private_opens_these(url: str) -> None:
    check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url", ["http://100.100.100.200/", "http://[::ffff:169.254.169.254]/", "http://0xa9fea9fe/"]
)
def test_metadata_stays_refused_with_private_allowed(url: str) -> None:
    with pytest.raises(FetchRefused, match="metadata"):
        check_url(url, allow_private=True)


# --- names -------------------------------------------------------------------------------


class MultiDNS(AbstractResolver):
    """Answers every address in the table for a name at once (round-robin DNS)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in self.table[host]
        ]

    async def close(self) -> None:
        return None


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (["93.184.216.34", "10.0.0.9"], "10.0.0.9, a private"),
        (["10.0.0.9", "93.184.216.34"], "10.0.0.9, a private"),
        (["2606:4700::1", "::1"], "::1, a loopback"),
        (["::ffff:127.0.0.1"], "embedding 127.0.0.1"),
        (["0.0.0.0"], "unspecified"),
        (["fe80::1%eth0"], "link-local"),
        (["169.254.169.254"], "cloud metadata"),
    ],
)
async def test_a_name_with_any_refused_answer_is_refused(answers: list[str], reason: str) -> None:
    resolver = GuardedResolver(False, MultiDNS({"news.test": answers}))
    with pytest.raises(FetchRefused, match=reason):
        await resolver.resolve("news.test", 443)


async def test_allow_private_accepts_private_answers_but_not_metadata() -> None:
    dns = MultiDNS({"lab.test": ["10.0.0.9", "::1"], "meta.test": ["169.254.169.254"]})
    resolver = GuardedResolver(True, dns)
    assert len(await resolver.resolve("lab.test", 80)) == 2
    with pytest.raises(FetchRefused, match="metadata"):
        await resolver.resolve("meta.test", 80)


async def test_localhost_by_name_is_refused_through_the_system_resolver(
    feed_server, make_fetcher
) -> None:
    """No fake DNS here: the system resolver answers `localhost` from the hosts file."""
    with pytest.raises(FetchRefused, match=r"localhost resolves to"):
        await make_fetcher(allow_private=False).fetch(f"http://localhost:{feed_server.port}/")
    assert feed_server.state.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/feed/rss20.xml",
        "http://[::ffff:127.0.0.2]:{port}/feed/rss20.xml",
        "http://2130706434:{port}/feed/rss20.xml",
        "http://user:pw@public.test:{port}/feed/rss20.xml",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
async def test_a_public_name_cannot_redirect_anywhere_refused(
    feed_server, make_fetcher, target: str
) -> None:
    dns = FakeDNS({"public.test": ["127.0.0.1"], "localhost": ["127.0.0.2"]})
    fetcher = make_fetcher(allow_private=False, dns=dns, allowed_networks=LOOPBACK_ONLY)
    location = target.format(port=feed_server.port)
    with pytest.raises(FetchRefused):
        await fetcher.fetch(f"http://public.test:{feed_server.port}/redirect?to={location}")
    assert [r.path for r in feed_server.state.requests] == ["/redirect"]


async def test_rebinding_between_redirect_hops_is_caught(feed_server, make_fetcher) -> None:
    """The first hop's name is allowed; the second hop's name answers private."""
    dns = FakeDNS({"public.test": ["127.0.0.1"], "other.test": ["10.1.2.3"]})
    fetcher = make_fetcher(allow_private=False, dns=dns, allowed_networks=LOOPBACK_ONLY)
    target = f"http://other.test:{feed_server.port}/feed/rss20.xml"
    with pytest.raises(FetchRefused, match=r"other\.test resolves to 10\.1\.2\.3"):
        await fetcher.fetch(f"http://public.test:{feed_server.port}/redirect?to={target}")


async def test_an_unresolvable_encoded_host_fails_without_a_request(
    feed_server, make_fetcher
) -> None:
    """`%31%32%37.0.0.1` is not decoded into 127.0.0.1; it is a name, and no name answers."""
    fetcher = make_fetcher(allow_private=False, dns=FakeDNS({}))
    with pytest.raises(FetchFailed, match="could not resolve"):
        await fetcher.fetch(f"http://%31%32%37.0.0.1:{feed_server.port}/")
    assert feed_server.state.requests == []
