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
    name_en: str
    level: str  # province | prefecture | county
    parent_code: str | None
    province_code: str

    @property
    def prefecture_code(self) -> str | None:
        """The prefecture-level division this one is in (itself for a prefecture; None for a province)."""
        return {"province": None, "prefecture": self.code, "county": self.parent_code}[self.level]


def read_data(name: str) -> list[dict[str, str]]:
    """Rows of a CSV file shipped in ``ipgauge/data``."""
    with resources.files("ipgauge.data").joinpath(name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def divisions() -> dict[str, Division]:
    """All current divisions by 6-digit code."""
    return {
        r["code"]: Division(
            r["code"], r["name_zh"], r["name_en"], r["level"], r["parent_code"] or None, r["province_code"]
        )
        for r in read_data("divisions.csv")
    }


@cache
def retired() -> dict[str, dict[str, str]]:
    """The rows of ``retired_codes.csv`` (name, successor, year retired, note) by retired code."""
    return {r["code"]: r for r in read_data("retired_codes.csv")}


@cache
def retired_codes() -> dict[str, str]:
    """Retired 6-digit codes mapped to the code that succeeded them."""
    return {code: r["successor_code"] for code, r in retired().items()}


@cache
def retired_names() -> dict[str, tuple[str, str]]:
    """Retired codes mapped to (their name, the successor code): for addresses that use old names."""
    return {code: (r["name_zh"], r["successor_code"]) for code, r in retired().items()}


def current(code: str | None) -> str | None:
    """The current code for ``code``: itself, its successor if retired, else its nearest current parent."""
    if not code:
        return None
    table = divisions()
    seen = set()
    while code in retired_codes() and code not in seen:
        seen.add(code)
        code = retired_codes()[code]
    if code in table:
        return code
    for parent in (code[:4] + "00", code[:2] + "0000"):
        if parent in table:
            return parent
    return None


def counties_of(province_code: str) -> list[Division]:
    """County-level divisions of one province, in code order."""
    return [d for d in divisions().values() if d.level == "county" and d.province_code == province_code]


def hierarchy() -> dict[str, list[str | None]]:
    """Columns code, province_code, prefecture_code, county_code for every current and retired code.

    A retired code carries its successor's hierarchy, so that rights of parties still registered
    under an old code count in today's regions.
    """
    cols: dict[str, list[str | None]] = {"code": [], "province_code": [], "prefecture_code": [], "county_code": []}
    table = divisions()
    for code in [*table, *retired_codes()]:
        d = table[current(code)]
        cols["code"].append(code)
        cols["province_code"].append(d.province_code)
        cols["prefecture_code"].append(d.prefecture_code)
        cols["county_code"].append(d.code if d.level == "county" else None)
    return cols


#: Prefecture-level names that stand for no place: a municipality's districts and directly administered counties.
PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def place_name(code: str, lang: str) -> str:
    """A division named with its prefecture, as a reader needs it: 深圳市坪山区, Pingshan District, Shenzhen."""
    d = divisions().get(code)
    if d is None:
        return code
    parent = divisions().get(d.parent_code or "") if d.level == "county" else None
    if parent is not None and parent.name_zh in PLACEHOLDERS:  # 市辖区: a municipality's districts, named by the city
        parent = divisions().get(parent.parent_code or "")
    if lang == "zh":
        return (parent.name_zh if parent else "") + d.name_zh
    return d.name_en + (f", {parent.name_en}" if parent else "")
