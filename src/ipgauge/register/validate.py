"""Checking a staged file: row rules, conflicting duplicates and references, all set-wise in SQL.

The result is the temporary view ``_checked_<table>``: the staged rows with ``_reason`` (NULL for a
good row). References are checked against the current rows of the store, which by then hold the
delivery's good rows of the tables before (the load lands each file before reading the next), so a
row whose parent was rejected is rejected too, with a reason that says so.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import duckdb
import pyarrow as pa

from ipgauge.register.rules import REGION_CODES, precomputed, reason_sql, table_rules
from ipgauge.register.schema import RIGHT_TYPES, TABLES, Table
from ipgauge.sqltext import day, quoted

#: What every right type's id column is called, in the store, and the date before which it has no events.
RIGHT_TABLES = {
    "patent": ("patents", "patent_id", "filing_date"),
    "trademark": ("trademarks", "trademark_id", "filing_date"),
    "gi_product": ("gi_products", "gi_id", "approval_date"),
}


#: The keys of the rows this load rejected, of the tables others refer to (filled as each file's
#: rejects are written), so that a reference to one says why it is missing.
REJECTED_KEYS = "_rejected_keys"


def rejected_keys_sql(table: Table, file: str) -> str | None:
    """SQL keeping the keys of ``table``'s rejected rows (in ``_rejects``, from ``file``), when others refer to them."""
    if not any(table.name in references(t) for t in TABLES):
        return None
    (key,) = table.key
    return (
        f"INSERT INTO {REJECTED_KEYS} BY NAME SELECT {quoted(table.name)} AS tbl, {key} AS id, CASE WHEN count(*) > 1 "
        f"THEN 'its rows in {file} were rejected' ELSE 'its row in {file} was rejected' END AS note "
        f"FROM _rejects WHERE {key} IS NOT NULL GROUP BY {key}"
    )


def _why_missing(table_sql: str, key: str) -> str:
    """SQL: the note on a missing reference whose own row this load rejected (else an empty string)."""
    return (
        f"coalesce(' (' || (SELECT any_value(note) FROM {REJECTED_KEYS} WHERE tbl = {table_sql} AND id = {key}) "
        "|| ')', '')"
    )


def _missing_parties(stage: str, column: str, where: str = "TRUE") -> str:
    """Rows naming a party that is neither in the delivery's good parties nor in the store."""
    return f"""
        SELECT _ord, {quoted(column + ": unknown party ")} || string_agg(DISTINCT m, ', ' ORDER BY m) AS msg
        FROM (SELECT _ord, p || {_why_missing("'parties'", "p")} AS m
              FROM (SELECT _ord, trim(unnest(string_split({column}, ';'))) AS p FROM {stage}
                    WHERE {column} IS NOT NULL AND {where}) u
              WHERE p <> '' AND p NOT IN (SELECT party_id FROM _known_parties))
        GROUP BY _ord"""


def _missing(stage: str, column: str, known: str, key: str, what: str) -> str:
    """Rows referring to a ``what`` that is neither among the delivery's good rows nor in the store."""
    return f"""
        SELECT _ord, {quoted(column + ": no " + what + " ")} || {column} || ' in the delivery or the register'
                     || {_why_missing(quoted(what + "s"), column)} AS msg
        FROM {stage} WHERE {column} IS NOT NULL AND {column} NOT IN (SELECT {key} FROM {known})"""


def currencies() -> list[str]:
    """ISO 4217 codes, from Babel's CLDR data (what an amount's currency may be)."""
    from babel.numbers import list_currencies

    return sorted(list_currencies())


def _fx_map() -> str:
    """SQL: a MAP from each currency the ECB table converts to {first, stop, ended} (stop NULL while quoted)."""
    from ipgauge.fx import LOOKBACK, usable

    def maybe(d) -> str:
        return day(d) if d else "NULL::DATE"

    items = [
        f"{quoted(code)}: {{'first': {maybe(first)}, 'stop': {maybe(stop)}, "
        f"'ended': {maybe(stop - timedelta(days=LOOKBACK) if stop else None)}}}"
        for code, (first, stop) in sorted(usable().items())
    ]
    return "MAP {" + ", ".join(items) + "}"


#: The register's current rights that the staged file names (:func:`_named_rights`).
RIGHTS = "_named_rights"


def _named_rights(con: duckdb.DuckDBPyConnection, named: str) -> None:
    """Keep the register's current rights that ``named`` (right_type, right_id pairs) names, once per file.

    The lookups then join the file's rows to these few, not to every right of the register: a 1%
    delivery's events against 70 million national rights took 11 s, most of it hashing all of them.
    """
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {RIGHTS} AS
                    SELECT k.* FROM _known_rights k
                    SEMI JOIN (SELECT DISTINCT * FROM ({named})) n
                      ON n.right_type = k.right_type AND n.right_id = k.right_id""")


def _table_of(right_type: str) -> str:
    """SQL: the table of the right type in column ``right_type``."""
    cases = " ".join(f"WHEN {quoted(rt)} THEN {quoted(name)}" for rt, (name, _, _) in RIGHT_TABLES.items())
    return f"CASE {right_type} {cases} END"


def _missing_rights(stage: str) -> str:
    types = ", ".join(map(quoted, RIGHT_TYPES))
    return f"""
        SELECT _ord,
               'right_id: no ' || right_type || ' ' || right_id || ' in the delivery or the register'
               || {_why_missing(_table_of("right_type"), "right_id")} AS msg
        FROM {stage} e
        WHERE right_type IN ({types}) AND right_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {RIGHTS} k
                          WHERE k.right_type = e.right_type AND k.right_id = e.right_id)"""


def _missing_patents(stage: str) -> str:
    """Claims of a patent that is neither in the delivery nor in the register."""
    return f"""
        SELECT _ord, 'patent_id: no patent ' || patent_id || ' in the delivery or the register'
                     || {_why_missing("'patents'", "patent_id")} AS msg
        FROM {stage} c
        WHERE patent_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {RIGHTS} k WHERE k.right_type = 'patent' AND k.right_id = c.patent_id)"""


def _missing_granted(stage: str) -> str:
    """Granted applications whose right (a patent, or a trademark) is neither in the delivery nor in the register."""
    return f"""
        SELECT _ord, 'right_id: no ' || r.right_type || ' ' || right_id || ' in the delivery or the register'
                     || {_why_missing(_table_of("r.right_type"), "right_id")} AS msg
        FROM (SELECT *, CASE kind WHEN 'trademark' THEN 'trademark' ELSE 'patent' END AS right_type FROM {stage}) r
        WHERE right_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {RIGHTS} k WHERE k.right_type = r.right_type AND k.right_id = r.right_id)"""


def _granted_unlike_its_right(stage: str) -> str:
    """Granted applications whose right is of another kind, or was granted (registered) on another day."""
    return f"""
        SELECT _ord, CASE WHEN r.kind <> s.kind
                          THEN 'right_id: ' || s.right_id || ' is a ' || r.kind || ', the application a ' || s.kind
                          ELSE 'status_date: ' || s.status_date || ' is not the day ' || s.right_id || ' was granted ('
                               || r.granted || ')' END AS msg
        FROM {stage} s JOIN (
            SELECT patent_id AS id, kind, grant_date AS granted FROM patents WHERE known_to IS NULL
            UNION ALL SELECT trademark_id, 'trademark', registration_date FROM trademarks WHERE known_to IS NULL) r
          ON r.id = s.right_id AND (r.kind = 'trademark') = (s.kind = 'trademark')
        WHERE s.status = 'granted'
          AND (r.kind <> s.kind OR try_cast(s.status_date AS DATE) IS DISTINCT FROM r.granted)"""


def _granted_twice(stage: str) -> str:
    """Applications of the file naming the same granted right: one right is granted on one application."""
    return f"""
        SELECT _ord, 'right_id: ' || right_id || ' is named by more than one granted application (lines '
                     || string_agg(_line::VARCHAR, ', ') OVER (PARTITION BY right_id) || ')' AS msg
        FROM {stage} WHERE right_id IS NOT NULL
        QUALIFY count(DISTINCT application_id) OVER (PARTITION BY right_id) > 1"""


def _before_the_right(stage: str) -> str:
    """Events that take effect before their right was filed (or approved): a typing error, never a fact."""
    return f"""
        SELECT _ord, 'effective_date: ' || effective_date || ' is before the ' || e.right_type || ' '
               || right_id || ' was filed or approved (' || k.since || ')' AS msg
        FROM {stage} e JOIN {RIGHTS} k USING (right_type, right_id)
        WHERE try_cast(e.effective_date AS DATE) < k.since"""


def _lookups(table: Table, stage: str) -> list[tuple[set[str], str]]:
    """Each reference check of ``table``'s staged rows: the tables it reads and its SQL (rows and messages).

    Events and claims read :data:`RIGHTS`, the rights they name (:func:`_named_rights`, made first).
    """
    rights = {name for name, _, _ in RIGHT_TABLES.values()}
    found: list[tuple[set[str], str]] = []
    if "holders" in table.column_names:
        found.append(({"parties"}, _missing_parties(stage, "holders")))
    if table.name == "applications":
        found.append(({"parties"}, _missing_parties(stage, "applicants")))
        found.append((rights, _missing_granted(stage)))
        found.append(({"patents", "trademarks"}, _granted_unlike_its_right(stage)))
        found.append((set(), _granted_twice(stage)))
    if table.name == "claims":
        found.append(({"patents"}, _missing_patents(stage)))
    if table.name == "cases":
        found.append(({"centres"}, _missing(stage, "centre_id", "_known_centres", "centre_id", "centre")))
        found.append(({"parties"}, _missing_parties(stage, "client_party_id")))
    if table.name == "amounts":
        found.append(({"cases"}, _missing(stage, "case_id", "_known_cases", "case_id", "case")))
    if table.name == "events":
        found.append((rights, _missing_rights(stage)))
        found.append((rights, _before_the_right(stage)))
        found.append(({"parties"}, _missing_parties(stage, "value", "event = 'transferred'")))
    return found


#: The (right_type, right_id) pairs a staged file names, for the tables whose lookups read :data:`RIGHTS`.
NAMED = {
    "claims": "SELECT 'patent' AS right_type, patent_id AS right_id FROM {stage}",
    "applications": "SELECT CASE kind WHEN 'trademark' THEN 'trademark' ELSE 'patent' END AS right_type, "
    "right_id FROM {stage} WHERE right_id IS NOT NULL",
    "events": "SELECT right_type, right_id FROM {stage}",
}


def references(table: Table) -> set[str]:
    """The tables whose rows ``table``'s rows are checked against."""
    return set().union(*(refs for refs, _ in _lookups(table, "_")))


def rules_digests(con: duckdb.DuckDBPyConnection, tables: list[Table]) -> dict[str, str]:
    """A digest per table of what its rows are checked by: its rules' and lookups' SQL, the reference data.

    A file checked under other rules (a newer ipgauge, another FX table or list of region codes) is
    read again rather than trusted. The reference data (set by :func:`prepare`) is read once.
    """
    data = con.execute(
        "SELECT getvariable('ipgauge_regions'), getvariable('ipgauge_countries'), "
        "getvariable('ipgauge_currencies'), getvariable('ipgauge_fx')::VARCHAR, "
        "(SELECT list(retired || '>' || successor ORDER BY retired) FROM _successors)"
    ).fetchall()

    def checks(t: Table) -> list[tuple[list[str], str]]:  # sets in order: a set's repr varies between processes
        return [(sorted(refs), sql) for refs, sql in _lookups(t, "_")]

    return {
        t.name: hashlib.sha256(repr((row_reasons(t), precomputed(t), checks(t), data)).encode()).hexdigest()[:32]
        for t in tables
    }


def row_reasons(table: Table) -> str:
    """SQL for the messages of the rules a row breaks on its own (one string, '' when none).

    The loader computes it as the file streams into its staging table (column ``_r1``), so that the
    rows are not copied again just to add it. It reads the row's precomputed values
    (:func:`rules.precomputed`), computed just before it.
    """
    return reason_sql(table_rules(table))


def typed_columns(table: Table, lenient: bool = False) -> list[str]:
    """SQL for each staged text column as the store will hold it.

    On valid rows a cast cannot fail; ``lenient`` (TRY_CAST) is for expressions over every staged
    row, broken ones included, whose bad values the rules reject.
    """
    cast = "TRY_CAST" if lenient else "CAST"
    out = []
    for c in table.columns:
        if c.kind == "int":
            out.append(f"{cast}({c.name} AS BIGINT)")
        elif c.kind == "decimal":
            out.append(f"{cast}({c.name} AS DECIMAL(18,2))")
        elif c.kind == "date":
            out.append(f"{cast}({c.name} AS DATE)")
        elif c.kind == "bool":
            out.append(f"{c.name} = 'true'")
        elif c.kind in ("list", "regions"):
            out.append(f"list_transform(string_split({c.name}, ';'), lambda x: trim(x))")
        else:
            out.append(c.name)
    return out


def check(con: duckdb.DuckDBPyConnection, table: Table, stage: str) -> str:
    """Create the view ``_checked_<table>`` over the staging table (which holds ``_r1``) and return its name.

    The view adds ``_reason`` (NULL for a good row) and ``_duplicate`` (a good row repeating an earlier
    one of the same key exactly: kept once). Only what other rows decide is stored, in small tables
    (references, keys seen twice); the rows themselves are not copied.
    """
    t = table.name
    stored = ", ".join(typed_columns(table))  # rows compared as stored: "P1;P2" and "P1; P2" are one row
    # keys compared as stored too ("2024" and "02024" are one year), over every staged row
    typed = dict(zip(table.column_names, typed_columns(table, lenient=True), strict=True))
    keys = [typed[k] for k in table.key]
    key = ", ".join(keys)
    named = ", ".join(f"{sql} AS _k{i}" for i, sql in enumerate(keys))
    same_key = " AND ".join(f"c._k{i} = {sql}" for i, sql in enumerate(keys))
    key_text = " || ' ' || ".join(f"coalesce({k}, '')" for k in table.key)
    prefix = quoted(", ".join(table.key) + ": ")
    if t in NAMED:
        _named_rights(con, NAMED[t].format(stage=stage))
    lookups = [sql for _, sql in _lookups(table, stage)]
    parts = [f"SELECT _ord, 0 AS part, _r1 AS msg FROM {stage} WHERE _r1 <> ''"]
    for i, sql in enumerate(lookups):
        con.execute(f"CREATE OR REPLACE TEMP TABLE _ref_{t}_{i} AS {sql}")
        parts.append(f"SELECT _ord, {i + 1}, msg FROM _ref_{t}_{i}")
    # the reasons of the rejected rows only (few): every later read joins them to the rows by number,
    # instead of joining each lookup and joining the messages for every row
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _reasons_{t} AS
                    SELECT _ord, string_agg(msg, '; ' ORDER BY part) AS msg
                    FROM ({" UNION ALL ".join(parts)}) GROUP BY _ord""")
    found = f"_found_{t}"
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {found} AS
                    SELECT r.* EXCLUDE (_r1), m.msg AS _reason FROM {stage} r LEFT JOIN _reasons_{t} m USING (_ord)""")
    # good rows sharing a key: the first is kept when all would be stored the same, and all are rejected when two differ
    # (their rows' hashes differ: min <> max, no set per key). A row that broke a rule is rejected on its
    # own and does not take its key's good row with it. Keys repeated in the file are found by their hash
    # first (a fixed-width group per row, where grouping 58 million text keys spilled for minutes); only
    # their rows are compared.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _twice_{t} AS
        WITH twice AS (SELECT hash({key}) AS h FROM {stage} GROUP BY h HAVING count(*) > 1)
        SELECT {named}, min(_ord) AS _keep,
               CASE WHEN min(hash({stored})) <> max(hash({stored}))
                    THEN {prefix} || any_value({key_text}) || ' has conflicting rows on lines '
                         || string_agg(_line::VARCHAR, ', ' ORDER BY _line) END AS _conflict
        FROM {found} WHERE _reason IS NULL AND hash({key}) IN (SELECT h FROM twice)
        GROUP BY ALL HAVING count(*) > 1""")
    checked = f"_checked_{t}"
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW {checked} AS
        SELECT r.* EXCLUDE (_reason), coalesce(r._reason, c._conflict) AS _reason,
               coalesce(r._reason IS NULL AND c._conflict IS NULL AND r._ord <> c._keep, false) AS _duplicate
        FROM {found} r LEFT JOIN _twice_{t} c ON r._reason IS NULL AND {same_key}""")
    return checked


def discard(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Drop what reading and checking ``table`` left (its staged rows, views and lookups) once it is stored."""
    t = table.name
    con.execute(f"DROP VIEW IF EXISTS _checked_{t}; DROP VIEW IF EXISTS _found_{t}")
    refs = [f"_ref_{t}_{i}" for i in range(len(_lookups(table, "_")))]
    for name in [f"_stage_{t}", f"_twice_{t}", f"_reasons_{t}", *refs, *([RIGHTS] if t in NAMED else [])]:
        con.execute(f"DROP TABLE IF EXISTS {name}")


def prepare(
    con: duckdb.DuckDBPyConnection, regions: list[str], successors: dict[str, str], countries: tuple[str, ...]
) -> None:
    """Set the lookups the rules read: region and country codes, successors of retired codes, current keys."""
    con.execute("SET VARIABLE ipgauge_regions = ?", [regions])  # for lists of codes (a lambda takes no subquery)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {REGION_CODES} AS SELECT unnest(getvariable('ipgauge_regions')) AS code")
    con.execute("SET VARIABLE ipgauge_countries = ?", [list(countries)])
    con.execute("SET VARIABLE ipgauge_currencies = ?", [currencies()])
    con.execute(f"SET VARIABLE ipgauge_fx = {_fx_map()}")
    # What a reference may point to: the store's current rows. A load lands each file before reading the
    # next, in an order where references point backwards, so these include the delivery's own good rows
    # (a right's corrected filing date replacing the register's) — and nothing is copied.
    con.execute(f"CREATE OR REPLACE TEMP TABLE {REJECTED_KEYS} (tbl VARCHAR, id VARCHAR, note VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP VIEW _known_parties AS SELECT party_id FROM parties WHERE known_to IS NULL")
    con.execute("CREATE OR REPLACE TEMP VIEW _known_centres AS SELECT centre_id FROM centres WHERE known_to IS NULL")
    con.execute("CREATE OR REPLACE TEMP VIEW _known_cases AS SELECT case_id FROM cases WHERE known_to IS NULL")
    union = " UNION ALL ".join(
        f"SELECT {quoted(rt)} AS right_type, {col} AS right_id, {since} AS since FROM {name} WHERE known_to IS NULL"
        for rt, (name, col, since) in RIGHT_TABLES.items()
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW _known_rights AS {union}")
    pairs = pa.table({"retired": list(successors), "successor": list(successors.values())})
    con.register("_succ_arrow", pairs)
    con.execute("CREATE OR REPLACE TEMP TABLE _successors AS SELECT * FROM _succ_arrow")
    con.unregister("_succ_arrow")
