"""The rejects folder's life: checked before a load, written while it runs, put in place when it lands.

A load writes each file's rejected rows (with their line and reason), ``report.txt`` and the parties'
unresolved addresses into a pending folder of its own; only a load that lands replaces the files of
the rejects folder, so a failed or interrupted one leaves the last landed load's rejects as they were,
and a killed one's pending folder is swept by the next load.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

from ipgauge.errors import UserError, why
from ipgauge.register.cache import alive
from ipgauge.register.loadreport import LoadReport, TableReport
from ipgauge.register.reader import StagedFile, find_file
from ipgauge.register.schema import TABLES, TABLES_BY_NAME
from ipgauge.register.store import scalar
from ipgauge.register.validate import rejected_keys_sql

SHOWN_REJECTS = 10  # reject lines printed per table; all of them go to the report file
SHOWN_WIDTH = 500  # characters of a printed reject line


def check_rejects(rejects: Path, folder: Path) -> None:
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


def pending_folder(rejects: Path) -> Path:
    """Where a load writes its report files until it lands: named by its process, so a dead one's is swept."""
    return rejects / f".pending-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def sweep_pending(rejects: Path) -> None:
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


def write_rejects(
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


def publish_rejects(pending: Path, report: LoadReport) -> None:
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
