"""Rebuild src/ipgauge/data/divisions.csv from the reference tables (a developer tool, never run by the product).

Usage: python scripts/build_divisions.py ../shared/reference
"""

import csv
import sys
from pathlib import Path

ref = Path(sys.argv[1])
out = Path(__file__).resolve().parents[1] / "src/ipgauge/data/divisions.csv"
rows = []
with open(ref / "divisions_provinces.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        rows.append((r["code"] + "0000", r["name"], "province", "", r["code"] + "0000"))
with open(ref / "divisions_cities.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        rows.append((r["code"] + "00", r["name"], "prefecture", r["provinceCode"] + "0000", r["provinceCode"] + "0000"))
with open(ref / "divisions_areas.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        rows.append((r["code"], r["name"], "county", r["cityCode"] + "00", r["provinceCode"] + "0000"))
with open(out, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name_zh", "level", "parent_code", "province_code"])
    w.writerows(sorted(rows))
print(f"wrote {len(rows)} divisions to {out}")
