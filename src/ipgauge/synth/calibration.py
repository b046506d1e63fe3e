"""What the synthetic register is calibrated to, and the shapes it follows.

The targets are published national figures (CNIPA press releases and statistics bulletins, as listed
in ``data/SOURCES.md``). The yearly curves are approximate annual volumes rounded from CNIPA annual
reports; they are used only as *shapes* (relative weights by year), never as figures. The generator
solves for the record counts that hit the targets and reports what it achieved in the delivery's
``manifest.json``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import numpy as np

from ipgauge.regions.groups import region

#: The date the synthetic register is delivered: nothing is recorded after it.
CUTOFF = date(2025, 6, 30)
FIRST_YEAR = 1985

#: Published national targets (domestic valid invention patents; valid registered trademarks; GIs).
VALID_INVENTIONS_DOMESTIC = {2022: 3_351_453, 2023: 4_015_000, 2024: 4_756_000}
VALID_INVENTIONS_ALL = {2023: 4_991_000}
VALID_TRADEMARKS = {2023: 46_146_000}
GI_PRODUCTS = {2023: 2_508, 2024: 2_544}


@dataclass(frozen=True)
class Scale:
    """How big a synthetic register is: a fraction of the nation, or one region at its real size.

    ``region``: a region whose published figures (``data/calibration_targets.csv``) the counts and
    growth are solved for, its domestic rights all held within its members (:attr:`area`).
    """

    name: str
    factor: float
    min_gi: int
    region: str | None = None
    #: The least share of a province's inventions: a miniature register keeps every province present
    #: (a national rank needs all 31), where their fitted shares would leave Tibet's at 0.03 % of 900.
    min_share: float = 0.0

    @property
    def area(self) -> tuple[str, ...]:
        """The region's division codes (provinces or prefectures); empty for the whole nation."""
        return region(self.region).members if self.region else ()


def published(region: str | None = None) -> list[dict[str, str]]:
    """The published figures of ``data/calibration_targets.csv``, of one region or all.

    Columns region, indicator, as_of, value, yoy_pct, role, source; the file is read once per process,
    so the rows are shared: read them, do not change them.
    """
    return [r for r in _targets() if region is None or r["region"] == region]


@cache
def _targets() -> tuple[dict[str, str], ...]:
    with resources.files("ipgauge.data").joinpath("calibration_targets.csv").open(encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


@cache
def gi_mark_share() -> float:
    """GI collective and certification marks per valid trademark, where a region published both on one date.

    The Northeast's 556 of 2.161 million (0.026 %); a GI is protected by a mark in few places.
    """
    rows = published()
    pairs = [
        float(g["value"]) / float(t["value"])
        for g in rows
        if g["indicator"] == "gi_trademarks"
        for t in rows
        if t["indicator"] == "valid_trademarks" and (t["region"], t["as_of"]) == (g["region"], g["as_of"])
    ]
    return float(np.mean(pairs))


SCALES = {
    "small": Scale("small", 1 / 5000, 40, min_share=0.005),
    "province": Scale("province", 1 / 50, 60),
    "national": Scale("national", 1.0, 0),
    "northeast": Scale("northeast", 1.0, 0, "northeast"),  # the seed's region (data/groups.toml)
}


def _curve(points: dict[int, float]) -> np.ndarray:
    """Yearly weights FIRST_YEAR..CUTOFF.year, interpolated log-linearly between the points."""
    years = np.arange(FIRST_YEAR, CUTOFF.year + 1)
    xs = np.array(sorted(points))
    ys = np.log(np.array([points[x] for x in xs]))
    w = np.exp(np.interp(years, xs, ys))
    w[-1] *= (CUTOFF - date(CUTOFF.year, 1, 1)).days / 365  # the cut-off year is partial
    return w / w.sum()


def tilted(curve: np.ndarray, tilt: float) -> np.ndarray:
    """``curve`` leaning towards recent years (``tilt`` > 0) or earlier ones, per year of distance from the cut-off.

    A region growing slower than the nation has the national shape with a negative tilt; 0 is the curve itself.
    """
    if not tilt:
        return curve
    w = curve * np.exp(tilt * (np.arange(FIRST_YEAR, CUTOFF.year + 1) - CUTOFF.year))
    return w / w.sum()


#: Applications per year that end in a grant or are still pending, thousands (approximate; shape only).
#: For inventions this is CNIPA's yearly grants moved back by the median grant lag, which is what
#: drives the growth of the stock; refused and withdrawn applications never enter the register of rights.
FILINGS = {
    "invention": _curve(
        {
            1985: 1,
            1988: 3,
            1993: 3.5,
            1998: 12,
            2003: 53,
            2006: 94,
            2008: 135,
            2010: 217,
            2012: 233,
            2014: 404,
            2016: 432,
            2017: 453,
            2018: 530,
            2019: 696,
            2020: 798,
            2021: 921,
            2022: 1045,
            2023: 1100,
            2024: 1150,
            2025: 1150,
        }
    ),
    "utility_model": _curve(
        {
            1985: 8.0,
            1990: 27,
            1995: 43,
            2000: 68,
            2005: 139,
            2010: 409,
            2015: 1128,
            2018: 2072,
            2020: 2927,
            2021: 2852,
            2022: 2950,
            2023: 2093,
            2024: 1900,
            2025: 1900,
        }
    ),
    "design": _curve(
        {
            1985: 0.6,
            1990: 10,
            1995: 18,
            2000: 46,
            2005: 163,
            2010: 421,
            2015: 569,
            2018: 709,
            2020: 770,
            2022: 795,
            2023: 830,
            2024: 900,
            2025: 900,
        }
    ),
}
#: Trademark registrations per year, thousands (approximate; shape only).
REGISTRATIONS = _curve(
    {
        1985: 40,
        1990: 45,
        1995: 90,
        2000: 200,
        2005: 260,
        2008: 400,
        2010: 1350,
        2012: 1000,
        2013: 1000,
        2014: 1380,
        2015: 2260,
        2016: 2250,
        2017: 2790,
        2018: 5000,
        2019: 6400,
        2020: 5760,
        2021: 7740,
        2022: 6170,
        2023: 4380,
        2024: 4500,
        2025: 4500,
    }
)
#: GI product approvals per year (shape only): the AQSIQ programme from 1999, folded into CNIPA in 2018.
GI_APPROVALS = _curve(
    {
        1985: 0.01,
        1998: 0.01,
        1999: 5,
        2002: 40,
        2005: 120,
        2008: 250,
        2010: 250,
        2012: 200,
        2014: 150,
        2016: 120,
        2018: 60,
        2019: 10,
        2020: 5,
        2022: 3,
        2025: 2,
    }
)

#: Share of applications filed by foreign holders, by year (shape of CNIPA's domestic/foreign split).
FOREIGN_SHARE = {
    "invention": {1985: 0.6, 1995: 0.55, 2000: 0.5, 2005: 0.45, 2010: 0.3, 2015: 0.12, 2020: 0.1, 2025: 0.09},
    "utility_model": {1985: 0.05, 2025: 0.01},
    "design": {1985: 0.2, 2005: 0.1, 2025: 0.03},
}
TRADEMARK_FOREIGN_SHARE = 0.05


def foreign_share(kind: str, years: np.ndarray) -> np.ndarray:
    """The foreign share of filings for each filing year."""
    pts = FOREIGN_SHARE[kind]
    xs = np.array(sorted(pts))
    return np.interp(years, xs, [pts[x] for x in xs])


@dataclass(frozen=True)
class PatentLaw:
    """Per kind: grant probability, median grant lag (years) and term (years)."""

    grant_probability: float
    lag_median: float
    term: int


PATENT_KINDS = {
    "invention": PatentLaw(0.95, 2.2, 20),
    "utility_model": PatentLaw(0.9, 0.6, 10),
    "design": PatentLaw(0.9, 0.4, 15),
}
#: Utility models and designs, per invention record: not calibrated (CNIPA publishes no stock of
#: them in our sources), kept small so that the national scale stays near 10 million patents.
OTHER_KINDS_PER_INVENTION = {"utility_model": 0.1, "design": 0.05}


def lapse_hazard(kind: str, fee_year: np.ndarray, foreign: np.ndarray) -> np.ndarray:
    """Probability that the fee for ``fee_year`` goes unpaid: rising with age, lower for foreign holders."""
    base = {"invention": (0.01, 0.005), "utility_model": (0.06, 0.03), "design": (0.08, 0.03)}[kind]
    h = np.minimum(0.3, base[0] + base[1] * fee_year)
    return np.where(foreign, h * 0.55, h)


TRADEMARK_RENEWAL = (0.45, 0.6)  # first renewal, later renewals
