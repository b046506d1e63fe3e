"""The law's spells and address resolution: time and peak memory against named baselines, same run.

Spells: the bitemporal table (every K at once, ``maintain`` from nothing, in its own process, peak
RSS that process's) against the baseline of computing and writing the spells of one K: the same law
on one knowledge point (``spell_sql``, written as Parquet), what a register without the table pays.
Then, for knowledge dates from 2010 on, each asked for the
first time in a fresh process: a point (the CLI, start included, and in process) and a 120-month
series by province. Addresses: ``resolve()`` on distinct synthetic addresses against calling cpca
one address at a time (on a sample, extrapolated per address).

    python bench/bench_law.py --db out/demo/register.duckdb        # a register you loaded (rebuilds its spells)
    python bench/bench_law.py --scale province                     # synth + load first
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: Knowledge dates asked for the first time, from 2010 to the register's last recorded date.
KS = ("2010-12-31", "2014-06-30", "2018-03-31", "2021-09-30", "2024-12-31", "2025-06-30")

BUILD = """
import sys, time
from pathlib import Path
from ipgauge.law.bitemporal import maintain
from ipgauge.register import store
con = store.connect(Path(sys.argv[1]))
con.execute("BEGIN")
con.execute("DELETE FROM meta WHERE key = 'spells'")
started = time.perf_counter()
maintain(con)
built = time.perf_counter() - started
con.execute("COMMIT")
print(con.execute("SELECT count(*) FROM spells").fetchall()[0][0], built)
"""

PER_K = """
import sys, time
from datetime import date
from ipgauge.law.stages import spell_sql
from ipgauge.register import store
from pathlib import Path
con = store.connect(Path(sys.argv[1]), read_only=True)
sql = spell_sql(con, date.fromisoformat(sys.argv[2]))
con.execute(f"COPY ({sql}) TO ? (FORMAT parquet, PARTITION_BY (right_type), OVERWRITE_OR_IGNORE)", [sys.argv[3]])
print(con.execute("SELECT count(*) FROM read_parquet(?)", [sys.argv[3] + "/*/*.parquet"]).fetchall()[0][0])
"""

QUERIES = """
import sys, time
from datetime import date
from pathlib import Path
from ipgauge.indicators.query import open_counter
from ipgauge.regions.groups import nation, region
k = date.fromisoformat(sys.argv[2])
started = time.perf_counter()
with open_counter(Path(sys.argv[1]), k) as e:
    p = e.point("valid_invention_patents", region("northeast"), k)
    point = time.perf_counter() - started
    last = date(k.year, k.month, 1) - __import__("datetime").timedelta(days=1)
    first = date(last.year - 10, last.month, 1)
    started = time.perf_counter()
    series = e.series("valid_invention_patents", nation(), "monthly", first, last, by="subregion")
    swept = time.perf_counter() - started
print(p.value, point, len(series), swept)
"""


def timed(cmd: list[str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    out = proc.stdout.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed: {proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 2**20, out


def addresses(n: int) -> list[str]:
    from ipgauge.regions.divisions import divisions

    table = divisions()
    counties = [d for d in table.values() if d.level == "county"]
    out = []
    for i in range(n):
        c = counties[i % len(counties)]
        pref = table[c.parent_code]
        prov = table[c.province_code]
        pname = "" if pref.name_zh == "市辖区" else pref.name_zh
        out.append(f"{prov.name_zh}{pname}{c.name_zh}第{i // len(counties) + 1}大街{i % 997}号")
    return out


def bench_addresses(n: int, sample: int) -> dict:
    import warnings

    from ipgauge.regions.address import resolve

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca
    batch = addresses(n)
    started = time.perf_counter()
    codes = resolve(batch)
    ours = time.perf_counter() - started
    resolved = sum(c is not None for c in codes)
    started = time.perf_counter()
    for a in batch[:sample]:
        cpca.transform([a])
    per_call = (time.perf_counter() - started) / sample
    return {
        "addresses": n,
        "resolved": resolved,
        "seconds": round(ours, 2),
        "per_s": round(n / ours),
        "baseline_one_call_per_address_per_s": round(1 / per_call),
        "speedup": round((per_call * n) / ours, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--scale", default="province")
    ap.add_argument("--known-at", default="2025-06-30", help="the K of the per-K baseline")
    ap.add_argument("--addresses", type=int, default=200_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipgauge-bench-law-"))
    db = args.db
    if db is None:
        db = work / "register.duckdb"
        subprocess.run(
            [str(BIN / "ipgauge"), "synth", "--scale", args.scale, "--out", str(work / "d")],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(BIN / "ipgauge"), "load", str(work / "d"), "--db", str(db)], check=True, capture_output=True
        )
    build_s, build_gib, printed = timed([sys.executable, "-c", BUILD, str(db)])
    rows, built_s = printed.split()
    (work / "perk").mkdir(exist_ok=True)
    perk_s, perk_gib, perk_rows = timed([sys.executable, "-c", PER_K, str(db), args.known_at, str(work / "perk")])
    asked = []
    for k in KS:
        cli_s, _, out = timed(
            [str(BIN / "ipgauge"), "indicator", "valid_invention_patents", "--region", "northeast", "--as-of", k,
             "--known-at", k, "--db", str(db), "--format", "json"]
        )  # fmt: skip
        q_s, q_gib, printed = timed([sys.executable, "-c", QUERIES, str(db), k])
        value, point_s, n, series_s = printed.split()
        asked.append({"known_at": k, "value": int(float(value)), "cli_point_s": round(cli_s, 2),
                      "point_s": round(float(point_s), 3), "series_120_months_by_province_s": round(float(series_s), 3),
                      "series_points": int(n), "peak_gib": round(q_gib, 2)})  # fmt: skip
    addr = bench_addresses(args.addresses, 500)
    result = {
        "register": str(db),
        "cores": os.cpu_count(),
        "bitemporal_spells_build": {"rows": int(rows), "seconds": round(float(built_s), 2),
                                    "process_seconds": round(build_s, 2), "peak_gib": round(build_gib, 2)},
        "baseline_per_k_spells": {"known_at": args.known_at, "rows": int(perk_rows), "seconds": round(perk_s, 2),
                                  "peak_gib": round(perk_gib, 2)},
        "new_knowledge_dates": asked,
        "addresses": addr,
    }  # fmt: skip
    print(f"law benchmark — {db}, {os.cpu_count()} cores")
    print(
        f"bitemporal spells (every K): {int(rows):,} rows in {float(built_s):.1f} s, peak {build_gib:.2f} GiB; "
        f"baseline, the spells of one K ({args.known_at}) by the same law, written as Parquet: "
        f"{int(perk_rows):,} rows in {perk_s:.1f} s, peak {perk_gib:.2f} GiB"
    )
    for a in asked:
        print(
            f"  K = {a['known_at']} asked first: point {a['point_s']:.3f} s in process, {a['cli_point_s']:.2f} s "
            f"by the CLI (start included); 120-month series by province {a['series_120_months_by_province_s']:.3f} s; "
            f"peak {a['peak_gib']:.2f} GiB"
        )
    print(
        f"addresses: {addr['per_s']:,}/s batched ({addr['resolved']:,} of {addr['addresses']:,} resolved) vs "
        f"{addr['baseline_one_call_per_address_per_s']:,}/s one call per address: {addr['speedup']}x"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"law-{db.stem}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
