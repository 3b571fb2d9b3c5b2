"""Soak: thousands of feeds and dozens of servers for a compressed half hour.

Run from the repository root, on demand (it is not part of the test suite):

    python benchmarks/soak.py [--feeds 2000 --guilds 50 --minutes 30 --speedup 10]

Everything is local (127.0.0.1) and runs for real:

* a feed server in this process serves `--feeds` RSS feeds, spread over `--sites` ports
  because aiohttp pools connections per host and port and real feeds live on many hosts.
  Items appear on a schedule in simulated time: a few are exit stories (each a different
  company, so a different event; some told again later by a second outlet, which must edit
  the post, not add one), the rest ordinary tech-policy news. A feed shows
  only its old items until the bot has polled it once, so nothing new is mistaken for the
  back catalogue that a first poll only marks as seen;
* the Discord stand-in with `--guilds` servers, each with a #news channel in the config;
* the bot itself, `python -m bot run`, as a child process with its health endpoint on.
  `/metrics` is scraped every `--scrape` seconds for the outbox depth and the event-loop lag
  p99 (the bot's own window of its last two minutes), and `/proc/<pid>/status` for RSS.

Simulated time runs `--speedup` times faster than the clock: feeds poll every `--interval`
simulated seconds, so 30 minutes at 10x are 3 real minutes of 2,000 feeds polled every
30 s. After the schedule the run waits (at most `--grace` s) for the outbox to drain.

Before starting, every scheduled item goes through `bot.analysis.pipeline.analyze`: the
exits must be relevant and each its own event, the news must not be. The expected posts are
then exits x servers (the daily cap is raised above that); a duplicate is a second message
with the same "Story #N" footer in one channel. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import re
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.analysis.events import event_key  # noqa: E402
from bot.analysis.pipeline import analyze  # noqa: E402
from bot.models import Article  # noqa: E402
from tests.discord_standin import DiscordStandIn, Guild  # noqa: E402
from tests.e2e.harness import TOKEN, BotProcess  # noqa: E402
from tests.feed_site import rss  # noqa: E402

MAX_DAILY_CAP = 1000
OLD_ITEMS = 5
ITEMS_SHOWN = 15
WARMUP = 8.0  # bot start, discord.py's guild_ready_timeout, the scheduler's first-poll spread
# A post's footer; a stage-change reply's continues "· update: <stage>".
STORY_FOOTER = re.compile(r"^Story #(\d+) · (update:)?")

# Names and places for the generated stories; every exit gets its own company.
PREFIXES = (  # noqa: SIM905 (a word list reads better as words)
    "Quill Ferro Lumen Tide Morrow Kestrel Harbor Salt Bright Copper Nimbus Orchid Ember "
    "Granite Juniper Marble Onyx Pylon Raven Sable Talon Umber Vesper Willow Zephyr Aster "
    "Beacon Cinder Fable Glimmer"
).split()
SUFFIXES = "mail chat vault link crypt wire note post box line".split()  # noqa: SIM905
COUNTRIES = (  # noqa: SIM905
    "Kazakhstan Belarus Vietnam Egypt Iran Indonesia Pakistan Uzbekistan Nigeria Ethiopia "
    "Bangladesh Malaysia Russia India Brazil Thailand Kenya Venezuela Cambodia Myanmar "
    "Tanzania Algeria Azerbaijan Tajikistan Turkmenistan Uganda Zimbabwe Jordan"
).split()
DEMANDS = (
    "hand over its encryption keys",
    "install a back door in its messaging app",
    "store user logs for five years and share them on request",
    "let the security services intercept all traffic",
    "scan private messages on users' phones",
    "record every user's browsing history",
    "give regulators access to all encrypted chats",
    "disclose its decryption keys to the state",
    "retain subscriber metadata for the police",
    "route its traffic through government monitoring servers",
)
EXIT_TITLES = (
    "{company} pulls out of {country} rather than hand over user data",
    "{company} shuts its servers in {country} over surveillance order",
    "{company} leaves {country} after government demands access to user data",
)
EXIT_BODY = (
    "The encrypted service {company} said it has shut down its servers in {country} and left "
    'the country after the government ordered it to {demand}. "We will not weaken the '
    'security of every user," a {company} spokesperson said.'
)
SECOND_TITLE = "{company} confirms it has left {country} over demand to {demand}"
SECOND_BODY = (
    "{company} has shut down its service in {country} and withdrawn from the country, the "
    "company confirmed, saying a new rule required it to {demand}; it would rather leave the "
    "market than put its users at risk."
)
NEWS = (
    (
        "Lawmakers in {country} debate a new data protection bill",
        "Parliament in {country} began debating a bill that would give people more say over "
        "the personal data that companies hold about them. A vote is expected next month.",
    ),
    (
        "{company} opens a new office in {country}",
        "{company} said it has opened an office in {country} and plans to hire forty engineers "
        "this year to support its growing customer base.",
    ),
    (
        "Regulator fines {company} over late filings in {country}",
        "The competition authority in {country} fined {company} for filing its annual reports "
        "late. The company said it would pay and keep operating as before.",
    ),
    (
        "{country} sets up a cybersecurity agency",
        "The government of {country} announced a national cybersecurity agency that will "
        "coordinate responses to attacks on hospitals, banks and power grids.",
    ),
    (
        "{company} reports strong growth in {country}",
        "{company} said revenue from customers in {country} rose by a third last quarter, "
        "driven by demand from small businesses.",
    ),
    (
        "Court in {country} hears antitrust case against {company}",
        "A court in {country} began hearing a case brought by rivals who say {company} abused "
        "its dominance in online advertising.",
    ),
    (
        "{country} cuts taxes on imported laptops",
        "The finance ministry of {country} said import duties on laptops and tablets will fall "
        "next year to help schools buy equipment.",
    ),
)


@dataclass(frozen=True, slots=True)
class Item:
    """One feed item; `release` is when it appears, in real seconds after the start."""

    guid: str
    title: str
    description: str
    release: float
    kind: str  # old | news | exit | second
    company: str = ""

    def rss_fields(self, start: float) -> dict[str, Any]:
        published = datetime.fromtimestamp(start + self.release, UTC)
        link = f"https://{self.guid.split('-')[0]}.example/{self.guid}"
        return {
            "title": self.title,
            "link": link,
            "guid": self.guid,
            "published": published,
            "description": self.description,
        }


@dataclass
class Feed:
    """One feed: its old items, what appears later, and when the bot first read it."""

    number: int
    items: list[Item] = field(default_factory=list)
    first_fetch: float | None = None
    cache: dict[int, bytes] = field(default_factory=dict)

    def visible(self, elapsed: float) -> list[Item]:
        """Old items until the first fetch; afterwards everything released so far."""
        if self.first_fetch is None:
            return [item for item in self.items if item.kind == "old"]
        return [item for item in self.items if item.release <= elapsed]


@dataclass(frozen=True, slots=True)
class Plan:
    """The run's shape in real seconds, and the schedule of every feed."""

    feeds: list[Feed]
    exits: list[Item]
    seconds: float
    interval: float


def make_plan(args: argparse.Namespace) -> Plan:
    """Schedule old items, news, exits and second sources across the feeds (seeded)."""
    rng = random.Random(args.seed)
    seconds = args.minutes * 60 / args.speedup
    companies = [p + s for p, s in itertools.product(PREFIXES, SUFFIXES)]
    rng.shuffle(companies)
    if args.exits > len(companies) // 2:
        raise SystemExit(f"--exits is at most {len(companies) // 2}")
    exit_companies, news_companies = companies[: args.exits], companies[args.exits :]
    feeds = [Feed(n) for n in range(args.feeds)]
    for feed in feeds:
        for k in range(OLD_ITEMS):
            title, body = _news(rng, news_companies)
            feed.items.append(Item(f"old{feed.number}-{k}", title, body, -3600.0 * (k + 1), "old"))
        news_count = _poisson(rng, args.news_per_feed_hour * args.minutes / 60)
        for k in range(news_count):
            title, body = _news(rng, news_companies)
            at = rng.uniform(0, seconds)
            feed.items.append(Item(f"news{feed.number}-{k}", title, body, at, "news"))
    exits = []
    for k, company in enumerate(exit_companies):
        country, demand = COUNTRIES[k % len(COUNTRIES)], rng.choice(DEMANDS)
        at = rng.uniform(0, seconds * 0.9)
        title = rng.choice(EXIT_TITLES).format(company=company, country=country)
        body = EXIT_BODY.format(company=company, country=country, demand=demand)
        story = Item(f"exitwire-{k}", title, body, at, "exit", company)
        rng.choice(feeds).items.append(story)
        exits.append(story)
        if rng.random() < args.second_share:
            later = rng.uniform(at + args.interval / args.speedup, seconds)
            title = SECOND_TITLE.format(company=company, country=country, demand=demand)
            body = SECOND_BODY.format(company=company, country=country, demand=demand)
            rng.choice(feeds).items.append(
                Item(f"ledger-{k}", title, body, later, "second", company)
            )
    for feed in feeds:
        feed.items.sort(key=lambda item: item.release, reverse=True)
    return Plan(feeds, exits, seconds, args.interval / args.speedup)


def _news(rng: random.Random, companies: list[str]) -> tuple[str, str]:
    title, body = rng.choice(NEWS)
    values = {"company": rng.choice(companies), "country": rng.choice(COUNTRIES)}
    return title.format(**values), body.format(**values)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count by counting exponential gaps (means here are small)."""
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def check_plan(plan: Plan) -> list[str]:
    """What the analyzer gets wrong about the schedule (empty when the ground truth holds)."""
    problems: list[str] = []
    keys: dict[str, tuple[str | None, str | None]] = {}
    for feed in plan.feeds:
        for item in feed.items:
            if item.kind == "old":
                continue
            article = Article(
                id=item.guid,
                title=item.title,
                url=f"https://{item.guid}.example/",
                published=None,
                summary=item.description,
                content=item.description,
                outlet="soak",
            )
            analysis = analyze(article)
            if item.kind == "news" and analysis.relevant:
                problems.append(f"news judged relevant: {item.title}")
            elif item.kind in ("exit", "second"):
                key = event_key(analysis) if analysis.relevant else None
                stage = analysis.stage.value if analysis.stage else None
                if key is None:
                    problems.append(f"exit not judged a postable event: {item.title}")
                elif keys.setdefault(item.company, (key, stage)) != (key, stage):
                    # another event, or a stage change (a reply, not an edit)
                    problems.append(f"second source not a plain new source: {item.title}")
    if len({key for key, _ in keys.values()}) != len(keys):
        problems.append("two exits share an event key")
    return problems


class FeedServer:
    """Serves the plan's feeds on several loopback ports, with ETags and 304s."""

    def __init__(self, plan: Plan, sites: int) -> None:
        self.plan = plan
        self.sites = sites
        self.start = time.time()
        self.statuses: Counter[int] = Counter()
        self._runners: list[web.AppRunner] = []
        self._ports: list[int] = []

    def url(self, feed: Feed) -> str:
        """Feed n lives on site n % sites."""
        return f"http://127.0.0.1:{self._ports[feed.number % self.sites]}/feeds/{feed.number}.xml"

    async def __aenter__(self) -> FeedServer:
        for _ in range(self.sites):
            app = web.Application()
            app.router.add_get("/feeds/{number}.xml", self._feed)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self._runners.append(runner)
            self._ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for runner in self._runners:
            await runner.cleanup()

    async def _feed(self, request: web.Request) -> web.Response:
        feed = self.plan.feeds[int(request.match_info["number"])]
        now = time.time()
        items = feed.visible(now - self.start)
        if feed.first_fetch is None:
            feed.first_fetch = now
        version = len(items) if feed.first_fetch < now else -1
        etag = f'"{feed.number}-{version}"'
        if request.headers.get("If-None-Match") == etag:
            self.statuses[304] += 1
            return web.Response(status=304, headers={"ETag": etag})
        body = feed.cache.get(version)
        if body is None:
            fields = [item.rss_fields(self.start) for item in items[:ITEMS_SHOWN]]
            body = rss(f"Soak feed {feed.number}", fields).encode()
            feed.cache = {version: body}
        self.statuses[200] += 1
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})


@dataclass
class Sample:
    """One scrape: seconds since the schedule started and what the bot reported."""

    at: float
    depth: int
    delivered: int
    lag_p99: float
    rss_mib: float
    posts: int


def free_port() -> int:
    """A loopback port that is free now (the bot binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    path: Path, discord_api: DiscordStandIn, guilds: list[Guild], feeds: list[dict[str, Any]]
) -> int:
    """The bot's config for the run; returns the health port."""
    port = free_port()
    config = {
        "discord": {
            "api_base_url": discord_api.api_base_url,
            "daily_cap": MAX_DAILY_CAP,
            "guilds": {guild.id: {"channel": guild.channel("news").id} for guild in guilds},
        },
        "feeds": feeds,
        "samples": False,
        "fetch": {"allow_private_networks": True, "fetch_pages": False, "timeout": "10s"},
        "storage": {"path": str(path.parent / "exitwatch.sqlite3")},
        "health": {"enabled": True, "host": "127.0.0.1", "port": port},
        "logging": {"level": "INFO"},
    }
    path.write_text(yaml.safe_dump(config))
    return port


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process, in MiB; zeros once it has gone."""
    values = {}
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0.0, 0.0
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


async def scrape(session: aiohttp.ClientSession, port: int) -> dict[str, float]:
    """The bot's /metrics as name -> value (an empty dict while it is not up yet)."""
    try:
        async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
            text = await response.text()
    except aiohttp.ClientError:
        return {}
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition(" ")
            values[name] = float(value)
    return values


@dataclass
class Tally:
    """What the stand-in's channels hold."""

    delivered: int = 0
    duplicates: int = 0
    missing: int = 0
    edited: int = 0
    posts: int = 0
    replies: int = 0


def tally(discord_api: DiscordStandIn, guilds: list[Guild], plan: Plan) -> Tally:
    """Count story posts per channel by footer, against the companies expected in each."""
    expected = {item.company for item in plan.exits}
    with_second = {
        item.company for feed in plan.feeds for item in feed.items if item.kind == "second"
    }
    result = Tally()
    for guild in guilds:
        refs: Counter[str] = Counter()
        companies = set()
        for message in discord_api.messages(guild.channel("news")):
            for embed in message.get("embeds", []):
                found = STORY_FOOTER.match(embed.get("footer", {}).get("text", ""))
                if found is None:
                    continue
                if found.group(2):
                    result.replies += 1
                    continue
                refs[found.group(1)] += 1
                company = embed.get("title", "").split(" ", 1)[0]
                companies.add(company)
                if company in with_second and "Sources (2)" in str(embed.get("fields")):
                    result.edited += 1
        result.posts += sum(refs.values())
        result.delivered += len(refs)
        result.duplicates += sum(refs.values()) - len(refs)
        result.missing += len(expected - companies)
    return result


async def run(args: argparse.Namespace) -> int:
    plan = make_plan(args)
    scheduled = Counter(item.kind for feed in plan.feeds for item in feed.items)
    print(
        f"plan: {args.feeds} feeds, {args.guilds} servers, {args.minutes:g} simulated minutes "
        f"at {args.speedup:g}x = {plan.seconds:.0f} s; feeds poll every {plan.interval:g} s; "
        f"{scheduled['news']} news items, {scheduled['exit']} exits, "
        f"{scheduled['second']} second sources"
    )
    started = time.perf_counter()
    problems = check_plan(plan)
    print(f"analyzer check of every scheduled item: {time.perf_counter() - started:.1f} s")
    if problems:
        print("the analyzer disagrees with the schedule; fix the templates or the analyzer:")
        print("\n".join(f"  {problem}" for problem in problems[:20]))
        return 1
    expected_posts = len(plan.exits) * args.guilds
    expected_edits = scheduled["second"] * args.guilds

    with tempfile.TemporaryDirectory(prefix="exitwatch-soak-") as folder:
        async with (
            DiscordStandIn(token=TOKEN, wait_limit=120.0) as discord_api,
            FeedServer(plan, args.sites) as feeds,
            aiohttp.ClientSession() as session,
        ):
            guilds = [discord_api.add_guild(f"Server {n}", ["news"]) for n in range(args.guilds)]
            configured = [
                {"url": feeds.url(feed), "name": f"Soak {feed.number}", "interval": plan.interval}
                for feed in plan.feeds
            ]
            port = write_config(Path(folder) / "config.yaml", discord_api, guilds, configured)
            bot = BotProcess(Path(folder) / "config.yaml", Path(folder) / "bot.log")
            await bot.start()
            assert bot.process is not None
            pid = bot.process.pid
            feeds.start = time.time() + WARMUP
            samples: list[Sample] = []
            peak = 0.0
            deadline = plan.seconds + plan.interval + args.grace
            try:
                while True:
                    elapsed = time.time() - feeds.start
                    metrics = await scrape(session, port)
                    rss_now, high = memory(pid)
                    peak = max(peak, high)
                    now = tally(discord_api, guilds, plan)
                    if metrics:
                        samples.append(
                            Sample(
                                elapsed,
                                int(metrics["exitwatch_outbox_depth"]),
                                int(metrics["exitwatch_posts_delivered_total"]),
                                metrics["exitwatch_event_loop_lag_p99_seconds"],
                                rss_now,
                                now.delivered,
                            )
                        )
                    done = (
                        elapsed > plan.seconds + plan.interval
                        and now.delivered >= expected_posts
                        and now.edited >= expected_edits
                        and bool(samples)
                        and samples[-1].depth == 0
                    )
                    if done or elapsed > deadline or bot.process.returncode is not None:
                        break
                    await asyncio.sleep(args.scrape)
                await asyncio.sleep(args.scrape)  # a last round, for duplicates to show up
                final = tally(discord_api, guilds, plan)
                peak = max(peak, memory(pid)[1])
            finally:
                status = await bot.stop()
            log = bot.log()

    report(args, plan, samples, final, expected_posts, expected_edits, peak, feeds.statuses)
    worst_lag = max((s.lag_p99 for s in samples), default=0.0)
    ok = (
        final.delivered == expected_posts
        and final.duplicates == 0
        and final.missing == 0
        and final.edited == expected_edits
        and final.replies == 0
        and bool(samples)
        and samples[-1].depth == 0
        and worst_lag < args.lag_limit / 1000
        and status == 0
    )
    if not ok:
        print(f"\nFAILED (bot exit status {status}); the end of its log:")
        print("\n".join(log.splitlines()[-30:]))
    return 0 if ok else 1


def report(
    args: argparse.Namespace,
    plan: Plan,
    samples: list[Sample],
    final: Tally,
    expected_posts: int,
    expected_edits: int,
    peak: float,
    statuses: Counter[int],
) -> None:
    """The summary table and the outbox-depth series."""
    drained = next(
        (
            s.at
            for s in samples
            if s.at > plan.seconds and s.depth == 0 and s.posts >= expected_posts
        ),
        None,
    )
    worst = max(samples, key=lambda s: s.lag_p99, default=None)
    rows = [
        ("posts expected (exits x servers)", f"{expected_posts}"),
        ("posts delivered", f"{final.delivered}"),
        ("duplicates", f"{final.duplicates}"),
        ("exits missing in some server", f"{final.missing}"),
        ("second sources applied as edits", f"{final.edited} of {expected_edits}"),
        ("stage-change replies (none expected)", f"{final.replies}"),
        ("peak RSS of the bot (VmHWM)", f"{peak:.0f} MiB"),
        (
            "event-loop lag p99, worst 2-min window",
            f"{worst.lag_p99 * 1000:.1f} ms at +{worst.at:.0f} s" if worst else "no sample",
        ),
        (
            "event-loop lag p99, end of run",
            f"{samples[-1].lag_p99 * 1000:.1f} ms" if samples else "-",
        ),
        (
            "outbox drained",
            f"+{drained:.0f} s (schedule ends +{plan.seconds:.0f} s)" if drained else "no",
        ),
        ("feed answers 200 / 304", f"{statuses[200]} / {statuses[304]}"),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print("\nseconds  outbox  delivered  story posts  lag p99 ms  RSS MiB")
    step = max(1, len(samples) // args.rows)
    shown = samples[::step] + ([samples[-1]] if samples and (len(samples) - 1) % step else [])
    for s in shown:
        print(
            f"{s.at:7.0f}  {s.depth:6d}  {s.delivered:9d}  {s.posts:11d}  "
            f"{s.lag_p99 * 1000:10.1f}  {s.rss_mib:7.0f}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--guilds", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated minutes")
    parser.add_argument("--speedup", type=float, default=10.0, help="simulated per real second")
    parser.add_argument("--interval", type=float, default=300.0, help="simulated poll interval")
    parser.add_argument("--exits", type=int, default=40, help="exit events in the run")
    parser.add_argument("--second-share", type=float, default=0.25, help="exits told twice")
    parser.add_argument("--news-per-feed-hour", type=float, default=2.0)
    parser.add_argument("--sites", type=int, default=50, help="ports the feeds are spread over")
    parser.add_argument("--scrape", type=float, default=5.0, help="seconds between scrapes")
    parser.add_argument("--grace", type=float, default=300.0, help="seconds to wait to drain")
    parser.add_argument("--lag-limit", type=float, default=100.0, help="p99 limit in ms")
    parser.add_argument("--rows", type=int, default=40, help="rows of the depth series")
    parser.add_argument("--seed", type=int, default=2015)
    args = parser.parse_args()
    if args.interval / args.speedup < 1:
        parser.error("the real poll interval (--interval / --speedup) must be at least 1 s")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse_args())))
