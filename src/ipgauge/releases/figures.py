"""The figures of a release, computed by the indicators' counter and nothing else.

Every number a release prints comes from here; the text, tables and charts only format them. The
figures are plain data (JSON-ready, in a fixed order) so that a snapshot can be compared digit by
digit with a re-run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import indicator
from ipgauge.indicators.expressions import date_to_key
from ipgauge.indicators.point import yoy
from ipgauge.indicators.query import Counter
from ipgauge.regions.divisions import divisions
from ipgauge.regions.groups import Region, region
from ipgauge.releases import casework
from ipgauge.releases.spec import Spec


@dataclass
class Member:
    """One member (sub-region) of the released region."""

    code: str
    name_zh: str
    name_en: str
    value: float
    previous: float
    level: str = ""
    national_rank: int | None = None  # a province's place among the 31 (None when the nation is not covered)

    @property
    def yoy_pct(self) -> float | None:
        """Year-on-year change in percent, unrounded."""
        return yoy(self.value, self.previous)


@dataclass
class Figure:
    """One indicator of the release."""

    name: str
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    value: float
    previous: float
    parent_value: float | None
    population_year: str | None = None
    members: list[Member] = field(default_factory=list)
    trend: list[tuple[str, float]] = field(default_factory=list)  # (ISO date, value)
    flow: bool = False  # counted from 1 January to the date, not in force on it
    national_rank: int | None = None  # the released province's place among the 31
    definition_zh: str = ""
    definition_en: str = ""
    percent: bool = False  # a rate of two counts (the grant rate): told in percent, against a year earlier

    @property
    def is_ratio(self) -> bool:
        """Whether this is a ratio, per 10,000 people or a percentage (its values rounded, its changes in points)."""
        return self.population_year is not None or self.percent

    @property
    def yoy_pct(self) -> float | None:
        """Year-on-year change in percent, unrounded (wording rounds it once)."""
        return self.yoy_of(self.value, self.previous)

    def yoy_of(self, value: float, previous: float) -> float | None:
        """The change in percent of one of this figure's values (the figure's, or a member's).

        None for a per-10,000 ratio: its values are stored rounded, and releases give its change in points.
        """
        return None if self.is_ratio else yoy(value, previous)

    @property
    def share_pct(self) -> float | None:
        """Share of the parent region in percent, unrounded."""
        return self.value / self.parent_value * 100 if self.parent_value else None


@dataclass
class Figures:
    """All the figures of one release."""

    spec: dict
    region: dict
    synthetic: bool
    figures: list[Figure]
    #: indicators of the default list left out, with the reason (a per-10,000 figure without a population)
    omitted: list[tuple[str, str]] = field(default_factory=list)
    #: the casework section's figures, {key: [value, previous]} (releases/casework.py), when the spec asks for it
    casework: dict[str, list[float]] | None = None

    @property
    def headline(self) -> Figure | None:
        """The figure shown by region (map, member table): the first with member values (ratios have none)."""
        return next((f for f in self.figures if f.members), None)

    def as_dict(self) -> dict:
        """JSON-ready, including the derived changes and shares (rounded to 4 decimals for stability)."""
        out = asdict(self)
        for f, raw in zip(out["figures"], self.figures, strict=True):
            f["yoy_pct"] = None if raw.yoy_pct is None else round(raw.yoy_pct, 4)
            f["share_pct"] = None if raw.share_pct is None else round(raw.share_pct, 4)
        if self.casework is None:  # a release without the section keeps the shape it always had
            del out["casework"]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Figures:
        """The inverse of :meth:`as_dict`."""
        figures = []
        for f in data["figures"]:
            f = {k: v for k, v in f.items() if k not in ("yoy_pct", "share_pct")}
            f["members"] = [Member(**m) for m in f["members"]]
            f["trend"] = [tuple(t) for t in f["trend"]]
            figures.append(Figure(**f))
        return cls(
            data["spec"],
            data["region"],
            data["synthetic"],
            figures,
            [tuple(o) for o in data.get("omitted", [])],
            data.get("casework"),
        )


def _trend_start(as_of: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``as_of``'s month."""
    first = date_to_key(as_of, "monthly") - months + 1
    return date(first // 12, first % 12 + 1, 1)


def compute(counter: Counter, spec: Spec) -> Figures:
    """Compute every figure the spec asks for."""
    where, parent = region(spec.region), region(spec.share_of)
    figures, omitted = [], []
    covered = _ranked(where) and _covers_the_nation(counter, spec.as_of)
    for name in spec.indicators:
        ind = indicator(name)
        try:
            point = counter.point(name, where, spec.as_of, None if ind.is_per_10k or ind.is_flow else parent)
        except UserError:
            if not ind.is_per_10k:
                raise
            omitted.append((name, "no_population"))  # most prefectures: the notes say it was left out
            continue
        fig = Figure(
            name,
            ind.label_zh,
            ind.label_en,
            ind.unit_zh,
            ind.unit_en,
            point.value,
            point.previous,
            point.extra.get("parent_value"),
            point.extra.get("population_year"),
            flow=ind.is_flow,
            percent=ind.is_ratio,
            definition_zh=ind.definition_zh,
            definition_en=ind.definition_en,
        )
        ranks = _national_ranks(counter, name, spec.as_of) if covered and not ind.is_ratio else {}
        fig.national_rank = ranks.get(where.code)
        # a rate (the grant rate) has no parts to rank or list: its numerator and denominator do
        if not ind.is_per_10k and not ind.is_ratio and where.kind in ("nation", "group", "province", "prefecture"):
            fig.members = [
                _member(p.extra["part"], p.value, p.previous, ranks)
                for p in counter.breakdown(name, where, spec.as_of, "subregion")
            ]
        series = counter.series(name, where, "monthly", _trend_start(spec.as_of, spec.trend_months), spec.as_of)
        fig.trend = [(p.as_of.isoformat(), p.value) for p in series if p.value is not None]  # a rate of nothing
        if not fig.trend or fig.trend[-1][0] != spec.as_of.isoformat():  # the trend ends on the release's own date
            fig.trend.append((spec.as_of.isoformat(), point.value))
        figures.append(fig)
    info = {
        "code": where.code,
        "kind": where.kind,
        "name_zh": where.name_zh,
        "name_en": where.name_en,
        "official_zh": where.official_zh or where.name_zh,
        "official_en": where.official_en or where.name_en,
        "members": list(where.members),
        "prefectures_zh": where.prefectures_zh,
        "prefectures_en": where.prefectures_en,
        "parent": parent.code,
        "deliveries": counter.deliveries,
    }
    section = casework.compute(counter, where, spec.as_of) if spec.casework else None
    return Figures(spec.as_dict(), info, counter.synthetic, figures, omitted, section)


def _ranked(where: Region) -> bool:
    """Whether national ranks belong in this release: the nation's provinces, a province, a group with provinces."""
    return where.is_nation or any(divisions()[m].level == "province" for m in where.members)


def _covers_the_nation(counter: Counter, on: date) -> bool:
    """Whether the register holds every province (valid invention patents in each): else no rank is national."""
    rows = counter.breakdown("valid_invention_patents", region("CN"), on, "subregion")
    return PROVINCES <= {p.extra["part"] for p in rows if p.value > 0}


def _national_ranks(counter: Counter, name: str, on: date) -> dict[str, int]:
    """Each province's place among the 31 (1 = the largest; equal figures share a place; none counts as 0)."""
    rows = counter.breakdown(name, region("CN"), on, "subregion")
    values = dict.fromkeys(PROVINCES, 0.0) | {p.extra["part"]: p.value for p in rows if p.extra["part"] in PROVINCES}
    return {code: 1 + sum(v > values[code] for v in values.values()) for code in values}


def _member(code: str, value: float, previous: float, ranks: dict[str, int]) -> Member:
    r: Region = region(code)
    return Member(code, r.name_zh, r.name_en, value, previous, divisions()[code].level, ranks.get(code))


PROVINCES = frozenset(d.code for d in divisions().values() if d.level == "province")
