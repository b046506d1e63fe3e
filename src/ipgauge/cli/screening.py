"""Infringement-risk screening: the claims index (``index build``) and ``screen``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge import csvfile
from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.inputs import _queries
from ipgauge.cli.options import (
    AsOfToday,
    DbOption,
    Format,
    Jurisdiction,
    JurisdictionOption,
    KnownAtD,
    OutputFormat,
    _dates,
    _path,
)
from ipgauge.cli.output import _say_built
from ipgauge.console import err, note, out, progress_bar, styled

index_app = typer.Typer(no_args_is_help=True, help="The claims index beside the register (for screening).")


app.add_typer(index_app, name="index")


CSV_COLUMNS = (
    "query_id rank right_id claim score risk elements_found elements title holder holder_id status expiry "
    "similarity elements_contradicted warning warnings".split()
)


@index_app.command("build")
@guarded
def index_build(
    db: DbOption = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start again from nothing.")] = False,
    vectors: Annotated[
        bool | None,
        typer.Option(
            "--vectors/--no-vectors",
            help="Embed every claim now (else the lexical candidates are embedded at each query: slower queries); "
            "default: as the index was built, vectors for a new one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Index the register's independent claims (BM25 and dense vectors), adding only what is new."""
    from ipgauge.register import store
    from ipgauge.services.claim_index import build, index_dir

    path = store.db_path(db)
    with store.reading(path) as con:
        with progress_bar() as tick:
            report = build(con, path, vectors=vectors, rebuild=rebuild, verify=True, tick=tick)
    where = index_dir(path)
    if report.up_to_date:
        out.print(f"The claims index in {where} is up to date: {report.claims:,} claims.")
        return
    if report.rebuilt and report.rebuilt not in ("new", "asked"):
        note(f"the claims index was rebuilt from nothing: {report.rebuilt}.")
    verb = "built" if report.rebuilt else "updated"
    out.print(
        f"Claims index {verb} in {where}: {report.added:,} claim versions added, {report.merged:,} re-indexed in "
        f"merges; {report.claims:,} claims in {report.segments} segment(s)."
    )


@app.command()
@guarded
def screen(
    text: Annotated[str | None, typer.Argument(help="A product description or claims to screen.")] = None,
    file: Annotated[Path | None, typer.Option("--file", parser=_path, help="Read the query from a text file.")] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", parser=_path, help="A CSV of queries with the columns id,text.")
    ] = None,
    jurisdiction: JurisdictionOption = Jurisdiction.CN,
    as_of: AsOfToday = None,
    known_at_: KnownAtD = None,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="Rights to list per query.")] = 10,
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Screen a product against the claims of the rights in force on D as known on K (screening, not advice)."""
    from ipgauge.register import store
    from ipgauge.services.claim_chart import DISCLAIMER
    from ipgauge.services.claim_index import build
    from ipgauge.services.screen import MAX_QUERY_CHARS, Screening

    todo = _queries(text, file, queries)
    d, k = _dates(as_of, known_at_)
    path = store.db_path(db)
    with store.reading(path) as con:
        with progress_bar() as tick:
            report = build(con, path, tick=tick)
        _say_built(report, "note: the claims index was ")
        session = Screening(con, path, _open_index(con, path), jurisdiction.upper(), d, k)
        if fmt != "table":  # a table says it on its own first line; JSON and CSV carry it in a field
            _say_coverage(session)
        for query_id, query in todo:
            if len(query) > MAX_QUERY_CHARS:
                err.print(f"note: {query_id} was cut to its first {MAX_QUERY_CHARS:,} characters.", soft_wrap=True)
        if fmt == "csv":
            writer = csvfile.DictWriter(sys.stdout, CSV_COLUMNS)
            writer.writeheader()
        for query_id, query in todo:
            results = session.screen(query, top)
            warning = session.warning(query, results)
            if fmt == "json":
                line = {"id": query_id, "warning": warning, "results": [r.as_json() for r in results]}
                print(json.dumps(line, ensure_ascii=False, indent=None if queries else 2))
            elif fmt == "csv":
                for rank, r in enumerate(results, start=1):
                    row = r.as_json()
                    row |= {"warning": warning, "warnings": "; ".join(row["warnings"])}
                    writer.writerow({"query_id": query_id, "rank": rank, **{c: row.get(c) for c in CSV_COLUMNS[2:]}})
                if not results and warning:  # a query with nothing to list still says why
                    writer.writerow({"query_id": query_id, "warning": warning})
            else:
                if warning:
                    out.print(styled(("warning: ", "bold yellow"), warning), soft_wrap=True)
                _print_results(query_id, results, session, len(todo) > 1)
    err.print(DISCLAIMER["en"], soft_wrap=True)


def _open_index(con, path: Path):
    """The claims index, rebuilt first (and said) when a file was damaged in place."""
    from ipgauge.services.claim_index import ClaimIndex, DamagedIndex, build, index_dir

    try:
        return ClaimIndex.open(index_dir(path))
    except DamagedIndex as e:
        with progress_bar() as tick:
            report = build(con, path, rebuild=True, tick=tick)
        err.print(
            f"note: the claims index was rebuilt from nothing ({e.what}: damaged): {report.claims:,} claims.",
            soft_wrap=True,
        )
        return ClaimIndex.open(index_dir(path))


def _say_coverage(session) -> None:
    """Warn when the rights in force have no claims to rank: an empty answer must not read as 'no risk'."""
    warning = session.coverage_warning()
    if warning:
        err.print(f"warning: {warning}", soft_wrap=True)


VERDICT_STYLE = {
    "found": ("found", "green"),
    "contradicted": ("contradicted", "red"),
    "unclear": ("unclear: review", "yellow"),
    "missing": ("not described", "red"),
    "unassessed": ("unassessed", "dim"),
}


def _print_results(query_id: str, results: list, session, several: bool) -> None:
    from ipgauge.services.screen import status

    head = (
        f"The {len(results)} closest of the {len(session.in_force):,} rights in force in {session.jurisdiction} "
        f"on {session.as_of} (known at {session.known_at})"
    )
    table = RichTable(title=f"{query_id}: {head}" if several else head)
    for col in ("#", "right", "claim", "similarity", "risk", "elements", "holder", "status", "in force until", "title"):
        table.add_column(col, overflow="fold")
    for n, r in enumerate(results, start=1):
        row = r.as_json()
        table.add_row(
            str(n),
            r.right_id,
            str(r.claim),
            "" if r.similarity is None else f"{max(r.similarity, 0.0):.2f}",
            r.risk,
            "—" if r.risk == "unassessable" else f"{r.chart.found}/{len(r.chart.rows)}",
            "; ".join(row["co_owners"]) or row["holder"],
            status(row, "en"),
            str(r.legal.expiry or ""),
            r.legal.title,
        )
    out.print(table)
    for n, r in enumerate(results[:3], start=1):
        for c in r.charts:
            head = f"\n#{n} {r.right_id} claim {c.claim}: {c.chart.risk} risk"
            out.print(styled((head, "bold"), f" — {c.chart.preamble}"))
            if c.chart.reason:
                out.print(f"  {c.chart.reason}")
            for row in c.chart.rows:
                out.print(styled("  • ", row.element, "  → ", VERDICT_STYLE[row.verdict], f" ({row.score:.0%})"))
                if row.passage:
                    out.print(f"      “{row.passage}”")
                elif row.closest:
                    out.print(styled(("      closest: ", "dim"), f"“{row.closest}”"))
            for f in c.fallbacks:
                adds = "; ".join(a["element"] for a in f["adds"])
                out.print(f"  fallback claim {f['claim']} (adds: {adds}): {f['status']}", soft_wrap=True)
        for warning in r.legal.warnings:
            out.print(styled(("  warning: ", "yellow"), warning))
