"""Many distinct exits for the crash test: each a different company and country."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

COMPANIES = (
    ("Quillpost", "Kazakhstan", "hand over its encryption keys"),
    ("Ferrowire", "Belarus", "install a back door in its messaging app"),
    ("Lumenvault", "Vietnam", "store user logs for five years and share them on request"),
    ("Tidecrypt", "Egypt", "let the security services intercept all traffic"),
    ("Morrowmail", "Iran", "scan private messages on users' phones"),
    ("Kestrel VPN", "Indonesia", "record every user's browsing history"),
    ("Harborchat", "Pakistan", "give regulators access to all encrypted chats"),
    ("Saltline", "Uzbekistan", "disclose its decryption keys to the state"),
    ("Brightnode", "Nigeria", "retain subscriber metadata for the police"),
    ("Copperlink", "Ethiopia", "route its traffic through government monitoring servers"),
    ("Nimbusnote", "Bangladesh", "build a way to decrypt messages on demand"),
    ("Orchid Secure", "Malaysia", "keep connection logs for state inspection"),
)


def story(index: int) -> dict[str, object]:
    """A relevant story: a company has left a country rather than meet a surveillance demand."""
    company, country, demand = COMPANIES[index]
    return {
        "title": f"{company} pulls out of {country} rather than {demand.split(' ', 1)[0]} data",
        "link": f"https://crashwire.example/{index}",
        "guid": f"crashwire-{index}",
        "published": datetime.now(UTC) - timedelta(hours=index + 1),
        "description": (
            f"The encrypted service {company} said it has shut down its servers in {country} "
            f"and left the country after the government ordered it to {demand}. "
            f'"We will not weaken the security of every user," a {company} spokesperson said.'
        ),
    }
