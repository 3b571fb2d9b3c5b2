"""Question answering: many phrasings, answered from the sources or honestly not at all."""

from __future__ import annotations

import pytest

from bot.query import ask
from bot.query.ask import Source, answer, classify, content_stems, stem
from tests.query import texts

LOCKBOX = [
    Source(1, "Lockbox VPN to pull servers out of India", "https://a.example/1", "A",
           texts.LOCKBOX_FIRST),
    Source(2, "Lockbox completes India exit", "https://b.example/2", "B", texts.LOCKBOX_LATER),
]  # fmt: skip
SIGNALCAST = [Source(3, "Signalcast may leave the UK", None, "C", texts.SIGNALCAST)]


@pytest.mark.parametrize(
    ("question", "kind", "expected"),
    [
        ("when does it take effect?", "when", "June 27"),
        ("What's the deadline?", "when", "June 27"),
        ("by what date must they be gone?", "when", "June 27"),
        ("How long do users have?", "when", "June 27"),
        ("what's the start date for the logging rule", "when", "June 27"),
        ("what did the government demand?", "demand", "log the names"),
        ("What does the regulator want them to do?", "demand", "log the names"),
        ("So what's the government after exactly?", "demand", "log the names"),
        ("who said it?", "said", "Priya Raman"),
        ("Any comment from the company?", "said", "Priya Raman"),
        ("Who's quoted in the piece?", "said", "Priya Raman"),
        ("why are they leaving?", "why", "because"),
        ("What made them pull out?", "why", "because"),
        ("how come they're going?", "why", "because"),
        ("What's their reasoning?", "why", "because"),
        ("did they say why?", "why", "because"),
        ("what happened next?", "next", "shut down the last"),
        ("Did they actually leave?", "next", "shut down the last"),
        ("any update?", "next", "shut down the last"),
        ("Is this for real, are they gone now?", "next", "shut down the last"),
        ("how many users are affected?", "count", "2 million"),
        ("where can customers still connect?", "where", "Singapore"),
        ("what will customers do?", "general", "Singapore"),
        ("what is the penalty for refusing?", "general", "prosecution"),
    ],
)
def test_answers_many_phrasings_from_the_sources(question: str, kind: str, expected: str) -> None:
    result = answer(question, LOCKBOX, ref=1, headline="Lockbox")
    assert result.answered, result.text
    assert result.kind == kind
    assert expected in result.text
    assert 1 <= len(result.passages) <= 2
    assert all(p.url and p.url.startswith("https://") for p in result.passages)
    assert all(p.sentence in result.text for p in result.passages)


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("when does it take effect?", "The sources don't say when"),
        ("how many users are affected?", "The sources don't say how many"),
        ("What happened next?", "The sources don't say what happened next"),
        ("Is there a fine?", "The sources don't say"),
        ("What is the chief executive's favourite colour?", "The sources don't say"),
    ],
)
def test_says_so_when_the_sources_do_not_answer(question: str, says: str) -> None:
    result = answer(question, SIGNALCAST)
    assert not result.answered
    assert result.text.startswith(says)
    assert result.passages == []


def test_a_name_the_sources_never_mention_is_not_answered_with_another_story() -> None:
    result = answer("When did Apple leave Russia?", LOCKBOX)
    assert not result.answered
    assert "Apple" in result.text and "Russia" in result.text


def test_country_aliases_meet_in_questions_and_sources() -> None:
    result = answer("Is it leaving Britain?", SIGNALCAST)
    assert result.answered and "United Kingdom" in result.text


def test_demand_question_on_another_story() -> None:
    result = answer("What is the government asking for?", SIGNALCAST)
    assert result.answered and "backdoor" in result.text


def test_second_passage_comes_from_a_close_second_sentence_in_source_order() -> None:
    result = answer("what happened next?", LOCKBOX)
    assert [p.story_id for p in result.passages] == [2, 2]
    assert result.passages[0].sentence == texts.LOCKBOX_LATER[0]


def test_no_sources_or_empty_sentences_say_the_sources_do_not_say() -> None:
    assert not answer("why?", []).answered
    assert not answer("why?", [Source(1, "t", None, "", ["Too short."])]).answered


def test_the_answer_is_deterministic() -> None:
    first = answer("why are they leaving?", LOCKBOX)
    assert all(answer("why are they leaving?", LOCKBOX) == first for _ in range(3))


def test_classify_and_stemming() -> None:
    assert classify("When will it kick in?").name == "when"
    assert classify("tell me the background") is None
    assert stem("leaving") == stem("leaves") == stem("leave")
    assert stem("demanded") == stem("demands")
    assert content_stems("What did the government demand?") == ["govern", "demand"]


FILLER = "Analysts at the conference discussed the wider market for consumer software tools."


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every sentence the answerer scores, in order."""
    seen: list[str] = []
    terms = ask._terms

    def counting(text: str) -> set[str]:
        seen.append(text)
        return terms(text)

    monkeypatch.setattr(ask, "_terms", counting)
    return seen


def test_a_huge_source_is_read_only_up_to_the_cap(scored: list[str]) -> None:
    sentences = [*texts.LOCKBOX_FIRST, *[FILLER] * 40_000]
    result = answer("when does it take effect?", [Source(1, "Lockbox", None, "A", sentences)])
    assert result.answered and "June 27" in result.text
    assert len(scored) <= ask.MAX_SENTENCES_PER_SOURCE


def test_many_sources_share_the_sentence_budget(scored: list[str]) -> None:
    sources = [LOCKBOX[0]] + [
        Source(n, f"Source {n}", None, "X", [FILLER] * 100) for n in range(2, 302)
    ]
    result = answer("when does it take effect?", sources)
    assert result.answered and "June 27" in result.text
    assert len(scored) <= ask.MAX_SENTENCES


def test_an_unsplit_run_of_text_is_not_scored(scored: list[str]) -> None:
    run = "Lockbox said the rule takes effect on June 27 " * 20_000
    sources = [Source(1, "Lockbox", None, "A", [run, *texts.LOCKBOX_FIRST])]
    result = answer("when does it take effect?", sources)
    assert result.answered and run not in result.text
    assert all(len(sentence) <= ask.MAX_SENTENCE_CHARS for sentence in scored)
