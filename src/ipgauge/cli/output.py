"""Printing listings and figures: tables, JSON and CSV (formula-safe), every value whole."""

from __future__ import annotations

import io
import json
import sys

from rich.table import Table as RichTable

from ipgauge import csvfile
from ipgauge.console import err, out, styled
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


def print_load_report(report) -> None:
    """The per-table counts of a load, and the first rejected rows of each table on stderr."""
    if report.same_as:
        out.print(
            f"{report.source} is byte for byte delivery {report.same_as}, the last one loaded: "
            "nothing to load, the register is unchanged.",
            soft_wrap=True,
        )
        return
    title = f"Loaded {report.source}" + (f" as delivery {report.delivery_id}" if report.delivery_id else "")
    table = RichTable(title=title + (" (SYNTHETIC)" if report.synthetic else ""))
    for col in ("file", "rows", "new", "changed", "unchanged", "duplicates", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for t in report.tables:
        table.add_row(t.file, *(f"{v:,}" for v in (t.rows, t.new, t.changed, t.unchanged, t.duplicates, t.rejected)))
    out.print(table)
    same = [t for t in report.tables if t.same_as]
    if same:
        names = ", ".join(f"{t.file} (as loaded by delivery {t.same_as})" for t in same)
        out.print(f"Unchanged files, not read again: {names}.", soft_wrap=True)
    for t in report.tables:
        for line in t.reject_lines:
            out.print(line, soft_wrap=True)
        if t.rejected > len(t.reject_lines):
            out.print(
                f"... and {t.rejected - len(t.reject_lines):,} more in {report.rejects_dir / (t.table + '.csv')}",
            )
    problems = []
    if report.rejected:
        rows = "row" if report.rejected == 1 else "rows"
        problems.append(f"{report.rejected:,} {rows} rejected (kept with their reasons in {report.rejects_dir})")
    unresolved = sum(t.unresolved for t in report.tables)
    if unresolved:
        problems.append(
            f"{unresolved:,} parties have an address that names no known region (loaded without a region, listed in "
            f"{report.rejects_dir / 'unresolved_addresses.csv'})"
        )
    if problems:  # one sentence on stderr; the rows themselves are the report, on stdout
        level = "error" if report.exit_code == 2 else "warning"
        err.print(f"{level}: " + "; ".join(problems) + ".", soft_wrap=True)


def _print_release(computed, langs: tuple[str, ...]) -> None:
    from ipgauge.indicators.catalogue import indicator
    from ipgauge.releases.text import paragraphs, title

    written = computed.figures.spec["languages"]
    for lang in [lang for lang in langs if lang in written]:
        out.print(styled("\n", (title(computed.figures, lang), "bold")))
        for p in paragraphs(computed.figures, lang):
            out.print(p, soft_wrap=True)
    for name, _ in computed.figures.omitted:
        err.print(f"note: {indicator(name).label_en} left out: the region has no resident population figure.")


def _say_built(report, lead: str) -> None:
    """Say on stderr what a build that a command ran for itself did (nothing when the index was up to date)."""
    if report.up_to_date:
        return
    if report.rebuilt and report.rebuilt not in ("new", "asked"):
        err.print(f"{lead}rebuilt from nothing ({report.rebuilt}): {report.claims:,} claims.", soft_wrap=True)
    else:
        err.print(f"{lead}brought up to date ({report.added:,} claim versions added).", soft_wrap=True)
