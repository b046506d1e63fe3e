"""figures.xlsx: the release as a workbook an analyst can use, a sheet per table.

The sheets are the figures, the members, the trends, the definitions and what the release is (about).
Every sheet has a bold, frozen header and its own number formats (two decimals on ratios, dates as
dates), so the figures sort, filter and sum without being retyped.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ipgauge.indicators.catalogue import indicator
from ipgauge.releases.datafiles import REGION_COLUMNS, region_cells
from ipgauge.releases.figures import Figure, Figures
from ipgauge.releases.text import source

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

#: A column: its name and its number format (None: as written).
Column = tuple[str, str | None]
COUNT, SIGNED_PCT, DAY = "#,##0", "+0.0;-0.0;0.0", "yyyy-mm-dd"
LABELS: list[Column] = [("indicator", None), ("label_zh", None), ("label_en", None)]
PLACE: list[Column] = [(c, None) for c in REGION_COLUMNS]
UNITS: list[Column] = [("unit_zh", None), ("unit_en", None)]
NUMBERS: list[Column] = [("value", COUNT), ("previous", COUNT), ("change", COUNT), ("yoy_pct", SIGNED_PCT)]
#: The columns of a measured row (:func:`_measured`): a figure of the region or of one of its members.
MEASURED: list[Column] = [*LABELS, *PLACE, ("as_of", DAY), ("known_at", DAY), *NUMBERS, ("national_rank", "0")]


def xlsx(figures: Figures, snapshot: dict, path: Path) -> None:
    """A workbook an analyst can use: frozen headers, number formats, dates as dates, definitions and about."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "figures"
    _figures_sheet(ws, figures)
    _members_sheet(wb.create_sheet("members"), figures)
    _trends_sheet(wb.create_sheet("trends"), figures)
    _definitions_sheet(wb.create_sheet("definitions"), figures)
    _about_sheet(wb.create_sheet("about"), figures, snapshot)
    wb.properties.creator = "ipgauge"
    wb.save(path)


def _sheet(ws: Worksheet, columns: list[Column], body: list[list], ratio: list[bool] | None = None) -> None:
    """Write a header and rows; ``columns`` pairs each name with its number format (two decimals on ratios)."""
    from openpyxl.styles import Font

    ws.append([name for name, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, r in enumerate(body):
        ws.append(r)
        for cell in ws[i + 2]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a spec's contact "=HYPERLINK(…)" is text, not a formula
        for j, (name, fmt) in enumerate(columns):
            if fmt == COUNT and ratio and ratio[i] and name in ("value", "previous", "change"):
                fmt = "0.00"
            if fmt:
                ws.cell(row=i + 2, column=j + 1).number_format = fmt
    ws.freeze_panes = "A2"
    for j, (name, _) in enumerate(columns):
        ws.column_dimensions[ws.cell(row=1, column=j + 1).column_letter].width = max(12, len(name) + 2)


def _measured(figures: Figures, f: Figure, code: str, value: float, previous: float, rank: int | None) -> list:
    """A row in :data:`MEASURED`: figure ``f`` of the region ``code`` (the released one or a member)."""
    spec = figures.spec
    return [
        f.name,
        f.label_zh,
        f.label_en,
        *region_cells(code, figures),
        date.fromisoformat(spec["as_of"]),
        date.fromisoformat(spec["known_at"]),
        value,
        previous,
        round(value - previous, 4),
        f.yoy_of(value, previous),
        rank,
    ]


def _figures_sheet(ws: Worksheet, figures: Figures) -> None:
    """One row per figure of the released region, with its share of the parent and what it measures."""
    _sheet(
        ws,
        [*MEASURED, ("parent_value", COUNT), ("share_pct", "0.0"), *UNITS, ("measure", None), ("synthetic", None)],
        [
            [
                *_measured(figures, f, figures.region["code"], f.value, f.previous, f.national_rank),
                f.parent_value,
                None if f.share_pct is None else round(f.share_pct, 4),
                f.unit_zh,
                f.unit_en,
                "flow (year to date)" if f.flow else "ratio" if f.is_ratio else "stock",
                bool(figures.synthetic),
            ]
            for f in figures.figures
        ],
        [f.is_ratio for f in figures.figures],
    )


def _members_sheet(ws: Worksheet, figures: Figures) -> None:
    """One row per figure and member region."""
    members = [(f, m) for f in figures.figures for m in f.members]
    _sheet(
        ws,
        [*MEASURED, *UNITS],
        [
            [*_measured(figures, f, m.code, m.value, m.previous, m.national_rank), f.unit_zh, f.unit_en]
            for f, m in members
        ],
        [f.is_ratio for f, _ in members],
    )


def _trends_sheet(ws: Worksheet, figures: Figures) -> None:
    """One row per figure and date of its trend (what the charts draw)."""
    trends = [(f, d, v) for f in figures.figures for d, v in f.trend]
    _sheet(
        ws,
        [*LABELS, *PLACE, ("as_of", DAY), ("value", COUNT), *UNITS],
        [
            [f.name, f.label_zh, f.label_en, *region_cells(figures.region["code"], figures), date.fromisoformat(d), v]
            + [f.unit_zh, f.unit_en]
            for f, d, v in trends
        ],
        [f.is_ratio for f, _, _ in trends],
    )


def _definitions_sheet(ws: Worksheet, figures: Figures) -> None:
    """Each indicator's definition and source, from the catalogue."""
    _sheet(
        ws,
        [*LABELS, *UNITS, ("definition_zh", None), ("definition_en", None), ("source", None)],
        [
            [f.name, f.label_zh, f.label_en, f.unit_zh, f.unit_en, f.definition_zh, f.definition_en]
            + [indicator(f.name).source]
            for f in figures.figures
        ],
    )


def _about_sheet(ws: Worksheet, figures: Figures, snapshot: dict) -> None:
    """What the release is, as key and value: its id, region, dates, source, issuer, checksums and spec."""
    spec = figures.spec
    published = date.fromisoformat(spec["published"]) if spec.get("published") else None
    about = [
        ("release_id", snapshot["release_id"], None),
        ("region_code", figures.region["code"], None),
        ("region_name_zh", figures.region["official_zh"], None),
        ("region_name_en", figures.region["name_en"], None),
        ("as_of", date.fromisoformat(spec["as_of"]), DAY),
        ("known_at", date.fromisoformat(spec["known_at"]), DAY),
        ("deliveries", figures.region["deliveries"], "0"),
        ("synthetic", bool(figures.synthetic), None),
        ("source_zh", source(figures, "zh"), None),
        ("source_en", source(figures, "en"), None),
        ("issuer_zh", spec.get("issuer_zh") or "", None),
        ("issuer_en", spec.get("issuer_en") or "", None),
        ("contact", spec.get("contact") or "", None),
        ("published", published, DAY),
        ("inputs_checksum", snapshot["inputs_checksum"], None),
        ("figures_checksum", snapshot["figures_checksum"], None),
        ("spec", json.dumps(spec, ensure_ascii=False, sort_keys=True), None),
    ]
    _sheet(ws, [("key", None), ("value", None)], [[k, v] for k, v, _ in about])
    for row, (_, _, fmt) in zip(ws.iter_rows(min_row=2, max_col=2), about, strict=True):
        if fmt:
            row[1].number_format = fmt
    ws.column_dimensions["B"].width = 60
