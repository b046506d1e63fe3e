"""Where the nation's invention patents are: province shares by filing year, fitted to CNIPA's provincial tables.

Population says little about patents: Beijing has 1.5 % of the people and 15 % of the valid invention
patents. The national scales therefore draw an invention's province from shares that depend on its
filing year, fitted so that the *stock* in force on each published date has the published provincial
split (the ``fit`` rows of ``data/calibration_targets.csv``; the ``check`` rows are held out).

The stock on date D mixes many filing years, so the shares are not read off the tables: they are
piecewise linear in the filing year, with knots at :data:`KNOTS` (flat before the first and after the
last), and the knot values solve ``W · S = A``, where ``A[a, p]`` is province p's published share on
anchor date a and ``W[a, k]`` is how much of the stock in force on that date each knot carries — the
generator's own filing-year mix of the rights in force then, from its own simulated lives. One 3 × 3
system serves all provinces at once. The sub-provincial cities' tables give, the same way, each
city's share of its province's parties (the mean over the anchors).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache

import numpy as np

from ipgauge.regions.divisions import counties_of
from ipgauge.regions.groups import region
from ipgauge.synth import calibration as cal
from ipgauge.synth import patents
from ipgauge.synth.dates import day
from ipgauge.synth.trademarks import lives as tm_lives

INDICATOR = "valid_invention_patents"
#: Filing years at which the province shares are solved (one per anchor table).
KNOTS = (2008, 2011, 2014)
LATE_KNOT = 2021
FLOOR = 0.2  # a solved share may not fall below this fraction of the province's smallest published share


def _tables() -> dict[date, dict[str, float]]:
    """Published values per fitted table: {date: {code: value}} (provinces, cities, and the CN total held out)."""
    out: dict[date, dict[str, float]] = defaultdict(dict)
    for r in cal.published():
        if r["indicator"] == INDICATOR and (r["region"] == "CN" or r["region"].isdigit() and r["role"] == "fit"):
            out[date.fromisoformat(r["as_of"])][r["region"]] = float(r["value"])
    return {at: t for at, t in sorted(out.items()) if sum(c.endswith("0000") for c in t) >= 25}


def _anchor_shares(codes: list[str]) -> tuple[list[date], np.ndarray]:
    """(dates, shares[date, province]): each table's provincial split.

    A table may leave a province out (the web pages are cut short); its part of the national total is
    shared among the missing provinces as in the first complete table.
    """
    tables = _tables()
    complete = next(t for t in tables.values() if all(c in t for c in codes))
    rows = []
    for t in tables.values():
        given = np.array([t.get(c, np.nan) for c in codes])
        missing = np.isnan(given)
        if missing.any():
            rest = t["CN"] - np.nansum(given)
            ref = np.array([complete[c] for c in codes]) * missing
            given = np.where(missing, rest * ref / ref.sum(), given)
        rows.append(given / given.sum())
    return list(tables), np.array(rows)


def _basis(years: np.ndarray, knots: tuple[int, ...]) -> np.ndarray:
    """Hat functions over ``knots``, flat outside them: ``[len(years), len(knots)]``, rows sum to 1."""
    k = np.array(knots, dtype=float)
    y = np.clip(years.astype(float), k[0], k[-1])
    out = np.zeros((len(years), len(k)))
    right = np.clip(np.searchsorted(k, y, side="right"), 1, len(k) - 1)
    left = right - 1
    t = (y - k[left]) / (k[right] - k[left])
    out[np.arange(len(y)), left] = 1 - t
    out[np.arange(len(y)), right] += t
    return out


@cache
def by_filing_year(codes: tuple[str, ...], tilt: float = 0.0, sample: int = 200_000) -> np.ndarray:
    """Province shares ``[filing year FIRST_YEAR..CUTOFF.year, province]`` (rows sum to 1), fitted as above.

    ``tilt``: the nation's growth (:func:`calibration.tilted`), so that the filing-year mix is the generator's.
    Filings after the last table follow its shares, moved by any later published figure of a
    province or group (the Northeast's of 2025): :data:`LATE_KNOT` carries that correction.
    """
    dates, target = _anchor_shares(list(codes))
    if len(dates) != len(KNOTS):
        raise ValueError(
            f"{len(dates)} fitted provincial tables for {len(KNOTS)} knots in data/calibration_targets.csv"
        )
    lv = patents.lives(np.random.default_rng([0, 9]), "invention", sample, tilt)
    years = lv.year_index + cal.FIRST_YEAR
    later = _later(dates[-1])
    alive = {at: lv.alive(day(at)) for at in [*dates, *(r[0] for r in later), _national()[0]]}

    def mix(at: date, knots: tuple[int, ...]) -> np.ndarray:  # the weight of each knot in the stock on ``at``
        return _basis(years[alive[at]], knots).mean(axis=0)

    solved = np.linalg.solve(np.array([mix(at, KNOTS) for at in dates]), target)
    solved = np.maximum(solved, FLOOR * target.min(axis=0))
    solved = np.vstack([solved, solved[-1]]) / solved.sum(axis=1, keepdims=True)[[*range(len(KNOTS)), -1]]
    every = (*KNOTS, LATE_KNOT)
    national_at, national = _national()
    for at, members, value in later:
        part = _part(codes, members)
        m = mix(at, every)
        share = value / (national * alive[at].sum() / alive[national_at].sum())
        late = solved[-1]
        f = np.clip((share - (m[:-1] @ solved[:-1]) @ part) / (m[-1] * late @ part), 0.2, 5.0)
        solved[-1] = _scaled(late, part, f)
    shares = _basis(np.arange(cal.FIRST_YEAR, cal.CUTOFF.year + 1), every) @ solved
    return shares / shares.sum(axis=1, keepdims=True)


@cache
def trademarks(codes: tuple[str, ...], population: tuple[float, ...], tilt: float = 0.0) -> np.ndarray:
    """Province shares of domestic trademarks: the population proxy, with each group's published figure imposed.

    No provincial trademark table has been found (docs/synth.md), so only a group's figure moves its
    members (the Northeast holds 4 % of the nation's marks, not its 7 % of the people).
    """
    p = np.array(population) / sum(population)
    lv = tm_lives(np.random.default_rng([0, 10]), 200_000, tilt)
    national_at, national = _national("valid_trademarks")
    every = lv.in_force(day(national_at))  # the national figure counts foreign holders' marks too
    for at, members, value in _later(date.min, "valid_trademarks"):
        part = _part(codes, members)
        share = value / (national * lv.in_force(day(at), domestic_only=True) / every)
        p = _scaled(p, part, share / (p @ part))
    return p


def _scaled(p: np.ndarray, part: np.ndarray, f: float) -> np.ndarray:
    """Shares ``p`` with the group's parts (``part`` of each province) multiplied by ``f``, the rest making up the sum.

    A province partly in the group (Inner Mongolia) has its group part scaled and its other part kept.
    """
    inside = p * part
    rest = 1 - f * inside.sum()
    outside = p * (1 - part)
    return f * inside + outside * rest / outside.sum()


def _national(indicator: str = INDICATOR) -> tuple[date, float]:
    """The nation's latest fitted figure (its level scales the shares of later regional figures)."""
    rows = [r for r in cal.published("CN") if r["indicator"] == indicator and r["role"] == "fit"]
    r = max(rows, key=lambda r: r["as_of"])
    return date.fromisoformat(r["as_of"]), float(r["value"])


def _later(after: date, indicator: str = INDICATOR) -> list[tuple[date, tuple[str, ...], float]]:
    """(date, member provinces, value) of the fitted figures of provinces and groups published after ``after``."""
    out = []
    for r in cal.published():
        at = date.fromisoformat(r["as_of"])
        if r["indicator"] == indicator and r["role"] == "fit" and r["region"] != "CN" and at > after:
            members = region(r["region"]).members if not r["region"].isdigit() else (r["region"],)
            out.append((at, tuple(members), float(r["value"])))
    return out


def _part(codes: tuple[str, ...], members: tuple[str, ...]) -> np.ndarray:
    """How much of each province's parties a group's members hold: 1 for a member province, else its counties' share.

    The synth draws a party's county evenly within a province (cities aside), so a member prefecture
    (eastern Inner Mongolia's five) holds its share of the province's counties.
    """
    part = np.zeros(len(codes))
    for i, code in enumerate(codes):
        if code in members:
            part[i] = 1.0
        elif any(m[:2] == code[:2] for m in members):
            counties = counties_of(code)
            part[i] = sum(c.prefecture_code in members for c in counties) / len(counties)
    return part


def city_shares() -> dict[str, float]:
    """Sub-provincial city code → its share of its province's valid invention patents (mean over the fitted tables)."""
    per_city: dict[str, list[float]] = defaultdict(list)
    for t in _tables().values():
        for code, value in t.items():
            province = code[:2] + "0000"
            if code != "CN" and not code.endswith("0000") and province in t:
                per_city[code].append(value / t[province])
    return {code: float(np.mean(v)) for code, v in sorted(per_city.items())}
