"""Company names and demand phrases: what a reader sees on every card.

Capitalised words that are not names ("Two other providers", "Short take:", "Secure-mail
company") must never become the company; a story that never names its company gets
None; the demand is what the government asks for, never a clause fragment.
"""

import pytest

from bot.analysis.clean import strip_rubric
from bot.analysis.events import event_key
from bot.analysis.pipeline import analyze
from bot.models import Article, Stage


def story(title: str, content: str = "", summary: str = "") -> Article:
    return Article(id="t", title=title, summary=summary, content=content)


UNNAMED = story(
    "Messaging service pulls out of Chile rather than scan chats",
    "An encrypted messaging service said on Friday that it has withdrawn its app from Chile. "
    "The company said a decree requiring apps to scan private messages for banned material "
    "could not be met without breaking its encryption. Two other messaging apps said they "
    "were studying the decree.",
    summary="Short take: a privacy-focused app says it has left the country over a scanning "
    "decree.",
)


@pytest.mark.parametrize(
    "article",
    [
        UNNAMED,
        story(
            "Secure-mail company says it may leave Austria over retention plan",
            summary="An encrypted email provider warned that a planned ordinance would force "
            "it to move its servers out of Austria…",
        ),
        story(
            "Another VPN quits Peru over logging decree",
            "Several providers have objected to the decree. A second VPN company said it will "
            "close its servers in Peru because the decree requires operators to log customers' "
            "connections for two years.",
        ),
    ],
)
def test_a_story_that_never_names_its_company_gets_none(article: Article) -> None:
    result = analyze(article)
    assert result.relevant
    assert result.company is None
    assert result.country is not None and result.country in result.summary
    # stored, but with no key it is never grouped or posted as an event
    assert event_key(result) is None


def test_an_unnamed_story_still_reads_well() -> None:
    result = analyze(UNNAMED)
    assert result.stage is Stage.COMPLETED
    assert result.demand == "scan private messages for banned material"
    assert not result.summary.startswith("Short take")


@pytest.mark.parametrize(
    ("title", "content", "company"),
    [
        # sentence-initial determiners, numerals and rubrics around a real name
        (
            "Two providers quit Ecuador over logging rule",
            "Two VPN providers said they would leave Ecuador. One of them, Ferrule VPN, said "
            "it will switch off its servers because the rule requires it to log every "
            "connection.",
            "Ferrule VPN",
        ),
        # the actor is a descriptor; the name is in an appositive elsewhere
        (
            "Backup service leaves Peru after key order",
            "The backup provider has stopped serving customers in Peru after a court ordered it "
            "to hand over its encryption keys. Quarry, a Latvian storage company, said it had "
            "closed the accounts on Monday.",
            "Quarry",
        ),
        (
            "Mail provider to leave Chile over decryption rule",
            "The company, Sendmoor, said it will leave Chile because a new rule requires mail "
            "providers to decrypt messages on request.",
            "Sendmoor",
        ),
        # a legislature between subject and verb is not the company
        (
            "Messenger threatens to quit Canada over access bill",
            "Messaging app Tallis told a Senate committee on Tuesday that it would leave Canada "
            "if the bill forces it to give police access to encrypted chats.",
            "Tallis",
        ),
        # a title-case headline proves nothing about names
        (
            "Wrenfield Says It Will Leave Norway Over Retention Rules",
            "Wrenfield will shut its servers in Norway because the rules require providers to "
            "retain customer data for a year.",
            "Wrenfield",
        ),
        # a name seen only at sentence starts, but the actor of the exit
        (
            "Kestrel to leave Peru over interception order",
            "Kestrel says it will withdraw from Peru because the order requires it to let the "
            "police intercept calls. Kestrel's founder said the app would not comply.",
            "Kestrel",
        ),
    ],
)
def test_the_company_is_a_proper_name(title: str, content: str, company: str) -> None:
    result = analyze(story(title, content))
    assert result.relevant
    assert result.company == company


@pytest.mark.parametrize(
    ("title", "content", "demand"),
    [
        # the complement of the demand, not the clause around "no-logs"
        (
            "VPN leaves Peru over logging rule",
            "A no-logs VPN, Ferrule, says it has removed its servers from Peru. The rule requires "
            "VPN operators to record customers' names and IP addresses for five years.",
            "record customers' names and IP addresses for five years",
        ),
        # a long list is cut at a list boundary, not mid-phrase
        (
            "Ferrule leaves Peru over logging rule",
            "Ferrule has removed its servers from Peru because a rule requires VPN operators to "
            "record customers' names, IP addresses and browsing patterns and keep them for five "
            "years.",
            "record customers' names, IP addresses and browsing patterns",
        ),
        (
            "Tallis threatens to leave Canada",
            "Tallis would leave Canada if the government wanted to be able to monitor all "
            "traffic on its servers.",
            "monitor all traffic on its servers",
        ),
        (
            "Tallis to quit Canada over key demand",
            "Tallis will leave Canada after investigators sought access to encrypted chats.",
            "access to encrypted chats",
        ),
        # a phrase that only names the law falls back to the kind of demand
        (
            "Ferrule quits Peru over retention rules",
            "Ferrule will shut its Peruvian servers over the new retention rules.",
            "retention of user data",
        ),
    ],
)
def test_the_demand_is_what_the_government_asks_for(title: str, content: str, demand: str) -> None:
    result = analyze(story(title, content))
    assert result.relevant
    assert result.demand == demand


def test_rubrics_are_dropped_from_lines_and_headlines() -> None:
    assert strip_rubric("Short take: the app's founder said it would go.") == (
        "The app's founder said it would go."
    )
    assert strip_rubric("Update: Ferrule leaves Peru") == "Ferrule leaves Peru"
    assert strip_rubric("Ferrule: we will leave Peru") == "Ferrule: we will leave Peru"


def test_the_summary_says_who_even_when_the_name_is_in_a_side_sentence() -> None:
    result = analyze(
        story(
            "Backup service leaves Peru after key order",
            "An encrypted backup provider has stopped offering its service in Peru after a "
            "court ordered it to hand over its encryption keys. The company, Quarry, said it "
            "had refunded every Peruvian customer.",
        )
    )
    assert result.company == "Quarry"
    assert "Quarry" in result.summary and "Peru" in result.summary
