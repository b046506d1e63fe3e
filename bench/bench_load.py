"""Load throughput and peak memory, against a named baseline measured in the same run.

Steps, each in its own process so that peak memory (max RSS) is that step's alone:
  1. ``ipgauge synth`` at the chosen scale;
  2. baseline: plain DuckDB ``read_csv``/``read_parquet`` of the same files into tables, with no
     validation, no line numbers and no history (the floor any loader on this engine pays);
  3. ``ipgauge load`` of the delivery into a fresh register (the spells table included);
  4. the same delivery again (byte for byte: recognised, nothing read);
  5. the same files under a new manifest (a later recorded date): each file recognised, none read;
  6. a later delivery of 1% of the rows, corrected (validated, merged, its rights' spells recomputed).
``--delivery DIR`` reuses a delivery already written (the synth step is then not measured).
Prints a table and writes it as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

BASELINE = """
import duckdb, sys
from pathlib import Path
folder, fmt = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(sys.argv[3])
con.execute("SET memory_limit = '6GB'")  # the same budget as ipgauge load
for name in ("parties", "patents", "families", "trademarks", "gi_products", "events"):
    reader = "read_csv(?, all_varchar = true)" if fmt == "csv" else "read_parquet(?)"
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {reader}", [str(folder / f"{name}.{fmt}")])
con.close()
"""

#: A later delivery of 1% of the rows (every 100th of each file), the rights among them corrected
#: (a title, a mark's text, an event's note), recorded a month after the first: what a weekly load is.
INCREMENT = """
import duckdb, json, sys
from pathlib import Path
src, out, fmt = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
mark = sys.argv[4] if len(sys.argv) > 4 else "corrected"
out.mkdir(parents=True, exist_ok=True)
fix = {"patents": "title", "trademarks": "mark_text", "events": "note"}
for f in sorted(src.glob(f"*.{fmt}")):
    reader = "read_csv(?, all_varchar = true)" if fmt == "csv" else "read_parquet(?)"
    col = fix.get(f.stem)
    change = f" REPLACE (coalesce({col}, '') || ' ({mark})' AS {col})" if col else ""
    sql = f"SELECT *{change} FROM (SELECT *, row_number() OVER () AS _n FROM {reader}) WHERE _n % 100 = 0"
    target = out / f.name
    options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT parquet"
    duckdb.execute(f"COPY (SELECT * EXCLUDE (_n) FROM ({sql})) TO ? ({options})", [str(f), str(target)])
manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
y, m, d = map(int, manifest["recorded_date"].split("-"))
manifest["recorded_date"] = f"{y + (m == 12)}-{m % 12 + 1:02d}-{min(d, 28):02d}"
(out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
"""


#: ``ipgauge load`` as the command line runs it, with the time spent keeping the spells (the
#: register's upkeep, in the load's transaction) written to a file: the load without its spells is
#: the rest of the same run.
LOAD = """
import atexit, sys, time
from pathlib import Path
from ipgauge.register import store
spent, real = [0.0], store.upkeep
def upkeep(con, tick=None):
    started = time.perf_counter()
    real(con, tick)
    spent[0] += time.perf_counter() - started
store.upkeep = upkeep
atexit.register(lambda out=Path(sys.argv[1]): out.write_text(str(spent[0])))
from ipgauge.cli import app
sys.argv = ["ipgauge", "load", *sys.argv[2:]]
app()
"""
#: The baseline of the spells: the same law on one knowledge point (the register's last recorded
#: date), written as Parquet — what a register that kept no spells would pay for one K.
ONE_K = """
import sys
from pathlib import Path
from ipgauge.law.stages import spell_sql
from ipgauge.register import store
con = store.connect(Path(sys.argv[1]), read_only=True)
k = store.scalar(con, "SELECT max(recorded_date) FROM deliveries")
con.execute(f"COPY ({spell_sql(con, k)}) TO ? (FORMAT parquet)", [sys.argv[2]])
"""


def loaded(work: Path, name: str, args: list[str]) -> tuple[float, float, float]:
    """``ipgauge load ARGS``: (seconds, peak GiB, seconds of it spent on the spells)."""
    spells = work / f"{name}.spells-seconds"
    seconds, gib = timed([sys.executable, "-c", LOAD, str(spells), *args])
    return seconds, gib, float(spells.read_text())


def _month_later(day: str) -> str:
    y, m, d = map(int, day.split("-"))
    return f"{y + (m == 12)}-{m % 12 + 1:02d}-{min(d, 28):02d}"


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (seconds, peak resident memory in GiB) of that process and its children."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="province")
    ap.add_argument("--format", default="csv", choices=["csv", "parquet"])
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--delivery", type=Path, default=None, help="a delivery already written (skips synth)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="ipgauge-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    delivery, db, base_db = work / "delivery", work / "register.duckdb", work / "baseline.duckdb"
    for p in (db, base_db):
        p.unlink(missing_ok=True)
    ipg = str(BIN / "ipgauge")
    if args.delivery:
        delivery, synth_s, synth_gib = args.delivery, 0.0, 0.0
    else:
        synth = [ipg, "synth", "--scale", args.scale, "--format", args.format, "--out", str(delivery)]
        synth_s, synth_gib = timed(synth)
    manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    rows = sum(manifest["rows"].values())
    size = sum(p.stat().st_size for p in delivery.glob(f"*.{args.format}"))
    base_s, base_gib = timed([sys.executable, "-c", BASELINE, str(delivery), args.format, str(base_db)])
    first = [str(delivery), "--db", str(db), "--rejects", str(work / "rejects")]
    load_s, load_gib, spells_s = loaded(work, "first", first)
    one_k_s, one_k_gib = timed([sys.executable, "-c", ONE_K, str(db), str(work / "one-k.parquet")])
    again_s, again_gib = timed([ipg, "load", str(delivery), "--db", str(db), "--rejects", str(work / "rejects")])
    renamed = work / "renamed"  # the same files, hard-linked, under a manifest a month later
    shutil.rmtree(renamed, ignore_errors=True)
    renamed.mkdir()
    for f in delivery.glob(f"*.{args.format}"):
        os.link(f, renamed / f.name)
    later = dict(manifest, recorded_date=_month_later(manifest["recorded_date"]))
    (renamed / "manifest.json").write_text(json.dumps(later), encoding="utf-8")
    files_s, files_gib = timed([ipg, "load", str(renamed), "--db", str(db), "--rejects", str(work / "rejects-renamed")])
    shutil.rmtree(renamed)
    timed([sys.executable, "-c", INCREMENT, str(delivery), str(work / "increment"), args.format, "corrected"])
    inc_s, inc_gib, inc_spells_s = loaded(
        work, "increment", [str(work / "increment"), "--db", str(db), "--rejects", str(work / "rejects-increment")]
    )
    result = {
        "scale": args.scale,
        "format": args.format,
        "rows": rows,
        "bytes": size,
        "cores": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "synth": None
        if args.delivery
        else {"seconds": round(synth_s, 2), "peak_gib": round(synth_gib, 2), "rows_per_s": round(rows / synth_s)},
        "baseline_plain_duckdb_import": {
            "seconds": round(base_s, 2),
            "peak_gib": round(base_gib, 2),
            "rows_per_s": round(rows / base_s),
        },
        "ipgauge_load": {
            "seconds": round(load_s, 2),
            "peak_gib": round(load_gib, 2),
            "rows_per_s": round(rows / load_s),
            "vs_baseline": round(load_s / base_s, 2),
            "spells_seconds": round(spells_s, 2),
            "without_spells_vs_baseline": round((load_s - spells_s) / base_s, 2),
            "spells_vs_one_k": round(spells_s / one_k_s, 2),
        },
        "baseline_spells_of_one_k": {"seconds": round(one_k_s, 2), "peak_gib": round(one_k_gib, 2)},
        "ipgauge_load_again_idempotent": {
            "seconds": round(again_s, 2),
            "peak_gib": round(again_gib, 2),
            "vs_first_load": round(again_s / load_s, 3),
        },
        "ipgauge_load_same_files_new_manifest": {
            "seconds": round(files_s, 2),
            "peak_gib": round(files_gib, 2),
            "vs_first_load": round(files_s / load_s, 3),
        },
        "ipgauge_load_1pct_increment": {
            "seconds": round(inc_s, 2),
            "spells_seconds": round(inc_spells_s, 2),
            "peak_gib": round(inc_gib, 2),
            "vs_first_load": round(inc_s / load_s, 3),
        },
    }
    what = f"the delivery {args.delivery}" if args.delivery else f"{args.scale} scale"  # --scale is not used then
    print(
        f"ipgauge load benchmark — {what}, {args.format}, {rows:,} rows, {size / 2**20:,.0f} MiB, "
        f"{os.cpu_count()} cores"
    )
    print(f"{'step':<34}{'seconds':>10}{'rows/s':>14}{'peak GiB':>10}")
    steps = ("synth", "baseline_plain_duckdb_import", "ipgauge_load", "baseline_spells_of_one_k",
             "ipgauge_load_again_idempotent", "ipgauge_load_same_files_new_manifest")  # fmt: skip
    for name in steps[1:] if args.delivery else steps:
        r = result[name]
        rps = f"{rows / r['seconds']:,.0f}" if "spells" not in name else ""
        print(f"{name:<34}{r['seconds']:>10.1f}{rps:>14}{r['peak_gib']:>10.2f}")
    r = result["ipgauge_load_1pct_increment"]
    print(f"{'ipgauge_load_1pct_increment':<34}{r['seconds']:>10.1f}{'':>14}{r['peak_gib']:>10.2f}")
    print(
        f"the first load without its spells {(load_s - spells_s) / base_s:.2f}x the plain import; its spells "
        f"({spells_s:.1f} s) {spells_s / one_k_s:.2f}x the spells of one K; the whole load {load_s / base_s:.2f}x"
    )
    print(
        f"validation, history, one-transaction merge and the spells cost {load_s / base_s:.1f}x the plain import; "
        f"an unchanged re-load {again_s / load_s:.1%} of the first load ({files_s / load_s:.1%} under a new "
        f"manifest), a 1% increment {inc_s / load_s:.1%}"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = f"delivery-{args.delivery.name}" if args.delivery else args.scale
    (out / f"load-{name}-{args.format}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
