"""The statement that computes a right type's bitemporal spells, one part per stage of the law.

:mod:`ipgauge.law.bitemporal` keeps the spells table and runs this statement for the rights each
delivery touches; the statement is kept apart because it is long and read on its own: each part
below writes one CTE or a few that belong together, in the order the statement runs them, and
:func:`version_sql` joins them. The text is hashed into the law's digest
(:func:`ipgauge.law.bitemporal.law_digest`), so the parts must join to the same text every time.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipgauge.law.ruleset import RuleSet
from ipgauge.law.spells import OPEN
from ipgauge.register import store
from ipgauge.sqltext import day, quoted, quoted_list

#: Where the rights of each type come from: table, key, the date from which it can be in force.
SOURCES = {
    "patent": ("patents", "patent_id", "grant_date"),
    "trademark": ("trademarks", "trademark_id", "registration_date"),
    "gi_product": ("gi_products", "gi_id", "approval_date"),
}
#: The columns of each right's record the law reads.
NEEDED = {
    "patent": ("kind", "filing_date", "grant_date", "term_from", "ipc", "holders", "family_id"),
    "trademark": ("kind", "is_gi", "filing_date", "registration_date", "holders"),
    "gi_product": ("category", "region_codes", "approval_date"),
}


def _as_of(table: str, upto: int | None) -> str:
    """The register table as the first ``upto`` deliveries left it (a supersession by a later one undone)."""
    if upto is None:
        return table
    n = int(upto)
    return (
        f"(SELECT * REPLACE (CASE WHEN closed_by > {n} THEN NULL ELSE known_to END AS known_to) "
        f"FROM {table} WHERE delivery_id <= {n})"
    )


@dataclass(frozen=True)
class _Statement:
    """What every part of :func:`version_sql` reads, worked out once: the right type's source, the scope, the clocks."""

    rules: RuleSet
    right_type: str
    key: str  # the right's key column in its table
    start: str  # the date from which a right can be in force (grant, registration, approval)
    table: str  # the right type's table, as the first ``upto`` deliveries left it
    events: str
    parties: str
    families: str
    scope: str | None
    moves: tuple[bool, bool]

    @property
    def jurisdiction(self) -> str:
        """The rule set's jurisdiction as an SQL literal."""
        return quoted(self.rules.jurisdiction)

    @property
    def own_where(self) -> str:
        """The rights of the type that have started, in the rule set's jurisdiction (GI products: in any)."""
        jurisdiction = f" AND x.jurisdiction = {self.jurisdiction}" if self.right_type != "gi_product" else ""
        return f"x.{self.start} IS NOT NULL" + jurisdiction

    def in_scope(self, column: str) -> str:
        """The condition keeping ``column``'s rights to those in ``scope`` (empty without one)."""
        if not self.scope:
            return ""
        return f" AND ({column}) IN (SELECT right_id FROM {self.scope} WHERE right_type = {quoted(self.right_type)})"

    def held(self, at: str) -> str:
        """A holder's version as known on ``at``: no condition when no party ever has more than one."""
        return "AND " + store.known_at(at, "h") if self.moves[0] else ""


def version_sql(
    rules: RuleSet,
    right_type: str,
    scope: str | None = None,
    upto: int | None = None,
    moves: tuple[bool, bool] = (True, True),
) -> str:
    """The bitemporal spells of every ``right_type`` right of ``rules``' jurisdiction (or those in ``scope``).

    ``scope`` names a relation of (right_type, right_id): only those rights are computed; ``upto``
    reads the register as its first ``upto`` deliveries left it. The statement mirrors
    :mod:`ipgauge.law.stages` stage by stage with K a column, ``v.k``, one value per
    version of each right. ``moves`` says whether any party, any family member has more than one
    version or a later first one: when not, their knowledge points are left out (nothing to find).
    The text is hashed into the law's digest: its parts must join to the same statement every time.
    """
    name, key, start = SOURCES[right_type]
    table, events, parties, families = (_as_of(t, upto) for t in (name, "events", "parties", "families"))
    q = _Statement(rules, right_type, key, start, table, events, parties, families, scope, moves)
    parts = (_sources_sql, _points_sql, _versions_sql, _events_sql, _base_sql, _pieces_sql, _select_sql)
    return "\nWITH" + "".join(part(q) for part in parts)


def _sources_sql(q: _Statement) -> str:
    """CTEs own, ev (and fam for patents): the right's versions, the events the law reads, families abroad."""
    table, key, start = q.table, q.key, q.start
    needed = ", ".join(f"x.{c}" for c in NEEDED[q.right_type])
    in_scope, ev_scope, read = q.in_scope(f"x.{key}"), q.in_scope("right_id"), quoted_list(q.rules.law_events())
    fam = (
        f"""
fam AS (SELECT family_id, known_from, known_to FROM {q.families} x WHERE jurisdiction <> {q.jurisdiction}),"""
        if q.right_type == "patent"
        else ""
    )
    return f"""
own AS NOT MATERIALIZED (  -- each version of each right, visible from its first knowledge and its start (grant …)
    SELECT {needed}, x.{key} AS right_id, greatest(x.known_from, x.{start}) AS kf, coalesce(x.known_to, {OPEN}) AS kt
    FROM {table} x WHERE {q.own_where}{in_scope}),
ev AS (  -- the events the law reads, visible once recorded and known
    SELECT right_id, event, effective_date, value,
           greatest(known_from, coalesce(recorded_date, effective_date)) AS kf, coalesce(known_to, {OPEN}) AS kt
    FROM {q.events} x WHERE right_type = {quoted(q.right_type)} AND event IN {read}{ev_scope}),{fam}"""


def _points_sql(q: _Statement) -> str:
    """CTEs points, moving: the knowledge points beyond a right's own versions (events, holders, family abroad)."""
    table, key = q.table, q.key
    in_scope, ev_scope = q.in_scope(f"x.{key}"), q.in_scope("right_id")
    holder_lists = {"patent": "x.holders", "trademark": "x.holders", "gi_product": "[]::VARCHAR[]"}[q.right_type]
    party_points = (
        f"""
    UNION ALL  -- a holder's record changing (its region, type or country)
    SELECT hp.right_id, d FROM (
        SELECT x.{key} AS right_id, unnest({holder_lists}) AS party_id FROM {table} x WHERE {q.own_where}{in_scope}
        UNION ALL
        SELECT right_id, trim(unnest(string_split(value, ';'))) FROM {q.events} x
        WHERE right_type = {quoted(q.right_type)} AND event = {quoted(q.rules.transfer_event)}{ev_scope}) hp
    JOIN (SELECT party_id, known_from, known_to FROM {q.parties} x
          WHERE known_from > {day(store.BEGINNING)} OR known_to IS NOT NULL) c ON c.party_id = hp.party_id
    CROSS JOIN LATERAL (VALUES (c.known_from), (c.known_to)) AS t(d)"""
        if q.right_type != "gi_product" and q.moves[0]
        else ""
    )
    family_points = (
        f"""
    UNION ALL  -- a family member abroad appearing or going
    SELECT x.{key}, d FROM {table} x JOIN fam f ON f.family_id = x.family_id
    CROSS JOIN LATERAL (VALUES (f.known_from), (f.known_to)) AS t(d)
    WHERE x.jurisdiction = {q.jurisdiction} AND x.family_id IS NOT NULL{in_scope}
      AND (f.known_from > {day(store.BEGINNING)} OR f.known_to IS NOT NULL)"""
        if q.right_type == "patent" and q.moves[1]
        else ""
    )
    return f"""
points AS (  -- where a right's knowledge changes other than by its own versions: its events, holders, family
    SELECT right_id, kf AS d FROM ev UNION ALL SELECT right_id, kt FROM ev{party_points}{family_points}),
moving AS (SELECT DISTINCT right_id FROM points),"""


def _versions_sql(q: _Statement) -> str:
    """CTEs v, p (and fa for patents): each right's knowledge intervals, with its record's version in each."""
    abroad = store.known_at("p.k", "f") if q.moves[1] else "TRUE"
    fa = (
        f"""
fa AS (SELECT DISTINCT p.right_id, p.k FROM p JOIN fam f ON f.family_id = p.family_id AND {abroad}),"""
        if q.right_type == "patent"
        else ""
    )
    return f"""
v AS (  -- the versions of a right with such points: from each point (or version of its record) to the next
    SELECT right_id, k, lead(k, 1, {OPEN}) OVER (PARTITION BY right_id ORDER BY k) AS k_to
    FROM (SELECT DISTINCT right_id, d AS k FROM (
            SELECT right_id, d FROM points
            UNION ALL SELECT right_id, unnest([kf, kt]) FROM own SEMI JOIN moving USING (right_id)) WHERE d < {OPEN})),
p AS (  -- a right without such points has one version per version of its record: most rights, kept cheap
    SELECT coalesce(v.k, o.kf) AS k, coalesce(v.k_to, o.kt) AS k_to, o.*
    FROM own o LEFT JOIN v ON v.right_id = o.right_id AND o.kf <= v.k AND v.k < o.kt WHERE o.kf < o.kt),{fa}"""


def _events_sql(q: _Statement) -> str:
    """CTEs e, seq, undone, agg: per version, the events known then, those a restoration undid, and what they say."""
    rules = q.rules
    return f"""
e AS (SELECT v.k, ev.* FROM v JOIN ev ON ev.right_id = v.right_id AND ev.kf <= v.k AND v.k < ev.kt),
seq AS (
    SELECT right_id, k, event, effective_date,
           lead(event) OVER (PARTITION BY right_id, k ORDER BY effective_date, event = {quoted(rules.restore_event)})
           AS next_event
    FROM e WHERE event IN {quoted_list(rules.restorable_events)} OR event = {quoted(rules.restore_event)}),
undone AS (
    SELECT right_id, k, event, effective_date FROM seq
    WHERE event <> {quoted(rules.restore_event)} AND next_event = {quoted(rules.restore_event)}),
agg AS (
    SELECT e.right_id, e.k,
           min(e.effective_date) FILTER (WHERE e.event IN {quoted_list(rules.ending_events)}
                                        AND u.event IS NULL) AS ended,
           coalesce(bool_or(e.event IN {quoted_list(rules.retroactive_events)} AND u.event IS NULL), false) AS void,
           sum(TRY_CAST(e.value AS INTEGER)) FILTER (WHERE e.event = {quoted(rules.extension_event)}) AS extension_days,
           max(TRY_CAST(e.value AS DATE)) FILTER (WHERE e.event = {quoted(rules.renewal_event)}) AS renewed_to,
           max(TRY_CAST(split_part(e.value, ' ', 1) AS DOUBLE))
               FILTER (WHERE e.event = {quoted(rules.pledge_event)} AND split_part(e.value, ' ', 2) = 'CNY')
               AS pledge_max_cny,
           min(e.effective_date) FILTER (WHERE e.event = {quoted(rules.pledge_event)}) AS pledged_from,
           min(e.effective_date) FILTER (WHERE e.event = {quoted(rules.award_event)}) AS awarded_from
    FROM e LEFT JOIN undone u
      ON u.right_id = e.right_id AND u.k = e.k AND u.event = e.event AND u.effective_date = e.effective_date
    GROUP BY e.right_id, e.k),"""


def _base_sql(q: _Statement) -> str:
    """CTEs holders, base: per version, the right's term (start, stop), first holder and the columns it carries."""
    rules = q.rules
    if q.right_type == "patent":
        base = f"""
    SELECT p.right_id, p.k, p.k_to, p.kind, NULL::BOOLEAN AS is_gi, p.filing_date, p.ipc[1] AS ipc_main,
           fa.right_id IS NOT NULL AS family_abroad, a.pledge_max_cny, a.pledged_from, a.awarded_from,
           p.holders[1] AS holder, CASE WHEN len(p.holders) > 1 THEN p.holders END AS holders,
           h.h_type, h.h_country, h.h_region, p.grant_date AS start,
           least({rules.patent_end_sql("p")} + CAST(coalesce(a.extension_days, 0) AS INTEGER),
                 coalesce(a.ended, {OPEN})) AS stop,
           NULL::DATE AS grace_from, coalesce(a.void, false) AS void
    FROM p LEFT JOIN agg a ON a.right_id = p.right_id AND a.k = p.k
    LEFT JOIN fa ON fa.right_id = p.right_id AND fa.k = p.k
    LEFT JOIN holders h ON h.party_id = p.holders[1] {q.held("p.k")}"""
    elif q.right_type == "trademark":
        term = (
            f"CAST(greatest(CAST(p.registration_date + to_years({rules.trademark_term_years}) AS DATE), "
            "coalesce(a.renewed_to, DATE '0001-01-01')) AS DATE)"
        )
        grace = rules.trademark_grace_months  # the stored valid_to counts the grace; grace_from lets a reader drop it
        base = f"""
    SELECT p.right_id, p.k, p.k_to, p.kind, p.is_gi, p.filing_date, NULL AS ipc_main,
           NULL::BOOLEAN AS family_abroad, NULL::DOUBLE AS pledge_max_cny, NULL::DATE AS pledged_from,
           NULL::DATE AS awarded_from, p.holders[1] AS holder,
           NULL::VARCHAR[] AS holders, h.h_type, h.h_country, h.h_region, p.registration_date AS start,
           least(CAST({term} + to_months({grace}) AS DATE), coalesce(a.ended, {OPEN})) AS stop,
           {term} AS grace_from, coalesce(a.void, false) AS void
    FROM p LEFT JOIN agg a ON a.right_id = p.right_id AND a.k = p.k
    LEFT JOIN holders h ON h.party_id = p.holders[1] {q.held("p.k")}"""
    else:
        base = f"""
    SELECT p.right_id, p.k, p.k_to, p.category AS kind, NULL::BOOLEAN AS is_gi, NULL::DATE AS filing_date,
           NULL AS ipc_main, NULL::BOOLEAN AS family_abroad, NULL::DOUBLE AS pledge_max_cny, NULL::DATE AS pledged_from,
           NULL::DATE AS awarded_from, NULL AS holder, NULL::VARCHAR[] AS holders, NULL AS h_type,
           {q.jurisdiction} AS h_country, p.region_codes[1] AS h_region, p.approval_date AS start,
           coalesce(a.ended, {OPEN}) AS stop,
           NULL::DATE AS grace_from, coalesce(a.void, false) AS void
    FROM p LEFT JOIN agg a ON a.right_id = p.right_id AND a.k = p.k"""
    return f"""
holders AS NOT MATERIALIZED (  -- a scan per use: kept in memory it would crowd out the joins
    SELECT party_id, party_type AS h_type, country AS h_country, resolved_region_code AS h_region, known_from, known_to
    FROM {q.parties} x),
base AS ({base}),"""


def _pieces_sql(q: _Statement) -> str:
    """CTEs moves, timeline, pieces (and co for patents): the spells, cut where a transfer changes the holder."""
    transfer = quoted(q.rules.transfer_event)
    co = (
        f""",
co AS (
    SELECT u.holders, u.k, list(h.h_type ORDER BY u.i) AS holder_types,
           list(coalesce(r.province_code, h.h_country) ORDER BY u.i) AS holder_regions
    FROM (SELECT holders, k, unnest(holders) AS party, generate_subscripts(holders, 1) AS i FROM (
            SELECT DISTINCT holders, k FROM pieces WHERE holders IS NOT NULL)) u
    LEFT JOIN holders h ON h.party_id = u.party {q.held("u.k")}
    LEFT JOIN _hierarchy r ON r.code = h.h_region
    GROUP BY u.holders, u.k)"""
        if q.right_type == "patent"
        else ""
    )
    return f"""
moves AS (  -- holder changes; a NULL holder from the beginning stands for the right's own first holder
    SELECT right_id, k, effective_date AS h_from, trim(string_split(value, ';')[1]) AS holder,
           CASE WHEN {quoted(q.right_type)} = 'patent' AND contains(value, ';') THEN
                list_filter(list_transform(string_split(value, ';'), lambda x: trim(x)), lambda x: x <> '') END
           AS holders
    FROM e WHERE event = {transfer}
    UNION ALL
    SELECT DISTINCT right_id, k, DATE '0001-01-01', NULL, NULL FROM e WHERE event = {transfer}),
timeline AS (
    SELECT m.right_id, m.k, m.h_from, m.holder, m.holders, h.h_type, h.h_country, h.h_region,
           lead(m.h_from, 1, {OPEN}) OVER (PARTITION BY m.right_id, m.k ORDER BY m.h_from) AS h_to
    FROM moves m LEFT JOIN holders h ON h.party_id = m.holder {q.held("m.k")}),
pieces AS (
    SELECT b.right_id, b.k, b.k_to, b.kind, b.is_gi, b.filing_date, b.ipc_main, b.family_abroad, b.pledge_max_cny,
           b.pledged_from, b.awarded_from,
           CASE WHEN tl.holder IS NULL THEN b.holder ELSE tl.holder END AS holder,
           CASE WHEN tl.holder IS NULL THEN b.holders ELSE tl.holders END AS holders,
           CASE WHEN tl.holder IS NULL THEN b.h_type ELSE tl.h_type END AS holder_type,
           CASE WHEN tl.holder IS NULL THEN b.h_country ELSE tl.h_country END AS country,
           CASE WHEN tl.holder IS NULL THEN b.h_region ELSE tl.h_region END AS region_code,
           b.start AS in_force_from,
           greatest(b.start, coalesce(tl.h_from, b.start)) AS valid_from,
           least(b.stop, coalesce(tl.h_to, {OPEN})) AS valid_to, b.grace_from
    FROM base b LEFT JOIN timeline tl ON tl.right_id = b.right_id AND tl.k = b.k
    WHERE NOT b.void){co}"""


def _select_sql(q: _Statement) -> str:
    """The statement's own SELECT: the spells' columns, a patent's co-holders, the knowledge interval."""
    co_cols = (
        "c.holders, c.holder_types, c.holder_regions, "
        "coalesce(list_contains(c.holder_types, 'enterprise') AND (list_contains(c.holder_types, 'university') "
        "OR list_contains(c.holder_types, 'research_institute')), false) AS academia_industry, "
        "coalesce(len(list_distinct(c.holder_regions)) > 1, false) AS cross_region"
        if q.right_type == "patent"
        else "NULL::VARCHAR[] AS holders, NULL::VARCHAR[] AS holder_types, NULL::VARCHAR[] AS holder_regions, "
        "false AS academia_industry, false AS cross_region"
    )
    co_join = "LEFT JOIN co c ON c.holders = s.holders AND c.k = s.k" if q.right_type == "patent" else ""
    return f"""
SELECT {quoted(q.right_type)} AS right_type, s.right_id, s.kind, s.is_gi, s.filing_date, s.ipc_main, s.family_abroad,
       s.pledge_max_cny, s.pledged_from, s.awarded_from, s.holder AS party_id, s.holder_type, s.country,
       s.region_code, s.in_force_from, s.valid_from, s.valid_to,
       {co_cols},
       {q.jurisdiction} AS jurisdiction, s.grace_from, s.k AS known_from, s.k_to AS known_to
FROM pieces s {co_join}
WHERE s.valid_from < s.valid_to"""
