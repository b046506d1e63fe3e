"""Collaboration on a whole register: the summary from cached spells, and an ego view, against baselines.

Target (issue 12): the collaboration indicators for the national synthetic register in under 30 s
on 2 cores, from cached spells; an ego view in under 1 s.

- summary: ``services.collaboration.summary`` for the nation on D — the three indicators with year
  on year and shares, academia–industry by field and by province, the whole network, Leiden
  communities, top institutions — timed stage by stage. Baseline (floor): one DuckDB scan of the
  cached spells counting the co-held valid invention patents on D, nothing else.
- ego: ``ego()`` for the showcase institute over five year ends (one query joined with the dates)
  against the same view as a loop of one query per year end.

    python bench/bench_collaboration.py --db out/nat/register.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date
from pathlib import Path

from ipgauge.indicators.query import open_counter
from ipgauge.regions.groups import region
from ipgauge.services import collaboration as C
from ipgauge.synth.parties import PartyPools

ROOT = Path(__file__).resolve().parents[1]


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def main() -> None:
    """Run the measurements and print them with the core count."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--as-of", default="2025-04-30")
    ap.add_argument("--known-at", default="2025-06-30")
    args = ap.parse_args()
    d, k = date.fromisoformat(args.as_of), date.fromisoformat(args.known_at)
    result: dict = {"cores": os.cpu_count(), "db": str(args.db), "as_of": str(d), "known_at": str(k)}
    with open_counter(args.db, k) as e:
        floor_sql = f"""SELECT count(*) FROM ({e.spells_sql}) AS s WHERE right_type = 'patent' AND kind = 'invention'
                        AND len(holders) > 1 AND valid_from <= DATE '{d}' AND DATE '{d}' < valid_to"""
        (co_held,), result["floor_s"] = timed(lambda: e.store_con.execute(floor_sql).fetchall()[0])
        nation = region("CN")
        stages = {}
        _, stages["indicators"] = timed(lambda: [e.point(n, nation, d) for n in C.INDICATORS])
        net, stages["network"] = timed(lambda: C.network(e, d))
        (_, membership), stages["leiden"] = timed(lambda: C.communities(net))
        summary, result["summary_s"] = timed(lambda: C.summary(e, nation, d))
        result["stages_s"] = stages
        result["network"] = summary["network"]
        result["co_held_floor"] = co_held
        result["co_held_summary"] = summary["indicators"][0]["value"]
        rows = e.store_con.execute(
            "SELECT party_id FROM parties WHERE name = ? ORDER BY party_id LIMIT 1", [PartyPools.showcase_name[0]]
        ).fetchall()
        party = rows[0][0]
        C.ego(e, party, d)  # warm: the spells table's blocks in the OS cache, as for any later call
        view, result["ego_s"] = timed(lambda: C.ego(e, party, d))

        def loop() -> list:
            out = []
            for y in view["years"]:
                on = date.fromisoformat(y["as_of"])
                out.append(C.ego(e, party, on, years=1)["years"][-1])
            return out

        looped, result["ego_loop_s"] = timed(loop)
        assert [y["partners"] for y in looped] == [y["partners"] for y in view["years"]]
        result["ego_partners"] = view["years"][-1]["partners"]
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "collaboration.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    n = result["network"]
    print(f"Collaboration benchmark — {args.db}, D {d}, K {k}, {result['cores']} cores")
    print(f"  floor: one scan counting co-held valid invention patents: {result['floor_s']:.2f} s ({co_held:,})")
    print(f"  summary, whole nation: {result['summary_s']:.1f} s (target < 30 s) — stages measured apart: "
          + ", ".join(f"{s} {v:.1f} s" for s, v in stages.items()))  # fmt: skip
    print(f"  network: {n['parties']:,} parties, {n['links']:,} links, {n['communities']:,} communities "
          f"(modularity {n['modularity']})")  # fmt: skip
    print(f"  ego view (5 year ends, one query): {result['ego_s']:.2f} s (target < 1 s); baseline, one query "
          f"per year end: {result['ego_loop_s']:.2f} s; {result['ego_partners']} partners")  # fmt: skip


if __name__ == "__main__":
    main()
