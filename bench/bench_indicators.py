"""Indicator queries against two baselines measured in the same run.

Cases (on a loaded register, spells as known on K — a filter on its bitemporal spells table):
  1. the monthly series of valid_invention_patents over 120 months for every province;
  2. a point query (value and a year earlier) for the group `northeast`.
Baselines for case 1:
  (a) plain pandas: load the rights once, then filter them once per date;
  (b) hand-written DuckDB SQL, one query per date.
All three must give identical figures (checked). Peak memory is the process's max RSS after the
engine's cases, before the baselines run.

    python bench/bench_indicators.py --db out/demo/register.duckdb --known-at 2025-06-30
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import date
from pathlib import Path

import pandas as pd

from ipgauge.indicators.expressions import key_to_date
from ipgauge.indicators.query import open_counter
from ipgauge.law.bitemporal import view_sql
from ipgauge.regions.groups import nation, region
from ipgauge.register import store

ROOT = Path(__file__).resolve().parents[1]
WHERE = "right_type = 'patent' AND kind = 'invention' AND country = 'CN' AND province_code IS NOT NULL"


def month_ends(end: date, n: int) -> list[date]:
    last = end.year * 12 + end.month - 1
    return [key_to_date(k, "monthly") for k in range(last - n + 1, last + 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--known-at", default="2025-06-30")
    ap.add_argument("--to", default="2025-04-30")
    ap.add_argument("--months", type=int, default=120)
    args = ap.parse_args()
    k, end = date.fromisoformat(args.known_at), date.fromisoformat(args.to)
    dates = month_ends(end, args.months)

    con = store.connect(args.db, read_only=True)
    view = f"({view_sql(k)}) AS s"  # the spells as known on K: a filter on the register's bitemporal table
    rows = con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0]

    with open_counter(args.db, k) as counter:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            series = counter.series("valid_invention_patents", nation(), "monthly", dates[0], end, by="subregion")
            timings.append(time.perf_counter() - started)
        ours = {(p.extra["part"], p.as_of): p.value for p in series}
        points = []
        for _ in range(3):
            started = time.perf_counter()
            counter.point("valid_invention_patents", region("northeast"), end)
            points.append(time.perf_counter() - started)
    engine_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    started = time.perf_counter()
    frame = con.sql(f"SELECT province_code, valid_from, valid_to FROM {view} WHERE {WHERE}").df()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    pandas_result = {}
    vf = pd.to_datetime(frame["valid_from"]).to_numpy()
    vt = pd.to_datetime(
        frame["valid_to"].astype(str).where(frame["valid_to"].astype(str) != "9999-12-31", "2262-04-11")
    ).to_numpy()
    for d in dates:
        day = pd.Timestamp(d).to_datetime64()
        counts = frame.loc[(vf <= day) & (vt > day), "province_code"].value_counts()
        pandas_result.update({(p, d): int(c) for p, c in counts.items()})
    pandas_s = time.perf_counter() - started + load_s

    started = time.perf_counter()
    sql_result = {}
    for d in dates:
        for p, c in con.execute(
            f"SELECT province_code, count(*) FROM {view} WHERE {WHERE} "
            f"AND valid_from <= DATE '{d}' AND valid_to > DATE '{d}' GROUP BY 1"
        ).fetchall():
            sql_result[(p, d)] = c
    sql_s = time.perf_counter() - started

    nonzero = {key: v for key, v in ours.items() if v}
    assert nonzero == pandas_result == sql_result, "the engine and the baselines disagree"
    best = min(timings)
    result = {
        "register": str(args.db),
        "known_at": str(k),
        "spells_rows": rows,
        "cores": os.cpu_count(),
        "series_120_months_all_provinces": {
            "engine_sweep_seconds": [round(t, 3) for t in timings],
            "baseline_a_pandas_filter_per_date_seconds": round(pandas_s, 2),
            "baseline_a_load_part_seconds": round(load_s, 2),
            "baseline_b_duckdb_sql_per_date_seconds": round(sql_s, 2),
            "speedup_vs_a": round(pandas_s / best, 1),
            "speedup_vs_b": round(sql_s / best, 1),
        },
        "point_northeast_seconds": [round(t, 3) for t in points],
        "engine_peak_gib": round(engine_peak, 2),
    }
    print(f"indicator benchmark — {rows:,} spells as known on {k}, {os.cpu_count()} cores")
    print(
        f"120-month series, all provinces: engine sweep {best:.2f} s (runs: "
        f"{', '.join(f'{t:.2f}' for t in timings)}); (a) pandas per date {pandas_s:.1f} s "
        f"[{pandas_s / best:.0f}x]; (b) DuckDB SQL per date {sql_s:.1f} s [{sql_s / best:.0f}x]; figures identical"
    )
    print(f"point query, northeast: {min(points):.3f} s; engine peak memory {engine_peak:.2f} GiB")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"indicators-{args.db.stem}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
