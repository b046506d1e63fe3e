"""Clearance and the watch against a synthetic US register of about three million live marks.

    python bench/bench_clearance.py [--marks 3000000] [--week 10000] [--queries 20] [--watched 1000]

Writes the synthetic register (synth/us_marks.py) once into bench/cache/ (rewritten when the size or
seed asked for differs from its manifest), loads it into a bench register, then times:

- ``clear`` of ``--queries`` marks (each the text of a registered mark with one letter changed, so
  that there is something to find), per mark, against the target of 2 s;
- ``watch`` of ``--watched`` marks over the last week's filings, against the target of 1 minute;
- the baseline in the same run: judging every mark of the query's classes with ``compare`` (no search
  step), timed on a sample of 5,000 marks and scaled to the classes' size.

Results go to bench/results/clearance.json with the machine's core count.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from ipgauge.register import store
from ipgauge.services.marks.clearance import classes_near, clear, watch
from ipgauge.services.marks.similarity import compare
from ipgauge.synth.us_marks import RECORDED, write

HERE = Path(__file__).parent


def _register(n: int, week: int) -> Path:
    folder, db = HERE / "cache" / "us_marks", HERE / "cache" / "us_marks.duckdb"
    manifest = folder / "manifest.json"
    wanted = {"live_marks": n, "week_filings": week, "seed": 32}
    have = json.loads(manifest.read_text()) if manifest.exists() else {}
    if any(have.get(k) != v for k, v in wanted.items()) or not db.exists():
        shutil.rmtree(folder, ignore_errors=True)
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        write(folder, n, 32, week)
        print(f"wrote {n:,} marks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ipgauge", "load", str(folder), "--db", str(db)], check=True)
        print(f"loaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db


def _queries(con: duckdb.DuckDBPyConnection, count: int) -> list[tuple[str, list[int]]]:
    rng = random.Random(7)
    rows = con.execute(
        f"SELECT mark_text, nice_classes FROM trademarks USING SAMPLE {count} ROWS (reservoir, 7)"
    ).fetchall()
    out = []
    for text, classes in rows:
        i = rng.randrange(len(text))
        changed = text[:i] + rng.choice("AEIOUKST") + text[i + 1 :]
        out.append((changed, [int(c) for c in classes]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--marks", type=int, default=3_000_000)
    ap.add_argument("--week", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--watched", type=int, default=1000)
    args = ap.parse_args()
    db = _register(args.marks, args.week)
    d = k = RECORDED
    result: dict = {"cores": os.cpu_count(), "live_marks": args.marks, "week_filings": args.week}
    with store.reading(db) as con:
        queries = _queries(con, args.queries)
        clear(con, queries[0][0], queries[0][1], "US", d, k)  # first use: the dictionaries load once
        times, found = [], []
        for text, classes in queries:
            started = time.perf_counter()
            hits = clear(con, text, classes, "US", d, k)
            times.append(time.perf_counter() - started)
            found.append(len(hits))
        result["clear_seconds"] = {
            "median": sorted(times)[len(times) // 2],
            "max": max(times),
            "mean": sum(times) / len(times),
        }
        result["clear_conflicts_found"] = {"median": sorted(found)[len(found) // 2], "max": max(found)}
        watched = _queries(con, args.watched)
        started = time.perf_counter()
        alerts = watch(con, watched, RECORDED - timedelta(days=7), "US", k)
        result["watch_seconds"] = time.perf_counter() - started
        result["watch_alerts"] = len(alerts)
        text, classes = queries[0]
        sample = con.execute(
            "SELECT mark_text, nice_classes FROM trademarks WHERE list_has_any(nice_classes, $c::VARCHAR[]) "
            "USING SAMPLE 5000 ROWS (reservoir, 7)",
            {"c": [str(c) for c in classes_near(classes)]},
        ).fetchall()
        size = con.execute(
            "SELECT count(*) FROM trademarks WHERE list_has_any(nice_classes, $c::VARCHAR[])",
            {"c": [str(c) for c in classes_near(classes)]},
        ).fetchone()[0]
        started = time.perf_counter()
        for mark, nice in sample:
            compare(text, classes, mark, [int(c) for c in nice])
        per_mark = (time.perf_counter() - started) / len(sample)
        result["baseline_compare_every_mark_seconds"] = per_mark * size
        result["baseline_marks_in_classes"] = size
    result["date"] = date.today().isoformat()
    print(json.dumps(result, indent=1))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "clearance.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
