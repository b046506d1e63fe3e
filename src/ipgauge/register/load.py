"""Loading a delivery: every file read, every row checked, the good rows landed, in one transaction.

Files are taken in load order (a table's references point to tables before it): each is staged,
checked, its rejects written and its good rows merged before the next is read, so one file's rows
are held at a time. The merges, the delivery's log entry and the spells commit together, so an
error, a crash or Ctrl-C leaves the store exactly as it was. Records already in the store unchanged
are skipped (loading twice changes nothing); a changed record closes its current version and adds a
new one (history is kept).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ipgauge.console import Progress
from ipgauge.errors import UserError, mark_saved, uninterrupted, why
from ipgauge.regions.address import resolve
from ipgauge.regions.countries import countries
from ipgauge.regions.divisions import current, divisions, retired_codes
from ipgauge.register import store
from ipgauge.register.cache import alive
from ipgauge.register.reader import StagedFile, find_file, stage_file
from ipgauge.register.rules import precomputed
from ipgauge.register.schema import TABLES, TABLES_BY_NAME, Table, parse_date
from ipgauge.register.store import scalar
from ipgauge.register.validate import (
    check,
    discard,
    prepare,
    references,
    rejected_keys_sql,
    row_reasons,
    rules_digests,
    typed_columns,
)
from ipgauge.sqltext import day

MANIFEST = "manifest.json"
SHOWN_REJECTS = 10  # reject lines printed per table; all of them go to the report file
SHOWN_WIDTH = 500  # characters of a printed reject line


@dataclass
class TableReport:
    """What loading one file did."""

    table: str
    file: str
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    unresolved: int = 0  # parties whose address resolves to no region (kept, reported, never guessed)
    reject_lines: list[str] = field(default_factory=list)
    checksum: str = ""
    rules: str = ""  # the digest of the rules and reference data it was (or would be) checked by
    #: The delivery whose file for this table was byte for byte this one (it lost no row): not read again.
    same_as: int | None = None


@dataclass
class LoadReport:
    """What loading a delivery did, table by table."""

    source: Path
    rejects_dir: Path
    synthetic: bool
    recorded_date: date
    tables: list[TableReport]
    delivery_id: int | None = None
    #: The delivery this one repeats byte for byte when it was the last one loaded (nothing to do).
    same_as: int | None = None
    #: What the delivery log records as the source, when not the folder (an API write: the key's id).
    origin: str | None = None

    @property
    def rejected(self) -> int:
        """Rows rejected over all files."""
        return sum(t.rejected for t in self.tables)

    @property
    def accepted(self) -> int:
        """Rows that passed validation over all files (whether or not they changed the store)."""
        return sum(t.rows - t.rejected for t in self.tables)

    @property
    def exit_code(self) -> int:
        """0 when every row loaded, 1 when some were rejected, 2 when every row was rejected."""
        if self.rejected == 0:
            return 0
        return 2 if self.accepted == 0 else 1


def _manifest(folder: Path) -> dict:
    """The delivery's ``manifest.json``, its values checked: ``synthetic`` a boolean, ``recorded_date`` a date."""
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{MANIFEST} is not valid UTF-8 JSON ({e}).") from None
    except OSError as e:
        raise UserError(f"{MANIFEST} cannot be read ({e.strerror}).") from None
    if not isinstance(data, dict):
        raise UserError(f"{MANIFEST} must hold a JSON object.")
    if "synthetic" in data and not isinstance(data["synthetic"], bool):
        raise UserError(f"{MANIFEST}: synthetic must be true or false (a JSON boolean), not {data['synthetic']!r}.")
    if data.get("recorded_date") is not None:
        data["recorded_date"] = parse_date(data["recorded_date"], f"{MANIFEST}: recorded_date")
    return data


def _same_file(
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


#: What a delivery folder may hold besides the canonical files: its manifest and notes, the rejects
#: of an earlier load, and what `ipgauge export` writes beside the tables (history and delivery log).
EXTRAS = {
    MANIFEST: "file",
    "README.txt": "file",
    "README.md": "file",
    "REJECTS": "dir",
    "history": "dir",
    "deliveries.parquet": "file",
}


def _delivery_files(folder: Path) -> dict[str, Path]:
    """The delivery's canonical files; anything unknown, unreadable or oddly named stops the load, named."""
    if not folder.is_dir():
        raise UserError(f"there is no delivery folder {folder}.")
    canonical = {f"{t.name}{ext}" for t in TABLES for ext in (".csv", ".parquet")}
    try:
        entries = sorted(folder.iterdir())
    except OSError as e:
        raise UserError(f"cannot list the delivery folder {folder} ({e.strerror}).") from None
    for p in entries:
        name = p.name
        if name in canonical or EXTRAS.get(name) == "file":
            if not p.is_file() or not os.access(p, os.R_OK):
                what = "a broken or looping link" if p.is_symlink() and not p.exists() else "not a readable file"
                raise UserError(f"{name} in {folder} is {what}; fix or remove it.")
        elif EXTRAS.get(name) == "dir":
            if not p.is_dir():
                raise UserError(f"{name} in {folder} should be a folder; remove it.")
        elif name.lower() in canonical or name.lower() in {n.lower() for n in EXTRAS}:
            raise UserError(f"{name} in {folder} must be named in lower case; rename it.")
        else:
            raise UserError(
                f"{name} is not a canonical file (a delivery holds {', '.join(sorted(t.name for t in TABLES))} "
                f"as .csv or .parquet, and {MANIFEST}); move it out of {folder}."
            )
    files = {t.name: f for t in TABLES if (f := find_file(folder, t))}
    if not files:
        raise UserError(f"{folder} holds none of the canonical files ({', '.join(f'{t.name}.csv' for t in TABLES)}).")
    return files


def _typed(table: Table) -> str:
    """The staged text columns (of the checked table ``c``) converted to the store's types."""
    out = [f"{sql} AS {c.name}" for c, sql in zip(table.columns, typed_columns(table), strict=True)]
    if table.derived:  # parties: a region code is mapped to its successor, or an address resolved
        out.append("coalesce(_succ.successor, region_code, _addr.code) AS resolved_region_code")
    return ", ".join(out)


def _derived_joins(table: Table) -> str:
    if not table.derived:
        return ""
    return (
        "LEFT JOIN _successors _succ ON _succ.retired = region_code "
        "LEFT JOIN _addresses _addr ON region_code IS NULL AND _addr.address_text = address"
    )


def _resolve_addresses(con: duckdb.DuckDBPyConnection, checked: str, report: TableReport, out: Path) -> None:
    """Resolve the addresses of good parties that have no region code; report those that resolve to nothing."""
    rows = con.execute(f"""SELECT DISTINCT address FROM {checked}
                           WHERE _reason IS NULL AND region_code IS NULL AND address IS NOT NULL""").fetchall()
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
                    WHERE c._reason IS NULL AND c.region_code IS NULL AND a.code IS NULL""")
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


def _merge(
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


def _write_rejects(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, checked: str, out: Path, report: TableReport
) -> None:
    """Write the file's rejected rows, whole, to ``out/<table>.csv`` with their line and reason."""
    target = out / f"{report.table}.csv"
    header = staged.header
    malformed = pa.table(
        {
            **{h: [f[i] if i < len(f) else None for _, f, _ in staged.malformed] for i, h in enumerate(header)},
            "line": [line for line, _, _ in staged.malformed],
            "reason": [r for _, _, r in staged.malformed],
        },
        schema=pa.schema([*((h, pa.string()) for h in header), ("line", pa.int64()), ("reason", pa.string())]),
    )
    con.register("_malformed", malformed)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _rejects AS
                    SELECT {", ".join(header)}, _line AS line, _reason AS reason FROM {checked}
                    WHERE _reason IS NOT NULL UNION ALL SELECT * FROM _malformed""")
    con.unregister("_malformed")
    report.rows += len(staged.malformed)
    report.rejected = scalar(con, "SELECT count(*) FROM _rejects")
    if report.rejected and (keep := rejected_keys_sql(TABLES_BY_NAME[report.table], report.file)):
        con.execute(keep)
    if report.rejected == 0:
        target.unlink(missing_ok=True)
        return
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{report.table}-", suffix=".csv")
    os.close(fd)
    con.execute("COPY (SELECT * FROM _rejects ORDER BY line) TO ? (FORMAT csv, HEADER)", [tmp])
    os.replace(tmp, target)
    lines = [  # one line each: a value's own line breaks are written \n (the rejects file keeps them as they are)
        f"{report.file}:{line}: {reason}".replace("\r", "\\r").replace("\n", "\\n")
        for line, reason in con.execute("SELECT line, reason FROM _rejects ORDER BY line").fetchall()
    ]
    report.reject_lines = [  # printed: a huge value is cut, report.txt has it whole
        line if len(line) <= SHOWN_WIDTH else line[:SHOWN_WIDTH] + " … (whole in report.txt)"
        for line in lines[:SHOWN_REJECTS]
    ]
    with open(out / "report.txt", "a", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)


def _check_rejects(rejects: Path, folder: Path) -> None:
    """Refuse a rejects folder whose files would overwrite a delivery (this one or another)."""
    if rejects.exists() and not rejects.is_dir():
        raise UserError(f"--rejects {rejects} is a file; name a folder.")
    if rejects.resolve() == folder.resolve():
        raise UserError(f"--rejects {rejects} is the delivery folder itself; its files would be overwritten.")
    parent = rejects.resolve().parent
    if parent != folder.resolve() and any(find_file(parent, t) for t in TABLES):
        raise UserError(f"--rejects {rejects} lies inside another delivery ({parent}); name a folder outside it.")
    for t in TABLES:
        target = rejects / f"{t.name}.csv"
        if target.is_file():
            with open(target, encoding="utf-8", errors="replace") as f:
                header = f.readline().strip().split(",")
            if header[-2:] != ["line", "reason"]:
                raise UserError(
                    f"--rejects {rejects} holds {t.name}.csv that is not a rejects file; it would be overwritten."
                )


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
    files = _delivery_files(folder)
    manifest = _manifest(folder)
    recorded = recorded_on or manifest.get("recorded_date") or date.today()
    if recorded > date.today():
        raise UserError(f"the delivery's recorded date {recorded} is in the future; a delivery is received by today.")
    rejects = rejects_dir or folder / "REJECTS"
    _check_rejects(rejects, folder)
    report = LoadReport(folder, rejects, bool(manifest.get("synthetic", False)), recorded, [], origin=origin)
    tick = progress or (lambda *_: None)
    tick("checksum", 0, 0)
    paths = [*files.values(), *([folder / MANIFEST] if (folder / MANIFEST).exists() else [])]
    digests = {p.name: store.file_digest(p) for p in paths}
    checksum = store.files_digest(sorted(digests.items()))  # in name order: a repeated delivery is recognised
    created = [p for p in (db.parent, db) if not p.exists()]  # removed again if nothing is loaded
    con = store.connect(db)
    _sweep_pending(rejects)
    pending = rejects / f".pending-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # put in place only if the load lands
    try:
        region_codes = sorted(set(divisions()) | set(retired_codes()))
        successors = {code: current(code) for code in retired_codes()}
        prepare(con, region_codes, successors, countries())
        con.execute("SET VARIABLE ipgauge_recorded = ?::DATE", [recorded])
        rules = rules_digests(con, [t for t in TABLES if t.name in files])
        report.same_as = _repeated(con, checksum, recorded, rules)
        if report.same_as:
            con.close()
            return report
        try:
            _transaction(
                con,
                lambda d: _land(con, d, files, digests, rules, pending, report, whole, tick),
                report,
                checksum,
                tick,
            )
        except Refused:
            _publish_rejects(pending, report)  # a refused single record reports its rejects as usual
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
    _publish_rejects(pending, report)  # after the commit, and outside the clean-up of a failed load
    return report


def _repeated(con: duckdb.DuckDBPyConnection, checksum: str, recorded: date, rules: dict[str, str]) -> int | None:
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


def _sweep_pending(rejects: Path) -> None:
    """Remove the pending rejects of loads whose process is gone (killed outright, it could not clean up).

    A living process's folder is left alone: another register may be loading the same delivery. A
    tidy-up only: a folder it cannot read or remove is left, and the load goes on.
    """
    with contextlib.suppress(OSError):
        _sweep(rejects)


def _sweep(rejects: Path) -> None:
    for folder in rejects.glob(".pending-*"):
        name = re.fullmatch(r"\.pending-(\d+)-[0-9a-f]{8}", folder.name)
        if not name or folder.is_symlink() or not folder.is_dir() or alive(int(name.group(1))):
            continue
        if all(_ours(f) for f in folder.iterdir()):  # only what a load writes there: never a user's file
            shutil.rmtree(folder, ignore_errors=True)


def _ours(file: Path) -> bool:
    """Whether ``file`` is one a load writes into its pending rejects: a table's rejects, the report, a temporary."""
    if not file.is_file() or file.is_symlink():
        return False
    tables = {t.name for t in TABLES}
    if file.name in ("report.txt", "unresolved_addresses.csv") or file.suffix == ".csv" and file.stem in tables:
        return True
    return file.name.startswith(".") and file.name.split("-")[0][1:] in tables | {"unresolved"}


def _publish_rejects(pending: Path, report: LoadReport) -> None:
    """Put the landed load's report files in the rejects folder, replacing those of the files it read.

    They are written to ``pending`` while the load runs, so a load that fails or is interrupted
    leaves the rejects of the last landed one as they were.
    """
    rejects = report.rejects_dir
    names = [f"{t.table}.csv" for t in report.tables] + ["report.txt"]
    if any(t.table == "parties" and not t.same_as for t in report.tables):  # its addresses were resolved again
        names.append("unresolved_addresses.csv")
    try:
        for name in names:
            if (pending / name).exists():
                os.replace(pending / name, rejects / name)
            else:
                (rejects / name).unlink(missing_ok=True)
    except OSError as e:
        raise UserError(
            f"the delivery was loaded, but its rejects could not be put in {rejects} ({why(e)}); they are in {pending}."
        ) from None
    shutil.rmtree(pending, ignore_errors=True)


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
        if settled and (same := _same_file(con, table, digests[path.name], rules, report.recorded_date)):
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
            _write_rejects(con, sf, checked, pending, tr)
            if table.derived:
                _resolve_addresses(con, checked, tr, pending)
        except (OSError, duckdb.IOException) as e:
            raise UserError(
                f"cannot write rejected rows to {rejects} ({why(e)}), so nothing was loaded; pass --rejects DIR."
            ) from None
        tick(f"storing {table.name}", 0, 0)
        _merge(con, table, checked, delivery_id, report.recorded_date, tr)
        discard(con, table)
    if whole and report.rejected:
        raise Refused(report)


def _transaction(
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
            con.execute(
                "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
                    "INSERT INTO delivery_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
