"""Printing listings and figures: tables, JSON and CSV (formula-safe), every value whole."""

from __future__ import annotations

import io
import json
import sys

from rich.table import Table as RichTable

from ipgauge import csvfile
from ipgauge.console import out
from ipgauge.errors import mark_saved


def _rows(rows: list[dict], fmt: str, title: str) -> None:
    """A listing as a table, JSON (a list of objects) or CSV, every value whole."""
    from ipgauge import csvfile

    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    keys = list(dict.fromkeys(k for r in rows for k in r))
    if fmt == "csv":
        w = csvfile.DictWriter(sys.stdout, keys)
        w.writeheader()
        w.writerows({k: ("; ".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in rows)
        return
    table = RichTable(title=title)
    for k in keys:
        table.add_column(k, overflow="fold")
    for r in rows:
        table.add_row(*("; ".join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in r.values()))
    out.print(table)


def _emit(points: list, fmt: str, title: str, single: bool = False) -> None:
    """Figures as JSON (one object for a single figure, docs/api.md), CSV, or a table with grouped digits."""
    rows = [p.as_dict() for p in points]
    if fmt == "json" and single:
        print(json.dumps(rows[0], ensure_ascii=False, indent=2))
        return
    if fmt != "table":
        _rows(rows, fmt, title)
        return
    hidden = ("indicator", "known_at", "unit", "synthetic", "label_zh", "label_en")  # the label holds both names
    keys = list(dict.fromkeys(k for r in rows for k in r if k not in hidden))
    table = RichTable(title=title)
    for k in keys:
        table.add_column(k, justify="right" if k in ("value", "previous", "yoy_pct", "share_pct") else "left")
    for r in rows:
        table.add_row(*(_cell(r, k) for k in keys))
    out.print(table)


def _cell(row: dict, key: str) -> str:
    """A table cell: counts grouped, a change rounded once to one decimal (JSON and CSV keep it whole)."""
    from ipgauge.releases.wording import signed

    value = row.get(key)
    if key == "yoy_pct" and isinstance(value, float):
        return signed(value) + "%"
    return f"{value:,}" if isinstance(value, int) and key != "part" else str("" if value is None else value)


def _write_csv(header: tuple[str, ...] | list[str], rows: list[list]) -> None:
    buf = io.StringIO()
    w = csvfile.Writer(buf)
    w.writerow(header)
    w.writerows(rows)
    sys.stdout.write(buf.getvalue())


def _saved(what: str, report) -> None:
    mark_saved(what)
    out.print(f"Saved {what} (delivery recorded on {report.recorded_date}).")
