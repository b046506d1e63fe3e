"""What importing ipgauge installs: Ibis's SQL compilers loaded one dialect at a time (engines._DialectsOnDemand).

The finder serves Ibis's package in place of its own ``__init__``; every dialect Ibis ships must
still compile, a package dialect (BigQuery's folder) as well as a module one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ipgauge  # noqa: F401  (installs the finder)

DIALECTS = ("athena", "bigquery", "clickhouse", "databricks", "datafusion", "druid", "duckdb", "exasol", "flink",
            "impala", "materialize", "mssql", "mysql", "oracle", "postgres", "pyspark", "risingwave",
            "singlestoredb", "snowflake", "sqlite", "trino")  # fmt: skip


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_ibis_ships_still_compiles(dialect):
    import ibis

    t = ibis.table({"a": "int64", "b": "string"}, name="t")
    sql = ibis.to_sql(t.filter(t.a > 1).select("b"), dialect=dialect)
    assert "t" in sql and "b" in sql


def test_the_list_above_is_ibis_own():
    import ibis.backends.sql.compilers as sc

    folder = Path(sc.__spec__.origin).parent
    shipped = {p.stem for p in folder.iterdir() if not p.name.startswith("_") and p.stem != "base"}
    assert shipped == set(DIALECTS)


def test_the_command_line_starts_without_ibis():
    code = "import sys, ipgauge.cli; print('ibis' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_path_spark_cannot_read_is_one_sentence(tmp_path):
    from ipgauge.errors import UserError
    from ipgauge.sqltext import engine_path

    assert engine_path("pyspark", tmp_path / "a[1]" / "x.parquet").endswith("a\\[1\\]/x.parquet")
    assert engine_path("pyspark", tmp_path / "a:b" / "x.parquet").endswith("a:b/x.parquet")
    with pytest.raises(UserError, match="Spark cannot read files under"):
        engine_path("pyspark", tmp_path / "a:b[1]" / "x.parquet")
