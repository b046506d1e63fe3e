"""Screening speed at scale: build the claims index incrementally over a register of N claims, then screen.

The register is real (``load_delivery`` into DuckDB), its patents synthetic: N Chinese invention
patents in force or expired by their 20-year term, each with one independent claim assembled from
the preambles and elements of the 1,000 real US claims in bench/data (so claims read like claims and
share words as real ones do). They arrive in D deliveries; the index is built after each, as an
office would, and the time of each build is reported with the claims it added and re-indexed in
merges. The baseline, in the same run: one full rebuild of the final index (``--rebuild``).

Then Q queries (real claims) are screened with ``Screening`` — the law's in-force set on D, both
rankings, the fusion, every independent claim charted with its fallbacks, the legal status of all
results in one batch — in a process of its own, and each query's time is reported (the in-force
set, computed once, apart), with that process's peak memory; the build's peak memory is the main
process's. The baseline in the same process: the legal status the way it was computed before
(``law.status.explain`` per result, which compiles the law's expression for each), timed on the
results of the first three queries.

Last, the whole command as a user runs it: ``ipgauge screen --queries FILE.csv --top 10 --format
json`` over the same Q queries, timed from start to exit (start-up, the index check, the in-force
set, every chart and status included), per query.

``--vectors random`` (the default at this size) gives the claims random unit vectors instead of
embedding them: the dense sweep then costs exactly what it costs with real vectors, but the
embedding time is not measured at N; the encoder's own rate is measured on 2,000 real claims in the
same run and the time for N extrapolated, and reported as such. ``--vectors real`` embeds all.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_retrieval import load  # noqa: E402
from ipgauge.register.load import load_delivery  # noqa: E402
from ipgauge.register.schema import PARTIES, PATENTS  # noqa: E402
from ipgauge.services import claim_index, encoder  # noqa: E402
from ipgauge.services.claim_elements import split  # noqa: E402
from ipgauge.synth.patents import check_digits  # noqa: E402
from ipgauge.synth.writer import TableWriter  # noqa: E402


def claims(rng: np.random.Generator, n: int, preambles: list[str], elements: list[str]) -> list[str]:
    """N claims: a real preamble and 3 to 6 real elements each."""
    pre = rng.integers(0, len(preambles), n)
    counts = rng.integers(3, 7, n)
    picks = rng.integers(0, len(elements), int(counts.sum()))
    out, at = [], 0
    for p, c in zip(pre, counts, strict=True):
        out.append(f"1. {preambles[p]}: " + "; ".join(elements[i] for i in picks[at : at + c]) + ".")
        at += c
    return out


def deliver(folder: Path, start: int, n: int, rng, preambles, elements) -> None:
    serial = np.arange(start, start + n)
    bodies = np.char.add("2010", np.char.add("1", np.char.zfill(serial.astype(str), 7)))
    ids = np.char.add(np.char.add(np.char.add("CN", bodies), "."), check_digits(bodies))
    folder.mkdir(parents=True)
    filing = np.datetime64("2005-01-01") + rng.integers(0, 365 * 19, n).astype("timedelta64[D]")
    writer = TableWriter(folder, PATENTS, "parquet")
    writer.write(
        {
            "patent_id": pa.array(ids, pa.string()),
            "jurisdiction": pa.array(["CN"] * n),
            "kind": pa.array(["invention"] * n),
            "title": pa.array([f"synthetic claim {s}" for s in serial]),
            "claims": pa.array(claims(rng, n, preambles, elements)),
            "filing_date": pa.array(filing),
            "grant_date": pa.array(filing + np.timedelta64(3 * 365, "D")),
            "holders": pa.array(["P1"] * n),
        }
    )
    writer.close()
    parties = TableWriter(folder, PARTIES, "parquet")
    parties.write(
        {
            "party_id": ["P1"],
            "name": ["某电子公司"],
            "party_type": ["enterprise"],
            "country": ["CN"],
            "region_code": ["230103"],
        }
    )
    parties.close()
    (folder / "manifest.json").write_text(json.dumps({"synthetic": True}), encoding="utf-8")


def _high_water_kib() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def screen_only(db: Path, queries: int) -> None:
    """The screening half, in a process of its own so that its memory is its own: print its measurements."""
    import duckdb

    from ipgauge.services.claim_index import ClaimIndex, index_dir
    from ipgauge.services.screen import Screening

    texts, _ = load()
    con = duckdb.connect(str(db), read_only=True)
    t = time.perf_counter()
    index = ClaimIndex.open(index_dir(db))
    opened = time.perf_counter() - t
    t = time.perf_counter()
    session = Screening(con, db, index, "CN", date(2025, 6, 30), date(2025, 6, 30))
    law_s = time.perf_counter() - t
    times, found = [], []
    for q in _queries(texts, queries):
        t = time.perf_counter()
        results = session.screen(texts[q], 10)
        times.append(time.perf_counter() - t)
        assert results, "a query found nothing"
        found.append([r.right_id for r in results])
    from ipgauge.law.jurisdictions import rules_for
    from ipgauge.law.status import explain
    from ipgauge.services.legal_status import statuses

    t = time.perf_counter()
    for ids in found[:3]:
        for right in ids:
            explain(con, right, date(2025, 6, 30), date(2025, 6, 30), rules_for("CN"))
    per_result_explain = (time.perf_counter() - t) / sum(len(ids) for ids in found[:3])
    t = time.perf_counter()
    for ids in found[:3]:
        statuses(con, ids, date(2025, 6, 30), date(2025, 6, 30), rules_for("CN"))
    batched = (time.perf_counter() - t) / 3
    con.close()
    print(
        json.dumps(
            {
                "index_open_s": round(opened, 2),
                "in_force_set_s_first_query": round(law_s, 1),
                "in_force_rights": len(session.in_force),
                "query_s_median": round(statistics.median(times), 3),
                "query_s_max": round(max(times), 3),
                "statuses_batched_s_per_query": round(batched, 3),
                "baseline_explain_per_result_s": round(per_result_explain, 3),
                "baseline_explain_s_per_query_of_10": round(10 * per_result_explain, 2),
                "screening_peak_memory_gib": round(_high_water_kib() / 2**20, 2),
            }
        )
    )


def _queries(texts: list[str], n: int) -> list[int]:
    """The real claims used as queries: the same n for the in-process timing and the command line."""
    return [int(q) for q in np.random.default_rng(7).permutation(len(texts))[:n]]


def cli(db: Path, queries: int, work: Path) -> dict:
    """The whole ``ipgauge screen --queries`` command, from start to exit, over the same queries."""
    import csv

    texts, _ = load()
    path = work / "queries.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows((f"q{q}", texts[q]) for q in _queries(texts, queries))
    command = [str(Path(sys.executable).with_name("ipgauge")), "screen", "--queries", str(path), "--top", "10"]
    command += ["--format", "json", "--jurisdiction", "CN", "--as-of", "2025-06-30", "--db", str(db)]
    t = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == queries and all(line["results"] for line in lines)
    charts = sum(len(r["claims"]) for line in lines for r in line["results"])
    return {"cli_s_total": round(wall, 1), "cli_s_per_query": round(wall / queries, 3), "cli_charts": charts}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--screen-only", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--deliveries", type=int, default=5)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--vectors", choices=("random", "real"), default="random")
    ap.add_argument("--work", type=Path, default=None, help="Folder for the register (default: a temporary one).")
    args = ap.parse_args()
    if args.screen_only:
        screen_only(args.screen_only, args.queries)
        return
    texts, _ = load()
    parsed = [split(t) for t in texts]
    preambles = [p.preamble for p in parsed if p.preamble]
    elements = [e for p in parsed for e in p.elements]
    rng = np.random.default_rng(20261127)

    started = time.perf_counter()
    encoder.encode(texts * 2)
    rate = 2 * len(texts) / (time.perf_counter() - started)
    if args.vectors == "random":
        real_encode = encoder.encode

        def encode(batch, tick=None):  # the corpus gets random unit vectors; a query is embedded for real
            if len(batch) == 1:
                return real_encode(batch, tick)
            v = np.random.default_rng(len(batch)).standard_normal((len(batch), encoder.DIM)).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)

        encoder.encode = encode

    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        db = work / "register.duckdb"
        per = args.claims // args.deliveries
        builds = []
        import duckdb

        for n in range(args.deliveries):
            folder = work / f"d{n}"
            deliver(folder, n * per, per, rng, preambles, elements)
            t = time.perf_counter()
            load_delivery(folder, db, recorded_on=date(2025, 6, 30))
            loaded = time.perf_counter() - t
            con = duckdb.connect(str(db), read_only=True)
            t = time.perf_counter()
            report = claim_index.build(con, db)
            builds.append(
                {
                    "delivery": n + 1,
                    "load_s": round(loaded, 1),
                    "index_s": round(time.perf_counter() - t, 1),
                    "added": report.added,
                    "reindexed_in_merges": report.merged,
                    "segments": report.segments,
                }
            )
            con.close()
            print(json.dumps(builds[-1]), flush=True)
        con = duckdb.connect(str(db), read_only=True)
        t = time.perf_counter()
        claim_index.build(con, db, rebuild=True)
        rebuild_s = time.perf_counter() - t
        con.close()

        screened = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--screen-only", str(db), "--queries", str(args.queries)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        screened |= cli(db, args.queries, work)
    build_peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "claims": args.claims,
        "deliveries": args.deliveries,
        "vectors": args.vectors,
        "builds": builds,
        "incremental_index_s_total": round(sum(b["index_s"] for b in builds), 1),
        "baseline_full_rebuild_s": round(rebuild_s, 1),
        "encoder_claims_per_second": round(rate, 1),
        "encoder_hours_for_all_claims_extrapolated": round(args.claims / rate / 3600, 2),
        "build_peak_memory_gib": round(build_peak_gib, 2),
        **screened,
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / f"screen-{args.claims}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
