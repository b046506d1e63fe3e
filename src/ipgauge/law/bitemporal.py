"""One spells table for every knowledge date: the law's answer kept bitemporally, per delivery.

"In force on D as known on K" changes with K only where something about a right becomes known or
stops being known: a version of its record (and its grant, registration or approval date, since a
right is not in force before the register says it was granted), an event the law reads, a version
of one of its holders or of its family abroad. Those dates are the right's *knowledge points*;
between two of them its spells are constant. So the table holds, per right and per knowledge
interval ``[known_from, known_to)``, the spells computed as known at the interval's start, and the
spells as known on any K are the rows whose interval holds K — a filter, not a computation.

The table lives in the register (``spells``) and is maintained with each delivery in the load's
own transaction: the rights a delivery touches get their whole history recomputed, their earlier
rows closed by that delivery (``closed_by``), exactly like the register's own rows, so a release
pinned to its first N deliveries reads the rows those deliveries left (the second clock).

The per-K law (:mod:`ipgauge.law.stages`, Ibis on any engine) is the oracle: for any
(D, K) the two agree right by right (tests/test_bitemporal.py). The trademark grace period is
kept as a column (``grace_from``, the term end before the grace) so that either policy is a
filter too.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from datetime import date
from pathlib import Path

import duckdb

from ipgauge.law.cn import CN
from ipgauge.law.jurisdictions import RULE_SETS
from ipgauge.law.ruleset import DEFAULT_POLICY, Policy, RuleSet
from ipgauge.law.spells import DIVISION_COLUMNS, OPEN, SPELL_COLUMNS, SPELL_TYPES, register_hierarchy
from ipgauge.regions.divisions import hierarchy
from ipgauge.register import store
from ipgauge.register.cache import cache_dir, cached
from ipgauge.sqltext import day, quoted, quoted_list

#: The table's columns beyond the spells': the rule set it was computed under, the term end before
#: the trademark grace period, the knowledge interval and the two delivery clocks.
EXTRA = "jurisdiction VARCHAR, grace_from DATE, known_from DATE, known_to DATE, delivery_id INTEGER, closed_by INTEGER"
RIGHT_TYPES = ("patent", "trademark", "gi_product")
#: The division hierarchy the stored spells were computed under, kept beside them (their region
#: code's province, prefecture and county are joined when read; the law digest covers the map).
DIVISIONS = "spell_divisions"
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
    """
    name, key, start = SOURCES[right_type]
    table, events, parties, families = (_as_of(t, upto) for t in (name, "events", "parties", "families"))
    J = quoted(rules.jurisdiction)
    own_where = f"x.{start} IS NOT NULL" + (f" AND x.jurisdiction = {J}" if right_type != "gi_product" else "")
    in_scope = (
        f" AND (x.{key}) IN (SELECT right_id FROM {scope} WHERE right_type = {quoted(right_type)})" if scope else ""
    )
    ev_scope = (
        f" AND (right_id) IN (SELECT right_id FROM {scope} WHERE right_type = {quoted(right_type)})" if scope else ""
    )
    read = rules.law_events()
    held = (lambda at: "AND " + store.known_at(at, "h")) if moves[0] else (lambda at: "")
    abroad = store.known_at("p.k", "f") if moves[1] else "TRUE"
    needed = ", ".join(f"x.{c}" for c in NEEDED[right_type])
    grace = rules.trademark_grace_months  # the stored valid_to counts the grace; grace_from lets a reader drop it
    holder_lists = {"patent": "x.holders", "trademark": "x.holders", "gi_product": "[]::VARCHAR[]"}[right_type]
    if right_type == "patent":
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
    LEFT JOIN holders h ON h.party_id = p.holders[1] {held("p.k")}"""
    elif right_type == "trademark":
        term = (
            f"CAST(greatest(CAST(p.registration_date + to_years({rules.trademark_term_years}) AS DATE), "
            "coalesce(a.renewed_to, DATE '0001-01-01')) AS DATE)"
        )
        base = f"""
    SELECT p.right_id, p.k, p.k_to, p.kind, p.is_gi, p.filing_date, NULL AS ipc_main,
           NULL::BOOLEAN AS family_abroad, NULL::DOUBLE AS pledge_max_cny, NULL::DATE AS pledged_from,
           NULL::DATE AS awarded_from, p.holders[1] AS holder,
           NULL::VARCHAR[] AS holders, h.h_type, h.h_country, h.h_region, p.registration_date AS start,
           least(CAST({term} + to_months({grace}) AS DATE), coalesce(a.ended, {OPEN})) AS stop,
           {term} AS grace_from, coalesce(a.void, false) AS void
    FROM p LEFT JOIN agg a ON a.right_id = p.right_id AND a.k = p.k
    LEFT JOIN holders h ON h.party_id = p.holders[1] {held("p.k")}"""
    else:
        base = f"""
    SELECT p.right_id, p.k, p.k_to, p.category AS kind, NULL::BOOLEAN AS is_gi, NULL::DATE AS filing_date,
           NULL AS ipc_main, NULL::BOOLEAN AS family_abroad, NULL::DOUBLE AS pledge_max_cny, NULL::DATE AS pledged_from,
           NULL::DATE AS awarded_from, NULL AS holder, NULL::VARCHAR[] AS holders, NULL AS h_type, 'CN' AS h_country,
           p.region_codes[1] AS h_region, p.approval_date AS start, coalesce(a.ended, {OPEN}) AS stop,
           NULL::DATE AS grace_from, coalesce(a.void, false) AS void
    FROM p LEFT JOIN agg a ON a.right_id = p.right_id AND a.k = p.k"""
    fam = (
        f"""
fam AS (SELECT family_id, known_from, known_to FROM {families} x WHERE jurisdiction <> {J}),"""
        if right_type == "patent"
        else ""
    )
    fa = (
        f"""
fa AS (SELECT DISTINCT p.right_id, p.k FROM p JOIN fam f ON f.family_id = p.family_id AND {abroad}),"""
        if right_type == "patent"
        else ""
    )
    family_points = (
        f"""
    UNION ALL  -- a family member abroad appearing or going
    SELECT x.{key}, d FROM {table} x JOIN fam f ON f.family_id = x.family_id
    CROSS JOIN LATERAL (VALUES (f.known_from), (f.known_to)) AS t(d)
    WHERE x.jurisdiction = {J} AND x.family_id IS NOT NULL{in_scope}
      AND (f.known_from > {day(store.BEGINNING)} OR f.known_to IS NOT NULL)"""
        if right_type == "patent" and moves[1]
        else ""
    )
    party_points = (
        f"""
    UNION ALL  -- a holder's record changing (its region, type or country)
    SELECT hp.right_id, d FROM (
        SELECT x.{key} AS right_id, unnest({holder_lists}) AS party_id FROM {table} x WHERE {own_where}{in_scope}
        UNION ALL
        SELECT right_id, trim(unnest(string_split(value, ';'))) FROM {events} x
        WHERE right_type = {quoted(right_type)} AND event = {quoted(rules.transfer_event)}{ev_scope}) hp
    JOIN (SELECT party_id, known_from, known_to FROM {parties} x
          WHERE known_from > {day(store.BEGINNING)} OR known_to IS NOT NULL) c ON c.party_id = hp.party_id
    CROSS JOIN LATERAL (VALUES (c.known_from), (c.known_to)) AS t(d)"""
        if right_type != "gi_product" and moves[0]
        else ""
    )
    co = (
        f""",
co AS (
    SELECT u.holders, u.k, list(h.h_type ORDER BY u.i) AS holder_types,
           list(coalesce(r.province_code, h.h_country) ORDER BY u.i) AS holder_regions
    FROM (SELECT holders, k, unnest(holders) AS party, generate_subscripts(holders, 1) AS i FROM (
            SELECT DISTINCT holders, k FROM pieces WHERE holders IS NOT NULL)) u
    LEFT JOIN holders h ON h.party_id = u.party {held("u.k")}
    LEFT JOIN _hierarchy r ON r.code = h.h_region
    GROUP BY u.holders, u.k)"""
        if right_type == "patent"
        else ""
    )
    co_cols = (
        "c.holders, c.holder_types, c.holder_regions, "
        "coalesce(list_contains(c.holder_types, 'enterprise') AND (list_contains(c.holder_types, 'university') "
        "OR list_contains(c.holder_types, 'research_institute')), false) AS academia_industry, "
        "coalesce(len(list_distinct(c.holder_regions)) > 1, false) AS cross_region"
        if right_type == "patent"
        else "NULL::VARCHAR[] AS holders, NULL::VARCHAR[] AS holder_types, NULL::VARCHAR[] AS holder_regions, "
        "false AS academia_industry, false AS cross_region"
    )
    co_join = "LEFT JOIN co c ON c.holders = s.holders AND c.k = s.k" if right_type == "patent" else ""
    return f"""
WITH
own AS NOT MATERIALIZED (  -- each version of each right, visible from its first knowledge and its start (grant …)
    SELECT {needed}, x.{key} AS right_id, greatest(x.known_from, x.{start}) AS kf, coalesce(x.known_to, {OPEN}) AS kt
    FROM {table} x WHERE {own_where}{in_scope}),
ev AS (  -- the events the law reads, visible once recorded and known
    SELECT right_id, event, effective_date, value,
           greatest(known_from, coalesce(recorded_date, effective_date)) AS kf, coalesce(known_to, {OPEN}) AS kt
    FROM {events} x WHERE right_type = {quoted(right_type)} AND event IN {quoted_list(read)}{ev_scope}),{fam}
points AS (  -- where a right's knowledge changes other than by its own versions: its events, holders, family
    SELECT right_id, kf AS d FROM ev UNION ALL SELECT right_id, kt FROM ev{party_points}{family_points}),
moving AS (SELECT DISTINCT right_id FROM points),
v AS (  -- the versions of a right with such points: from each point (or version of its record) to the next
    SELECT right_id, k, lead(k, 1, {OPEN}) OVER (PARTITION BY right_id ORDER BY k) AS k_to
    FROM (SELECT DISTINCT right_id, d AS k FROM (
            SELECT right_id, d FROM points
            UNION ALL SELECT right_id, unnest([kf, kt]) FROM own SEMI JOIN moving USING (right_id)) WHERE d < {OPEN})),
p AS (  -- a right without such points has one version per version of its record: most rights, kept cheap
    SELECT coalesce(v.k, o.kf) AS k, coalesce(v.k_to, o.kt) AS k_to, o.*
    FROM own o LEFT JOIN v ON v.right_id = o.right_id AND o.kf <= v.k AND v.k < o.kt WHERE o.kf < o.kt),{fa}
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
    GROUP BY e.right_id, e.k),
holders AS NOT MATERIALIZED (  -- a scan per use: kept in memory it would crowd out the joins
    SELECT party_id, party_type AS h_type, country AS h_country, resolved_region_code AS h_region, known_from, known_to
    FROM {parties} x),
base AS ({base}),
moves AS (  -- holder changes; a NULL holder from the beginning stands for the right's own first holder
    SELECT right_id, k, effective_date AS h_from, trim(string_split(value, ';')[1]) AS holder,
           CASE WHEN {quoted(right_type)} = 'patent' AND contains(value, ';') THEN
                list_filter(list_transform(string_split(value, ';'), lambda x: trim(x)), lambda x: x <> '') END
           AS holders
    FROM e WHERE event = {quoted(rules.transfer_event)}
    UNION ALL
    SELECT DISTINCT right_id, k, DATE '0001-01-01', NULL, NULL FROM e WHERE event = {quoted(rules.transfer_event)}),
timeline AS (
    SELECT m.right_id, m.k, m.h_from, m.holder, m.holders, h.h_type, h.h_country, h.h_region,
           lead(m.h_from, 1, {OPEN}) OVER (PARTITION BY m.right_id, m.k ORDER BY m.h_from) AS h_to
    FROM moves m LEFT JOIN holders h ON h.party_id = m.holder {held("m.k")}),
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
    WHERE NOT b.void){co}
SELECT {quoted(right_type)} AS right_type, s.right_id, s.kind, s.is_gi, s.filing_date, s.ipc_main, s.family_abroad,
       s.pledge_max_cny, s.pledged_from, s.awarded_from, s.holder AS party_id, s.holder_type, s.country,
       s.region_code, s.in_force_from, s.valid_from, s.valid_to,
       {co_cols},
       {J} AS jurisdiction, s.grace_from, s.k AS known_from, s.k_to AS known_to
FROM pieces s {co_join}
WHERE s.valid_from < s.valid_to"""


def parquet(con: duckdb.DuckDBPyConnection, db: Path) -> Path:
    """The whole spells table as Parquet beside the register (partitioned by right type), for Spark.

    Written once per register state and law (keyed like every cache, never trusted on its name),
    with the division hierarchy beside it (``spells/``, ``spell_divisions.parquet``); :func:`view_sql`
    then reads them on Spark exactly as it reads the tables on DuckDB.
    """
    key = f"{store.identity(con)}|{law_digest()}|with-divisions"
    path = cache_dir(db) / f"spells-all-{hashlib.sha256(key.encode()).hexdigest()[:16]}"

    def write(tmp: Path) -> None:
        rows = tmp / "spells"
        con.execute("COPY spells TO ? (FORMAT parquet, PARTITION_BY (right_type), OVERWRITE_OR_IGNORE)", [str(rows)])
        if not any(rows.rglob("*.parquet")):  # no spells at all: keep the columns, so readers still work
            (rows / "right_type=patent").mkdir(parents=True)
            empty = "SELECT * EXCLUDE (right_type) FROM spells WHERE false"
            con.execute(f"COPY ({empty}) TO ? (FORMAT parquet)", [str(rows / "right_type=patent" / "data_0.parquet")])
        con.execute(f"COPY {DIVISIONS} TO ? (FORMAT parquet)", [str(tmp / f"{DIVISIONS}.parquet")])

    return cached(db, path, key, write, "spells")


def view_sql(k: date, rules: RuleSet = CN, policy: Policy = DEFAULT_POLICY, upto: int | None = None) -> str:
    """SQL (a query over the store, DuckDB's or Spark's) for the spells as known on ``k``: a filter on one table.

    ``upto`` pins the deliveries seen (the second clock): the rows the first ``upto`` deliveries left.
    Without the grace policy a trademark's spell ends where its grace period would begin.
    """
    K = day(date.fromisoformat(str(k)))
    valid_to = (
        "s.valid_to" if policy.grace_in_force else f"least(s.valid_to, coalesce(s.grace_from, {OPEN})) AS valid_to"
    )
    cols = [valid_to if c == "valid_to" else f"d.{c}" if c in DIVISION_COLUMNS else f"s.{c}" for c in SPELL_COLUMNS]
    seen = (
        ""
        if upto is None
        else f" AND s.delivery_id <= {int(upto)} AND (s.closed_by IS NULL OR s.closed_by > {int(upto)})"
    )
    still = "" if upto is not None else " AND s.closed_by IS NULL"
    return (
        f"SELECT * FROM (SELECT {', '.join(cols)} FROM spells s LEFT JOIN {DIVISIONS} d ON d.code = s.region_code "
        f"WHERE s.jurisdiction = {quoted(rules.jurisdiction)} "
        f"AND s.known_from <= {K} AND {K} < s.known_to{seen}{still}) "
        "AS s WHERE valid_from < valid_to"
    )


@functools.cache
def law_digest() -> str:
    """What the stored spells were computed by: every rule set's statements and the division hierarchy.

    A new version of ipgauge whose law or map differs rebuilds them (:func:`stale`).
    """
    sql = "".join(version_sql(r, t) for r in RULE_SETS.values() for t in _types(r))
    return hashlib.sha256((sql + repr(sorted(hierarchy().items()))).encode()).hexdigest()[:16]


def _types(rules: RuleSet) -> tuple[str, ...]:
    return RIGHT_TYPES if rules.geographical_indications else RIGHT_TYPES[:2]


def _state(con: duckdb.DuckDBPyConnection) -> tuple[str, int] | None:
    """(law digest, last delivery) the stored spells were maintained to, or None when there are none."""
    rows = con.execute("SELECT value FROM meta WHERE key = 'spells'").fetchall()
    if not rows or not store.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'spells'"):
        return None
    digest, _, upto = rows[0][0].partition(":")
    return digest, int(upto)


def stale(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored spells lag the register's deliveries or were computed by another law."""
    return _state(con) != (law_digest(), store.last_delivery(con))


def _touched(con: duckdb.DuckDBPyConnection, d: int) -> int:
    """Fill ``_touched`` with the rights delivery ``d`` changed, directly or through a holder or family; count them."""
    new = f"(delivery_id = {d} OR closed_by = {d})"
    parts = [
        f"SELECT '{t}' AS right_type, {key} AS right_id FROM {table} WHERE {new}"
        for t, (table, key, _) in SOURCES.items()
    ]
    parts.append(f"SELECT right_type, right_id FROM events WHERE {new}")
    if store.scalar(con, f"SELECT count(*) FROM parties WHERE {new}"):
        changed = f"(SELECT party_id FROM parties WHERE {new})"
        for t in ("patent", "trademark"):
            table, key, _ = SOURCES[t]
            parts.append(
                f"SELECT '{t}', {key} FROM (SELECT {key}, unnest(holders) AS party_id FROM {table}) "
                f"WHERE party_id IN {changed}"
            )
        parts.append(
            f"SELECT right_type, right_id FROM (SELECT right_type, right_id, trim(unnest(string_split(value, ';'))) "
            f"AS party_id FROM events WHERE event IN {quoted_list(r.transfer_event for r in RULE_SETS.values())}) "
            f"WHERE party_id IN {changed}"
        )
    parts.append(
        f"SELECT 'patent', patent_id FROM patents WHERE family_id IN (SELECT family_id FROM families WHERE {new})"
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _touched AS {' UNION '.join(parts)}")
    return store.scalar(con, "SELECT count(*) FROM _touched")


def _moves(con: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """Whether any party, any family member has a version known later than always, or superseded."""
    since = f"known_from > {day(store.BEGINNING)} OR known_to IS NOT NULL"
    return tuple(bool(store.scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {since} LIMIT 1)"))
                 for t in ("parties", "families"))  # fmt: skip


def _jobs(con: duckdb.DuckDBPyConnection, scope: str | None) -> list[tuple[RuleSet, str]]:
    """The (rule set, right type) pairs with any right to compute: a rule set with no rights costs nothing."""
    jobs = []
    for rules in RULE_SETS.values():
        for right_type in _types(rules):
            table, key, _ = SOURCES[right_type]
            where = f"jurisdiction = {quoted(rules.jurisdiction)}" if right_type != "gi_product" else "TRUE"
            if scope:
                where += f" AND {key} IN (SELECT right_id FROM {scope} WHERE right_type = {quoted(right_type)})"
            if store.scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT 1)"):
                jobs.append((rules, right_type))
    return jobs


def maintain(con: duckdb.DuckDBPyConnection, tick: store.Progress | None = None) -> None:
    """Bring the stored spells up to the register's last delivery, inside the caller's transaction.

    Each delivery since the last maintained one recomputes the whole history of the rights it
    touched and closes their earlier rows; a store without spells, or with spells of another law,
    is rebuilt by replaying its deliveries (the first in full, the others by what they touched), so
    that a release pinned to an early delivery still reads what that delivery left.
    """
    tick = tick or (lambda *_: None)
    state, last = _state(con), store.last_delivery(con)
    if state == (law_digest(), last):
        return
    register_hierarchy(con)
    if state is None or state[0] != law_digest():
        cols = ", ".join(f"{c} {t}" for c, t in SPELL_TYPES if c not in DIVISION_COLUMNS)
        con.execute(f"DROP TABLE IF EXISTS spells; CREATE TABLE spells ({cols}, {EXTRA})")
        con.execute(f"CREATE OR REPLACE TABLE {DIVISIONS} AS SELECT * FROM _hierarchy")
        done = 0
    else:
        done = state[1]
    moves = _moves(con)
    # The statements join a large relation (written first) to a smaller one; DuckDB's estimates for
    # them are poor and, left to choose, it built hash tables on the large side and ran out of memory.
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    try:
        _build(con, done, last, moves, tick)
    except BaseException:  # Ctrl-C or a failure: DuckDB refuses even a SET in the aborted transaction; the
        with contextlib.suppress(duckdb.Error):  # caller rolls it back, and must see the first error, not this
            con.execute("RESET disabled_optimizers")
        raise
    con.execute("RESET disabled_optimizers")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('spells', ?)", [f"{law_digest()}:{last}"])


def _build(
    con: duckdb.DuckDBPyConnection, done: int, last: int, moves: tuple[bool, bool], tick: store.Progress
) -> None:
    """Deliveries ``done`` + 1 … ``last``: each one's touched rights recomputed, their earlier rows closed."""
    for d in range(done + 1, last + 1):
        scope = None
        if d > 1:
            if not _touched(con, d):
                continue
            con.execute(
                "UPDATE spells SET closed_by = ? WHERE closed_by IS NULL "
                "AND (right_type, right_id) IN (SELECT right_type, right_id FROM _touched)",
                [d],
            )
            scope = "_touched"
        jobs = _jobs(con, scope)
        for i, (rules, right_type) in enumerate(jobs):
            tick(f"spells of delivery {d}: {rules.jurisdiction} {right_type}s", i, len(jobs))
            sql = version_sql(rules, right_type, scope, upto=None if d == last else d, moves=moves)
            con.execute(f"INSERT INTO spells BY NAME SELECT *, {d} AS delivery_id, NULL AS closed_by FROM ({sql})")


store.keep(store.Upkeep("spells", stale, maintain))
