"""Countries: ISO 3166-1 alpha-2 codes and their names, from the CLDR territory list that Babel ships."""

from __future__ import annotations

from functools import cache

from babel import Locale

#: CLDR "territories" that are not countries (unknown region, EU, eurozone, UN, outlying Oceania)
NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO"}


@cache
def countries() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes."""
    return tuple(sorted(c for c in Locale("en").territories if len(c) == 2 and c.isalpha() and c not in NOT_COUNTRIES))
