"""The embedded store: one DuckDB file holding every canonical table, bitemporally.

Each row carries ``known_from`` (the date the register learned this version), ``known_to`` (the
date a later delivery superseded it; NULL while current) and the delivery that brought it, so that
"the register as known on K" is ``known_from <= K AND (known_to IS NULL OR known_to > K)``.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from importlib import resources
from pathlib import Path

import duckdb

from ipgauge.errors import UserError
from ipgauge.register.schema import TABLES, Table

DEFAULT_DB = "ipgauge.duckdb"
#: known_from of records that carry no date of their own (parties, families): known since always.
BEGINNING = date(1, 1, 1)


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
        "delivery_id INTEGER NOT NULL)"
    )


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


def connect(path: Path, *, read_only: bool = False, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating when needed) the store at ``path`` with every table present."""
    if read_only and not path.exists():
        raise UserError(f"there is no register at {path}; run `ipgauge load DIR` first or pass --db.")
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as e:
        raise UserError(f"cannot open the register {path}: {str(e).splitlines()[0]}") from None
    con.execute(f"SET memory_limit = '{memory_limit or os.environ.get('IPGAUGE_MEMORY_LIMIT', '6GB')}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # ours is on stderr; DuckDB's would write to stdout
    if not read_only:
        con.execute("BEGIN")
        for t in TABLES:
            con.execute(_ddl(t))
        con.execute(DELIVERIES_DDL)
        con.execute("COMMIT")
    return con


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

    ``out/<table>.parquet`` holds the current versions in canonical columns (loadable again with
    ``ipgauge load``); ``out/history/<table>.parquet`` holds every version with its bitemporal
    columns; ``out/deliveries.parquet`` the delivery log. Files appear only once complete.
    """
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=out, prefix=".export-") as tmp:
        work = Path(tmp)
        (work / "history").mkdir()
        jobs = [(f"{t.name}.parquet", canonical_select(t)) for t in TABLES]
        jobs += [(f"history/{t.name}.parquet", f"SELECT * FROM {t.name} ORDER BY known_from") for t in TABLES]
        jobs.append(("deliveries.parquet", "SELECT * FROM deliveries ORDER BY delivery_id"))
        for name, sql in jobs:
            con.execute(f"COPY ({sql}) TO '{work / name}' (FORMAT parquet, COMPRESSION zstd)")
        for t in TABLES:
            counts[t.name] = scalar(con, f"SELECT count(*) FROM {t.name} WHERE known_to IS NULL")
        (out / "history").mkdir(exist_ok=True)
        for name, _ in jobs:
            os.replace(work / name, out / name)
    if is_synthetic(con):
        (out / "README.txt").write_text(synthetic_notice(), encoding="utf-8")
    return counts


def known_at(k: date, alias: str = "") -> str:
    """SQL: the row is the version of its record that the register held on knowledge date ``k``."""
    a = f"{alias}." if alias else ""
    return f"{a}known_from <= DATE '{k}' AND ({a}known_to IS NULL OR {a}known_to > DATE '{k}')"


def last_delivery(con: duckdb.DuckDBPyConnection) -> int:
    """The id of the latest delivery (0 for an empty store): what derived caches are keyed on."""
    return int(scalar(con, "SELECT coalesce(max(delivery_id), 0) FROM deliveries"))
