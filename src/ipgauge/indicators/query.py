"""Asking for figures: a point with its value a year earlier, shares, series and breakdowns.

A :class:`Counter` holds the spells of one knowledge date on one backend; each method builds the
Ibis expression from :mod:`ipgauge.indicators.expressions`, executes it once, and shapes the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path

import ibis

from ipgauge.engines import columns, connect
from ipgauge.errors import UserError
from ipgauge.indicators import expressions as E
from ipgauge.indicators.casework import facts
from ipgauge.indicators.catalogue import DEFAULT_SETTINGS, Indicator, Settings, indicator
from ipgauge.indicators.fields import field_names
from ipgauge.indicators.point import Point, year_before, yoy
from ipgauge.law import spellfiles
from ipgauge.law.bitemporal import view_sql
from ipgauge.law.jurisdictions import rules_for
from ipgauge.law.sources import Sources, register_files
from ipgauge.law.stages import spells
from ipgauge.regions.divisions import divisions
from ipgauge.regions.groups import Region, country, region, within
from ipgauge.regions.population import population, table
from ipgauge.register import store
from ipgauge.sqltext import engine_path
from ipgauge.terms import term

RIGHTS_BREAKDOWNS = ("subregion", "holder_type", "field", "country")
CASEWORK_BREAKDOWNS = ("subregion", "centre", "jurisdiction")
APPLICATION_BREAKDOWNS = ("subregion", "country")
BREAKDOWNS = tuple(dict.fromkeys(RIGHTS_BREAKDOWNS + CASEWORK_BREAKDOWNS))


#: The columns of a full export: the right, its first holder then, and when it counts.
MEMBER_COLUMNS = ("right_id", "right_type", "kind", "party_id", "holder_type", "country", "region_code", "start", "end")


class Counter:
    """The spells as known on K, on one backend, ready for queries."""

    def __init__(
        self,
        backend: ibis.BaseBackend,
        spells: Callable[[], ibis.Table],
        known_at: date,
        *,
        synthetic: bool = False,
        store_con=None,
        settings: Settings = DEFAULT_SETTINGS,
        deliveries: int = 0,
        jurisdiction: str = "CN",
        facts_path: Callable[[], Path] | None = None,
        spells_sql: str | None = None,
    ) -> None:
        self.backend = backend
        self._spells = spells
        self.spells_sql = spells_sql  # the spells as a query over the register (store_con), for digests
        self._facts_path = facts_path
        self.known_at = known_at
        self.synthetic = synthetic
        self.store_con = store_con
        self.settings = settings
        self.deliveries = deliveries  # the spells were computed from the register's first N deliveries
        self.jurisdiction = jurisdiction  # whose rights, by whose law: domestic means held by its nationals

    @cached_property
    def spells(self) -> ibis.Table:
        """The spells as known on K, as an Ibis table on this counter's backend (opened when first needed)."""
        return self._spells()

    @cached_property
    def facts_path(self) -> Path:
        """The casework facts folder (indicators/casework.py), computed when first needed."""
        if self._facts_path is None:
            raise UserError("casework indicators need the register itself (--db), not an export of it.")
        return self._facts_path()

    @cached_property
    def facts(self) -> ibis.Table:
        """The casework facts as an Ibis table on this counter's backend."""
        facts = self.facts_path / "facts.parquet"
        return self.backend.read_parquet(engine_path(self.backend.name, facts))

    @cached_property
    def centre_names(self) -> dict[str, tuple[str, str]]:
        """Each centre's Chinese and English names, for labelling a breakdown by centre."""
        if self.store_con is None:
            return {}
        sql = "SELECT centre_id, name_zh, coalesce(name_en, name_zh) FROM centres WHERE "
        rows = self.store_con.execute(sql + store.known_at(self.known_at)).fetchall()
        return {c: (zh, en) for c, zh, en in rows}

    @cached_property
    def populations(self) -> dict[str, dict[int, int]]:
        """Shipped and delivered population figures, read once per counter (per K and engine)."""
        return table(self.store_con)

    # -- building blocks -------------------------------------------------------------------------
    def _base(self, ind: Indicator) -> Indicator:
        return indicator(ind.per_10k_of) if ind.is_per_10k else ind

    def _intervals(self, ind: Indicator, where: Region, by: str | None = None):
        """The counting intervals; a breakdown by country counts every holder, domestic or not."""
        if ind.measure == "applications":
            if self.jurisdiction != "CN":
                raise UserError(
                    f"{ind.name} counts filings at CNIPA or WIPO by China's applicants; --jurisdiction does not "
                    "apply to it (--by country splits them by the applicant's country)."
                )
            home = where.code if where.is_country else self.jurisdiction
            return E.fact_intervals(self.facts, ind, None if by == "country" else home)
        if ind.is_casework:
            if self.jurisdiction != "CN":
                raise UserError(
                    "casework is counted at China's service centres; --jurisdiction does not apply to it "
                    "(--by jurisdiction splits the cases by the foreign office they concern)."
                )
            if where.is_country:
                raise UserError(
                    f"casework is counted at the service centres of China's regions; {where.code} is another country."
                )
            return E.fact_intervals(self.facts, ind)
        t = self.spells
        if by == "field":
            t = E.with_field(t)
        if self.jurisdiction != "CN" and (ind.criteria or ind.is_per_10k):
            raise UserError(
                f"{ind.name} follows CNIPA's definitions (high-value criteria, China's population); "
                f"it has no meaning for a {self.jurisdiction} register."
            )
        # a country's rights are its nationals'; a foreign register's whole is every holder (domestic means CN's)
        home = where.code if where.is_country else self.jurisdiction if self.jurisdiction == "CN" else None
        return E.intervals(t, self._base(ind), self.settings, None if by == "country" else home)

    def _count(self, ind: Indicator, where: Region, dates: list[date]) -> list[float]:
        base = self._base(ind)
        t = self._intervals(ind, where)
        t = t.filter(E.in_region(t, where))
        self._convertible(t, base, dates)
        counted = {f"c{i}": E.tally(t, base, E.counts(t, base, d)) for i, d in enumerate(dates)}
        row = columns(self.backend, t.aggregate(**counted))
        return [_number(base, row[f"c{i}"][0]) for i in range(len(dates))]

    def _convertible(self, t: ibis.Table, ind: Indicator, dates: list[date]) -> None:
        """A money figure counting an amount the ECB table cannot convert fails, saying which and why."""
        if not ind.is_money:
            return
        counted = ibis.literal(False)
        for d in dates:
            counted = counted | E.counts(t, ind, d)
        bad = t.filter(counted & t.fx_problem.notnull()).select("fx_problem").limit(1)
        rows = columns(self.backend, bad)["fx_problem"]
        if rows:
            raise UserError(f"{ind.name} cannot be computed: the amount {rows[0]}")

    def _figure(
        self,
        name: str,
        where: Region,
        counted_in: Region,
        on: date,
        before: date,
        value: float,
        previous: float,
        extra: dict | None = None,
    ) -> Point:
        """A point from two counts; a per-10,000 indicator divides them by ``counted_in``'s population."""
        ind = indicator(name)
        extra = dict(extra or {})
        exact: tuple[float, float] = (value, previous)
        if ind.is_per_10k:
            now, then = population(self.populations, counted_in, on), population(self.populations, counted_in, before)
            exact = (value / now.value * 10_000, previous / then.value * 10_000)
            extra["population_year"] = now.year_label
        shown = (round(exact[0], 2), round(exact[1], 2)) if ind.is_per_10k else exact
        # the change of the ratios themselves: 0.37 against 0.30 rounded is +21.6 %, not the +23.3 % of the roundings
        return Point(
            name, where.code, on, self.known_at, shown[0], shown[1], yoy(*exact), ind.unit_en, self.synthetic, extra
        )

    def _rate(self, ind: Indicator, part: Point, whole: Point) -> Point:
        """A percentage of two points of one region and date (None where the whole is zero: nothing decided)."""

        def pct(a: float | None, b: float | None) -> float | None:
            return a / b * 100 if a is not None and b else None

        now, then = pct(part.value, whole.value), pct(part.previous, whole.previous)
        change = yoy(now, then) if now is not None and then is not None else None
        shown = [round(v, 2) if v is not None else None for v in (now, then)]
        extra = {"part_value": part.value, "part_previous": part.previous, "whole_value": whole.value}
        extra["whole_previous"] = whole.previous  # the counts the rate divides (flat, for CSV as for JSON)
        return Point(
            ind.name, part.region, part.as_of, self.known_at, *shown, change, ind.unit_en, self.synthetic, extra
        )

    # -- queries -----------------------------------------------------------------------------------
    def point(self, name: str, where: Region, on: date, share_of: Region | None = None) -> Point:
        """The figure on ``on`` and a year earlier; with ``share_of``, the share of that parent (which contains it)."""
        ind = indicator(name)
        if ind.is_ratio:
            if share_of is not None:
                raise UserError(f"{name} is a rate: it has no share of a parent.")
            part, whole = (self.point(n, where, on) for n in ind.ratio_of)
            return self._rate(ind, part, whole)
        if share_of is not None and not within(where, share_of):
            raise UserError(
                f"{share_of.code} ({share_of.name_en}) does not contain {where.code} ({where.name_en}), "
                "so it has no share of it."
            )
        before = year_before(on)
        value, previous = self._count(ind, where, [on, before])
        extra: dict = {}
        if share_of is not None:
            if ind.is_per_10k:
                raise UserError("a per-10,000 figure has no share of a parent; ask for its base indicator.")
            (parent,) = self._count(ind, share_of, [on])
            extra = {
                "parent": share_of.code,
                "parent_value": parent,
                "share_pct": round(value / parent * 100, 2) if parent else None,
            }
        return self._figure(name, where, where, on, before, value, previous, extra)

    def series(
        self, name: str, where: Region, period: str, start: date, end: date, by: str | None = None
    ) -> list[Point]:
        """The figure at the end of every period from ``start`` to ``end``, with year-on-year changes.

        One sweep computes the series and the year before it together — for every part of a
        breakdown at once when ``by`` is given (e.g. all provinces of the nation).
        """
        if period not in E.PERIODS:
            raise UserError(f"unknown period {period!r}; choose one of {', '.join(E.PERIODS)}.")
        if start > end:
            raise UserError(f"--from {start} is after --to {end}.")
        ind = indicator(name)
        self._check_breakdown(ind, where, by)
        if ind.is_ratio:
            parts, wholes = (self.series(n, where, period, start, end) for n in ind.ratio_of)
            return [self._rate(ind, part, whole) for part, whole in zip(parts, wholes, strict=True)]
        first, last = E.date_to_key(start, period), E.date_to_key(end, period)
        if E.key_to_date(last, period) > end:
            last -= 1  # the period containing --to has not ended yet
        if last < first:
            raise UserError(f"no {period} period ends between {start} and {end}.")
        per_year = E.PERIODS[period]
        t = self._intervals(ind, where, by)
        t = t.filter(E.in_region(t, where))
        parts = ["part"] if by else []
        if by:
            t = t.mutate(part=E.breakdown_key(t, by, where))
            t = t.filter(t.part.notnull())
        self._convertible(t, self._base(ind), [E.key_to_date(k, period) for k in range(first - per_year, last + 1)])
        sweep = E.flow_sweep if ind.is_fact else E.sweep
        frame = columns(self.backend, sweep(t, self._base(ind), period, first - per_year, last, parts))
        keys = [str(p) for p in frame["part"]] if by else [None] * len(frame["key"])
        values = {(p, int(k)): _number(ind, v) for p, k, v in zip(keys, frame["key"], frame["value"], strict=True)}
        out = []
        for part in sorted({p for p, _ in values} or {None}, key=lambda p: p or ""):
            sub = region(part) if by == "subregion" else where
            for key in range(first, last + 1):
                extra = {"part": part, **self._label(by, part)} if by else {}
                out.append(
                    self._figure_or_gap(
                        name,
                        where,
                        sub,
                        E.key_to_date(key, period),
                        E.key_to_date(key - per_year, period),
                        values.get((part, key), 0),
                        values.get((part, key - per_year), 0),
                        extra,
                    )
                )
        return out

    def members(self, name: str, where: Region, on: date) -> ibis.Table:
        """The rights a point figure counts on ``on``, one row each: what the API's full export lists."""
        ind = indicator(name)
        if ind.is_casework:
            raise UserError(f"{name} counts cases, not rights; the cases are listed under /v1/cases.")
        if ind.is_fact or ind.is_ratio:
            raise UserError(f"{name} counts applications, not rights in force; no list of rights answers it.")
        base = self._base(ind)
        t = self._intervals(ind, where)
        t = t.filter(E.in_region(t, where) & E.counts(t, base, on))
        return t.select(*[c for c in MEMBER_COLUMNS if c in t.columns]).order_by("right_id", "start")

    def breakdown(self, name: str, where: Region, on: date, by: str, unplaced: bool = False) -> list[Point]:
        """The figure on ``on`` split by sub-region, holder type or technology field (a year earlier too).

        What falls in no part (a holder coded at the region itself, not one of its sub-regions; a holder
        abroad; no holder type) is left out, so the parts may add up to less than the figure; with
        ``unplaced`` it comes last, as a point whose part is None, for the command line to say so.
        """
        ind = indicator(name)
        self._check_breakdown(ind, where, by)
        base = self._base(ind)
        before = year_before(on)
        t = self._intervals(ind, where, by)
        t = t.filter(E.in_region(t, where))
        self._convertible(t, base, [on, before])
        t = t.mutate(part=E.breakdown_key(t, by, where))
        expr = t.group_by("part").aggregate(
            value=E.tally(t, base, E.counts(t, base, on)), previous=E.tally(t, base, E.counts(t, base, before))
        )
        frame = columns(self.backend, expr)
        rows, rest, missing = [], [], []
        for part, value, previous in zip(frame["part"], frame["value"], frame["previous"], strict=True):
            if part is None or part != part:
                if unplaced and not ind.is_per_10k and _number(base, value):
                    extra = {
                        "part": None,
                        "label": "in no part",
                        "label_zh": "不属于任何部分",
                        "label_en": "in no part",
                    }
                    rest.append(self._figure(name, where, where, on, before, _number(base, value),
                                             _number(base, previous), extra))  # fmt: skip
                continue
            extra = {"part": str(part), **self._label(by, str(part))}
            sub = region(str(part)) if by == "subregion" else where
            point = self._figure_or_gap(
                name, where, sub, on, before, _number(base, value), _number(base, previous), extra
            )
            (rows if point.value is not None else missing).append(point)
        return sorted(rows, key=lambda p: (-p.value, p.extra["part"])) + missing + rest

    def _figure_or_gap(
        self, name: str, where: Region, counted_in: Region, on: date, before: date, value: float, previous: float,
        extra: dict | None = None,
    ) -> Point:  # fmt: skip
        """:meth:`_figure`, or — for a per-10,000 figure whose population is missing — a blank point saying so.

        One part of a breakdown or one date of a series without its population must not hide all the
        others: the point is kept with no value and its ``missing`` reason.
        """
        try:
            return self._figure(name, where, counted_in, on, before, value, previous, extra)
        except UserError as e:
            ind = indicator(name)
            if not ind.is_per_10k:
                raise
            gap = dict(extra or {}) | {"missing": str(e)}
            return Point(name, where.code, on, self.known_at, None, None, None, ind.unit_en, self.synthetic, gap)

    @staticmethod
    def _check_breakdown(ind: Indicator, where: Region, by: str | None) -> None:
        if by is None:
            return
        if by not in BREAKDOWNS:
            raise UserError(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}.")
        if ind.is_ratio:
            raise UserError(f"{ind.name} is a rate; break down its parts ({', '.join(ind.ratio_of)}) instead.")
        allowed = (
            CASEWORK_BREAKDOWNS if ind.is_casework else APPLICATION_BREAKDOWNS if ind.is_fact else RIGHTS_BREAKDOWNS
        )
        if by not in allowed:
            raise UserError(f"{ind.name} cannot be broken down by {by}; choose one of {', '.join(allowed)}.")
        if ind.is_per_10k and by != "subregion":
            raise UserError("a per-10,000 figure can only be broken down by sub-region.")
        if by == "subregion" and where.kind in ("county", "country"):
            raise UserError(f"{where.code} is a {where.kind}: it has no sub-regions in ipgauge.")

    def _label(self, by: str, part: str) -> dict[str, str]:
        """A part's names: ``label`` ("沈阳市 Shenyang", what the CLI prints) and each language's alone."""
        zh = en = part
        if by == "centre":
            zh, en = self.centre_names.get(part, (part, part))
        elif by == "field" and part.isdigit():
            _, en, zh = field_names()[int(part)]
        elif by == "subregion" and part in divisions():
            zh, en = divisions()[part].name_zh, divisions()[part].name_en
        elif by == "country" and len(part) == 2:
            c = country(part)
            zh, en = c.name_zh, c.name_en
        elif by == "holder_type":
            zh, en = term(part, "zh"), term(part, "en")
        label = part if by == "holder_type" else en if by == "field" else zh if zh == en else f"{zh} {en}"
        return {"label": label, "label_zh": zh, "label_en": en}


def _number(ind: Indicator, value) -> float:
    """A count as an integer, money to the cent (None — nothing counted — as zero)."""
    if value is None or value != value:
        return 0.0 if ind.is_money else 0
    return round(float(value), 2) if ind.is_money else int(value)


@contextmanager
def open_counter(
    db: Path,
    known_at: date,
    backend: str = "duckdb",
    settings: Settings = DEFAULT_SETTINGS,
    upto: int | None = None,
    jurisdiction: str = "CN",
) -> Iterator[Counter]:
    """A counter over the register at ``db`` as known on ``known_at``.

    On DuckDB its spells are a filter on the register's stored table; on Spark the law itself runs
    over the register's tables (:func:`ipgauge.law.sources.register_files`), so that the figures are
    the same law's end to end on either engine. ``upto`` pins the deliveries it sees (the first
    ``upto``; default: all of them, recorded in ``Counter.deliveries``), which is what lets a release
    reproduce after later deliveries.
    """
    with store.reading(db) as con:
        seen = store.last_delivery(con) if upto is None else upto
        rules = rules_for(jurisdiction)
        sql = view_sql(known_at, rules, upto=seen)
        ib = connect(backend, store=con)
        held: list[ibis.Table] = []  # the law's answer on Spark, cached by the engine until the counter closes

        def read() -> ibis.Table:
            if backend == "duckdb":  # the stored spells: a filter on the register's own table
                return spellfiles.read(ib, sql, con)
            law = spells(Sources.of_export(ib, register_files(con, db)), known_at, rules, upto=seen)
            held.append(law.cache())  # the law itself, run by the engine over the register's tables
            return held[-1]

        try:
            yield Counter(
                ib,
                read,
                known_at,
                synthetic=store.is_synthetic(con),
                store_con=con,
                settings=settings,
                deliveries=seen,
                jurisdiction=jurisdiction,
                facts_path=lambda: facts(con, db, known_at, upto=seen),
                spells_sql=sql,
            )
        finally:
            for table in held:
                table.release()


@contextmanager
def open_export(
    folder: Path,
    known_at: date,
    backend: str = "duckdb",
    settings: Settings = DEFAULT_SETTINGS,
    jurisdiction: str = "CN",
) -> Iterator[Counter]:
    """A counter over an ``ipgauge export`` folder as known on ``known_at``: the law computed by ``backend`` itself.

    No register, no stored spells: the law's stages (:mod:`ipgauge.law.stages`) run on the backend over
    the export's Parquet files, once, and every query reads their cached result. The small tables
    (populations, centres, the delivery log) are read by DuckDB from the same files.
    """
    con = store.open_export(folder)
    ib = connect(backend)
    try:
        law = spells(Sources.of_export(ib, folder), known_at, rules_for(jurisdiction))
        cached = law.cache()
        try:
            yield Counter(
                ib,
                lambda: cached,
                known_at,
                synthetic=store.is_synthetic(con),
                store_con=con,
                settings=settings,
                deliveries=store.last_delivery(con),
                jurisdiction=jurisdiction,
            )
        finally:
            cached.release()
    finally:
        con.close()
