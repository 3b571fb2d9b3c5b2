"""A denied exit is not an exit, wherever the language puts its negation.

English and Spanish deny before the verb; German puts "nicht" after a finite verb or
between the parts of a separable one; French wraps a simple tense in "ne ... pas". Each
denial below has a twin that must stay relevant, so the rules cannot pass by rejecting
every story in the language.
"""

import pytest

from bot.analysis.pipeline import analyze
from bot.models import Article, Stage


def story(title: str, content: str) -> Article:
    return Article(id="t", title=title, summary="", content=content)


DENIED = [
    story(
        "Nachtfalter verlässt Deutschland nicht",
        "Der Messenger Nachtfalter verlässt Deutschland nicht, obwohl die Regierung eine "
        "Hintertür für die Verschlüsselung fordert, sagte ein Sprecher am Montag.",
    ),
    story(
        "Kolibri zieht sich nicht aus Österreich zurück",
        "Der Verschlüsselungsdienst Kolibri zieht sich nicht aus Österreich zurück, obwohl das "
        "Innenministerium eine Hintertür für verschlüsselte Nachrichten verlangt.",
    ),
    story(
        "Hirondelle ne quittera pas la Belgique",
        "La messagerie Hirondelle ne quittera pas la Belgique, malgré la demande du "
        "gouvernement d'installer une porte dérobée dans le chiffrement, selon sa porte-parole.",
    ),
    story(
        "Golondrina no saldrá de Chile",
        "La aplicación Golondrina no saldrá de Chile pese a la exigencia del gobierno de "
        "acceder a los mensajes cifrados mediante una puerta trasera, dijo un portavoz.",
    ),
]

KEPT = [
    (
        story(
            "Kolibri droht mit Abzug aus Österreich",
            "Der Verschlüsselungsdienst Kolibri zieht sich aus Österreich zurück, wenn das "
            "Innenministerium seine Forderung nach einer Hintertür für verschlüsselte "
            "Nachrichten nicht aufgibt.",
        ),
        Stage.THREATENED,
        "Austria",
    ),
    (
        story(
            "Nachtfalter in Deutschland abgeschaltet",
            "Der Messenger Nachtfalter hat seinen Dienst in Deutschland eingestellt, nachdem "
            "die Regierung eine Hintertür für die Verschlüsselung verlangt hatte. Nachtfalter "
            "ist dort nicht mehr verfügbar.",
        ),
        Stage.COMPLETED,
        "Germany",
    ),
    (
        story(
            "Hirondelle menace de quitter la Belgique",
            "Hirondelle ne quittera la Belgique que si le gouvernement impose une porte dérobée "
            "dans le chiffrement, a déclaré sa porte-parole.",
        ),
        Stage.THREATENED,
        "Belgium",
    ),
]


@pytest.mark.parametrize("article", DENIED, ids=lambda a: a.title)
def test_a_denied_exit_is_not_a_story(article: Article) -> None:
    result = analyze(article)
    assert not result.relevant
    assert result.summary == ""


@pytest.mark.parametrize(
    ("article", "stage", "country"), KEPT, ids=lambda v: getattr(v, "title", "")
)
def test_negation_elsewhere_in_the_sentence_keeps_the_exit(
    article: Article, stage: Stage, country: str
) -> None:
    result = analyze(article)
    assert result.relevant
    assert result.stage is stage
    assert result.country == country
