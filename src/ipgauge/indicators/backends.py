"""The one place that knows engines: connecting Ibis to DuckDB (default) or Spark, and reading spells.

Indicators never name an engine; a difference between DuckDB and Spark belongs here.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from ipgauge.errors import UserError
from ipgauge.register.cache import parquet_parts

BACKENDS = ("duckdb", "pyspark")


def connect(name: str = "duckdb") -> ibis.BaseBackend:
    """An Ibis backend: an in-process DuckDB, or a local Spark session (``local[*]``, UI off, UTC)."""
    if name == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql("SET enable_progress_bar = false")
        return con
    if name == "pyspark":
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise UserError("the Spark backend needs the spark extra: pip install 'ipgauge[spark]'.") from None
        spark = (
            SparkSession.builder.master("local[*]")
            .appName("ipgauge")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        return ibis.pyspark.connect(spark)
    raise UserError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}.")


def read_spells(con: ibis.BaseBackend, path: Path) -> ir.Table:
    """The spells folder (Parquet, partitioned by right type) as an Ibis table on ``con``."""
    if con.name == "duckdb":
        return con.read_parquet(parquet_parts(path), hive_partitioning=True)
    return con.read_parquet(str(path))  # Spark discovers the right_type=… partitions itself
