"""Hostile and broken feeds through the real poller: each costs a bounded amount, ends in a
clear per-feed result, and leaves the other feeds polling normally.

Every test polls two good feeds at the same time as the hostile one, against a real store.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.feeds.parse import MAX_ITEMS, MAX_TITLE
from bot.feeds.poller import PollOutcome
from tests.hardening.conftest import LIMITS, Polling
from tests.hardening.hostile_site import MIB, HostileSite, rss_document, rss_item

RECENT = format_datetime(datetime.now(UTC) - timedelta(hours=2))


async def poll_with_good_feeds(
    polling: Polling, site: HostileSite, hostile_url: str
) -> tuple[PollOutcome, float]:
    """Poll the hostile feed and two good ones together; check the good ones, return the
    hostile feed's outcome and the wall time of the whole round."""
    good = []
    for name in ("good-a", "good-b"):
        items = [rss_item(n, title=f"{name} {n}", date=RECENT, host=name) for n in range(3)]
        url = site.put(f"/{name}.xml", b"".join(rss_document(items)))
        good.append(await polling.add(url, name))
    hostile = await polling.add(hostile_url, "hostile")
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(polling.poll(feed) for feed in [good[0], hostile, good[1]]))
    elapsed = time.perf_counter() - started
    for feed, outcome in zip(good, (outcomes[0], outcomes[2]), strict=True):
        assert outcome.status == "fetched", outcome.error
        assert len(await polling.stored_titles(feed)) == 3
    return outcomes[1], elapsed


async def assert_failed_with(polling: Polling, outcome: PollOutcome, text: str) -> None:
    """An error outcome whose message is also the feed's recorded last error."""
    assert outcome.status == "error"
    assert text in (outcome.error or "")
    record = await polling.store.feeds.get(outcome.feed.id)
    assert record.error_count == 1 and text in (record.last_error or "")


# --- size ---------------------------------------------------------------------------------


async def test_50_mb_body_is_cut_off_at_the_cap(polling: Polling, hostile: HostileSite) -> None:
    outcome, elapsed = await poll_with_good_feeds(polling, hostile, hostile.url("/huge?mb=50"))
    await assert_failed_with(polling, outcome, "too large")
    assert hostile.sent["/huge"] < 20 * MIB, "the client hung up long before 50 MB"
    assert elapsed < LIMITS.total_timeout


async def test_50_mb_announced_is_refused_before_reading(
    polling: Polling, hostile: HostileSite
) -> None:
    outcome, _ = await poll_with_good_feeds(polling, hostile, hostile.url("/huge-announced"))
    await assert_failed_with(polling, outcome, f"announced {50 * MIB} bytes")


async def test_gzip_bomb_stops_at_the_decompressed_cap(
    polling: Polling, hostile: HostileSite
) -> None:
    outcome, _ = await poll_with_good_feeds(polling, hostile, hostile.url("/bomb?mb=50"))
    await assert_failed_with(polling, outcome, f"{LIMITS.max_bytes}-byte limit")


@pytest.mark.parametrize("path", ["/huge?mb=50", "/bomb?mb=200"], ids=["plain", "gzip-bomb"])
async def test_peak_memory_stays_near_the_cap(
    polling: Polling, hostile: HostileSite, path: str
) -> None:
    feed = await polling.add(hostile.url(path), "big")
    tracemalloc.start()
    try:
        outcome = await polling.poll(feed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.status == "error"
    assert peak < 4 * LIMITS.max_bytes, f"peak {peak / MIB:.1f} MiB for a capped read"


# --- time ---------------------------------------------------------------------------------


async def test_one_byte_a_second_hits_the_read_timeout(
    polling: Polling, hostile: HostileSite
) -> None:
    outcome, elapsed = await poll_with_good_feeds(polling, hostile, hostile.url("/drip?every=1"))
    await assert_failed_with(polling, outcome, "timed out")
    assert elapsed < LIMITS.read_timeout + 1.0


async def test_a_drip_just_under_the_read_timeout_hits_the_total_timeout(
    polling: Polling, hostile: HostileSite
) -> None:
    outcome, elapsed = await poll_with_good_feeds(polling, hostile, hostile.url("/drip?every=0.1"))
    await assert_failed_with(polling, outcome, f"timed out after {LIMITS.total_timeout:g}s")
    assert elapsed < LIMITS.total_timeout + 1.0


# --- redirects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [("/self-loop", "redirect loop"), ("/spin", "too many redirects")],
    ids=["loop", "endless-new-urls"],
)
async def test_redirect_tricks_end_in_a_clear_error(
    polling: Polling, hostile: HostileSite, path: str, message: str
) -> None:
    outcome, _ = await poll_with_good_feeds(polling, hostile, hostile.url(path))
    await assert_failed_with(polling, outcome, message)


# --- what is not a feed -------------------------------------------------------------------


async def test_html_served_as_a_feed_names_the_real_feed(
    polling: Polling, hostile: HostileSite
) -> None:
    page = b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" '
    page += b'href="/real.xml"></head><body>News</body></html>'
    outcome, _ = await poll_with_good_feeds(
        polling, hostile, hostile.put("/home.xml", page, "application/rss+xml")
    )
    await assert_failed_with(polling, outcome, "is an HTML page, not a feed")
    assert hostile.url("/real.xml") in (outcome.error or "")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/octet-stream", "text/html", "image/png"]
)
async def test_a_feed_under_a_wrong_content_type_is_still_read(
    polling: Polling, hostile: HostileSite, content_type: str
) -> None:
    body = b"".join(rss_document([rss_item(1, date=RECENT), rss_item(2, date=RECENT)]))
    outcome, _ = await poll_with_good_feeds(
        polling, hostile, hostile.put("/typed.xml", body, content_type)
    )
    assert (outcome.status, outcome.items) == ("fetched", 2)


async def test_binary_garbage_is_a_parse_error(polling: Polling, hostile: HostileSite) -> None:
    garbage = bytes(range(256)) * 64
    outcome, _ = await poll_with_good_feeds(
        polling, hostile, hostile.put("/garbage", garbage, "application/rss+xml")
    )
    await assert_failed_with(polling, outcome, "not a feed we can read")


# --- XML attacks --------------------------------------------------------------------------


def _billion_laughs() -> bytes:
    """Ten levels of ten, declared on one line: three billion characters if expanded.

    Declared on one line, feedparser keeps the declarations and expat expands about 8 MiB
    before its amplification limit stops it (about a second); the time and memory bound
    comes from `bot.feeds.defuse` and is tested in test_parse_defuse.py.
    """
    laughs = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    doctype = f"<!DOCTYPE rss [{''.join(laughs)}]>".encode()
    body = b"".join(rss_document([rss_item(1, title="&lol9;", date=RECENT)]))
    return body.replace(b"<rss ", doctype + b"<rss ", 1)


async def test_entity_expansion_does_not_reach_storage(
    polling: Polling, hostile: HostileSite
) -> None:
    outcome, _ = await poll_with_good_feeds(
        polling, hostile, hostile.put("/entities.xml", _billion_laughs())
    )
    assert outcome.status == "fetched"
    titles = await polling.stored_titles(outcome.feed)
    assert titles and all(len(title) <= MAX_TITLE and "lollol" not in title for title in titles)


# --- size of what is stored ---------------------------------------------------------------


def _many_items(count: int) -> Iterator[bytes]:
    return rss_document(rss_item(n, date=RECENT) for n in range(count))


async def test_20000_items_store_at_most_the_item_cap(
    polling: Polling, hostile: HostileSite
) -> None:
    outcome, elapsed = await poll_with_good_feeds(
        polling, hostile, hostile.stream("/many.xml", _many_items(20_000))
    )
    assert outcome.status == "fetched"
    assert outcome.items == MAX_ITEMS
    assert len(await polling.stored_titles(outcome.feed)) == MAX_ITEMS
    assert elapsed < 10.0


def _long_titles() -> Iterator[bytes]:
    return rss_document(rss_item(n, title="word " * 200_000, date=RECENT) for n in range(3))


async def test_1_mb_titles_are_truncated(polling: Polling, hostile: HostileSite) -> None:
    outcome, _ = await poll_with_good_feeds(
        polling, hostile, hostile.stream("/long.xml", _long_titles())
    )
    assert outcome.status == "fetched"
    titles = await polling.stored_titles(outcome.feed)
    assert len(titles) == 3
    assert all(len(title) <= MAX_TITLE and title.endswith("…") for title in titles)


ABSURD_DATES = [
    "Mon, 01 Jan 0000 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sat, 01 Jan 0001 00:00:00 +2400",
    "yesterday-ish",
    "99999999999999999999",
    "",
]


async def test_missing_and_absurd_dates_are_stored_as_undated(
    polling: Polling, hostile: HostileSite
) -> None:
    items = [rss_item(n, date=date) for n, date in enumerate(ABSURD_DATES)]
    outcome, _ = await poll_with_good_feeds(
        polling, hostile, hostile.put("/dates.xml", b"".join(rss_document(items)))
    )
    assert (outcome.status, outcome.items) == ("fetched", len(ABSURD_DATES))
    dates = await polling.store.db.fetchall(
        "SELECT e.published_at FROM entries e JOIN entry_sources s ON s.entry_id = e.id "
        "WHERE s.feed_id = ?",
        (outcome.feed.id,),
    )
    assert [row[0] for row in dates] == [None] * len(ABSURD_DATES)


# --- encodings ----------------------------------------------------------------------------

ENCODING_BODIES = {
    "invalid-utf8": b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    b"<title>t\xff\xfe</title><item><title>Caf\xe9 \x80\x81 \xc3</title>"
    b"<link>https://e.example/1</link></item></channel></rss>",
    "unknown-encoding": b'<?xml version="1.0" encoding="x-no-such-charset"?><rss version="2.0">'
    b"<channel><title>t</title><item><title>Plain</title><link>https://e.example/1</link>"
    b"</item></channel></rss>",
    "utf32": '<?xml version="1.0" encoding="utf-32"?><rss version="2.0"><channel><title>t'
    "</title><item><title>Über</title><link>https://e.example/1</link></item></channel></rss>"
    "".encode("utf-32"),
    "declared-utf16-sent-utf8": b'<?xml version="1.0" encoding="utf-16"?><rss version="2.0">'
    b"<channel><title>t</title><item><title>Plain</title><link>https://e.example/1</link>"
    b"</item></channel></rss>",
    "nul-bytes": b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
    b"<title>a\x00b</title><link>https://e.example/1</link></item></channel></rss>",
}


@pytest.mark.parametrize("name", list(ENCODING_BODIES))
async def test_broken_encodings_store_valid_text_or_fail_clearly(
    polling: Polling, hostile: HostileSite, name: str
) -> None:
    outcome, _ = await poll_with_good_feeds(
        polling, hostile, hostile.put(f"/{name}.xml", ENCODING_BODIES[name])
    )
    if outcome.status == "error":
        await assert_failed_with(polling, outcome, "not a feed")
        return
    for title in await polling.stored_titles(outcome.feed):
        title.encode("utf-8")  # no lone surrogates: storable and sendable as-is
