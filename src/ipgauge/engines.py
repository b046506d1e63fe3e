"""The one place that knows engines: connecting Ibis to DuckDB (default) or Spark, and reading spells.

The law's stages and the indicators never name an engine; a difference between DuckDB and Spark belongs here.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ipgauge.errors import UserError, why

if TYPE_CHECKING:  # Ibis and Arrow are imported by the first connection: a command that counts nothing never pays
    import ibis
    import ibis.expr.types as ir
    import pyarrow as pa

BACKENDS = ("duckdb", "pyspark")


class _DialectsOnDemand(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Ibis's package of SQL compilers, each dialect imported when first named rather than all twenty at once.

    Loading Ibis's DuckDB or Spark backend imports ``ibis.backends.sql.compilers``, whose ``__init__``
    imports every dialect's compiler (Athena, BigQuery, Trino …): 0.12 s of a fresh command's start,
    for the one or two it uses. This finder gives that package a module whose attributes import their
    own submodule on first use, with the names read from Ibis's own ``__init__``.
    """

    NAME = "ibis.backends.sql.compilers"

    def find_spec(self, fullname, path, target=None):  # noqa: D102
        if fullname != self.NAME:
            return None
        real = importlib.machinery.PathFinder.find_spec(fullname, path)
        if real is None or real.origin is None:
            return None
        spec = importlib.util.spec_from_loader(fullname, self, origin=real.origin, is_package=True)
        spec.submodule_search_locations = real.submodule_search_locations
        return spec

    def create_module(self, spec):  # noqa: D102
        return None

    def exec_module(self, module) -> None:  # noqa: D102
        text = Path(module.__spec__.origin).read_text(encoding="utf-8")
        homes = {name: sub for sub, name in re.findall(rf"from {re.escape(self.NAME)}\.(\w+) import (\w+)", text)}
        module.__all__ = list(homes)

        folder = Path(module.__spec__.origin).parent

        def load(name: str):
            if name in homes:  # a compiler class: ``sc.DuckDBCompiler``
                value = getattr(importlib.import_module(f"{self.NAME}.{homes[name]}"), name)
            elif (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file():  # ``sc.bigquery``
                value = importlib.import_module(f"{self.NAME}.{name}")
            else:
                raise AttributeError(f"module {self.NAME!r} has no attribute {name!r}")
            setattr(module, name, value)
            return value

        module.__getattr__ = load


if not any(isinstance(f, _DialectsOnDemand) for f in sys.meta_path):
    sys.meta_path.insert(0, _DialectsOnDemand())


def connect(name: str = "duckdb", store: duckdb.DuckDBPyConnection | None = None) -> ibis.BaseBackend:
    """An Ibis backend: DuckDB (over a cursor of the register's connection when given), or a local Spark session.

    A cursor, because Ibis changes its connection's settings. Spark runs ``local[*]``, UI off, in UTC.
    """
    import ibis

    if name == "duckdb":
        con = ibis.duckdb.from_connection(store.cursor()) if store is not None else ibis.duckdb.connect()
        con.raw_sql("SET enable_progress_bar = false")
        con.raw_sql("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")  # ibis 12 writes `x -> …`, which DuckDB 2 deprecates
        return con
    if name == "pyspark":
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise UserError("the Spark backend needs the spark extra: pip install 'ipgauge[spark]'.") from None
        builder = (
            SparkSession.builder.master("local[*]")
            .appName("ipgauge")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.warehouse.dir", _warehouse())  # never spark-warehouse/ in the working folder
        )
        root = logging.getLogger()
        if not root.handlers:  # py4j logs an interrupted call to the root logger, which would print it
            root.addHandler(logging.NullHandler())
        handler = signal.getsignal(signal.SIGINT)
        try:
            with _quiet_stderr():
                spark = builder.getOrCreate()
        except Exception as e:
            raise UserError(
                f"Spark could not start ({why(e)}); it needs a Java runtime (17 or later): `make system` installs one."
            ) from None
        if handler is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, handler)  # Spark's own cancels jobs over a gateway Ctrl-C has just cut
        spark.sparkContext.setLogLevel("ERROR")
        return ibis.pyspark.connect(spark)
    raise UserError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}.")


def columns(backend: ibis.BaseBackend, expr: ir.Table) -> dict[str, list]:
    """A (small) result as lists by column.

    On DuckDB the compiled statement runs on the backend's own connection: Ibis's result converters
    import pandas, half a second of a fresh process's first figure.
    """
    if backend.name != "duckdb":
        return backend.to_pyarrow(expr).to_pydict()
    backend._run_pre_execute_hooks(expr)  # registers the expression's in-memory tables (ibis 12, pinned)
    cur = backend.raw_sql(backend.compile(expr))
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return {n: [r[i] for r in rows] for i, n in enumerate(names)}


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null while Spark's JVM starts: it inherits it for life.

    The JVM's banners and log4j warnings would otherwise break the command line's one sentence on
    stderr; what fails on the JVM still reaches Python as an exception.
    """
    sys.stderr.flush()
    kept, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(kept, 2)
        os.close(kept)
        os.close(null)


def written_join_order(con: ibis.BaseBackend) -> None:
    """Make DuckDB join as the law's stages are written: the large relation left, the small one right.

    DuckDB's own build-side choice, trusting cardinality estimates of 1 for derived relations, built
    hash tables on the large side and ran the national law out of memory; Spark plans its own joins.
    """
    if con.name == "duckdb":
        con.raw_sql("SET disabled_optimizers = 'build_side_probe_side'")


def arrow_table(con: ibis.BaseBackend, name: str, table: pa.Table) -> ir.Table:
    """A small Arrow table as a temporary table of ``con``, its NULLs kept.

    Ibis's own way to Spark goes through pandas, which turns a NULL string into "NaN".
    """
    if con.name == "duckdb":
        return con.create_table(name, table, temp=True)
    con._session.createDataFrame(table).createOrReplaceTempView(name)
    return con.table(name)


def _warehouse() -> str:
    """A temporary folder for the tables Spark makes of in-memory data, removed when the process ends."""
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="ipgauge-spark-")
    atexit.register(shutil.rmtree, folder, True)
    return folder
