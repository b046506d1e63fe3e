"""Loading a delivery: every file read, every row checked, the good rows landed, in one transaction.

Files are taken in load order (a table's references point to tables before it): each is staged,
checked, its rejects written and its good rows merged before the next is read, so one file's rows
are held at a time. The merges, the delivery's log entry and the spells commit together, so an
error, a crash or Ctrl-C leaves the store exactly as it was. Records already in the store unchanged
are skipped (loading twice changes nothing); a changed record closes its current version and adds a
new one (history is kept).

The steps live beside this one: finding the delivery (:mod:`~ipgauge.register.delivery`), the
versioned merge (:mod:`~ipgauge.register.versions`), the rejects folder
(:mod:`~ipgauge.register.rejects`) and the delivery log with its transaction
(:mod:`~ipgauge.register.transaction`); this module runs them in order.
"""

from __future__ import annotations

import contextlib
import shutil
from datetime import date
from pathlib import Path

import duckdb

from ipgauge.console import Progress
from ipgauge.errors import UserError, why
from ipgauge.regions.countries import countries
from ipgauge.regions.divisions import current, divisions, retired_codes
from ipgauge.register import store
from ipgauge.register.delivery import MANIFEST, delivery_files, read_manifest
from ipgauge.register.loadreport import LoadReport, TableReport
from ipgauge.register.reader import stage_file
from ipgauge.register.rejects import check_rejects, pending_folder, publish_rejects, sweep_pending, write_rejects
from ipgauge.register.rules import precomputed
from ipgauge.register.schema import TABLES
from ipgauge.register.transaction import in_one_transaction, repeated, same_file
from ipgauge.register.validate import check, discard, prepare, references, row_reasons, rules_digests
from ipgauge.register.versions import merge, resolve_addresses


class Refused(Exception):
    """A delivery loaded whole had rejected rows, so nothing of it was loaded."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__(f"{report.rejected} rows rejected")
        self.report = report


def load_delivery(
    folder: Path,
    db: Path,
    *,
    rejects_dir: Path | None = None,
    recorded_on: date | None = None,
    progress: Progress | None = None,
    whole: bool = False,
    origin: str | None = None,
) -> LoadReport:
    """Validate and import the delivery in ``folder`` into the store at ``db``; see the module docstring.

    ``whole``: all or nothing — when any row is rejected, nothing is loaded and :class:`Refused` is
    raised with the report (the rejects are written as usual). Single records (a case and its
    amounts) are saved this way, so a refused amount does not leave its case closed without it.
    ``origin``: what the delivery log records as its source instead of the folder — who wrote a
    record through the API (``api key 1a2b3c4d``), since its folder is a temporary one.
    """
    files = delivery_files(folder)
    manifest = read_manifest(folder)
    recorded = recorded_on or manifest.get("recorded_date") or date.today()
    if recorded > date.today():
        raise UserError(f"the delivery's recorded date {recorded} is in the future; a delivery is received by today.")
    rejects = rejects_dir or folder / "REJECTS"
    check_rejects(rejects, folder)
    report = LoadReport(folder, rejects, bool(manifest.get("synthetic", False)), recorded, [], origin=origin)
    tick = progress or (lambda *_: None)
    tick("checksum", 0, 0)
    paths = [*files.values(), *([folder / MANIFEST] if (folder / MANIFEST).exists() else [])]
    digests = {p.name: store.file_digest(p) for p in paths}
    checksum = store.files_digest(sorted(digests.items()))  # in name order: a repeated delivery is recognised
    created = [p for p in (db.parent, db) if not p.exists()]  # removed again if nothing is loaded
    con = store.connect(db)
    sweep_pending(rejects)
    pending = pending_folder(rejects)  # put in place only if the load lands
    try:
        region_codes = sorted(set(divisions()) | set(retired_codes()))
        successors = {code: current(code) for code in retired_codes()}
        prepare(con, region_codes, successors, countries())
        con.execute("SET VARIABLE ipgauge_recorded = ?::DATE", [recorded])
        rules = rules_digests(con, [t for t in TABLES if t.name in files])
        report.same_as = repeated(con, checksum, recorded, rules)
        if report.same_as:
            con.close()
            return report
        try:
            in_one_transaction(
                con,
                lambda d: _land(con, d, files, digests, rules, pending, report, whole, tick),
                report,
                checksum,
                tick,
            )
        except Refused:
            publish_rejects(pending, report)  # a refused single record reports its rejects as usual
            raise
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        con.close()
        for p in reversed(created):  # a refused first load leaves no empty register behind
            p.with_name(p.name + ".wal").unlink(missing_ok=True)
            if p.is_dir():
                with contextlib.suppress(OSError):
                    p.rmdir()  # only when empty: it may hold the rejects just written
            else:
                p.unlink(missing_ok=True)
        raise
    con.close()
    publish_rejects(pending, report)  # after the commit, and outside the clean-up of a failed load
    return report


def _land(
    con: duckdb.DuckDBPyConnection,
    delivery_id: int,
    files: dict[str, Path],
    digests: dict[str, str],
    rules_of: dict[str, str],
    pending: Path,
    report: LoadReport,
    whole: bool,
    tick: Progress,
) -> None:
    """Each file in load order: read, checked, its rejects written, its good rows merged, its copies dropped.

    One file's rows are held at a time (a national delivery held whole spilled tens of gigabytes);
    the caller's transaction still makes the delivery all or nothing. ``whole``: when any row is
    rejected, :class:`Refused` is raised once every file has been checked, and the caller rolls back.
    """
    rejects = report.rejects_dir
    for table in TABLES:
        path = files.get(table.name)
        if path is None:
            continue
        # skipped only when what its rows refer to was not read either: a corrected right could
        # make its unchanged events wrong, and they must be checked again
        settled = not any(t.table in references(table) and not t.same_as for t in report.tables)
        rules = rules_of[table.name]
        if settled and (same := same_file(con, table, digests[path.name], rules, report.recorded_date)):
            delivery, rows, duplicates = same
            report.tables.append(
                TableReport(table.name, path.name, rows=rows, unchanged=rows - duplicates, duplicates=duplicates,
                            checksum=digests[path.name], rules=rules, same_as=delivery)
            )  # fmt: skip
            continue
        size = path.stat().st_size if path.suffix == ".csv" else 0
        sf = stage_file(
            con,
            path,
            table,
            lambda done, p=path, s=size: tick(f"reading {p.name}", done, s),
            f"{row_reasons(table)} AS _r1",
            precomputed(table),
        )
        tick(f"checking {path.name}", 0, 0)
        checked = check(con, table, sf.stage)
        tr = TableReport(table.name, path.name, rows=sf.rows, checksum=digests[path.name], rules=rules)
        report.tables.append(tr)
        try:
            write_rejects(con, sf, checked, pending, tr)
            if table.derived:
                resolve_addresses(con, checked, tr, pending)
        except (OSError, duckdb.IOException) as e:
            raise UserError(
                f"cannot write rejected rows to {rejects} ({why(e)}), so nothing was loaded; pass --rejects DIR."
            ) from None
        tick(f"storing {table.name}", 0, 0)
        merge(con, table, checked, delivery_id, report.recorded_date, tr)
        discard(con, table)
    if whole and report.rejected:
        raise Refused(report)
