"""The law as it was written per knowledge date, kept only as a test oracle (tests/test_bitemporal.py).

Before the law took K as data (:mod:`ipgauge.law.stages`), it was these Ibis stages, one K at a
time, and the stored spells were a separate SQL statement tested against them. The one law now
serves both; these stages stay, unchanged, so that every K it answers can still be checked right by
right against an independent reading of the same rules, on DuckDB and on Spark.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from ipgauge.engines import arrow_table, connect, written_join_order
from ipgauge.law.cn import CN
from ipgauge.law.ruleset import DEFAULT_POLICY, Policy, RuleSet
from ipgauge.law.spells import SPELL_TYPES, register_hierarchy
from ipgauge.regions.divisions import hierarchy
from ipgauge.register import store
from ipgauge.sqltext import engine_path

OPEN = ibis.date(store.OPEN)  # the open end, as an Ibis literal
BEGINNING = ibis.date(1, 1, 1)
#: The register tables the law reads, each with every version and its bitemporal columns.
TABLES = ("patents", "trademarks", "gi_products", "events", "parties", "families")
_IBIS_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "float64",
    "VARCHAR[]": "array<string>",
}


@dataclass(frozen=True)
class Sources:
    """The register's tables (every version) and the division hierarchy, on one Ibis backend."""

    backend: ibis.BaseBackend
    patents: ir.Table
    trademarks: ir.Table
    gi_products: ir.Table
    events: ir.Table
    parties: ir.Table
    families: ir.Table
    hierarchy: ir.Table

    @classmethod
    def of_store(cls, con: duckdb.DuckDBPyConnection) -> Sources:
        """The register's own tables, over a cursor of its connection, the hierarchy as ``_hierarchy``.

        The name is the one :func:`spell_sql` registers on the register's connection, so that the
        compiled statement runs there too.
        """
        ib = connect("duckdb", store=con)
        written_join_order(ib)
        return cls(ib, *(ib.table(t) for t in TABLES), arrow_table(ib, "_hierarchy", pa.table(hierarchy())))

    @classmethod
    def of_export(cls, ib: ibis.BaseBackend, folder: Path) -> Sources:
        """The tables of an ``ipgauge export`` folder (every version) on ``ib``; :func:`store.open_export` checks it."""
        tables = [
            ib.read_parquet(
                engine_path(ib.name, store.history_file(folder, t)), table_name=f"{t}_{uuid.uuid4().hex[:8]}"
            )
            for t in TABLES
        ]
        written_join_order(ib)
        return cls(ib, *tables, arrow_table(ib, f"hierarchy_{uuid.uuid4().hex[:8]}", pa.table(hierarchy())))


def known(t: ir.Table, k: date, upto: int | None = None) -> ir.Table:
    """The versions of ``t``'s records the register held on ``k`` (of its first ``upto`` deliveries).

    The Ibis twin of :func:`ipgauge.register.store.known_at`, with the same two inequalities.
    """
    held = (t.known_from <= k) & (k < t.known_to.fill_null(OPEN))
    if upto is not None:  # a later delivery's rows are unseen, and its closing of a row undone
        held = (t.known_from <= k) & (t.delivery_id <= upto) & ((k < t.known_to.fill_null(OPEN)) | (t.closed_by > upto))
    return t.filter(held)


def law_events(src: Sources, k: date, upto: int | None, only: tuple[str, str] | None) -> ir.Table:
    """The events known on ``k``: recorded (or, without a record date, effective) by then."""
    ev = known(src.events, k, upto)
    ev = ev.filter(ev.recorded_date.fill_null(ev.effective_date) <= k)
    if only:
        ev = ev.filter((ev.right_type == only[0]) & (ev.right_id == only[1]))
    return ev.select("right_type", "right_id", "event", "effective_date", "value")


def per_right(ev: ir.Table, rules: RuleSet) -> ir.Table:
    """Per right: the first ending not undone, whether voided, days of extension, renewal, first pledge and award.

    A restoration undoes the restorable event immediately before it (on the same day, the restoration
    sorts last); an undone event neither ends nor voids.
    """
    restore = rules.restore_event
    seq = ev.filter(ev.event.isin(rules.restorable_events) | (ev.event == restore))
    following = seq.event.lead().over(
        group_by=[seq.right_type, seq.right_id], order_by=[seq.effective_date, seq.event == restore]
    )
    seq = seq.mutate(next_event=following)
    undone = seq.filter((seq.event != restore) & (seq.next_event == restore)).select(
        u_type="right_type", u_id="right_id", u_event="event", u_date="effective_date"
    )
    e = ev.left_join(
        undone,
        [
            ev.right_type == undone.u_type,
            ev.right_id == undone.u_id,
            ev.event == undone.u_event,
            ev.effective_date == undone.u_date,
        ],
    )
    stands = e.u_event.isnull()
    words = e.value.split(" ")
    pledge = e.event == rules.pledge_event
    currency = _item(words, 1)
    return e.group_by("right_type", "right_id").aggregate(
        ended=e.effective_date.min(where=e.event.isin(rules.ending_events) & stands),
        void=(e.event.isin(rules.retroactive_events) & stands).any().fill_null(False),
        extension_days=e.value.try_cast("int32").sum(where=e.event == rules.extension_event),
        renewed_to=e.value.try_cast("date").max(where=e.event == rules.renewal_event),
        pledge_max_cny=words[0].try_cast("float64").max(where=pledge & (currency == "CNY")),
        pledged_from=e.effective_date.min(where=pledge),
        awarded_from=e.effective_date.min(where=e.event == rules.award_event),
        declared=e.event.isin([rules.declaration_event, rules.renewal_event]).any(),
    )


def _item(values: ir.ArrayValue, i: int) -> ir.Value:
    """Element ``i`` of a list, NULL past its end (Spark's ANSI mode would fail the query instead)."""
    return ibis.ifelse(values.length() > i, values[i], ibis.null(values.type().value_type))


def _holders(src: Sources, k: date, upto: int | None) -> ir.Table:
    p = known(src.parties, k, upto)
    return p.select(party_id="party_id", h_type="party_type", h_country="country", h_region="resolved_region_code")


def _day(d: ir.DateValue) -> ir.DateValue:
    """Date arithmetic's result as a date.

    DuckDB makes ``date + interval`` a timestamp, while Ibis, deeming it a date already, drops a plain cast.
    """
    return d.cast("timestamp").cast("date")


def _years(d: ir.DateValue, years: int) -> ir.DateValue:
    return _day(d + ibis.interval(years=years))


def patent_end(p: ir.Table, rules: RuleSet) -> ir.DateValue:
    """The first day a patent is out of force by its term alone (before extensions), by ``rules``' terms."""
    counted = {"filing": p.filing_date, "grant": p.grant_date, "term_from": p.term_from.fill_null(p.filing_date)}
    arms = []
    for t in rules.patent_terms:
        applies = p.kind == t.kind
        if t.filed_from:
            applies &= p.filing_date >= t.filed_from
        arms.append((applies, _years(counted[t.counted_from], t.years)))
    end = ibis.cases(*arms)
    if rules.transition:
        since, years = rules.transition
        end = ibis.ifelse(
            (p.kind != "design") & (p.filing_date < since), ibis.greatest(end, _years(p.grant_date, years)), end
        )
    return _day(end + ibis.interval(days=1)) if rules.anniversary_in_force else end


#: The columns of :func:`base` and their types: a right type without a value for one has NULL there.
BASE_TYPES = {
    "right_type": "string",
    "right_id": "string",
    "kind": "string",
    "is_gi": "boolean",
    "filing_date": "date",
    "ipc_main": "string",
    "family_abroad": "boolean",
    "pledge_max_cny": "float64",
    "pledged_from": "date",
    "awarded_from": "date",
    "holder": "string",
    "holders": "array<string>",
    "h_type": "string",
    "h_country": "string",
    "h_region": "string",
    "start": "date",
    "stop": "date",
    "void": "boolean",
}


def _row(t: ir.Table, **given: ir.Value) -> ir.Table:
    """``t`` in :data:`BASE_TYPES`' columns: those ``given``, NULL for the rest."""
    return t.select(**{c: given.get(c, ibis.null(kind)) for c, kind in BASE_TYPES.items()})


def base(
    src: Sources, k: date, rules: RuleSet, policy: Policy, agg: ir.Table, upto: int | None, only: tuple[str, str] | None
) -> ir.Table:
    """One row per right granted (registered, approved) by ``k``: its start, its stop, its first holder and facts.

    A right type each (:func:`_patents`, :func:`_trademarks`, :func:`_gi_products`), in :data:`BASE_TYPES`'
    columns, so they stack into one table.
    """
    holders = _holders(src, k, upto)
    parts = [
        _patents(src, k, rules, agg, holders, upto, only),
        _trademarks(src, k, rules, policy, agg, holders, upto, only),
    ]
    if rules.geographical_indications:
        parts.append(_gi_products(src, k, rules, agg, upto, only))
    return ibis.union(*parts, distinct=False)


def _one(t: ir.Table, right_type: str, key: str, only: tuple[str, str] | None) -> ir.Table:
    """``t`` narrowed to the one right asked for (``ipgauge status``): none of it when that right is of another type."""
    if not only:
        return t
    return t.filter(t[key] == only[1]) if only[0] == right_type else t.filter(ibis.literal(False))


def _patents(
    src: Sources,
    k: date,
    rules: RuleSet,
    agg: ir.Table,
    holders: ir.Table,
    upto: int | None,
    only: tuple[str, str] | None,
) -> ir.Table:
    """The patents granted by ``k``: in force from the grant to the term's end (extended), unless ended earlier."""
    p = known(src.patents, k, upto)
    p = p.filter((p.jurisdiction == rules.jurisdiction) & p.grant_date.notnull() & (p.grant_date <= k))
    p = _one(p, "patent", "patent_id", only)
    fam = known(src.families, k, upto)
    abroad = fam.filter(fam.jurisdiction != rules.jurisdiction).select(abroad_family="family_id").distinct()
    # a patent without a family_id is in every family whose row names its document (docs/register.md)
    links = fam.filter(fam.jurisdiction == rules.jurisdiction).select(l_doc="document_number", l_family="family_id")
    linked = links.join(abroad, links.l_family == abroad.abroad_family).select(la_doc="l_doc").distinct()
    pa = p.left_join(agg.filter(agg.right_type == "patent"), p.patent_id == agg.right_id)
    pa = pa.left_join(abroad, pa.family_id == abroad.abroad_family)
    pa = pa.left_join(linked, pa.family_id.isnull() & (pa.patent_id == linked.la_doc))
    pa = pa.mutate(holder=_item(pa.holders, 0))
    pa = pa.left_join(holders, pa.holder == holders.party_id)
    extension = pa.extension_days.fill_null(0).cast("int32").as_interval("D")
    return _row(
        pa,
        right_type=ibis.literal("patent"),
        right_id=pa.patent_id,
        kind=pa.kind,
        filing_date=pa.filing_date,
        ipc_main=_item(pa.ipc, 0),
        family_abroad=pa.abroad_family.notnull() | pa.la_doc.notnull(),
        pledge_max_cny=pa.pledge_max_cny,
        pledged_from=pa.pledged_from,
        awarded_from=pa.awarded_from,
        holder=pa.holder,
        holders=ibis.ifelse(pa.holders.length() > 1, pa.holders, ibis.null("array<string>")),
        h_type=pa.h_type,
        h_country=pa.h_country,
        h_region=pa.h_region,
        start=pa.grant_date,
        stop=ibis.least(_day(patent_end(pa, rules) + extension), pa.ended.fill_null(OPEN)),
        void=pa.void.fill_null(False),
    )


def _trademarks(
    src: Sources,
    k: date,
    rules: RuleSet,
    policy: Policy,
    agg: ir.Table,
    holders: ir.Table,
    upto: int | None,
    only: tuple[str, str] | None,
) -> ir.Table:
    """The trademarks registered by ``k``: in force to the term's or last renewal's end (plus grace, if counted)."""
    t = known(src.trademarks, k, upto)
    t = t.filter((t.jurisdiction == rules.jurisdiction) & (t.registration_date <= k))
    t = _one(t, "trademark", "trademark_id", only)
    ta = t.left_join(agg.filter(agg.right_type == "trademark"), t.trademark_id == agg.right_id)
    ta = ta.mutate(holder=_item(ta.holders, 0))
    ta = ta.left_join(holders, ta.holder == holders.party_id)
    grace = rules.trademark_grace_months if policy.grace_in_force else 0
    reg = ta.registration_date
    first = _years(reg, rules.trademark_term_years)
    if rules.trademark_transition:  # US: a registration before 1989-11-16 ran 20 years
        first = ibis.ifelse(reg < rules.trademark_transition[0], _years(reg, rules.trademark_transition[1]), first)
    term = ibis.greatest(first, ta.renewed_to.fill_null(BEGINNING))
    stop = ibis.least(_day(term + ibis.interval(months=grace)), ta.ended.fill_null(OPEN))
    if rules.trademark_declaration:  # US §8: no declaration of use known, the mark ends when its grace ends
        since, years = rules.trademark_declaration
        due = _day(_years(reg, years) + ibis.interval(months=rules.trademark_grace_months))
        stop = ibis.ifelse((reg >= since) & ~ta.declared.fill_null(False), ibis.least(stop, due), stop)
    return _row(
        ta,
        right_type=ibis.literal("trademark"),
        right_id=ta.trademark_id,
        kind=ta.kind,
        is_gi=ta.is_gi,
        filing_date=ta.filing_date,
        holder=ta.holder,
        h_type=ta.h_type,
        h_country=ta.h_country,
        h_region=ta.h_region,
        start=ta.registration_date,
        stop=stop,
        void=ta.void.fill_null(False),
    )


def _gi_products(
    src: Sources, k: date, rules: RuleSet, agg: ir.Table, upto: int | None, only: tuple[str, str] | None
) -> ir.Table:
    """The geographical indication products approved by ``k``: no holder, their region the first named."""
    g = known(src.gi_products, k, upto)
    g = _one(g.filter(g.approval_date <= k), "gi_product", "gi_id", only)
    ga = g.left_join(agg.filter(agg.right_type == "gi_product"), g.gi_id == agg.right_id)
    return _row(
        ga,
        right_type=ibis.literal("gi_product"),
        right_id=ga.gi_id,
        kind=ga.category,
        h_country=ibis.literal(rules.jurisdiction),
        h_region=_item(ga.region_codes, 0),
        start=ga.approval_date,
        stop=ga.ended.fill_null(OPEN),
        void=ga.void.fill_null(False),
    )


def timeline(ev: ir.Table, holders: ir.Table, rules: RuleSet) -> ir.Table:
    """The holder periods of every transferred right: [h_from, h_to) per holder, from the beginning.

    The period before the first transfer has a NULL holder: it stands for the right's own first
    holder. A patent passing to several holders keeps them all (what the collaboration counts).
    """
    moved = ev.filter(ev.event == rules.transfer_event)
    names = moved.value.split(";")
    several = names.map(lambda x: x.strip()).filter(lambda x: x != "")
    moves = moved.select(
        "right_type",
        "right_id",
        h_from=moved.effective_date,
        holder=_item(names, 0).strip(),
        holders=ibis.ifelse(
            (moved.right_type == "patent") & moved.value.contains(";"), several, ibis.null("array<string>")
        ),
    )
    first = moved.select("right_type", "right_id").distinct()
    first = first.mutate(h_from=BEGINNING, holder=ibis.null("string"), holders=ibis.null("array<string>"))
    m = moves.union(first, distinct=False)
    m = m.left_join(holders, m.holder == holders.party_id).drop("party_id")
    h_to = m.h_from.lead(1, OPEN).over(group_by=[m.right_type, m.right_id], order_by=m.h_from)
    return m.mutate(h_to=h_to)


def pieces(b: ir.Table, tl: ir.Table) -> ir.Table:
    """``b`` cut by the holder timeline: a right without transfers matches no period and stays whole."""
    tl = tl.rename(lambda c: f"tl_{c}")
    b = b.filter(~b.void)
    j = b.left_join(tl, [b.right_type == tl.tl_right_type, b.right_id == tl.tl_right_id])
    own = j.tl_holder.isnull()

    def pick(column: str, moved: str) -> ir.Value:
        return ibis.ifelse(own, j[column], j[moved])

    return j.select(
        "right_type",
        "right_id",
        "kind",
        "is_gi",
        "filing_date",
        "ipc_main",
        "family_abroad",
        "pledge_max_cny",
        "pledged_from",
        "awarded_from",
        holder=pick("holder", "tl_holder"),
        holders=pick("holders", "tl_holders"),
        holder_type=pick("h_type", "tl_h_type"),
        country=pick("h_country", "tl_h_country"),
        region_code=pick("h_region", "tl_h_region"),
        in_force_from=j.start,
        valid_from=ibis.greatest(j.start, j.tl_h_from.fill_null(j.start)),
        valid_to=ibis.least(j.stop, j.tl_h_to.fill_null(OPEN)),
    )


def co_holders(lists: ir.Table, holders: ir.Table, hier: ir.Table) -> ir.Table:
    """For each distinct list of co-holders: every holder's type, and province (country abroad), in order."""
    u = lists.filter(lists.holders.length() > 1).distinct()
    u = u.mutate(party=u.holders).unnest("party", offset="i")
    u = u.left_join(holders, u.party == holders.party_id)
    u = u.left_join(hier, u.h_region == hier.code)
    where = ibis.coalesce(u.province_code, u.h_country)
    g = u.group_by("holders").aggregate(
        types=ibis.struct({"i": u.i, "v": u.h_type}).collect(),
        regions=ibis.struct({"i": u.i, "v": where}).collect(),
    )
    # sorted by position: a plain ordered collect is not on every engine (nor is one that keeps NULLs)
    return g.select(
        co_holders="holders",
        holder_types=g.types.sort().map(lambda s: s.v),
        holder_regions=g.regions.sort().map(lambda s: s.v),
    )


def spells(
    src: Sources,
    k: date,
    rules: RuleSet = CN,
    policy: Policy = DEFAULT_POLICY,
    only: tuple[str, str] | None = None,
    upto: int | None = None,
) -> ir.Table:
    """The spells as known on ``k`` (of one (right_type, right_id) when ``only``; of the first ``upto`` deliveries)."""
    ev = law_events(src, k, upto, only)
    holders = _holders(src, k, upto)
    b = base(src, k, rules, policy, per_right(ev, rules), upto, only)
    tl = timeline(ev, holders, rules)
    s = pieces(b, tl)
    s = s.filter(s.valid_from < s.valid_to)  # also ends pieces' join, so that its columns can be joined on
    p = known(src.patents, k, upto)
    p = p.filter(p.jurisdiction == rules.jurisdiction)
    if only:
        p = p.filter((p.patent_id == only[1]) & (only[0] == "patent"))
    lists = p.select("holders").union(tl.select("holders").filter(tl.holders.notnull()), distinct=False)
    co = co_holders(lists, holders, src.hierarchy)
    h = src.hierarchy
    s = s.left_join(h, s.region_code == h.code).select(s, h.province_code, h.prefecture_code, h.county_code)
    s = s.left_join(co, (s.right_type == "patent") & (s.holders == co.co_holders))
    types = s.holder_types
    academia = types.contains("university") | types.contains("research_institute")
    regions = s.holder_regions.filter(lambda x: x.notnull()).unique()
    s = s.mutate(
        party_id=s.holder,
        holders=s.co_holders,
        academia_industry=(types.contains("enterprise") & academia).fill_null(False),
        cross_region=(regions.length() > 1).fill_null(False),
    )
    return s.select(*(s[c].cast(_IBIS_TYPES[t]).name(c) for c, t in SPELL_TYPES))


def spell_sql(
    con: duckdb.DuckDBPyConnection,
    k: date,
    rules: RuleSet = CN,
    policy: Policy = DEFAULT_POLICY,
    only: tuple[str, str] | None = None,
    upto: int | None = None,
) -> str:
    """The spells as known on ``k`` compiled for the register's own DuckDB connection ``con``.

    ``con`` is made to see the hierarchy, to accept Ibis's list lambdas (``x -> …``, which DuckDB 2
    deprecates) and to join in the written order (:func:`ipgauge.engines.written_join_order`).
    """
    register_hierarchy(con)
    con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    src = Sources.of_store(con)
    return str(src.backend.compile(spells(src, k, rules, policy, only, upto)))
