"""The delivery log and the one transaction that writes it: what was loaded before, and landing all or nothing.

The log (``deliveries``, ``delivery_files``) says when loading again could change nothing, so a
repeated delivery, or a repeated file, is not read again. The merges, the delivery's log entry and
the spells commit together, so an error, a crash or Ctrl-C leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import duckdb

from ipgauge.console import Progress
from ipgauge.errors import UserError, mark_saved, uninterrupted, why
from ipgauge.register import store
from ipgauge.register.loadreport import LoadReport
from ipgauge.register.schema import Table
from ipgauge.register.store import scalar
from ipgauge.register.validate import references


def repeated(con: duckdb.DuckDBPyConnection, checksum: str, recorded: date, rules: dict[str, str]) -> int | None:
    """The last delivery loaded when this one is byte for byte the same and it lost no row.

    Loading it again could change nothing (every row would be unchanged), so the load stops before
    reading a row: the unchanged re-load of a national delivery costs its checksum, not a merge.
    Any later delivery, a rejected row (whose rejects file a re-load would write again), an earlier
    recorded date (a rule refuses dates after it) or other rules (a newer ipgauge) and the load runs.
    """
    rows = con.execute(
        """SELECT delivery_id, checksum, rows_rejected, recorded_date,
                  (SELECT map(list(table_name), list(rules)) FROM delivery_files f WHERE f.delivery_id = d.delivery_id)
           FROM deliveries d ORDER BY delivery_id DESC LIMIT 1"""
    ).fetchall()
    if not rows:
        return None
    delivery, same, rejected, was_recorded, checked_by = rows[0]
    same_rules = checked_by is not None and dict(checked_by) == rules
    return delivery if same == checksum and rejected == 0 and was_recorded <= recorded and same_rules else None


def same_file(
    con: duckdb.DuckDBPyConnection, table: Table, checksum: str, rules: str, recorded: date
) -> tuple[int, int, int] | None:
    """(delivery that read it, rows, duplicates) when loading this file again could change nothing.

    That is when the last file loaded for ``table`` was this one, checked by the same rules and
    reference data, and reported nothing (no rejected row, no unresolved address, whose report files a
    reading would write again); when no table its rows refer to has been read since (a corrected right
    can make its unchanged events wrong); and when this delivery is not recorded earlier (a rule
    refuses dates after the delivery's). Its rows are then the table's current rows exactly.
    """
    refs = sorted(references(table))
    rows = con.execute(
        """SELECT coalesce(f.same_as, f.delivery_id), f.rows, f.duplicates FROM delivery_files f
           JOIN deliveries d USING (delivery_id)
           WHERE f.table_name = ?
             AND f.delivery_id = (SELECT max(delivery_id) FROM delivery_files WHERE table_name = ?)
             AND f.checksum = ? AND f.rules = ? AND f.rejected = 0 AND f.unresolved = 0 AND d.recorded_date <= ?
             AND NOT EXISTS (SELECT 1 FROM delivery_files r WHERE list_contains(?, r.table_name)
                             AND r.delivery_id > f.delivery_id AND r.same_as IS NULL)""",
        [table.name, table.name, checksum, rules, recorded, refs],
    ).fetchall()
    return rows[0] if rows else None


def in_one_transaction(
    con: duckdb.DuckDBPyConnection, land: Callable[[int], None], report: LoadReport, checksum: str, tick: Progress
) -> None:
    """Land every table, log the delivery and bring the spells up to date in one transaction (all or nothing)."""
    delivery_id = scalar(con, "SELECT coalesce(max(delivery_id), 0) + 1 FROM deliveries")
    con.execute("BEGIN")
    try:
        land(delivery_id)
        changed = any(t.new or t.changed for t in report.tables)
        seen = scalar(con, "SELECT count(*) FROM deliveries WHERE checksum = ?", [checksum])
        if changed or (not seen and report.accepted > 0):
            # by name: a log table that gained a column in an upgrade still gets every value in its own column
            con.execute(
                """INSERT INTO deliveries BY NAME
                   SELECT ? AS delivery_id, ? AS loaded_at, ? AS source, ? AS recorded_date, ? AS synthetic,
                          ? AS checksum, ? AS rows_loaded, ? AS rows_rejected""",
                [
                    delivery_id,
                    datetime.now(),
                    report.origin or str(report.source.resolve()),
                    report.recorded_date,
                    report.synthetic,
                    checksum,
                    sum(t.new + t.changed for t in report.tables),
                    report.rejected,
                ],
            )
            report.delivery_id = delivery_id
            for t in report.tables:
                con.execute(
                    """INSERT INTO delivery_files BY NAME
                       SELECT ? AS delivery_id, ? AS table_name, ? AS file, ? AS checksum, ? AS rows,
                              ? AS duplicates, ? AS rejected, ? AS unresolved, ? AS rules, ? AS same_as""",
                    [
                        delivery_id,
                        t.table,
                        t.file,
                        t.checksum,
                        t.rows,
                        t.duplicates,
                        t.rejected,
                        t.unresolved,
                        t.rules,
                        t.same_as,
                    ],  # fmt: skip
                )
        store.upkeep(con, tick)  # the law's spells, for the rights this delivery touched, in the same transaction
        with uninterrupted():
            con.execute("COMMIT")
            mark_saved(f"delivery {delivery_id}" if report.delivery_id else "the delivery (it changed nothing)")
    except BaseException as e:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # DuckDB already abandoned the transaction (a failed write does): nothing was committed
        if isinstance(e, duckdb.IOException | duckdb.OutOfMemoryException) or (
            isinstance(e, duckdb.TransactionException) and "write" in str(e)
        ):
            raise UserError(
                f"the register could not be written ({why(e)}); nothing was loaded — free disk "
                "space or memory (IPGAUGE_MEMORY_LIMIT) and load again."
            ) from None
        raise
