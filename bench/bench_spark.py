"""A release from an export, the law and the indicators on Spark, against the register's release on DuckDB.

Steps, each the real command line in its own process (wall time, Python and the JVM start included):
  1. ``ipgauge export`` of the register;
  2. baseline: ``ipgauge release --db`` (DuckDB: the stored spells table, the indicators);
  3. ``ipgauge release --from EXPORT`` (DuckDB: the law's Ibis stages on the Parquet, then the indicators);
  4. ``ipgauge release --from EXPORT --backend pyspark`` (Spark: the same stages, the same indicators).
Then, in process, the law alone at K on each engine (the stages' spells counted).
The three releases' ``figures.csv`` must be identical byte for byte. Prints a table and writes it
as JSON to bench/results/.

    python bench/bench_spark.py --db out/demo/register.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

LAW = """
import sys, time
from datetime import date
from pathlib import Path
from ipgauge.engines import connect
from ipgauge.law.sources import Sources
from ipgauge.law.stages import spells
ib = connect(sys.argv[2])
started = time.perf_counter()
n = ib.to_pyarrow(spells(Sources.of_export(ib, Path(sys.argv[1])), date.fromisoformat(sys.argv[3])).count())
print(int(n.as_py() if hasattr(n, "as_py") else n), time.perf_counter() - started)
"""


def timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(f"{' '.join(cmd[:3])} failed: {done.stderr.strip()[-400:]}")
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, default=ROOT / "out/demo/register.duckdb")
    ap.add_argument("--region", default="northeast")
    ap.add_argument("--as-of", default="2025-04-30")
    ap.add_argument("--known-at", default="2025-06-30")
    args = ap.parse_args()
    ipgauge = str(BIN / "ipgauge")
    spec = ["--region", args.region, "--as-of", args.as_of, "--known-at", args.known_at, "--lang", "en"]
    rows = []
    with tempfile.TemporaryDirectory(dir=ROOT / "out") as tmp:
        work = Path(tmp)
        rows.append(("export", timed([ipgauge, "export", "--db", str(args.db), "--out", str(work / "export")])))
        runs = {
            "release --db (DuckDB, stored spells) [baseline]": ["--db", str(args.db)],
            "release --from export (DuckDB, the law's stages)": ["--from", str(work / "export")],
            "release --from export --backend pyspark": ["--from", str(work / "export"), "--backend", "pyspark"],
        }
        outs = []
        for i, (name, extra) in enumerate(runs.items()):
            outs.append(work / f"r{i}")
            rows.append((name, timed([ipgauge, "release", *spec, *extra, "--out", str(outs[-1])])))
        csvs = [(o / "figures.csv").read_bytes() for o in outs]
        identical = all(c == csvs[0] for c in csvs)
        law = {}
        for engine in ("duckdb", "pyspark"):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", LAW, str(work / "export"), engine, args.known_at],
                capture_output=True,
                text=True,
                check=True,
            )
            n, inside = done.stdout.split()[-2:]
            law[engine] = (int(n), float(inside))
            rows.append((f"the law alone at K on {engine}: {int(n):,} spells (process incl. start)",
                         time.perf_counter() - started))  # fmt: skip
            rows.append((f"the law alone at K on {engine}, in process", float(inside)))
    cores = os.cpu_count()
    print(f"\n{args.db}  K={args.known_at}  cores={cores}  {platform.processor() or platform.machine()}")
    for name, seconds in rows:
        print(f"  {name:<70} {seconds:8.1f} s")
    print(f"  figures.csv identical across the three releases: {identical}")
    print(f"  spells counted: DuckDB {law['duckdb'][0]:,}, Spark {law['pyspark'][0]:,}")
    out = ROOT / "bench" / "results" / f"spark-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"db": str(args.db), "cores": cores, "steps": dict(rows), "identical": identical, "law": law}
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not identical or law["duckdb"][0] != law["pyspark"][0]:
        sys.exit("the engines disagree")


if __name__ == "__main__":
    main()
