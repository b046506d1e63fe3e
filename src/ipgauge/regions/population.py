"""Resident population for any region on a date: the latest year at or before the date.

The 2020 census of the 31 provinces ships with ipgauge; a delivery's ``population.csv`` adds other
years and levels (and replaces a shipped figure for the same region and year). A group's population
is the sum of its members', each member at its own latest year, and the answer says which years it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from ipgauge.errors import UserError
from ipgauge.regions.divisions import divisions, read_data
from ipgauge.regions.groups import Region


@dataclass(frozen=True)
class Population:
    """A population figure and where it came from."""

    value: int
    years: tuple[int, ...]  # the year used for each member, distinct and sorted

    @property
    def year_label(self) -> str:
        """'2020' or '2020–2023' when members used different years."""
        return str(self.years[0]) if len(self.years) == 1 else f"{self.years[0]}–{self.years[-1]}"


def shipped() -> list[tuple[str, int, int]]:
    """(region_code, year, population) rows shipped with ipgauge."""
    return [(r["region_code"], int(r["year"]), int(r["population"])) for r in read_data("population.csv")]


def table(con: duckdb.DuckDBPyConnection | None) -> dict[str, dict[int, int]]:
    """Region code → year → population: shipped figures overlaid by the store's current rows."""
    out: dict[str, dict[int, int]] = {}
    rows = list(shipped())
    if con is not None:
        rows += con.execute("SELECT region_code, year, population FROM population WHERE known_to IS NULL").fetchall()
    for code, year, value in rows:
        out.setdefault(code, {})[int(year)] = int(value)
    return out


def population(figures: dict[str, dict[int, int]], where: Region, on: date) -> Population:
    """The population of ``where`` on ``on`` (latest year ≤ the date's year, per member).

    ``figures`` is :func:`table`'s result, read once by the caller however many dates it asks for.
    """
    if where.is_country:
        raise UserError(f"no population for {where.code} ({where.name_en}): ipgauge ships China's only.")
    members = [d.code for d in divisions().values() if d.level == "province"] if where.is_nation else where.members
    total, years = 0, set()
    for code in members:
        usable = [y for y in figures.get(code, {}) if y <= on.year]
        if not usable:
            raise UserError(
                f"no population for {code} ({divisions()[code].name_en}) in {on.year} or before; "
                "deliver a population.csv with it."
            )
        year = max(usable)
        total += figures[code][year]
        years.add(year)
    return Population(total, tuple(sorted(years)))
