"""Where a load's time goes: ``ipgauge load`` run in process, timed by phase and statement by statement.

    python bench/profile_load.py DELIVERY --db REGISTER [--rejects DIR]

The phases (reading, checking, rejects, each table's merge, the spells' upkeep) and, inside each
merge, every statement, are timed around the functions the load calls; everything else of the
command line's work is the rest of ``TOTAL``. A profile, not a benchmark: it names no baseline.
Measured with it: the 1 % national delivery in docs/benchmarks.md (issue 29, third session).
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from collections.abc import Callable

from ipgauge.register import load, store, versions

SPENT: Counter[str] = Counter()


def timed(name: str, f: Callable) -> Callable:
    """``f``, its time added to ``SPENT[name]``."""

    def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202 - any function's arguments
        started = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            SPENT[name] += time.perf_counter() - started

    return wrapper


class Statements:
    """A DuckDB connection whose ``execute`` is timed per statement (its first words) under ``tag``."""

    def __init__(self, con, tag: str) -> None:  # noqa: ANN001 - a DuckDB connection
        self.con, self.tag = con, tag

    def execute(self, sql: str, *args):  # noqa: ANN002, ANN201
        started = time.perf_counter()
        try:
            return self.con.execute(sql, *args)
        finally:
            words = re.sub(r"\s+", " ", sql)[:70]
            SPENT[f"{self.tag}: {words}"] += time.perf_counter() - started

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.con, name)


def main() -> None:
    merge = versions.merge
    load.merge = lambda con, table, *a: timed(f"merge {table.name}", merge)(Statements(con, table.name), table, *a)
    for name in ("stage_file", "check", "write_rejects", "resolve_addresses", "discard"):
        setattr(load, name, timed(name, getattr(load, name)))
    store.upkeep = timed("the spells (upkeep)", store.upkeep)
    started = time.perf_counter()
    from ipgauge.cli import app

    sys.argv = ["ipgauge", "load", *sys.argv[1:]]
    try:
        app()
    except SystemExit as e:
        if e.code:
            raise
    SPENT["TOTAL"] = time.perf_counter() - started
    for name, seconds in SPENT.most_common():
        if seconds >= 0.1:
            print(f"{seconds:8.2f} s  {name}")


if __name__ == "__main__":
    main()
