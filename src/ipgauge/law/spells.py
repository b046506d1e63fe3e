"""Spells as known on one knowledge date K: the law's statement, kept as the oracle and for one right.

For a knowledge date K the register is turned into spells by one SQL statement — the events known
on K aggregated per right, restorations paired with the ending they undo, the holder timeline split
at each transfer — with no loop over rights. The figures read the bitemporal table that holds these
spells for every K at once (:mod:`ipgauge.law.bitemporal`); this per-K statement is what that table
is tested against, right by right, and what ``ipgauge status`` runs for a single right.

Columns: right_type, right_id, kind, is_gi, filing_date, ipc_main, family_abroad, pledge_max_cny,
pledged_from, awarded_from, party_id, holder_type, country, region_code, province_code,
prefecture_code, county_code, in_force_from (the grant, registration or approval date), valid_from,
valid_to (exclusive; 9999-12-31 when open). A right is in force on D when valid_from <= D < valid_to.
The patent facts (a family member abroad, the largest pledge in CNY and the first pledge, the first
award, all as known on K) are what the high-value criteria need, carried here so that indicators
read one table on any engine. A co-held patent's spells also carry holders, holder_types and
holder_regions (every holder, its type, its province or country; NULL with one holder) and the
flags academia_industry and cross_region that the collaboration indicators count.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from ipgauge.law.cn import CN
from ipgauge.law.ruleset import DEFAULT_POLICY, Policy, RuleSet
from ipgauge.regions.divisions import hierarchy
from ipgauge.register.rules import q
from ipgauge.register.store import known_at

OPEN = "DATE '9999-12-31'"
_TYPES = {
    "VARCHAR": "right_type right_id kind ipc_main party_id holder_type country region_code province_code "
    "prefecture_code county_code",
    "BOOLEAN": "is_gi family_abroad academia_industry cross_region",
    "DATE": "filing_date pledged_from awarded_from in_force_from valid_from valid_to",
    "DOUBLE": "pledge_max_cny",
    "VARCHAR[]": "holders holder_types holder_regions",
}
_ORDER = (
    "right_type right_id kind is_gi filing_date ipc_main family_abroad pledge_max_cny pledged_from awarded_from "
    "party_id holder_type country region_code province_code prefecture_code county_code in_force_from valid_from "
    "valid_to holders holder_types holder_regions academia_industry cross_region"
)
#: The spells' columns in order, with their SQL types.
SPELL_TYPES = tuple((c, next(t for t, cs in _TYPES.items() if c in cs.split())) for c in _ORDER.split())
SPELL_COLUMNS = tuple(c for c, _ in SPELL_TYPES)
FACTS = "family_abroad, pledge_max_cny, pledged_from, awarded_from"


def sql_list(values) -> str:
    """A SQL list of string literals, each once, in order: ``('a', 'b')``."""
    return "(" + ", ".join(q(v) for v in sorted(set(values))) + ")"


def spell_sql(
    k: date,
    rules: RuleSet = CN,
    policy: Policy = DEFAULT_POLICY,
    only: tuple[str, str] | None = None,
    upto: int | None = None,
) -> str:
    """The SQL that computes the spells as known on ``k`` (optionally for one (right_type, right_id)).

    ``upto`` limits the register to what its first deliveries brought (None: every delivery).
    """
    K = f"DATE '{k}'"
    seen = known_at(k, upto=upto)

    def one(col: str, right_type: str) -> str:
        """Restrict a right table to the one right asked for (or to nothing, for the other tables)."""
        if not only:
            return ""
        return f" AND {col} = {q(only[1])}" if only[0] == right_type else " AND FALSE"

    ev_only = f" AND right_type = {q(only[0])} AND right_id = {q(only[1])}" if only else ""
    grace = rules.trademark_grace_months if policy.grace_in_force else 0
    restorable = sql_list(rules.restorable_events)
    return f"""
WITH
p AS (SELECT * FROM patents WHERE {seen} AND jurisdiction = '{rules.jurisdiction}'
      AND grant_date IS NOT NULL AND grant_date <= {K}{one("patent_id", "patent")}),
t AS (SELECT * FROM trademarks WHERE {seen} AND jurisdiction = '{rules.jurisdiction}'
      AND registration_date <= {K}{one("trademark_id", "trademark")}),
g AS (SELECT * FROM gi_products WHERE {seen} AND approval_date <= {K}{one("gi_id", "gi_product")}),
ev AS (SELECT right_type, right_id, event, effective_date, value FROM events
       WHERE {seen} AND coalesce(recorded_date, effective_date) <= {K}{ev_only}),
seq AS (
    SELECT right_type, right_id, event, effective_date,
           lead(event) OVER (PARTITION BY right_type, right_id
                             ORDER BY effective_date, event = '{rules.restore_event}') AS next_event
    FROM ev WHERE event IN {restorable} OR event = '{rules.restore_event}'),
undone AS (
    SELECT right_type, right_id, event, effective_date FROM seq
    WHERE event <> '{rules.restore_event}' AND next_event = '{rules.restore_event}'),
agg AS (
    SELECT e.right_type, e.right_id,
           min(e.effective_date) FILTER (WHERE e.event IN {sql_list(rules.ending_events)} AND u.event IS NULL) AS ended,
           coalesce(bool_or(e.event IN {sql_list(rules.retroactive_events)} AND u.event IS NULL), false) AS void,
           sum(TRY_CAST(e.value AS INTEGER)) FILTER (WHERE e.event = '{rules.extension_event}') AS extension_days,
           max(TRY_CAST(e.value AS DATE)) FILTER (WHERE e.event = '{rules.renewal_event}') AS renewed_to,
           max(TRY_CAST(split_part(e.value, ' ', 1) AS DOUBLE))
               FILTER (WHERE e.event = '{rules.pledge_event}' AND split_part(e.value, ' ', 2) = 'CNY')
               AS pledge_max_cny,
           min(e.effective_date) FILTER (WHERE e.event = '{rules.pledge_event}') AS pledged_from,
           min(e.effective_date) FILTER (WHERE e.event = '{rules.award_event}') AS awarded_from
    FROM ev e LEFT JOIN undone u
      ON u.right_type = e.right_type AND u.right_id = e.right_id AND u.event = e.event
     AND u.effective_date = e.effective_date
    GROUP BY ALL),
holders AS (
    SELECT party_id, party_type AS h_type, country AS h_country, resolved_region_code AS h_region
    FROM parties WHERE {seen}),
abroad AS (SELECT DISTINCT family_id FROM families
           WHERE {seen} AND jurisdiction <> '{rules.jurisdiction}'),
base AS (
    SELECT 'patent' AS right_type, p.patent_id AS right_id, p.kind, NULL::BOOLEAN AS is_gi, p.filing_date,
           p.ipc[1] AS ipc_main, f.family_id IS NOT NULL AS family_abroad, a.pledge_max_cny, a.pledged_from,
           a.awarded_from, p.holders[1] AS holder, CASE WHEN len(p.holders) > 1 THEN p.holders END AS holders,
           h.h_type, h.h_country, h.h_region,
           p.grant_date AS start,
           least({rules.patent_end_sql("p")} + CAST(coalesce(a.extension_days, 0) AS INTEGER),
                 coalesce(a.ended, {OPEN})) AS stop,
           coalesce(a.void, false) AS void
    FROM p LEFT JOIN agg a ON a.right_type = 'patent' AND a.right_id = p.patent_id
    LEFT JOIN abroad f ON f.family_id = p.family_id
    LEFT JOIN holders h ON h.party_id = p.holders[1]
    UNION ALL
    SELECT 'trademark', t.trademark_id, t.kind, t.is_gi, t.filing_date, NULL, NULL, NULL, NULL, NULL, t.holders[1],
           NULL, h.h_type, h.h_country, h.h_region, t.registration_date,
           least(CAST(greatest(CAST(t.registration_date + to_years({rules.trademark_term_years}) AS DATE),
                               coalesce(a.renewed_to, DATE '0001-01-01')) + to_months({grace}) AS DATE),
                 coalesce(a.ended, {OPEN})),
           coalesce(a.void, false)
    FROM t LEFT JOIN agg a ON a.right_type = 'trademark' AND a.right_id = t.trademark_id
    LEFT JOIN holders h ON h.party_id = t.holders[1]
    UNION ALL
    SELECT 'gi_product', g.gi_id, g.category, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'CN',
           g.region_codes[1], g.approval_date,
           coalesce(a.ended, {OPEN}), coalesce(a.void, false)
    FROM g LEFT JOIN agg a ON a.right_type = 'gi_product' AND a.right_id = g.gi_id),
moves AS (  -- holder changes; a NULL holder from the beginning stands for the right's own first holder
    SELECT right_type, right_id, effective_date AS h_from, trim(string_split(value, ';')[1]) AS holder,
           CASE WHEN right_type = 'patent' AND contains(value, ';') THEN
                list_filter(list_transform(string_split(value, ';'), lambda x: trim(x)), lambda x: x <> '') END
           AS holders  -- kept only for a patent passing to several holders: all the collaboration needs
    FROM ev WHERE event = '{rules.transfer_event}'
    UNION ALL
    SELECT DISTINCT right_type, right_id, DATE '0001-01-01', NULL, NULL
    FROM ev WHERE event = '{rules.transfer_event}'),
timeline AS (
    SELECT m.right_type, m.right_id, m.h_from, m.holder, m.holders, h.h_type, h.h_country, h.h_region,
           lead(m.h_from, 1, {OPEN}) OVER (PARTITION BY m.right_type, m.right_id ORDER BY m.h_from) AS h_to
    FROM moves m LEFT JOIN holders h ON h.party_id = m.holder),
pieces AS (  -- one pass over base: a right without transfers matches no timeline row and stays whole
    SELECT b.right_type, b.right_id, b.kind, b.is_gi, b.filing_date, b.ipc_main, b.family_abroad, b.pledge_max_cny,
           b.pledged_from, b.awarded_from,
           CASE WHEN tl.holder IS NULL THEN b.holder ELSE tl.holder END AS holder,
           CASE WHEN tl.holder IS NULL THEN b.holders ELSE tl.holders END AS holders,
           CASE WHEN tl.holder IS NULL THEN b.h_type ELSE tl.h_type END AS holder_type,
           CASE WHEN tl.holder IS NULL THEN b.h_country ELSE tl.h_country END AS country,
           CASE WHEN tl.holder IS NULL THEN b.h_region ELSE tl.h_region END AS region_code,
           b.start AS in_force_from,
           greatest(b.start, coalesce(tl.h_from, b.start)) AS valid_from,
           least(b.stop, coalesce(tl.h_to, {OPEN})) AS valid_to
    FROM base b LEFT JOIN timeline tl ON tl.right_type = b.right_type AND tl.right_id = b.right_id
    WHERE NOT b.void),
co AS (  -- for each distinct list of co-holders: every holder's type, and province (country abroad), in order
    SELECT u.holders, list(h.h_type ORDER BY u.i) AS holder_types,
           list(coalesce(r.province_code, h.h_country) ORDER BY u.i) AS holder_regions
    FROM (SELECT holders, unnest(holders) AS party, generate_subscripts(holders, 1) AS i FROM (
            SELECT holders FROM patents WHERE {seen} AND jurisdiction = '{rules.jurisdiction}' AND len(holders) > 1
                   {one("patent_id", "patent")}
            UNION SELECT holders FROM moves WHERE len(holders) > 1)) u
    LEFT JOIN holders h ON h.party_id = u.party LEFT JOIN _hierarchy r ON r.code = h.h_region
    GROUP BY u.holders)
SELECT s.right_type, s.right_id, s.kind, s.is_gi, s.filing_date, s.ipc_main, s.family_abroad, s.pledge_max_cny,
       s.pledged_from, s.awarded_from, s.holder AS party_id, s.holder_type, s.country, s.region_code,
       r.province_code, r.prefecture_code, r.county_code, s.in_force_from, s.valid_from, s.valid_to,
       c.holders, c.holder_types, c.holder_regions,
       coalesce(list_contains(c.holder_types, 'enterprise') AND (list_contains(c.holder_types, 'university')
                OR list_contains(c.holder_types, 'research_institute')), false) AS academia_industry,
       coalesce(len(list_distinct(c.holder_regions)) > 1, false) AS cross_region
FROM pieces s LEFT JOIN _hierarchy r ON r.code = s.region_code
LEFT JOIN co c ON s.right_type = 'patent' AND c.holders = s.holders
WHERE s.valid_from < s.valid_to"""


def register_hierarchy(con: duckdb.DuckDBPyConnection) -> None:
    """Make the division hierarchy (current and retired codes) visible to SQL as ``_hierarchy``."""
    con.register("_hierarchy", pa.table(hierarchy()))
