"""The shipped GB/T 2260 division table and the list of retired codes.

The register validates region codes against these tables, so they sit below the register in the
import order: they are reference data, read once from the package and cached.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Division:
    """One administrative division."""

    code: str
    name_zh: str
    level: str  # province | prefecture | county
    parent_code: str | None
    province_code: str


def _read(name: str) -> list[dict[str, str]]:
    with resources.files("ipgauge.data").joinpath(name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def divisions() -> dict[str, Division]:
    """All current divisions by 6-digit code."""
    return {
        r["code"]: Division(r["code"], r["name_zh"], r["level"], r["parent_code"] or None, r["province_code"])
        for r in _read("divisions.csv")
    }


@cache
def retired_codes() -> dict[str, str]:
    """Retired 6-digit codes mapped to the code that succeeded them."""
    return {r["code"]: r["successor_code"] for r in _read("retired_codes.csv")}


def provinces() -> list[Division]:
    """The 31 province-level divisions, in code order."""
    return [d for d in divisions().values() if d.level == "province"]


def counties_of(province_code: str) -> list[Division]:
    """County-level divisions of one province, in code order."""
    return [d for d in divisions().values() if d.level == "county" and d.province_code == province_code]
