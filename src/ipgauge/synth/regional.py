"""A region at its real size: record counts and growth solved from the region's published figures.

The national scales solve only counts (the nation's shape is the yearly curves). A region grows at its
own pace — the Northeast's valid invention patents +10.2 % in the year to April 2025 against the
nation's +16 % — so for each right type the yearly curve is *tilted* (:func:`calibration.tilted`)
until the generator's own year-on-year change on the published date is the published one, and the
count is then solved for the published level, as the national scales do. Both are estimated on the
same random sample at every step (common random numbers), so the search is smooth.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

from ipgauge.synth import calibration as cal
from ipgauge.synth import patents, trademarks
from ipgauge.synth.dates import day

#: The tilts searched, per year of distance from the cut-off.
TILTS = (-0.5, 0.5)


def year_before(at: date) -> date:
    """The same day a year earlier (28 February for a 29th)."""
    return at.replace(year=at.year - 1, day=min(at.day, 28) if at.month == 2 else at.day)


def target(region: str, indicator: str) -> tuple[date, float, float | None]:
    """(date, value, year-on-year % or None) the region's published figure of ``indicator`` gives."""
    rows = [r for r in cal.published(region) if r["indicator"] == indicator]
    if not rows:
        raise ValueError(f"no published {indicator} for {region} in data/calibration_targets.csv")
    r = max(rows, key=lambda r: r["as_of"])  # the latest
    return date.fromisoformat(r["as_of"]), float(r["value"]), float(r["yoy_pct"]) if r["yoy_pct"] else None


def solve(count: Callable[[float], tuple[int, int]], yoy: float | None) -> float:
    """The tilt whose (now, a year before) counts change by ``yoy`` %; 0 without a published change."""
    if yoy is None:
        return 0.0
    lo, hi = TILTS
    for _ in range(16):  # bisection: the change grows with the tilt (more recent rights)
        mid = (lo + hi) / 2
        now, before = count(mid)
        lo, hi = (mid, hi) if now / before - 1 < yoy / 100 else (lo, mid)
    return (lo + hi) / 2


def inventions(region: str, seed: int, sample: int) -> tuple[int, float]:
    """(invention records, tilt) that give the region's published valid invention patents and their change."""
    at, value, yoy = target(region, "valid_invention_patents")

    def count(tilt: float) -> tuple[int, int]:
        lv = patents.lives(np.random.default_rng([seed, 0, 0]), "invention", sample, tilt)
        return lv.in_force(day(at)), lv.in_force(day(year_before(at)))

    tilt = solve(count, yoy)
    return round(value * sample / count(tilt)[0]), tilt


def registrations(region: str, seed: int, sample: int) -> tuple[int, float]:
    """(trademark records, tilt) that give the region's published valid trademarks and their change."""
    at, value, yoy = target(region, "valid_trademarks")

    def count(tilt: float) -> tuple[int, int]:
        lv = trademarks.lives(np.random.default_rng([seed, 0, 1]), sample, tilt)
        return lv.in_force(day(at), domestic_only=True), lv.in_force(day(year_before(at)), domestic_only=True)

    tilt = solve(count, yoy)
    return round(value * sample / count(tilt)[0]), tilt


def gi_products(region: str) -> int:
    """GI product records for the region's published count (about 1 % are cancelled by then)."""
    return round(target(region, "gi_products")[1] / 0.99)


class Tally:
    """What a regional register achieved against each published figure, as the generator counts in force."""

    INDICATORS = ("valid_invention_patents", "valid_trademarks", "gi_products")

    def __init__(self, region: str, factor: float = 1.0) -> None:
        self.targets = {name: target(region, name) for name in self.INDICATORS}
        self.factor = factor
        self.counts = {name: [0, 0] for name in self.INDICATORS}  # on the date, a year before

    def _days(self, name: str) -> tuple[np.datetime64, np.datetime64]:
        at = self.targets[name][0]
        return day(at), day(year_before(at))

    def inventions(self, lv: patents.Lives) -> None:
        """Add a chunk of invention lives."""
        for i, at in enumerate(self._days("valid_invention_patents")):
            self.counts["valid_invention_patents"][i] += lv.in_force(at)

    def trademarks(self, lv: trademarks.Lives) -> None:
        """Add a chunk of trademark lives (domestic: the region's)."""
        for i, at in enumerate(self._days("valid_trademarks")):
            self.counts["valid_trademarks"][i] += lv.in_force(at, domestic_only=True)

    def gi(self, approval: np.ndarray, cancelled: np.ndarray) -> None:
        """Add the GI products."""
        for i, at in enumerate(self._days("gi_products")):
            self.counts["gi_products"][i] += int(((approval <= at) & (np.isnat(cancelled) | (cancelled > at))).sum())

    def report(self) -> dict[str, dict]:
        """Per indicator: the date, the published value and change, and what the register has."""
        out = {}
        for name, (at, value, yoy) in self.targets.items():
            now, before = self.counts[name]
            out[name] = {
                "as_of": at.isoformat(),
                "target": round(value * self.factor),
                "achieved": now,
                "target_yoy_pct": yoy,
                "achieved_yoy_pct": round((now / before - 1) * 100, 1) if before else None,
            }
        return out
