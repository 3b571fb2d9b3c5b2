"""Feed items for the end-to-end tests, written for these tests.

One exit told three ways (two sources of the same event, then its reversal), one story
that is not about an exit at all, and one headline that tries to ping and format.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime.now(UTC)

FIRST_SOURCE = {
    "title": "Vaultmail shuts its servers in Kazakhstan after order to hand over encryption keys",
    "link": "https://northwire.example/vaultmail-kazakhstan",
    "guid": "northwire-1001",
    "published": NOW - timedelta(hours=5),
    "description": (
        "Encrypted email provider Vaultmail said on Monday it has shut down its servers in "
        "Kazakhstan and stopped serving customers there after the government ordered it to "
        "hand over its encryption keys so that security services could read users' messages. "
        '"We will not build a back door for any government," chief executive Lena Ortiz said.'
    ),
}

SECOND_SOURCE = {
    "title": "Vaultmail leaves Kazakhstan rather than surrender its keys",
    "link": "https://eastledger.example/2026/vaultmail-exit",
    "guid": "eastledger-77",
    "published": NOW - timedelta(hours=3),
    "description": (
        "Vaultmail, the encrypted email service, has withdrawn from Kazakhstan. The company "
        "said a new decree required it to give the state security committee its encryption "
        "keys and that it would rather leave the market than weaken encryption for everyone."
    ),
}

REVERSAL = {
    "title": "Vaultmail returns to Kazakhstan after government drops key demand",
    "link": "https://northwire.example/vaultmail-returns",
    "guid": "northwire-1002",
    "published": NOW - timedelta(hours=1),
    "description": (
        "Vaultmail said on Thursday it will restore service in Kazakhstan after the government "
        "withdrew the decree that would have forced it to hand over its encryption keys. The "
        "company had pulled its servers out of the country earlier this month."
    ),
}

NOT_AN_EXIT = {
    "title": "Regulator fines ride-hailing firm over late tax filings",
    "link": "https://northwire.example/ride-hailing-fine",
    "guid": "northwire-1003",
    "published": NOW - timedelta(hours=4),
    "description": (
        "The tax authority fined a ride-hailing company for filing its returns late. The "
        "company said it would pay the fine and keep operating normally."
    ),
}

HOSTILE_HEADLINE = {
    "title": (
        "@everyone **Pingmail** quits Belarus over [wiretap](https://evil.example) "
        "<@&123456789012345678> demand"
    ),
    "link": "https://northwire.example/pingmail-belarus",
    "guid": "northwire-1004",
    "published": NOW - timedelta(hours=2),
    "description": (
        "Pingmail, an encrypted messaging company, said it has shut down its service in "
        "Belarus after the authorities demanded a back door to intercept users' messages. "
        "The company will not comply with the demand and has left the country. @here"
    ),
}
