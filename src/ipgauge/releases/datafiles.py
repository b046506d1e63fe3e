"""The release's data files, row by row: figures.csv, and what every row of the CSV and the workbook carries.

A data file is read by a program, not a person: every row names its region in full (code, both names,
level), so a row means the same wherever it is cut out, and a ratio's percent change is left empty
(its change is in points).
"""

from __future__ import annotations

import io

from ipgauge import csvfile
from ipgauge.indicators.catalogue import indicator
from ipgauge.indicators.point import yoy
from ipgauge.regions.divisions import divisions
from ipgauge.releases import casework
from ipgauge.releases.figures import Figures


def region_cells(code: str, figures: Figures) -> list:
    """region_code, name_zh, name_en, level: on every row of every data file."""
    if code == figures.region["code"]:
        w = figures.region
        return [code, w["official_zh"], w["name_en"], w["kind"]]  # the name the release uses (东北三省一区)
    d = divisions()[code]
    return [code, d.name_zh, d.name_en, d.level]


REGION_COLUMNS = ["region_code", "region_name_zh", "region_name_en", "level"]


CSV_COLUMNS = [
    "indicator",
    "label_zh",
    "label_en",
    *REGION_COLUMNS,
    "as_of",
    "known_at",
    "value",
    "previous",
    "yoy_pct",
    "national_rank",
    "share_pct",
    "unit_zh",
    "unit",
    "synthetic",
]


def figures_csv(figures: Figures) -> str:
    """The figures as CSV (one row per indicator, then one per member), region names on every row."""
    buf = io.StringIO()
    w = csvfile.Writer(buf)
    w.writerow(CSV_COLUMNS)
    spec = figures.spec
    for f in figures.figures:
        for code, value, previous, rank, share in [
            (figures.region["code"], f.value, f.previous, f.national_rank, f.share_pct),
            *((m.code, m.value, m.previous, m.national_rank, None) for m in f.members),
        ]:
            change = f.yoy_of(value, previous)
            w.writerow(
                [
                    f.name,
                    f.label_zh,
                    f.label_en,
                    *region_cells(code, figures),
                    spec["as_of"],
                    spec["known_at"],
                    value,
                    previous,
                    "" if change is None else change,
                    "" if rank is None else rank,
                    "" if share is None else round(share, 4),
                    f.unit_zh,
                    f.unit_en,
                    "true" if figures.synthetic else "false",
                ]
            )
    for key, (value, previous) in (figures.casework or {}).items():  # the casework section's figures
        ind = indicator(casework.FIGURES[key])
        change = yoy(value, previous)
        w.writerow(
            [ind.name, ind.label_zh, ind.label_en, *region_cells(figures.region["code"], figures), spec["as_of"],
             spec["known_at"], value, previous, "" if change is None else change, "", "", ind.unit_zh, ind.unit_en,
             "true" if figures.synthetic else "false"]
        )  # fmt: skip
    return buf.getvalue()
