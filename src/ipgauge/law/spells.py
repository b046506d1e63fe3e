"""What a spell is: its columns and types, shared by the per-K law and the bitemporal table.

The per-K law is :mod:`ipgauge.law.stages` (Ibis, on any engine); the table that holds its answer
for every K at once is :mod:`ipgauge.law.bitemporal` (DuckDB, maintained per delivery).

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

import duckdb
import pyarrow as pa

from ipgauge.law.ruleset import RuleSet
from ipgauge.regions.divisions import hierarchy
from ipgauge.register import store
from ipgauge.sqltext import day

OPEN = day(store.OPEN)  # the open end, as SQL
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
#: The columns a region code implies. The bitemporal table stores only the code and joins these at
#: read time (a fifth of what writing a national trademark's spells cost, measured).
DIVISION_COLUMNS = ("province_code", "prefecture_code", "county_code")


def register_hierarchy(con: duckdb.DuckDBPyConnection) -> None:
    """Make the division hierarchy (current and retired codes) visible to SQL as ``_hierarchy``."""
    con.register("_hierarchy", pa.table(hierarchy()))


#: Where the rights of each type come from: table, key, the date from which it can be in force.
RIGHTS = {
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


def right_types(rules: RuleSet) -> tuple[str, ...]:
    """The right types a rule set decides: GI products only where they are the jurisdiction's own (CN)."""
    return tuple(RIGHTS) if rules.geographical_indications else ("patent", "trademark")
