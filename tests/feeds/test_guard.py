"""The address guard on its own: URL checks, address classes and the resolver."""

from __future__ import annotations

import ipaddress

import pytest

from bot.errors import FetchRefused
from bot.feeds.guard import GuardedResolver, address_problem, check_url, parse_ip_literal
from tests.feeds.conftest import FakeDNS


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://files.example.com/feed", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://admin:secret@example.com/feed", "user name or password"),
        ("http://127.0.0.1/", "loopback"),
        ("http://2130706433/", "that is 127.0.0.1"),
        ("http://0177.0.0.1/", "that is 127.0.0.1"),
        ("http://0x7f.1/", "that is 127.0.0.1"),
        ("http://127.1/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1:8080/", "private"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/", "cloud metadata"),
        ("http://169.254.10.1/", "link-local"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://[::1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd12:3456::1]/", "private"),
        ("http://[::ffff:127.0.0.1]/", "embedding 127.0.0.1"),
        ("http://[2002:a00:1::]/", "embedding 10.0.0.1"),
        ("http://[64:ff9b::a9fe:a9fe]/", "embedding 169.254.169.254"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://example.com/" + "a" * 3000, "longer than"),
    ],
)
def test_check_url_refuses(url, reason):
    with pytest.raises(FetchRefused, match=reason):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/feed.xml", "http://93.184.216.34/rss", "https://[2606:4700::1]/"],
)
def test_check_url_accepts_public_urls(url):
    check_url(url, allow_private=False)


def test_allow_private_opens_private_ranges_but_not_metadata():
    check_url("http://127.0.0.1:8080/feed", allow_private=True)
    check_url("http://10.0.0.5/feed", allow_private=True)
    with pytest.raises(FetchRefused, match=r"metadata"):
        check_url("http://169.254.169.254/", allow_private=True)
    with pytest.raises(FetchRefused, match=r"embedding 169.254.169.254, a cloud metadata"):
        check_url("http://[64:ff9b::a9fe:a9fe]/", allow_private=True)


def test_allowed_networks_open_only_those_ranges():
    lab = [ipaddress.ip_network("10.20.0.0/16")]
    check_url("http://10.20.1.1/", allow_private=False, allowed_networks=lab)
    with pytest.raises(FetchRefused):
        check_url("http://10.21.1.1/", allow_private=False, allowed_networks=lab)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("[::1]", "::1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("0x100000000", None),
        ("256.1.1.1", None),
        ("08.1.1.1", None),
    ],
)
def test_parse_ip_literal_reads_legacy_forms(host, expected):
    parsed = parse_ip_literal(host)
    assert (str(parsed) if parsed else None) == expected


def test_public_address_has_no_problem():
    assert address_problem(ipaddress.ip_address("93.184.216.34"), allow_private=False) is None


async def test_resolver_refuses_when_any_answer_is_private():
    """Mixed answers are refused, not filtered: see GuardedResolver's docstring."""
    dns = FakeDNS({"mixed.test": ["10.0.0.7"]})
    resolver = GuardedResolver(False, dns)
    with pytest.raises(FetchRefused, match=r"mixed.test resolves to 10.0.0.7, a private"):
        await resolver.resolve("mixed.test", 80)


async def test_resolver_passes_allowed_answers_through():
    resolver = GuardedResolver(False, FakeDNS({"news.test": ["93.184.216.34"]}))
    answers = await resolver.resolve("news.test", 443)
    assert [a["host"] for a in answers] == ["93.184.216.34"]
    await resolver.close()
