"""Lookup tables the indicator expressions join: WIPO technology fields, strategic-emerging-industry subclasses."""

from __future__ import annotations

from functools import cache

from ipgauge.regions.divisions import read_data


@cache
def wipo_fields() -> dict[str, list]:
    """Columns of the IPC → WIPO field concordance: subclass, main_group ('' for the whole subclass), field."""
    rows = read_data("wipo_fields.csv")
    return {
        "subclass": [r["subclass"] for r in rows],
        "main_group": [r["main_group"] for r in rows],
        "field": [int(r["field"]) for r in rows],
    }


@cache
def field_names() -> dict[int, tuple[str, str, str]]:
    """Field number → (sector, English name, Chinese name)."""
    return {int(r["field"]): (r["sector"], r["name_en"], r["name_zh"]) for r in read_data("wipo_fields.csv")}


@cache
def sei_subclasses() -> tuple[str, ...]:
    """IPC subclasses taken as strategic emerging industries (high-value criterion 1)."""
    return tuple(sorted(r["subclass"] for r in read_data("sei_ipc.csv")))
