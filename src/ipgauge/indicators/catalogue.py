"""The indicator catalogue: ``data/indicators.toml`` parsed into typed definitions and validated.

Like MetricFlow's metrics, an indicator is a few lines of data; every rule below is checked before
anything is computed, so a mistake in the catalogue fails at start-up with the indicator's name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources

from ipgauge.errors import UserError
from ipgauge.register.schema import (
    AMOUNT_KINDS,
    APPLICATION_FACTS,
    APPLICATION_KINDS,
    APPLICATION_ROUTES,
    CASE_KINDS,
    PATENT_KINDS,
    RIGHT_TYPES,
    TRADEMARK_KINDS,
)

#: A stock on the date, or a flow from 1 January to the date: rights granted or first pledged, casework,
#: applications (filed, published, granted or decided).
MEASURES = ("in_force", "granted", "pledged", "casework", "applications")
#: What a casework indicator adds up over the year's facts: cases, distinct clients or centres,
#: training attendees, or amounts in CNY or USD (ECB rate of each amount's date).
TALLIES = ("cases", "clients", "centres", "attendees", "cny", "usd")
#: Which co-holding a collaboration indicator asks of a right (docs/collaboration.md: holders of every type on D).
COLLABORATIONS = ("co_held", "academia_industry", "cross_region")
CRITERIA = ("strategic_industry", "family_abroad", "maintained_10_years", "pledged", "awarded")


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry."""

    name: str
    label_zh: str
    label_en: str
    unit_zh: str
    unit_en: str
    definition_en: str
    definition_zh: str
    source: str
    measure: str = "in_force"
    right_type: str = ""
    kinds: tuple[str, ...] = ()
    domestic: bool = False
    is_gi: bool | None = None
    criteria: tuple[str, ...] = ()
    per_10k_of: str | None = None
    tally: str = ""
    collaboration: str = ""
    fact: str = ""  # an application indicator's fact: filed, published, granted, decided
    routes: tuple[str, ...] = ()  # an application indicator's routes (empty: every route)
    office: str = ""  # the office an application indicator counts at: CN, or WO (PCT and Madrid filings)
    ratio_of: tuple[str, ...] = ()  # a percentage: the first indicator's count over the second's

    @property
    def is_flow(self) -> bool:
        """Whether this counts events from 1 January to the date (year to date) rather than rights in force."""
        return self.measure in ("granted", "pledged", "casework", "applications") or bool(self.ratio_of)

    @property
    def is_casework(self) -> bool:
        """Whether this counts the service centres' casework (facts of cases and amounts), not rights."""
        return self.measure == "casework"

    @property
    def is_fact(self) -> bool:
        """Whether this counts the register's facts table (casework, applications: indicators/casework.py)."""
        return self.measure in ("casework", "applications")

    @property
    def is_ratio(self) -> bool:
        """Whether this is a percentage of two other indicators' counts (a grant rate)."""
        return bool(self.ratio_of)

    @property
    def is_money(self) -> bool:
        """Whether the figure is an amount of money (two decimals), not a count."""
        return self.tally in ("cny", "usd")

    @property
    def is_per_10k(self) -> bool:
        """Whether this is a per-10,000-population ratio of another indicator."""
        return self.per_10k_of is not None


def _rules(ind: Indicator, names: set[str]) -> list[str]:
    """Every problem with one definition (empty when it is sound)."""
    problems = [
        f"{f} is empty"
        for f in ("label_zh", "label_en", "unit_zh", "unit_en", "definition_en", "definition_zh", "source")
        if not getattr(ind, f)
    ]
    if ind.is_per_10k:
        if ind.per_10k_of not in names:
            problems.append(f"per_10k_of names no indicator {ind.per_10k_of!r}")
        return problems
    if ind.is_ratio:
        if len(ind.ratio_of) != 2:
            problems.append("ratio_of names two indicators: the counted part and the whole")
        problems += [f"ratio_of names no indicator {n!r}" for n in ind.ratio_of if n not in names]
        return problems
    if ind.measure not in MEASURES:
        problems.append(f"measure {ind.measure!r} is not one of {', '.join(MEASURES)}")
    if ind.is_casework:
        return problems + _casework_rules(ind)
    if ind.measure == "applications":
        return problems + _application_rules(ind)
    if ind.tally:
        problems.append("tally applies to casework indicators only")
    if ind.collaboration and ind.collaboration not in COLLABORATIONS:
        problems.append(f"collaboration {ind.collaboration!r} is not one of {', '.join(COLLABORATIONS)}")
    if ind.collaboration and ind.right_type != "patent":
        problems.append("collaboration applies to patents only")
    if ind.right_type not in RIGHT_TYPES:
        problems.append(f"right_type {ind.right_type!r} is not one of {', '.join(RIGHT_TYPES)}")
    allowed = {"patent": PATENT_KINDS, "trademark": TRADEMARK_KINDS}.get(ind.right_type, ())
    problems += [f"kind {k!r} is not a {ind.right_type} kind" for k in ind.kinds if k not in allowed]
    problems += [f"criterion {c!r} is not one of {', '.join(CRITERIA)}" for c in ind.criteria if c not in CRITERIA]
    if ind.criteria and (ind.right_type != "patent" or ind.kinds != ("invention",)):
        problems.append("high-value criteria apply to invention patents only")
    if ind.is_gi is not None and ind.right_type != "trademark":
        problems.append("is_gi applies to trademarks only")
    if ind.measure == "pledged" and ind.right_type != "patent":
        problems.append("the pledged measure applies to patents only")
    return problems


def _application_rules(ind: Indicator) -> list[str]:
    problems = []
    if ind.fact not in APPLICATION_FACTS:
        problems.append(f"fact {ind.fact!r} is not one of {', '.join(APPLICATION_FACTS)}")
    problems += [f"kind {k!r} is not an application kind" for k in ind.kinds if k not in APPLICATION_KINDS]
    problems += [
        f"route {r!r} is not one of {', '.join(APPLICATION_ROUTES)}" for r in ind.routes if r not in APPLICATION_ROUTES
    ]
    if ind.office not in ("CN", "WO"):
        problems.append(f"office {ind.office!r} is not CN or WO")
    if ind.right_type or ind.criteria or ind.is_gi is not None or ind.collaboration or ind.tally:
        problems.append("an application indicator counts applications: no right_type, criteria, is_gi or tally")
    return problems


def _casework_rules(ind: Indicator) -> list[str]:
    problems = []
    if ind.tally not in TALLIES:
        problems.append(f"tally {ind.tally!r} is not one of {', '.join(TALLIES)}")
    allowed = AMOUNT_KINDS if ind.is_money else CASE_KINDS
    problems += [f"kind {k!r} is not one of {', '.join(allowed)}" for k in ind.kinds if k not in allowed]
    if ind.tally == "attendees" and ind.kinds != ("training",):
        problems.append("attendees are counted for trainings only")
    if ind.right_type or ind.criteria or ind.domestic or ind.is_gi is not None or ind.collaboration:
        problems.append("a casework indicator counts cases, not rights: no right_type, criteria, domestic or is_gi")
    return problems


def parse(text: str) -> dict[str, Indicator]:
    """Parse and validate a catalogue; raise ValueError naming every broken indicator."""
    raw = tomllib.loads(text)
    known = {f.name for f in fields(Indicator)}
    out: dict[str, Indicator] = {}
    problems: list[str] = []
    for name, entry in raw.items():
        unknown = sorted(set(entry) - known)
        if unknown:
            problems.append(f"{name}: unknown key {unknown[0]!r}")
            continue
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}
        try:
            out[name] = Indicator(name=name, **values)
        except TypeError as e:
            problems.append(f"{name}: {e}")
    for ind in out.values():
        problems += [f"{ind.name}: {p}" for p in _rules(ind, set(out))]
    if problems:
        raise ValueError("indicator catalogue: " + "; ".join(problems))
    return out


@cache
def catalogue() -> dict[str, Indicator]:
    """The shipped catalogue, validated once."""
    return parse(resources.files("ipgauge.data").joinpath("indicators.toml").read_text(encoding="utf-8"))


LISTED = ("label_zh", "label_en", "unit_zh", "unit_en", "definition_en", "definition_zh", "source")


def listing() -> list[dict]:
    """The catalogue as rows (name, labels, units, definition, source): what the CLI and the API list."""
    return [{"name": i.name} | {k: getattr(i, k) for k in LISTED} for i in catalogue().values()]


def indicator(name: str) -> Indicator:
    """The indicator called ``name``, or a one-sentence error listing the names."""
    try:
        return catalogue()[name]
    except KeyError:
        raise UserError(f"no indicator {name!r}; the catalogue has {', '.join(catalogue())}.") from None


@dataclass(frozen=True)
class Settings:
    """Documented settings of indicator definitions where the source leaves a number open."""

    #: Criterion 4: a pledge at or above this amount (CNY) makes an invention patent high-value.
    #: CNIPA publishes no threshold; 10 million CNY is ipgauge's documented default.
    pledge_threshold_cny: float = 10_000_000
    #: Criterion 3: maintained more than this many years since filing.
    maintained_years: int = 10


DEFAULT_SETTINGS = Settings()
