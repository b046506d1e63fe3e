"""The law, written once: Ibis stages that carry the knowledge date as data, on DuckDB or Spark alike.

"In force on D as known on K" changes with K only where something about a right becomes known or
stops being known: a version of its record, an event the law reads, a version of one of its holders
or of its family abroad. Every stage therefore carries a knowledge point ``k`` as a column, and a
right's rows for each of its points, with no loop over rights or dates:

1. :func:`_versions` — each right's record per knowledge interval ``[k, k_to)`` (for every K, cut at
   every point where its knowledge changes; for one K, the version held on K with ``k`` = K), and
   the events known at each point;
2. :func:`_per_right` — those events aggregated per right and point, a restoration pairing with the
   ending it undoes;
3. :func:`_base` — per right and point: start, stop, the first holder, the patent facts;
4. :func:`_timeline` — the holder periods, split at each transfer;
5. :func:`_pieces` — base cut by the timeline: one spell per holder period;
6. :func:`_co_holders` — every co-holder's type and province, for the collaboration indicators.

:func:`bitemporal` is the answer for every K (the stored spells table, :mod:`ipgauge.law.bitemporal`,
per delivery); :func:`spells` is the answer on one K: the same stages over a one-point knowledge
table. Everything a jurisdiction decides comes from its :class:`~ipgauge.law.ruleset.RuleSet`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import duckdb
import ibis
import ibis.expr.types as ir

from ipgauge.law.cn import CN
from ipgauge.law.ruleset import DEFAULT_POLICY, Policy, RuleSet
from ipgauge.law.sources import (
    BEGINNING,
    OPEN,
    Sources,
    as_date,
    as_left,
    item,
    known,
    patent_end,
    store_shape,
    trademark_term,
)
from ipgauge.law.spells import DIVISION_COLUMNS as DIVISIONS
from ipgauge.law.spells import NEEDED, RIGHTS, SPELL_TYPES, register_hierarchy, right_types

_IBIS_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "float64",
    "VARCHAR[]": "array<string>",
}
#: The stored table's columns beyond the spells' own (the division columns are joined when read).
KNOWLEDGE_TYPES = (("jurisdiction", "string"), ("grace_from", "date"), ("known_from", "date"), ("known_to", "date"))


@dataclass(frozen=True)
class Question:
    """What to compute: one right type under one rule set, for every K or one, of the first ``upto`` deliveries.

    ``rights`` (a relation of right_type, right_id) or ``only`` (one right id) narrows it to some
    rights; ``moves`` says whether any party, any family member ever has more than one version (when
    not, their knowledge points are left out: there is nothing to find).
    """

    rules: RuleSet
    right_type: str
    at: date | None = None
    upto: int | None = None
    rights: ir.Table | None = None
    only: str | None = None
    moves: tuple[bool, bool] = (True, True)


def _mine(q: Question, t: ir.Table, key: str) -> ir.Table:
    """``t`` narrowed to the rights asked about."""
    if q.only is not None:
        t = t.filter(t[key] == q.only)
    if q.rights is not None:  # a filter, not a join: the stages join what it narrows to itself
        r = q.rights.filter(q.rights.right_type == q.right_type)
        t = t.filter(t[key].isin(r.right_id))
    return t


def _own(src: Sources, q: Question) -> ir.Table:
    """Each version of each right that has started, with the interval it is known over (from its start on)."""
    name, key, start = RIGHTS[q.right_type]
    x = as_left(src.table(name), q.upto)
    started = x[start].notnull()
    if q.right_type != "gi_product":  # GI products are the register's, whatever the jurisdiction
        started &= x.jurisdiction == q.rules.jurisdiction
    x = _mine(q, x.filter(started), key)
    return x.select(
        *NEEDED[q.right_type], right_id=x[key], kf=ibis.greatest(x.known_from, x[start]), kt=x.known_to.fill_null(OPEN)
    )


def _law_events(src: Sources, q: Question) -> ir.Table:
    """The events the law reads, each with the interval it is known over (from when it was recorded)."""
    e = as_left(src.events, q.upto)
    e = _mine(q, e.filter((e.right_type == q.right_type) & e.event.isin(q.rules.law_events())), "right_id")
    return e.select(
        "right_id",
        "event",
        "effective_date",
        "value",
        kf=ibis.greatest(e.known_from, e.recorded_date.fill_null(e.effective_date)),
        kt=e.known_to.fill_null(OPEN),
    )


def _parties(src: Sources, q: Question) -> ir.Table:
    """The parties' versions (as of K when one K is asked): a holder's type, country and region."""
    p = as_left(src.parties, q.upto)
    if q.at is not None:
        p = known(p, q.at)
    return p.select(
        h_id="party_id",
        h_type="party_type",
        h_country="country",
        h_region="resolved_region_code",
        h_known_from="known_from",
        h_known_to=p.known_to.fill_null(OPEN),
    )


def _with_holder(q: Question, t: ir.Table, party: str, holders: ir.Table) -> ir.Table:
    """``t`` with the type, country and region of the party in its column ``party`` as known at its ``k``."""
    on = [t[party] == holders.h_id]
    if q.at is None and q.moves[0]:
        on += [holders.h_known_from <= t.k, t.k < holders.h_known_to]
    j = t.left_join(holders, on)
    return j.drop("h_id", "h_known_from", "h_known_to")


def _points(src: Sources, q: Question, own: ir.Table, ev: ir.Table) -> ir.Table:
    """Where a right's knowledge changes other than by its own versions: its events, holders, family abroad."""
    parts = [ev.select("right_id", d=ev.kf), ev.select("right_id", d=ev.kt)]
    if q.right_type != "gi_product" and q.moves[0]:
        hp = _named(q, own, ev)
        c = as_left(src.parties, q.upto)
        c = c.filter((c.known_from > BEGINNING) | c.known_to.notnull()).select("party_id", "known_from", "known_to")
        j = hp.join(c, hp.party_id == c.party_id)
        parts += [j.select("right_id", d=j.known_from), j.select("right_id", d=j.known_to)]
    if q.right_type == "patent" and q.moves[1]:
        f = _families(src, q)
        f = f.filter((f.f_known_from > BEGINNING) | (f.f_known_to < OPEN))
        j = own.filter(own.family_id.notnull()).join(f, own.family_id == f.f_id)
        parts += [j.select("right_id", d=j.f_known_from), j.select("right_id", d=j.f_known_to)]
        links = _links(src, q)
        link = links.semi_join(own, links.l_doc == own.right_id)
        moving = link.filter((link.l_from > BEGINNING) | (link.l_to < OPEN))
        parts += [moving.select(right_id="l_doc", d="l_from"), moving.select(right_id="l_doc", d="l_to")]
        jl = link.join(f, link.l_family == f.f_id)
        parts += [jl.select(right_id="l_doc", d="f_known_from"), jl.select(right_id="l_doc", d="f_known_to")]
    return ibis.union(*parts, distinct=False)


def _named(q: Question, own: ir.Table, ev: ir.Table) -> ir.Table:
    """Each (right_id, party_id) a right's record or one of its transfers names as a holder."""
    held = own.select("right_id", party_id=own.holders).unnest("party_id")
    moved = ev.filter(ev.event == q.rules.transfer_event)
    moved = moved.select("right_id", party_id=moved.value.split(";")).unnest("party_id")
    return held.union(moved.mutate(party_id=moved.party_id.strip()), distinct=False)


def _links(src: Sources, q: Question) -> ir.Table:
    """Family rows naming one of the jurisdiction's own documents: a patent without a ``family_id`` is in that family.

    A national office's data (CNIPA's) carries no family; a family table (DOCDB's) lists every member
    by its document number, this patent among them.
    """
    f = as_left(src.families, q.upto)
    f = f.filter(f.jurisdiction == q.rules.jurisdiction)
    if q.at is not None:
        f = known(f, q.at)
    return f.select(l_doc="document_number", l_family="family_id", l_from="known_from",
                    l_to=f.known_to.fill_null(OPEN))  # fmt: skip


def _families(src: Sources, q: Question) -> ir.Table:
    """The family members abroad (outside the rule set's jurisdiction), with the interval each is known over."""
    f = as_left(src.families, q.upto)
    f = f.filter(f.jurisdiction != q.rules.jurisdiction)
    if q.at is not None:
        f = known(f, q.at)
    return f.select(f_id="family_id", f_known_from="known_from", f_known_to=f.known_to.fill_null(OPEN))


def _versions(src: Sources, q: Question) -> tuple[ir.Table, ir.Table]:
    """Each right's record per knowledge interval [k, k_to), and the events known at each k.

    For every K: a right whose knowledge changes only with its own record has one interval per
    version of it (most rights, kept cheap); the others are cut at every point. For one K: the
    version held on K, ``k`` = K.
    """
    own, ev = _own(src, q), _law_events(src, q)
    if q.at is not None:
        at = ibis.literal(q.at)
        p = own.filter((own.kf <= at) & (at < own.kt)).mutate(k=at, k_to=OPEN)
        e = ev.filter((ev.kf <= at) & (at < ev.kt)).mutate(k=at)
        return p, e.select("right_id", "k", "event", "effective_date", "value")
    points = _points(src, q, own, ev)
    moving = points.select("right_id").distinct()
    mine = own.semi_join(moving, "right_id")
    d = ibis.union(points, mine.select("right_id", d=mine.kf), mine.select("right_id", d=mine.kt), distinct=False)
    d = d.filter(d.d < OPEN).select("right_id", k="d").distinct()
    v = d.mutate(k_to=d.k.lead(1, OPEN).over(group_by="right_id", order_by="k")).rename(v_id="right_id")
    v = v.view()  # own and v share their lineage: a self-join needs two names
    j = own.left_join(v, [own.right_id == v.v_id, own.kf <= v.k, v.k < own.kt])
    p = j.filter(j.kf < j.kt).mutate(k=j.k.fill_null(j.kf), k_to=j.k_to.fill_null(j.kt)).drop("v_id")
    ev = ev.view()
    e = v.join(ev, [v.v_id == ev.right_id, ev.kf <= v.k, v.k < ev.kt])
    return p, e.select("right_id", "k", "event", "effective_date", "value")


def _per_right(e: ir.Table, rules: RuleSet) -> ir.Table:
    """Per right and point: the first ending not undone, voided or not, extension days, renewal, pledge, award.

    A restoration undoes the restorable event immediately before it (on the same day, the restoration
    sorts last); an undone event neither ends nor voids.
    """
    restore = rules.restore_event
    seq = e.filter(e.event.isin(rules.restorable_events) | (e.event == restore))
    following = seq.event.lead().over(group_by=["right_id", "k"], order_by=[seq.effective_date, seq.event == restore])
    seq = seq.mutate(next_event=following)
    undone = seq.filter((seq.event != restore) & (seq.next_event == restore)).select(
        u_id="right_id", u_k="k", u_event="event", u_date="effective_date"
    )
    undone = undone.view()
    j = e.left_join(
        undone,
        [e.right_id == undone.u_id, e.k == undone.u_k, e.event == undone.u_event, e.effective_date == undone.u_date],
    )
    stands = j.u_event.isnull()
    words = j.value.split(" ")
    pledge = j.event == rules.pledge_event
    return j.group_by(a_id=j.right_id, a_k=j.k).aggregate(
        ended=j.effective_date.min(where=j.event.isin(rules.ending_events) & stands),
        void=(j.event.isin(rules.retroactive_events) & stands).any(),
        extension_days=j.value.try_cast("int32").sum(where=j.event == rules.extension_event),
        renewed_to=j.value.try_cast("date").max(where=j.event == rules.renewal_event),
        pledge_max_cny=item(words, 0).try_cast("float64").max(where=pledge & (item(words, 1) == "CNY")),
        pledged_from=j.effective_date.min(where=pledge),
        awarded_from=j.effective_date.min(where=j.event == rules.award_event),
        declared=j.event.isin([rules.declaration_event, rules.renewal_event]).any(),
    )


#: The columns of :func:`_base` and their types: a right type without a value for one has NULL there.
BASE_TYPES = {
    "right_id": "string",
    "k": "date",
    "k_to": "date",
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
    "grace_from": "date",
    "void": "boolean",
}


def _row(t: ir.Table, **given: ir.Value) -> ir.Table:
    """``t`` in :data:`BASE_TYPES`' columns: those ``given``, ``t``'s own key and interval, NULL for the rest."""
    given = {"right_id": t.right_id, "k": t.k, "k_to": t.k_to, **given}
    return t.select(**{c: given.get(c, ibis.null(kind)).cast(kind) for c, kind in BASE_TYPES.items()})


def _base(src: Sources, q: Question, p: ir.Table, agg: ir.Table, holders: ir.Table) -> ir.Table:
    """Per right and point: from its start (grant, registration, approval) to its stop, its first holder and facts.

    A trademark's stop counts the grace period; ``grace_from`` (the term's end) lets a reader drop it.
    """
    rules = q.rules
    agg = agg.view()
    pa = p.left_join(agg, [p.right_id == agg.a_id, p.k == agg.a_k]).drop("a_id", "a_k")
    if q.right_type == "gi_product":
        return _row(
            pa, kind=pa.category, h_country=ibis.literal(rules.jurisdiction), h_region=item(pa.region_codes, 0),
            start=pa.approval_date, stop=pa.ended.fill_null(OPEN), void=pa.void.fill_null(False),
        )  # fmt: skip
    pa = _with_holder(q, pa.mutate(holder=item(pa.holders, 0)), "holder", holders)
    if q.right_type == "trademark":
        term, stop = trademark_term(pa, rules)
        return _row(
            pa, kind=pa.kind, is_gi=pa.is_gi, filing_date=pa.filing_date, holder=pa.holder, h_type=pa.h_type,
            h_country=pa.h_country, h_region=pa.h_region, start=pa.registration_date, stop=stop, grace_from=term,
            void=pa.void.fill_null(False),
        )  # fmt: skip
    f, link = _families(src, q), _links(src, q)
    sweep = q.at is None  # every K: a member or a link counts over the interval it is known
    named = p.filter(p.family_id.notnull()).select("right_id", "k", fam="family_id")
    bare = p.filter(p.family_id.isnull())
    on = [bare.right_id == link.l_doc] + ([link.l_from <= bare.k, bare.k < link.l_to] if sweep else [])
    fams = named.union(bare.join(link, on).select("right_id", "k", fam="l_family"), distinct=False)
    on = [fams.fam == f.f_id] + ([f.f_known_from <= fams.k, fams.k < f.f_known_to] if sweep else [])
    fa = fams.join(f, on).select(fa_id="right_id", fa_k="k").distinct()
    fa = fa.view()
    pa = pa.left_join(fa, [pa.right_id == fa.fa_id, pa.k == fa.fa_k])
    extension = pa.extension_days.fill_null(0).cast("int32").as_interval("D")
    return _row(
        pa, kind=pa.kind, filing_date=pa.filing_date, ipc_main=item(pa.ipc, 0), family_abroad=pa.fa_id.notnull(),
        pledge_max_cny=pa.pledge_max_cny, pledged_from=pa.pledged_from, awarded_from=pa.awarded_from,
        holder=pa.holder, holders=ibis.ifelse(pa.holders.length() > 1, pa.holders, ibis.null("array<string>")),
        h_type=pa.h_type, h_country=pa.h_country, h_region=pa.h_region, start=pa.grant_date,
        stop=ibis.least(as_date(patent_end(pa, rules) + extension), pa.ended.fill_null(OPEN)),
        void=pa.void.fill_null(False),
    )  # fmt: skip


def _timeline(q: Question, e: ir.Table, holders: ir.Table) -> ir.Table:
    """The holder periods of every transferred right, per point: [h_from, h_to) per holder, from the beginning.

    The period before the first transfer has a NULL holder: it stands for the right's own first
    holder. A patent passing to several holders keeps them all (what the collaboration counts).
    """
    moved = e.filter(e.event == q.rules.transfer_event)
    names = moved.value.split(";")
    several = names.map(lambda x: x.strip()).filter(lambda x: x != "")
    none = ibis.null("array<string>")
    moves = moved.select(
        "right_id",
        "k",
        h_from=moved.effective_date,
        holder=item(names, 0).strip(),
        holders=ibis.ifelse(moved.value.contains(";"), several, none) if q.right_type == "patent" else none,
    )
    first = moved.select("right_id", "k").distinct()
    first = first.mutate(h_from=BEGINNING, holder=ibis.null("string"), holders=ibis.null("array<string>"))
    m = _with_holder(q, moves.union(first, distinct=False), "holder", holders)
    return m.mutate(h_to=m.h_from.lead(1, OPEN).over(group_by=["right_id", "k"], order_by="h_from"))


def _pieces(b: ir.Table, tl: ir.Table) -> ir.Table:
    """``b`` cut by the holder timeline: a right without transfers matches no period and stays whole."""
    tl = tl.rename(lambda c: f"tl_{c}")
    b = b.filter(~b.void)
    tl = tl.view()
    j = b.left_join(tl, [b.right_id == tl.tl_right_id, b.k == tl.tl_k])
    own = j.tl_holder.isnull()

    def pick(column: str, moved: str) -> ir.Value:
        return ibis.ifelse(own, j[column], j[moved])

    return j.select(
        "right_id", "k", "k_to", "kind", "is_gi", "filing_date", "ipc_main", "family_abroad", "pledge_max_cny",
        "pledged_from", "awarded_from", "grace_from",
        holder=pick("holder", "tl_holder"),
        holders=pick("holders", "tl_holders"),
        holder_type=pick("h_type", "tl_h_type"),
        country=pick("h_country", "tl_h_country"),
        region_code=pick("h_region", "tl_h_region"),
        in_force_from=j.start,
        valid_from=ibis.greatest(j.start, j.tl_h_from.fill_null(j.start)),
        valid_to=ibis.least(j.stop, j.tl_h_to.fill_null(OPEN)),
    )  # fmt: skip


def _co_holders(q: Question, s: ir.Table, holders: ir.Table, hier: ir.Table) -> ir.Table:
    """For each list of co-holders at each point: every holder's type, and province (country abroad), in order."""
    u = s.filter(s.holders.notnull()).select(c_holders="holders", k="k").distinct()
    u = u.mutate(party=u.c_holders).unnest("party", offset="i")
    u = _with_holder(q, u, "party", holders)
    u = u.left_join(hier, u.h_region == hier.code)
    where = ibis.coalesce(u.province_code, u.h_country)
    g = u.group_by(u.c_holders, c_k=u.k).aggregate(
        types=ibis.struct({"i": u.i, "v": u.h_type}).collect(),
        regions=ibis.struct({"i": u.i, "v": where}).collect(),
    )
    # sorted by position: a plain ordered collect is not on every engine (nor is one that keeps NULLs)
    return g.select(
        "c_holders",
        "c_k",
        holder_types=g.types.sort().map(lambda s: s.v),
        holder_regions=g.regions.sort().map(lambda s: s.v),
    )


def bitemporal(src: Sources, q: Question) -> ir.Table:
    """The spells of ``q``'s rights for every K (or on ``q.at``), each row with the interval [known_from, known_to)."""
    holders = _parties(src, q)
    if q.right_type != "gi_product" and (q.rights is not None or q.only is not None):
        # a few rights (a delivery's): only the parties they name, not a hash table of every party per join
        named = _named(q, _own(src, q), _law_events(src, q))
        holders = holders.filter(holders.h_id.isin(named.party_id))
    p, e = _versions(src, q)
    b = _base(src, q, p, _per_right(e, q.rules), holders)
    s = _pieces(b, _timeline(q, e, holders))
    s = s.filter(s.valid_from < s.valid_to)  # also ends the join, so that its columns can be joined on
    if q.right_type == "patent":
        co = _co_holders(q, s, holders, src.hierarchy)
        co = co.view()
        s = s.left_join(co, [s.holders == co.c_holders, s.k == co.c_k])
        types = s.holder_types
        academia = types.contains("university") | types.contains("research_institute")
        regions = s.holder_regions.filter(lambda x: x.notnull()).unique()
        s = s.mutate(
            holders=s.c_holders,
            academia_industry=(types.contains("enterprise") & academia).fill_null(False),
            cross_region=(regions.length() > 1).fill_null(False),
        )
    else:
        none = ibis.null("array<string>")
        s = s.mutate(holders=none, holder_types=none, holder_regions=none, academia_industry=False, cross_region=False)
    given = {
        "right_type": ibis.literal(q.right_type),
        "party_id": s.holder,
        "jurisdiction": ibis.literal(q.rules.jurisdiction),
        "known_from": s.k,
        "known_to": s.k_to,
    }
    kinds = [(c, _IBIS_TYPES[t]) for c, t in SPELL_TYPES if c not in DIVISIONS] + list(KNOWLEDGE_TYPES)
    return s.select(*(given.get(c, s[c] if c in s.columns else None).cast(kind).name(c) for c, kind in kinds))


def spells(
    src: Sources,
    k: date,
    rules: RuleSet = CN,
    policy: Policy = DEFAULT_POLICY,
    only: tuple[str, str] | None = None,
    upto: int | None = None,
) -> ir.Table:
    """The spells as known on ``k`` (of one (right_type, right_id) when ``only``; of the first ``upto`` deliveries).

    The stages of :func:`bitemporal` on one knowledge point, every right type stacked, the policy
    applied (without the grace, a trademark's spell ends where its grace period would begin), and the
    region's province, prefecture and county joined.
    """
    asked = Question(rules, "patent", at=k, upto=upto)
    parts = [
        bitemporal(src, replace(asked, right_type=t, only=only[1] if only else None))
        for t in right_types(rules)
        if not only or only[0] == t
    ]
    s = ibis.union(*parts, distinct=False) if parts else bitemporal(src, replace(asked, only="")).limit(0)
    if not policy.grace_in_force:
        s = s.mutate(valid_to=ibis.least(s.valid_to, s.grace_from.fill_null(OPEN)))
        s = s.filter(s.valid_from < s.valid_to)
    h = src.hierarchy
    s = s.left_join(h, s.region_code == h.code)
    return s.select(*(s[c].cast(_IBIS_TYPES[t]).name(c) for c, t in SPELL_TYPES))


def compiled(expr: ir.Table) -> str:
    """An expression over :meth:`Sources.of_store`'s named tables as DuckDB SQL, to run on the register's connection."""
    return ibis.to_sql(expr, dialect="duckdb")


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
    prepare(con)
    if only is None:
        return compiled(spells(Sources.of_store(con), k, rules, policy, only, upto))
    # one right (ipgauge status, the dashboard's status page): the same SQL for every id of its type, compiled
    # once with a stand-in id (compiling costs 0.3 s, running it a few milliseconds)
    key = (k, rules, policy, only[0], upto, store_shape(con))
    if key not in _ONE_RIGHT:
        if len(_ONE_RIGHT) > 64:
            _ONE_RIGHT.clear()
        _ONE_RIGHT[key] = compiled(spells(Sources.of_store(con), k, rules, policy, (only[0], _STAND_IN), upto))
    return _ONE_RIGHT[key].replace(f"'{_STAND_IN}'", "'" + only[1].replace("'", "''") + "'")


_STAND_IN = "ipgauge:one-right:5f1c"  # the id one right's SQL is compiled with (a literal no id can equal)
_ONE_RIGHT: dict[tuple, str] = {}


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Make the register's connection run the compiled law: the hierarchy, Ibis's lambdas, the written join order."""
    register_hierarchy(con)
    con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
