"""Calendar arithmetic on single dates, as the law and the offices count it.

A term or a fee period "n years (or months) from" a day ends on the same day of the month that many
months later; where that month is shorter (29 February in a common year, 31 August + 6 months), on
its last day — DuckDB's ``+ to_years`` and the synthetic register's ``add_years`` count the same way.
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, n: int) -> date:
    """``day`` plus ``n`` calendar months (negative: earlier), on the month's last day when it is shorter."""
    months = day.year * 12 + day.month - 1 + n
    year, month = divmod(months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
