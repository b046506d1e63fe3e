"""Indicator expressions in Ibis: written once, compiled for whichever backend holds the spells.

Nothing here names an engine. An indicator turns the spells into *intervals* — (attributes, start,
end) during which a right counts for it — and every query is a count over intervals: a point is a
filter on one date; a series is a sweep (+1 at each start, −1 at each end, bucketed onto the period
grid and summed cumulatively), never one query per date.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ipgauge.indicators.catalogue import Indicator, Settings
from ipgauge.indicators.fields import sei_subclasses, wipo_fields
from ipgauge.regions.divisions import divisions
from ipgauge.regions.groups import Region

PERIODS = {"monthly": 12, "quarterly": 4, "yearly": 1}


def _eligible_from(t: ir.Table, ind: Indicator, settings: Settings) -> ir.DateValue:
    """The date from which a spell meets at least one of the indicator's high-value criteria (NULL: never)."""
    never = ibis.null("date")
    dates = []
    for criterion in ind.criteria:
        if criterion == "strategic_industry":
            dates.append(t.ipc_main.substr(0, 4).isin(sei_subclasses()).ifelse(t.valid_from, never))
        elif criterion == "family_abroad":
            dates.append(t.family_abroad.fill_null(False).ifelse(t.valid_from, never))
        elif criterion == "maintained_10_years":
            dates.append(t.filing_date + ibis.interval(years=settings.maintained_years) + ibis.interval(days=1))
        elif criterion == "pledged":
            dates.append(
                (t.pledge_max_cny >= settings.pledge_threshold_cny).fill_null(False).ifelse(t.pledged_from, never)
            )
        elif criterion == "awarded":
            dates.append(t.awarded_from)
    return ibis.least(*dates) if len(dates) > 1 else dates[0]


def intervals(spells: ir.Table, ind: Indicator, settings: Settings, home: str | None = "CN") -> ir.Table:
    """The spells that count for ``ind``, with ``start`` and ``end`` (exclusive) of when they count.

    For a flow (``granted``) the interval is the single grant day: start = grant, end = NULL.
    ``home`` is the register's jurisdiction: a domestic indicator counts the rights its nationals hold
    (None: every holder, for a breakdown by country).
    """
    t = spells.filter(spells.right_type == ind.right_type)
    if ind.kinds:
        t = t.filter(t.kind.isin(ind.kinds))
    if ind.domestic and home:
        t = t.filter(t.country == home)
    if ind.is_gi is not None:
        t = t.filter(t.is_gi == ind.is_gi)
    if ind.collaboration == "co_held":
        t = t.filter(t.holders.length() > 1)
    elif ind.collaboration:  # academia_industry, cross_region: flags the spells carry
        t = t.filter(t[ind.collaboration])
    if ind.measure == "granted":
        t = t.filter(t.valid_from == t.in_force_from)  # the first spell: the holder at grant
        return t.mutate(start=t.in_force_from, end=ibis.null("date"))
    if ind.measure == "pledged":  # the spell in which the first pledge was registered: the holder who pledged
        t = t.filter(t.pledged_from.notnull() & (t.valid_from <= t.pledged_from) & (t.pledged_from < t.valid_to))
        return t.mutate(start=t.pledged_from, end=ibis.null("date"))
    if ind.criteria:
        t = t.mutate(eligible=_eligible_from(t, ind, settings))
        t = t.filter(t.eligible.notnull())
        t = t.mutate(start=ibis.greatest(t.valid_from, t.eligible), end=t.valid_to)
        return t.filter(t.start < t.end).drop("eligible")
    return t.mutate(start=t.valid_from, end=t.valid_to)


def fact_intervals(facts: ir.Table, ind: Indicator, home: str | None = "CN") -> ir.Table:
    """The facts an indicator counts, each on its date: cases or amounts of its kinds, or applications'.

    An application indicator takes its fact (filed, published …) at its office, of its kinds and
    routes; a domestic one, the applications whose first applicant is of ``home``.
    """
    if ind.is_casework:
        t = facts.filter(facts.fact == ("amount" if ind.is_money else "case"))
    else:
        t = facts.filter((facts.fact == ind.fact) & (facts.jurisdiction == ind.office))
        if ind.routes:
            t = t.filter(t.route.isin(ind.routes))
        if ind.domestic and home:
            t = t.filter(t.country == home)
    if ind.kinds:
        t = t.filter(t.kind.isin(ind.kinds))
    return t.mutate(start=t.date, end=ibis.null("date"))


def tally(t: ir.Table, ind: Indicator, mask: ir.BooleanValue | None = None) -> ir.NumericScalar:
    """What ``ind`` adds up over the rows where ``mask`` holds: rights or cases, distinct clients, attendees, money."""
    if ind.tally == "clients":
        return t.client.nunique(where=mask)
    if ind.tally == "centres":
        return t.centre_id.nunique(where=mask)
    if ind.tally in ("attendees", "cny", "usd"):
        return t[ind.tally].sum(where=mask).fill_null(0)
    return t.count(where=mask)


def in_region(t: ir.Table, region: Region) -> ir.BooleanValue:
    """Whether each spell's first holder (or production area) lies in ``region`` (is of that country)."""
    if region.is_nation:
        return ibis.literal(True)
    if region.is_country:
        return t.country == region.code
    test = None
    for level, codes in region.codes_by_level().items():
        if codes:
            part = t[f"{level}_code"].isin(list(codes))
            test = part if test is None else test | part
    return test


def counts(t: ir.Table, ind: Indicator, on: date) -> ir.BooleanValue:
    """Whether each interval counts on ``on``: in force on that day, or granted (pledged) this year up to that day."""
    d = ibis.date(on)
    if ind.is_flow:
        return (t.start >= ibis.date(on.year, 1, 1)) & (t.start <= d)
    return (t.start <= d) & (t.end > d)


def breakdown_key(t: ir.Table, by: str, region: Region) -> ir.Value:
    """The column a breakdown groups by: sub-region, holder type, or WIPO technology field."""
    if by == "holder_type":
        return t.holder_type.fill_null("unknown")
    if by == "field":
        return t.field.cast("string").fill_null("unknown")
    if by == "country":
        return t.country.fill_null("unknown")
    if by == "centre":
        return t.centre_id
    if by == "jurisdiction":
        return t.jurisdiction.fill_null("unknown")
    if region.is_nation:
        return t.province_code
    if region.kind == "group":
        arms = [(t[f"{divisions()[m].level}_code"] == m, m) for m in region.members]
        return ibis.cases(*arms, else_=ibis.null("string"))
    return t.prefecture_code if region.kind == "province" else t.county_code


def with_field(t: ir.Table) -> ir.Table:
    """Attach the WIPO technology field of each spell's main IPC (main-group exceptions first)."""
    concordance = ibis.memtable(wipo_fields())
    sub = concordance.filter(concordance.main_group == "").select(f_sub="subclass", f_field="field")
    grp = concordance.filter(concordance.main_group != "").select(
        g_sub="subclass", g_group="main_group", g_field="field"
    )
    t = t.mutate(_sub=t.ipc_main.substr(0, 4), _group=t.ipc_main.re_extract(r"^[A-H][0-9]{2}[A-Z] ?([0-9]+)/", 1))
    t = t.left_join(sub, t._sub == sub.f_sub).left_join(grp, [t._sub == grp.g_sub, t._group == grp.g_group])
    return t.mutate(field=ibis.coalesce(t.g_field, t.f_field)).drop(
        "_sub", "_group", "f_sub", "f_field", "g_sub", "g_group", "g_field"
    )


def period_key(col: ir.DateValue, period: str) -> ir.IntegerValue:
    """An integer per period (month, quarter or year) that orders periods: the sweep's bucket."""
    if period == "monthly":
        return col.year() * 12 + col.month() - 1
    if period == "quarterly":
        return col.year() * 4 + (col.month() - 1) // 3
    return col.year()


def _keys(first: int, last: int) -> ir.Table:
    """The period keys first … last as a table (from Arrow: a dict would go through pandas)."""
    return ibis.memtable(pa.table({"key": pa.array(range(first, last + 1), pa.int64())}))


def sweep(t: ir.Table, ind: Indicator, period: str, first: int, last: int, by: list[str]) -> ir.Table:
    """Counts at the end of each period key in [first, last], per ``by`` group, as one cumulative sum.

    Starts add one in their period, ends subtract one in theirs (a spell ending within a period is
    not in force at its end); everything before ``first`` is folded into ``first``. A flow counts
    its grants within each calendar year up to the period end instead.
    """
    per_year = PERIODS[period]
    starts = t.select(*by, key=period_key(t.start, period), delta=ibis.literal(1))
    if ind.is_flow:
        starts = starts.filter(starts.key >= (first // per_year) * per_year)
        deltas = starts
    else:
        ends = t.filter(t.end.notnull()).select(*by, key=period_key(t.end, period), delta=ibis.literal(-1))
        deltas = starts.union(ends, distinct=False)
    deltas = deltas.filter(deltas.key <= last)
    deltas = deltas.mutate(key=ibis.greatest(deltas.key, first))
    summed = deltas.group_by([*by, "key"]).aggregate(delta=deltas.delta.sum())
    grid = _keys(first, last)
    groups = summed.select(*by).distinct() if by else None
    frame = groups.cross_join(grid) if groups is not None else grid
    joined = frame.left_join(summed, [*(frame[c] == summed[c] for c in by), frame.key == summed.key])
    joined = joined.select(*(frame[c] for c in by), key=frame.key, delta=summed.delta.fill_null(0))
    part = [*by] + ([joined.key // per_year] if ind.is_flow else [])
    window = ibis.cumulative_window(group_by=part or None, order_by=joined.key)
    return joined.mutate(value=joined.delta.sum().over(window)).drop("delta")


def flow_sweep(t: ir.Table, ind: Indicator, period: str, first: int, last: int, by: list[str]) -> ir.Table:
    """Year-to-date tallies at the end of each period key in [first, last], per ``by`` group, in one query.

    For facts that do not add up period by period (distinct clients, distinct centres), each period
    end takes the facts of its year up to that period: a join with the small period grid, not a loop.
    """
    per_year = PERIODS[period]
    t = t.mutate(_key=period_key(t.start, period))
    t = t.filter((t._key >= (first // per_year) * per_year) & (t._key <= last))
    grid = _keys(first, last)
    j = t.cross_join(grid)
    j = j.filter((j._key <= j.key) & (j._key >= (j.key // per_year) * per_year))
    return j.group_by([*by, "key"]).aggregate(value=tally(j, ind))


def key_to_date(key: int, period: str) -> date:
    """The last day of the period a key stands for."""
    if period == "monthly":
        year, month = divmod(key, 12)
        month += 1
    elif period == "quarterly":
        year, q = divmod(key, 4)
        month = q * 3 + 3
    else:
        year, month = key, 12
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def date_to_key(d: date, period: str) -> int:
    """The key of the period containing ``d``."""
    return {"monthly": d.year * 12 + d.month - 1, "quarterly": d.year * 4 + (d.month - 1) // 3, "yearly": d.year}[
        period
    ]
