"""A release on Spark, in its own file so that the suite's workers share the slow ones.

`release --from EXPORT --backend pyspark` and `release --db --backend pyspark` (the law itself on Spark
over the register's files) give DuckDB's figures to the digit.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from conftest import run
from ipgauge.register.cache import cache_dir

AS_OF, K = date(2025, 4, 30), date(2025, 6, 30)


@pytest.mark.pyspark
def test_a_release_from_an_export_on_spark_has_the_register_s_figures(small_delivery, tmp_path):
    """`release --from EXPORT --backend pyspark`: the law and the indicators on Spark, the figures to the digit."""
    db = tmp_path / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    export = tmp_path / "export"
    assert run("export", "--db", db, "--out", export).exit_code == 0
    spec = tmp_path / "two.toml"
    spec.write_text(
        f'region = "northeast"\nas_of = {AS_OF}\nknown_at = {K}\n'
        'indicators = ["valid_invention_patents", "valid_trademarks"]\n',
        encoding="utf-8",
    )
    on_duckdb = run("release", "--spec", spec, "--db", db, "--out", tmp_path / "db", "--lang", "en")
    assert on_duckdb.exit_code == 0, on_duckdb.stderr
    on_spark = run("release", "--spec", spec, "--from", export, "--backend", "pyspark", "--out", tmp_path / "sp")
    assert on_spark.exit_code == 0, on_spark.stderr
    assert (tmp_path / "sp" / "figures.csv").read_bytes() == (tmp_path / "db" / "figures.csv").read_bytes()
    # and over the register's own files: the law itself on Spark, not the spells DuckDB stored
    over_register = run("release", "--spec", spec, "--db", db, "--backend", "pyspark", "--out", tmp_path / "rs")
    assert over_register.exit_code == 0, over_register.stderr
    assert (tmp_path / "rs" / "figures.csv").read_bytes() == (tmp_path / "db" / "figures.csv").read_bytes()
    assert list(cache_dir(Path(db)).glob("law-tables-*"))  # the law read the register's tables, as Parquet
    figures = json.loads((tmp_path / "sp" / "figures.json").read_text(encoding="utf-8"))["figures"]["figures"]
    assert [f["name"] for f in figures] == ["valid_invention_patents", "valid_trademarks"]
    assert all(f["value"] > 0 for f in figures)
    assert not (Path.cwd() / "spark-warehouse").exists()  # Spark's tables go to a temporary folder
