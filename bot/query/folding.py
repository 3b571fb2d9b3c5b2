"""Text compared the way members type it: without accents, case or curly apostrophes.

Members type "Cote d'Ivoire", "turkiye" or "Curacao" on keyboards without those letters,
while stored names and the gazetteer say "Côte d’Ivoire", "Türkiye" and "Curaçao"; both
sides are folded before they are compared, so either spelling finds the other.
"""

from __future__ import annotations

import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def fold(text: str) -> str:
    """`text` casefolded, with combining marks (accents, cedillas) and curly quotes gone."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
