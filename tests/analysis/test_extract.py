"""Extraction details: legal suffixes, home countries, regulators, dates and quotes."""

from bot.analysis.companies import strip_legal_suffix
from bot.analysis.countries import country_name, find_countries, resolve_country
from bot.analysis.pipeline import analyze
from bot.models import Article


def test_legal_suffixes_are_dropped() -> None:
    assert strip_legal_suffix("BlackBerry Ltd") == "BlackBerry"
    assert strip_legal_suffix("Tessellate GmbH") == "Tessellate"
    assert strip_legal_suffix("Vaultline Pty Ltd") == "Vaultline"


def test_countries_from_names_demonyms_and_regulators() -> None:
    codes = [m.code for m in find_countries("Pakistani officials, the PTA, CERT-In and Ofcom")]
    assert codes == ["PK", "PK", "IN", "GB"]
    assert resolve_country("Royaume-Uni") == "GB"
    assert country_name("RU") == "Russia"


def test_familiar_english_names_are_found_where_cldr_renamed_the_country() -> None:
    text = "It left Turkey, then the Ivory Coast, then the Czech Republic."
    assert [m.code for m in find_countries(text)] == ["TR", "CI", "CZ"]
    assert country_name("TR") == "Turkey"


def test_country_left_wins_over_company_home_and_company_over_regulator() -> None:
    article = Article(
        id="x",
        title="Canadian firm Northwind Secure exits Pakistan",
        content=(
            "The Canadian company Northwind Secure Inc. said it will exit Pakistan on "
            "December 30 because the PTA demanded the ability to monitor all of its traffic. "
            '"We will not build a back door for anyone," chief executive Ana Ruiz said.'
        ),
    )
    result = analyze(article)
    assert result.relevant
    assert result.company == "Northwind Secure"
    assert result.country == "Pakistan"
    assert result.effective_date is not None and "December 30" in result.effective_date
    assert result.quote == "We will not build a back door for anyone,"
    assert result.quote_speaker is not None and "Ana Ruiz" in result.quote_speaker
    assert result.demand is not None and "monitor" in result.demand
