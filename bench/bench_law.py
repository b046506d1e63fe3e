"""Spells and address resolution: throughput and peak memory against named baselines, same run.

Spells: ``spells()`` for one knowledge date over a loaded register, uncached, in its own process
(peak RSS is that process's), against the floor of copying the register as known on K to Parquet
with no law applied. Addresses: ``resolve()`` on distinct synthetic addresses against calling cpca
one address at a time (on a sample, extrapolated per address).

    python bench/bench_law.py --db out/demo/register.duckdb        # a register you loaded
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

from ipgauge.register.cache import cache_dir

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

SPELLS = """
import sys, time, duckdb
from datetime import date
from pathlib import Path
from ipgauge.law.spells import scan, spells
db = Path(sys.argv[1])
from ipgauge.register.store import connect
con = connect(db, read_only=True)
k = date.fromisoformat(sys.argv[2])
path = spells(con, db, k)
started = time.perf_counter()
for _ in range(200):  # a cached call: key (store id, delivery log, SQL digest) and every file's stamp checked
    spells(con, db, k)
checked = (time.perf_counter() - started) / 200
started = time.perf_counter()
for _ in range(200):  # baseline: trusting the folder's name, as the cache did before issue 8
    path.exists()
named = (time.perf_counter() - started) / 200
print(duckdb.sql(f"SELECT count(*) FROM {scan(path)}").fetchall()[0][0], checked, named)
"""

FLOOR = """
import sys, duckdb
from ipgauge.register.store import known_at
from datetime import date
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET memory_limit = '6GB'")
con.execute("SET enable_progress_bar = false")
k = date.fromisoformat(sys.argv[2])
for t in ("patents", "trademarks", "events", "parties"):
    con.execute(f"COPY (SELECT * FROM {t} WHERE {known_at(k)}) TO ? (FORMAT parquet)", [f"{sys.argv[3]}/{t}.parquet"])
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
    ap.add_argument("--known-at", default="2025-06-30")
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
    for stale in cache_dir(db).glob(f"spells-CN-{args.known_at}-*"):  # measure the computation, not the cache
        shutil.rmtree(stale)
    spell_s, spell_gib, printed = timed([sys.executable, "-c", SPELLS, str(db), args.known_at])
    rows, checked_s, named_s = printed.split()
    spell_s -= 200 * (float(checked_s) + float(named_s))  # the process's time spent on the cache loops
    (work / "floor").mkdir(exist_ok=True)
    floor_s, floor_gib, _ = timed([sys.executable, "-c", FLOOR, str(db), args.known_at, str(work / "floor")])
    addr = bench_addresses(args.addresses, 500)
    result = {
        "register": str(db),
        "known_at": args.known_at,
        "cores": os.cpu_count(),
        "spells": {"rows": int(rows), "seconds": round(spell_s, 2), "peak_gib": round(spell_gib, 2)},
        "cached_call_ms": round(float(checked_s) * 1000, 2),
        "baseline_trust_the_name_ms": round(float(named_s) * 1000, 4),
        "baseline_floor_copy_register_as_known": {"seconds": round(floor_s, 2), "peak_gib": round(floor_gib, 2)},
        "addresses": addr,
    }
    print(f"law benchmark — {db} known at {args.known_at}, {os.cpu_count()} cores")
    print(
        f"spells: {int(rows):,} rows in {spell_s:.1f} s, peak {spell_gib:.2f} GiB "
        f"(floor, copying the register as known on K: {floor_s:.1f} s, peak {floor_gib:.2f} GiB)"
    )
    print(
        f"a cached spells call: {float(checked_s) * 1000:.2f} ms with its key and files checked "
        f"(baseline, trusting the folder's name: {float(named_s) * 1000:.4f} ms)"
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
