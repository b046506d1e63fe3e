"""The embedded store: one DuckDB file holding every canonical table, bitemporally.

Each row carries ``known_from`` (the date the register learned this version), ``known_to`` (the
date a later delivery superseded it; NULL while current) and the delivery that brought it, so that
"the register as known on K" is ``known_from <= K AND (known_to IS NULL OR known_to > K)``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import duckdb

from ipgauge.console import Progress, err
from ipgauge.errors import UserError, damaged, why
from ipgauge.outputs import check_out
from ipgauge.register.schema import TABLES, Table
from ipgauge.sqltext import day, path_literal

DEFAULT_DB = "ipgauge.duckdb"
#: known_from of records that carry no date of their own (parties, families): known since always.
BEGINNING = date(1, 1, 1)
#: The end of a spell or a version that has not ended (its ``valid_to`` or ``known_to`` when stored closed).
OPEN = date(9999, 12, 31)


@dataclass(frozen=True)
class Upkeep:
    """A table derived from the register and kept inside it, brought up to date with each delivery.

    The law's spells are one: the register does not import the law (imports flow register → law),
    so the law registers its upkeep here when it is imported (:func:`keep`), and a load runs it in
    the load's own transaction. A store opened for reading whose derived tables lag (an older
    format, another version of the law) is brought up to date once, with a moment of write access.
    """

    name: str
    stale: Callable[[duckdb.DuckDBPyConnection], bool]
    bring_up: Callable[[duckdb.DuckDBPyConnection, Progress | None], None]
    #: Makes what is kept readable on a new connection (the spells are files beside the register,
    #: read through temporary views).
    attach: Callable[[duckdb.DuckDBPyConnection], None]


UPKEEP: list[Upkeep] = []


def keep(upkeep: Upkeep) -> None:
    """Register a derived table's upkeep (once per name)."""
    if all(u.name != upkeep.name for u in UPKEEP):
        UPKEEP.append(upkeep)


def upkeep(con: duckdb.DuckDBPyConnection, tick: Progress | None = None) -> None:
    """Bring every derived table up to the register's last delivery, in the caller's transaction."""
    for u in UPKEEP:
        u.bring_up(con, tick)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The single value a query returns.

    The whole result is consumed: DuckDB 2 refuses a later ``register`` while one is left unfinished.
    """
    return con.execute(sql, params or []).fetchall()[0][0]


def db_path(option: str | os.PathLike | None = None) -> Path:
    """The store's path: ``--db``, else ``IPGAUGE_DB``, else ``ipgauge.duckdb`` in the working folder."""
    return Path(option or os.environ.get("IPGAUGE_DB") or DEFAULT_DB)


def _ddl(table: Table) -> str:
    cols = ", ".join([f"{c.name} {c.sql_type}" for c in table.columns] + [f"{n} {t}" for n, t in table.derived])
    return (
        f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}, known_from DATE NOT NULL, known_to DATE, "
        "delivery_id INTEGER NOT NULL, closed_by INTEGER)"
    )


#: The store's own facts: its identity (a random id written once, at creation) and its format version.
META_DDL = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"
#: 2: rows carry ``closed_by``, the delivery that superseded them (the second clock, see GLOSSARY).
FORMAT_VERSION = "5"  # 2: closed_by and meta; 3: claims, US parties and patents; 4: casework; 5: delivery_files
NEW_SUFFIXES = (".duckdb", ".db")
_MEMORY = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)", re.IGNORECASE)
MIN_MEMORY = 256 * 10**6


DELIVERIES_DDL = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id INTEGER PRIMARY KEY,
    loaded_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    recorded_date DATE NOT NULL,
    synthetic BOOLEAN NOT NULL,
    checksum VARCHAR NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL
)
"""
#: Each file of each delivery, by its own digest: a file identical to the last one loaded for its table
#: (which lost no row) can change nothing, and a later load skips it unread.
DELIVERY_FILES_DDL = """
CREATE TABLE IF NOT EXISTS delivery_files (
    delivery_id INTEGER NOT NULL,
    table_name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    unresolved BIGINT NOT NULL,
    rules VARCHAR NOT NULL,  -- a digest of the rules and reference data the rows were checked by
    same_as INTEGER,  -- the delivery that read this very file (it was not read again), NULL when read
    PRIMARY KEY (delivery_id, table_name)
)
"""


def memory_limit(value: str | None = None) -> str:
    """The engine's working-memory limit: ``value``, else ``IPGAUGE_MEMORY_LIMIT``, else 6 GB."""
    limit = (value or os.environ.get("IPGAUGE_MEMORY_LIMIT") or "6GB").strip()
    match = _MEMORY.fullmatch(limit)
    if not match:
        raise UserError(f"IPGAUGE_MEMORY_LIMIT {limit!r} is not an amount of memory such as 4GB or 512MB.")
    unit = match.group(2).upper()
    scale = 1024 ** "BKMGT".index(unit[0]) if unit.endswith("IB") or unit == "B" else 1000 ** "BKMGT".index(unit[0])
    if float(match.group(1)) * scale < MIN_MEMORY:
        raise UserError(f"IPGAUGE_MEMORY_LIMIT {limit!r} is too small to work in; give at least 256MB.")
    return limit


def _check_file(path: Path) -> None:
    """Refuse anything at ``path`` that is not a DuckDB database (DuckDB would open a CSV as an empty one)."""
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a register file; pass --db FILE.duckdb.")
    if "\\" in str(path):  # DuckDB turns a backslash into a slash: another register would be written
        raise UserError(f"DuckDB reads a backslash in a register's path as a folder separator ({path}); rename it.")
    if "?" in str(path):  # DuckDB reads what follows a '?' in a database path as options
        raise UserError(f"DuckDB cannot keep a register at a path with a '?' ({path}); rename the folder or file.")
    if not path.exists():
        if path.suffix.lower() not in NEW_SUFFIXES:
            raise UserError(
                f"a new register file must end in .duckdb (or .db); {path} would be mistaken for another kind of file."
            )
        return
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as e:
        raise UserError(f"cannot read the register {path} ({e.strerror}).") from None
    if head[8:12] != b"DUCK":
        raise UserError(f"{path} is not an ipgauge register (not a DuckDB database file); pass another --db.")


def connect(path: Path, *, read_only: bool = False, limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating when needed) the store at ``path`` with every table present."""
    if read_only and not path.exists():
        raise UserError(f"there is no register at {path}; run `ipgauge load DIR` first or pass --db.")
    _check_file(path)
    limit = memory_limit(limit)
    try:
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        if not read_only and not os.access(path.parent, os.W_OK):  # else a load fails at its commit, on the .wal
            raise UserError(f"cannot write the register {path}: its folder {path.parent} is read-only.")
        con = duckdb.connect(str(path), read_only=read_only)
    except OSError as e:
        raise UserError(f"cannot create the register {path} ({why(e)}).") from None
    except duckdb.Error as e:
        if "Could not set lock" in str(e):
            holder = re.search(r"PID (\d+)", str(e))
            raise UserError(
                f"the register {path} is in use by another ipgauge process"
                + (f" (PID {holder.group(1)})" if holder else "")
                + "; wait for it to finish, or use another --db."
            ) from None
        raise UserError(f"cannot open the register {path} ({why(e)}).") from None
    if con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchall()[0][0] is None:
        con.close()
        raise UserError(f"{path} cannot hold a register (DuckDB would keep it in memory); pass --db FILE.duckdb.")
    con.execute("SET memory_limit = ?", [limit])
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # ours is on stderr; DuckDB's would write to stdout
    if not read_only:
        try:
            _create(con)
        except duckdb.Error as e:
            con.close()
            raise UserError(f"cannot prepare the register {path} ({why(e)}).") from None
    elif _version(con) != FORMAT_VERSION:
        con.close()
        _create_once(path)
        return connect(path, read_only=True, limit=limit)
    elif any(u.stale(con) for u in UPKEEP):
        con.close()
        _upkeep_once(path, limit)
        return connect(path, read_only=True, limit=limit)
    for u in UPKEEP:
        u.attach(con)
    return con


def _version(con: duckdb.DuckDBPyConnection) -> str | None:
    if not scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"):
        return None
    rows = con.execute("SELECT value FROM meta WHERE key = 'format'").fetchall()
    return rows[0][0] if rows else None


def _create_once(path: Path) -> None:
    """Bring an older store up to the current format (a reader found it older); needs a moment of write access."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as e:
        raise UserError(f"the register {path} needs a format upgrade but cannot be opened for it: {e}") from None
    try:
        _create(con)
    finally:
        con.close()


def _upkeep_once(path: Path, limit: str) -> None:
    """Bring a register's derived tables up to date for a reader (they lagged): one write, then read-only again."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as e:
        if "Could not set lock" in str(e) or "different configuration" in str(e):
            raise UserError(
                f"the register {path} must bring its spells up to date once, but it is in use; "
                "try again when the other ipgauge process has finished."
            ) from None
        raise UserError(
            f"the register {path} must bring its spells up to date once but cannot be written ({why(e)}); make it "
            "writable for one command, or copy it to a writable folder and use the copy."
        ) from None
    if err.is_terminal:  # a national register takes a couple of minutes, once
        err.print(f"Bringing the spells of {path} up to date (once, for this version of ipgauge) …")
    try:
        con.execute("SET memory_limit = ?", [limit])
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        con.execute("BEGIN")
        upkeep(con)
        con.execute("COMMIT")
    except duckdb.InterruptException:
        raise  # Ctrl-C: closing without a commit leaves the register as it was
    except duckdb.Error as e:
        raise UserError(
            f"the register {path} could not bring its spells up to date ({why(e)}); if it cannot be written, make it "
            "writable for one command, or copy it to a writable folder and use the copy."
        ) from None
    finally:
        con.close()


def _create(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that is missing, give a new store its identity and upgrade an older one."""
    version = _version(con)
    if version == FORMAT_VERSION:
        return  # every table is there: a store of this format was created whole, in one transaction
    con.execute("BEGIN")
    try:
        for t in TABLES:
            con.execute(_ddl(t))
            for c in t.columns:  # format 3 added optional columns (city, cpc …) to older tables
                con.execute(f"ALTER TABLE {t.name} ADD COLUMN IF NOT EXISTS {c.name} {c.sql_type}")
            if version is None:  # format 1: rows knew when they were superseded, not by which delivery
                con.execute(f"ALTER TABLE {t.name} ADD COLUMN IF NOT EXISTS closed_by INTEGER")
                match = " AND ".join(f"n.{k} = o.{k}" for k in t.key)
                con.execute(f"""UPDATE {t.name} o SET closed_by = (
                                    SELECT min(n.delivery_id) FROM {t.name} n
                                    WHERE {match} AND n.delivery_id > o.delivery_id)
                                WHERE o.known_to IS NOT NULL AND o.closed_by IS NULL""")
        con.execute(DELIVERIES_DDL)
        con.execute(DELIVERY_FILES_DDL)
        con.execute(META_DDL)
        con.execute("INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", [uuid.uuid4().hex])
        con.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", [FORMAT_VERSION])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def identity(con: duckdb.DuckDBPyConnection, upto: int | None = None) -> str:
    """What the register is, up to delivery ``upto``: its id and a digest of its delivery log.

    A store deleted and rebuilt at the same path gets a new id, and every delivery changes the
    digest, so a cache keyed on this is never read for another register's content.
    """
    store_id = scalar(con, "SELECT value FROM meta WHERE key = 'store_id'")
    log = con.execute(
        "SELECT delivery_id, loaded_at, checksum, recorded_date FROM deliveries "
        "WHERE delivery_id <= coalesce(?, delivery_id) ORDER BY delivery_id",
        [upto],
    ).fetchall()
    return f"{store_id}-{hashlib.sha256(repr(log).encode()).hexdigest()[:16]}"


def file_digest(path: Path) -> str:
    """SHA-256 of one file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def files_digest(named: list[tuple[str, str]]) -> str:
    """One digest of files given as (name, digest) pairs, in the order given: a delivery's, an export's."""
    return hashlib.sha256("".join(f"{name}:{d}\n" for name, d in named).encode()).hexdigest()


def synthetic_notice() -> str:
    """The text that labels every folder of synthetic data."""
    return resources.files("ipgauge.data").joinpath("SYNTHETIC.txt").read_text(encoding="utf-8")


def is_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any delivery in the store came from the synthetic generator."""
    return bool(scalar(con, "SELECT coalesce(bool_or(synthetic), false) FROM deliveries"))


def canonical_select(table: Table, where: str = "known_to IS NULL") -> str:
    """The store's rows of ``table`` in canonical columns (lists as lists, dates as dates)."""
    return f"SELECT {', '.join(table.column_names)} FROM {table.name} WHERE {where}"


def export(con: duckdb.DuckDBPyConnection, out: Path) -> dict[str, int]:
    """Write the store as Parquet: the current register as a loadable delivery, plus its history.

    ``out/<table>.parquet`` holds the current versions in canonical columns and ``out/manifest.json``
    the synthetic flag and latest recorded date (loadable again with ``ipgauge load``);
    ``out/history/<table>.parquet`` holds every version with its bitemporal columns;
    ``out/deliveries.parquet`` the delivery log. Files appear only once complete.
    """
    check_out(out, lambda folder: (folder / "deliveries.parquet").exists(), "an earlier export")
    counts: dict[str, int] = {}
    synthetic = is_synthetic(con)
    recorded = scalar(con, "SELECT max(recorded_date) FROM deliveries")
    manifest = {"synthetic": synthetic, **({"recorded_date": recorded.isoformat()} if recorded else {})}
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out, prefix=".export-") as tmp:
            work = Path(tmp)
            (work / "history").mkdir()
            jobs = [(f"{t.name}.parquet", canonical_select(t)) for t in TABLES]
            history = [
                (str(history_file(Path(), t.name)), f"SELECT * FROM {t.name} ORDER BY known_from") for t in TABLES
            ]
            jobs += [*history, ("deliveries.parquet", "SELECT * FROM deliveries ORDER BY delivery_id")]
            for name, sql in jobs:
                con.execute(f"COPY ({sql}) TO ? (FORMAT parquet, COMPRESSION zstd)", [str(work / name)])
            (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            if synthetic:
                (work / "README.txt").write_text(synthetic_notice(), encoding="utf-8")
            for t in TABLES:
                counts[t.name] = scalar(con, f"SELECT count(*) FROM {t.name} WHERE known_to IS NULL")
            (out / "history").mkdir(exist_ok=True)
            for name in [n for n, _ in jobs] + ["manifest.json"] + (["README.txt"] if synthetic else []):
                os.replace(work / name, out / name)
    except OSError as e:
        raise UserError(f"cannot write the export to {out} ({why(e)}).") from None
    except duckdb.IOException as e:
        if damaged(e):
            raise UserError(f"the register is damaged (truncated or overwritten): {why(e)}") from None
        raise UserError(f"cannot write the export to {out} ({why(e)}).") from None
    return counts


def history_file(folder: Path, table: str) -> Path:
    """Where an export keeps every version of ``table``."""
    return folder / "history" / f"{table}.parquet"


def export_files(folder: Path) -> list[Path]:
    """The files of an export that a release reads: the delivery log and every table's history."""
    return [folder / "deliveries.parquet", *(history_file(folder, t.name) for t in TABLES)]


def open_export(folder: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection whose views are an ``ipgauge export``'s tables, every version, and its delivery log.

    What a register answers small questions from (populations, centres, deliveries) read from its export
    instead; the rights themselves are read by whichever engine computes the law.
    """
    needed = export_files(Path())
    missing = [str(p) for p in needed if not (folder / p).is_file()]
    if not folder.is_dir() or len(missing) == len(needed):
        raise UserError(f"{folder} is not an ipgauge export (made by `ipgauge export --out DIR`).")
    if missing:
        raise UserError(f"the export in {folder} is incomplete: {', '.join(missing)} missing.")
    con = duckdb.connect()
    try:
        for path in needed:
            con.read_parquet(path_literal(folder / path)).create_view(path.stem)
        for t in TABLES:
            _check_export_table(con, t, history_file(folder, t.name))
    except duckdb.Error as e:
        con.close()
        raise UserError(f"the export in {folder} cannot be read ({why(e)}).") from None
    except UserError:
        con.close()
        raise
    return con


@functools.cache
def _register_columns() -> dict[str, dict[str, str]]:
    """Each register table's columns and their DuckDB types, as a new register creates them."""
    con = duckdb.connect()
    try:
        out = {}
        for t in TABLES:
            con.execute(_ddl(t))
            out[t.name] = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {t.name})").fetchall())
        return out
    finally:
        con.close()


def _check_export_table(con: duckdb.DuckDBPyConnection, table: Table, path: Path) -> None:
    """Refuse an export table that a register could not have written.

    Other columns, or two versions of a record from one delivery: a file appended to itself would count
    every right twice.
    """
    want = _register_columns()[table.name]
    have = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table.name})").fetchall())
    for column, kind in want.items():
        if have.get(column) != kind:
            found = f"it is {have[column]}" if column in have else "it is missing"
            raise UserError(
                f"{path} is not the register's {table.name}: its column {column} should be {kind}; {found}."
            )
    key = ", ".join(table.key)
    twice = con.execute(
        f"SELECT {key}, delivery_id FROM {table.name} GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if twice:
        raise UserError(
            f"{path} is damaged: {table.name} {' '.join(map(str, twice[0][:-1]))} has two versions from delivery "
            f"{twice[0][-1]}, which a register never holds."
        )


def known_at(k: date | str, alias: str = "", upto: int | None = None) -> str:
    """SQL: the row is the version of its record that the register held on knowledge date ``k``.

    ``k`` is a date or an SQL expression (a column of knowledge dates: one join then answers every K).
    The test is two inequalities, so that DuckDB joins on it by range. With ``upto``, only what the
    first ``upto`` deliveries brought counts (the second clock): a row delivered later is unseen, and
    a supersession by a later delivery is undone.
    """
    a = f"{alias}." if alias else ""
    at = day(k) if isinstance(k, date) else k
    if upto is None:
        return f"{a}known_from <= {at} AND {at} < coalesce({a}known_to, {day(OPEN)})"
    n = int(upto)
    return (
        f"{a}known_from <= {at} AND {a}delivery_id <= {n} "
        f"AND ({at} < coalesce({a}known_to, {day(OPEN)}) OR {a}closed_by > {n})"
    )


def last_delivery(con: duckdb.DuckDBPyConnection) -> int:
    """The id of the latest delivery (0 for an empty store): what derived caches are keyed on."""
    return int(scalar(con, "SELECT coalesce(max(delivery_id), 0) FROM deliveries"))


@contextmanager
def reading(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The register at ``db`` opened read-only for a block, and closed after it whatever happens."""
    con = connect(db, read_only=True)
    try:
        yield con
    finally:
        con.close()
