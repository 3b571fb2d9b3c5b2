"""Cleaning: page furniture never survives, story sentences always do."""

from bot.analysis.clean import (
    _FURNITURE_PHRASES,
    clean_article,
    clean_lines,
    is_boilerplate,
    split_sentences,
)

STORY = "Nimbus Mail said on Tuesday it will close its servers in Ruritania by March 1."
NOISY_PAGE = f"""Meet 2,000 security leaders at the Cloud Defense Summit in Denver. Register here.

{STORY}

Cyber Week On-Demand
Watch on-demand sessions today.
Watch Here

Related: Ten tips for safer passwords

The Daily Circuit's mission is to inform decision-makers about enterprise technology.
Sam Doe is a staff reporter who covers privacy and telecoms."""


def test_promotions_mission_blurbs_and_bios_are_dropped() -> None:
    lines = clean_lines(NOISY_PAGE)
    assert lines == [STORY]


def test_story_sentences_that_mention_subscriptions_survive() -> None:
    line = "The provider has stopped selling subscriptions in the country since the decree."
    assert not is_boilerplate(line)


def test_html_furniture_is_removed_and_blocks_become_lines() -> None:
    html = (
        "<html><body><nav><a href='/'>Home</a></nav><div class='cookie-banner'>We use cookies"
        "</div><article><h1>Headline</h1><p>First paragraph of the story.</p>"
        "<p>Second paragraph, with <b>bold</b> text.</p></article>"
        "<footer>Copyright 2024</footer><script>var x = 1;</script></body></html>"
    )
    assert clean_lines(html) == [
        "First paragraph of the story.",
        "Second paragraph, with bold text.",
    ]


def test_sentences_keep_abbreviations_and_initials_together() -> None:
    text = (
        'Mr. Smith of Acme Inc. said the U.S. order was "final." '
        "Officials in J. Doe's team agreed."
    )
    assert split_sentences(text) == [
        'Mr. Smith of Acme Inc. said the U.S. order was "final."',
        "Officials in J. Doe's team agreed.",
    ]


def test_empty_feed_summary_leaves_the_body_to_judge() -> None:
    cleaned = clean_article("Title", "", "One sentence here. Another one there.")
    assert cleaned.summary == []
    assert cleaned.body == ["One sentence here.", "Another one there."]


def test_german_ordinal_dates_do_not_end_a_sentence() -> None:
    text = "Die Dienste werden ab dem 11. Oktober abgeschaltet. Der Hersteller schweigt."
    assert split_sentences(text) == [
        "Die Dienste werden ab dem 11. Oktober abgeschaltet.",
        "Der Hersteller schweigt.",
    ]


def test_every_furniture_phrase_names_the_hint_that_gates_it() -> None:
    # a line is only searched for a phrase when it holds the phrase's hint
    for hint, phrase in _FURNITURE_PHRASES:
        assert hint in phrase


def test_furniture_found_behind_its_hint_in_any_case() -> None:
    assert is_boilerplate("All Rights Reserved.")
    assert is_boilerplate("Read our Privacy Policy")
    assert is_boilerplate("Jane Roe previously covered telecoms for a wire service.")
    assert is_boilerplate("Join us at the Secure Future Summit in Lisbon this May")
    assert not is_boilerplate("The commission is reviewing whether the order was lawful.")
