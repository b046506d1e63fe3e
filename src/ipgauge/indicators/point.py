"""One figure as the API and the command line give it, and its year-on-year change.

Kept apart from the query engine (indicators/query.py) because the releases read these without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ipgauge.dates import add_months


def year_before(d: date) -> date:
    """The same day a year earlier (29 February → 28 February)."""
    return add_months(d, -12)


def yoy(value: float, previous: float) -> float | None:
    """Year-on-year change in percent, unrounded (None when there is nothing to compare with).

    Six decimals only drop the float's noise: whoever shows it rounds it once, from this — rounding
    17.6451 to 17.65 here would make a reader's one decimal +17.7 where the release says +17.6.
    """
    return round((value - previous) / previous * 100, 6) if previous else None


@dataclass
class Point:
    """One figure: the JSON object of docs/api.md, with the share and population year when asked for."""

    indicator: str
    region: str
    as_of: date
    known_at: date
    value: float | None  # None: a part of a breakdown that cannot be computed (its ``missing`` says why)
    previous: float | None
    yoy_pct: float | None
    unit: str
    synthetic: bool = False
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready, with the documented keys first (docs/api.md)."""
        out = {
            "indicator": self.indicator,
            "region": self.region,
            "as_of": self.as_of.isoformat(),
            "known_at": self.known_at.isoformat(),
            "value": self.value,
            "previous": self.previous,
            "yoy_pct": self.yoy_pct,
            "unit": self.unit,
        }
        return out | self.extra | ({"synthetic": True} if self.synthetic else {})
