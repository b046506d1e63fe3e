"""The versioned merge: a file's good rows landed as versions, history kept.

A record already in the store unchanged is skipped (loading twice changes nothing); a changed record
closes its current version (``known_to``, ``closed_by``) and adds a new one; a new record is added.
A party's region is derived as it lands: a retired code mapped to its successor, else its address
resolved (one that resolves to nothing is kept and reported, never guessed).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from ipgauge.regions.address import resolve
from ipgauge.register import store
from ipgauge.register.loadreport import TableReport
from ipgauge.register.schema import Table
from ipgauge.register.store import scalar
from ipgauge.register.validate import typed_columns
from ipgauge.sqltext import day


def _typed(table: Table) -> str:
    """The staged text columns (of the checked table ``c``) converted to the store's types."""
    out = [f"{sql} AS {c.name}" for c, sql in zip(table.columns, typed_columns(table), strict=True)]
    if table.derived:  # parties: a region code is mapped to its successor, or an address resolved
        out.append("coalesce(_succ.successor, region_code, _addr.code) AS resolved_region_code")
    return ", ".join(out)


def _derived_joins(table: Table) -> str:
    """The joins :func:`_typed`'s derived column reads (parties only): retired codes' successors, resolved addresses."""
    if not table.derived:
        return ""
    return (
        "LEFT JOIN _successors _succ ON _succ.retired = region_code "
        "LEFT JOIN _addresses _addr ON region_code IS NULL AND country = 'CN' AND _addr.address_text = address"
    )


def resolve_addresses(con: duckdb.DuckDBPyConnection, checked: str, report: TableReport, out: Path) -> None:
    """Resolve the addresses of good Chinese parties that have no region code; report those that resolve to nothing.

    A party abroad keeps its address as written: no Chinese division is read into it.
    """
    rows = con.execute(f"""SELECT DISTINCT address FROM {checked} WHERE _reason IS NULL AND region_code IS NULL
                           AND address IS NOT NULL AND country = 'CN'""").fetchall()
    addresses = [r[0] for r in rows]
    codes = resolve(addresses)
    con.register(
        "_resolved", pa.table({"address_text": pa.array(addresses, pa.string()), "code": pa.array(codes, pa.string())})
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _addresses AS SELECT * FROM _resolved")
    con.unregister("_resolved")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _unresolved AS
                    SELECT c.party_id, c.address, c._line AS line FROM {checked} c
                    JOIN _addresses a ON a.address_text = c.address
                    WHERE c._reason IS NULL AND c.region_code IS NULL AND c.country = 'CN' AND a.code IS NULL""")
    report.unresolved = scalar(con, "SELECT count(*) FROM _unresolved")
    target = out / "unresolved_addresses.csv"
    if report.unresolved:
        out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".unresolved-", suffix=".csv")
        os.close(fd)
        con.execute("COPY (SELECT * FROM _unresolved ORDER BY line) TO ? (FORMAT csv, HEADER)", [tmp])
        os.replace(tmp, target)
    else:
        target.unlink(missing_ok=True)


def _first_known(table: Table) -> str:
    """SQL: from when a new record is known (an event from its recorded date, else when it took effect)."""
    if table.name == "events":
        return "coalesce(n.recorded_date, n.effective_date)"
    return f"n.{table.known_from}" if table.known_from else day(store.BEGINNING)


def _insert(con: duckdb.DuckDBPyConnection, table: Table, source: str, known_from: str, delivery_id: int) -> int:
    """Insert the rows ``n`` of ``source`` (SQL after FROM) as current versions; return how many."""
    return scalar(
        con,
        f"""INSERT INTO {table.name} BY NAME  -- by name: a store upgraded in place has its newer columns last
            SELECT n.*, {known_from} AS known_from, NULL AS known_to, {delivery_id} AS delivery_id, NULL AS closed_by
            FROM {source}""",
    )


def merge(
    con: duckdb.DuckDBPyConnection, table: Table, checked: str, delivery_id: int, recorded: date, report: TableReport
) -> None:
    """Land the good rows of one table: skip unchanged ones, supersede changed ones, add new ones."""
    t, key = table.name, ", ".join(table.key)
    match = " AND ".join(f"s.{k} = n.{k}" for k in table.key)
    differs = " OR ".join(f"s.{c} IS DISTINCT FROM n.{c}" for c in table.column_names)
    good = f"SELECT {_typed(table)} FROM {checked} {_derived_joins(table)} WHERE _reason IS NULL AND NOT _duplicate"
    if not scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {t} WHERE known_to IS NULL LIMIT 1)"):
        # nothing current to compare with (a first load): every good row is new, and goes straight in
        # without a typed copy — at national scale that copy spilled gigabytes to disk
        report.new = _insert(con, table, f"({good}) n", _first_known(table), delivery_id)
        report.duplicates = report.rows - report.rejected - report.new
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new AS {good}")
    good_rows = scalar(con, "SELECT count(*) FROM _new")
    report.duplicates = report.rows - report.rejected - good_rows
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _changed AS
                    SELECT {", ".join(f"n.{k}" for k in table.key)}, greatest(s.known_from, ?::DATE) AS at
                    FROM _new n JOIN {t} s ON {match} AND s.known_to IS NULL WHERE {differs}""",
        [recorded],
    )
    report.changed = scalar(con, "SELECT count(*) FROM _changed")
    con.execute(
        f"UPDATE {t} s SET known_to = n.at, closed_by = ? FROM _changed n WHERE {match} AND s.known_to IS NULL",
        [delivery_id],
    )
    inserted = _insert(
        con,
        table,
        f"_new n LEFT JOIN _changed c USING ({key}) WHERE NOT EXISTS "
        f"(SELECT 1 FROM {t} s WHERE {match} AND s.known_to IS NULL)",
        f"coalesce(c.at, {_first_known(table)})",
        delivery_id,
    )
    report.new = inserted - report.changed
    report.unchanged = good_rows - inserted
    con.execute("DROP TABLE _new; DROP TABLE _changed")
