"""The synthetic register against every published figure it is calibrated to (issue 30).

    python bench/calibration_table.py --db REGISTER [--known-at K] [--factor F]

For each row of ``data/calibration_targets.csv`` (region, indicator, date, published value and
year-on-year change, source) the register's own figure is computed by the indicator engine as known
on K (default: the register's last delivery), and a Markdown table is printed: published,
synthetic, their ratio (synthetic / published), and both year-on-year changes. docs/synth.md holds the table for the
national synthetic register. ``--factor 50`` scales up a register of the ``province`` scale (1/50 of
the nation). Each row says whether the generator was fitted to it (``fit``) or it is held out
(``check``); the summary gives the share of held-out provincial figures within 15 %. A table, not a
benchmark: nothing is timed.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ipgauge.indicators.query import open_counter
from ipgauge.regions.groups import region
from ipgauge.register import store
from ipgauge.synth.calibration import published


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--known-at", type=date.fromisoformat)
    ap.add_argument("--factor", type=float, default=1.0)
    args = ap.parse_args()
    with store.reading(args.db) as con:
        known_at = args.known_at or store.scalar(con, "SELECT max(recorded_date) FROM deliveries")
    print(f"Known on {known_at}.\n")
    print("| region | indicator | date | role | published | synthetic | ratio | YoY published | YoY synthetic |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    within: dict[str, list[bool]] = {"fit": [], "check": []}
    with open_counter(args.db, known_at) as counter:
        for t in published():
            point = counter.point(t["indicator"], region(t["region"]), date.fromisoformat(t["as_of"]))
            value, mine = float(t["value"]), point.value * args.factor
            yoy = f"{float(t['yoy_pct']):+.1f} %" if t["yoy_pct"] else ""
            my_yoy = f"{point.yoy_pct:+.1f} %" if point.yoy_pct is not None else ""
            if t["region"].isdigit():
                within[t["role"]].append(abs(mine / value - 1) <= 0.15)
            print(f"| {t['region']} | {t['indicator']} | {t['as_of']} | {t['role']} | {value:,.0f} | {mine:,.0f} "
                  f"| {mine / value:.2f} | {yoy} | {my_yoy} |")  # fmt: skip
    for role, ok in within.items():
        print(f"\nProvinces and cities, {role}: {sum(ok)} of {len(ok)} within 15 %.", end="")
    print()


if __name__ == "__main__":
    main()
