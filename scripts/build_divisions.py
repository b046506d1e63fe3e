"""Rebuild src/ipgauge/data/divisions.csv from the reference tables (a developer tool, never run by the product).

English names: provinces from the census table; the others romanised with pypinyin (toneless, with
an apostrophe before a syllable that starts with a vowel) and the level word translated, then the
official spellings in data/division_names_en.csv override the romanisation.

Usage: pip install pypinyin && python scripts/build_divisions.py ../shared/reference
"""

import csv
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

ref = Path(sys.argv[1])
data = Path(__file__).resolve().parents[1] / "src/ipgauge/data"
SUFFIXES = [  # longest first
    ("自治旗", " Autonomous Banner"),
    ("自治县", " Autonomous County"),
    ("自治州", " Autonomous Prefecture"),
    ("特区", " Special District"),
    ("林区", " Forest District"),
    ("地区", " Prefecture"),
    ("盟", " League"),
    ("旗", " Banner"),
    ("县", " County"),
    ("区", " District"),
    ("市", ""),
]


def romanise(name: str, level: str) -> str:
    if name == "市辖区":
        return "City districts"
    for zh, en in SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            base, suffix = name[: -len(zh)], en
            break
    else:
        base, suffix = name, ""
    if suffix == "" and name.endswith("市") and level == "county":
        suffix = " City"
    syllables = lazy_pinyin(base)
    word = syllables[0] + "".join(("'" + s) if s[:1] in "aoe" else s for s in syllables[1:])
    return word.capitalize() + suffix


with open(ref / "population_provinces_2020_census.csv", encoding="utf-8") as f:
    province_en = {r["region_code"]: r["name_en"] for r in csv.DictReader(f)}
with open(data / "division_names_en.csv", encoding="utf-8") as f:
    official = {r["code"]: r["name_en"] for r in csv.DictReader(f)}
rows = []
with open(ref / "divisions_provinces.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        code = r["code"] + "0000"
        rows.append((code, r["name"], province_en[code], "province", "", code))
with open(ref / "divisions_cities.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        rows.append(
            (
                r["code"] + "00",
                r["name"],
                romanise(r["name"], "prefecture"),
                "prefecture",
                r["provinceCode"] + "0000",
                r["provinceCode"] + "0000",
            )
        )
with open(ref / "divisions_areas.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        if r["code"] == r["cityCode"] + "00":  # Dongguan, Zhongshan, Danzhou: a prefecture with no counties
            continue
        rows.append(
            (
                r["code"],
                r["name"],
                romanise(r["name"], "county"),
                "county",
                r["cityCode"] + "00",
                r["provinceCode"] + "0000",
            )
        )
rows = [(c, zh, official.get(c, en), *rest) for c, zh, en, *rest in rows]
with open(data / "divisions.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name_zh", "name_en", "level", "parent_code", "province_code"])
    w.writerows(sorted(rows))
print(f"wrote {len(rows)} divisions")
