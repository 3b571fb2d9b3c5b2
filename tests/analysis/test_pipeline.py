"""Relevance, stage and extraction on stories written for these tests (not in the corpus)."""

import asyncio

import pytest

from bot.analysis.pipeline import analyze, analyze_in_executor
from bot.models import Article, Stage


def story(title: str, content: str, summary: str = "") -> Article:
    return Article(id="t", title=title, summary=summary, content=content)


THREAT = story(
    "Krypto start-up Zelt may pull its app from Hungary",
    "Zelt Messaging Kft said it could withdraw its app from Hungary if a planned decree forces "
    "it to hand over encryption keys to the security services. Hungarian officials say the "
    "decree is needed to fight organised crime.",
)
ANNOUNCED = story(
    "Orchard VPN to switch off its servers in Kazakhstan",
    "Orchard VPN will switch off all of its servers in Kazakhstan on 1 May, the company said, "
    "because a new regulation requires VPN operators to store the browsing history of every "
    "customer for three years.",
)
REVERSED = story(
    "Orchard VPN stays in Kazakhstan after ministry scraps logging rule",
    "Orchard VPN will remain in Kazakhstan after the digital ministry scrapped a requirement "
    "to store customers' browsing history. The company had planned to switch off its servers "
    "in May.",
)


@pytest.mark.parametrize(
    ("article", "stage", "company", "country"),
    [
        (THREAT, Stage.THREATENED, "Zelt", "Hungary"),
        (ANNOUNCED, Stage.ANNOUNCED, "Orchard VPN", "Kazakhstan"),
        (REVERSED, Stage.REVERSED, "Orchard VPN", "Kazakhstan"),
    ],
)
def test_exits_over_surveillance_demands_are_found(
    article: Article, stage: Stage, company: str, country: str
) -> None:
    result = analyze(article)
    assert result.relevant
    assert result.stage is stage
    assert result.company is not None and result.company.startswith(company.split()[0])
    assert result.country == country
    assert result.summary and len(result.summary) <= 500
    assert any(signal.weight > 0 for signal in result.signals)


@pytest.mark.parametrize(
    "article",
    [
        story(
            "Retailer Brightmart leaves Belarus as sanctions tighten",
            "Brightmart is closing its 40 stores in Belarus because new sanctions make it "
            "impossible to import goods.",
        ),
        story(
            "Government bans Chinese drone maker over spying fears",
            "The defence ministry banned the drone maker's products, saying they could be used "
            "for spying by a foreign state.",
        ),
        story(
            "Mailbox provider agrees to keep logs to stay in the market",
            "Mailbox provider Postly agreed to store users' connection logs for a year, as the "
            "new law requires, so that it can keep operating in the country.",
        ),
        story(
            "Spyware found on ministers' phones",
            "Researchers found spyware that can intercept encrypted messages on the phones of "
            "three ministers. The vendor denied wrongdoing.",
        ),
    ],
)
def test_near_misses_are_rejected(article: Article) -> None:
    result = analyze(article)
    assert not result.relevant
    assert result.company is None and result.summary == ""


def test_analysis_is_deterministic() -> None:
    assert analyze(ANNOUNCED) == analyze(ANNOUNCED)


async def test_analysis_runs_off_the_event_loop() -> None:
    result = await asyncio.wait_for(analyze_in_executor(ANNOUNCED), timeout=10)
    assert result.relevant
