"""The catalogue (``indicators``) and a figure, series or breakdown (``indicator``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import Backend, BackendOption, DbOption, Format, Jurisdiction, KnownAt, OutputFormat, _date
from ipgauge.cli.output import _emit, _rows
from ipgauge.console import err, out, styled
from ipgauge.errors import UserError


@app.command()
@guarded
def indicators(fmt: Format = OutputFormat.table) -> None:
    """List the indicator catalogue: names, labels in both languages, units and definitions."""
    from ipgauge.indicators.catalogue import catalogue, listing

    if fmt != "table":
        _rows(listing(), fmt, "")
        return
    table = RichTable(title="Indicators")
    table.add_column("name", no_wrap=True)
    for col in ("label", "unit", "definition"):
        table.add_column(col)
    for ind in catalogue().values():
        table.add_row(
            ind.name,
            f"{ind.label_en}\n{ind.label_zh}",
            f"{ind.unit_en}\n{ind.unit_zh}",
            styled(f"{ind.definition_en}\n", (ind.source, "dim")),
        )
    out.print(table)


@app.command()
@guarded
def indicator(
    name: Annotated[str, typer.Argument(help="Indicator name (see `ipgauge indicators`).")],
    region_: Annotated[str, typer.Option("--region", help="Region code, group id, or CN for the nation.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The date D the figure describes.")],
    known_at_: KnownAt = None,
    fmt: Format = OutputFormat.table,
    series: Annotated[str | None, typer.Option(help="monthly, quarterly or yearly: a time series.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First date of a series.")] = None,
    to: Annotated[str | None, typer.Option(help="Last date of a series (default: --as-of).")] = None,
    by: Annotated[str | None, typer.Option(help="Breakdown: subregion, holder_type, field or country.")] = None,
    share_of: Annotated[str | None, typer.Option(help="Also give the share of this parent region (e.g. CN).")] = None,
    backend: BackendOption = Backend.duckdb,
    jurisdiction: Annotated[
        Jurisdiction, typer.Option(help="Whose rights, by whose law: CN (default) or US (US patents by the US rules).")
    ] = Jurisdiction.CN,
    db: DbOption = None,
) -> None:
    """A figure for a region on D as known on K, with its value a year earlier and the change."""
    from ipgauge.indicators.catalogue import indicator as lookup
    from ipgauge.indicators.query import open_counter
    from ipgauge.law.jurisdictions import rules_for
    from ipgauge.regions.groups import region as find_region
    from ipgauge.regions.groups import retired_note
    from ipgauge.register.store import db_path

    lookup(name)
    where = find_region(region_)
    d = _date(as_of, "--as-of")
    k = _date(known_at_, "--known-at") or date.today()
    if not series and (from_ or to):
        raise UserError(
            f"{'--from' if from_ else '--to'} gives the span of a series; add --series monthly|quarterly|yearly."
        )
    parent = find_region(share_of) if share_of else None
    if parent is not None and (series or by):
        raise UserError("--share-of gives the share of a single figure; leave out --series and --by.")
    rules_for(jurisdiction)  # one sentence for an unknown jurisdiction, before the register is opened
    if where.is_nation and jurisdiction != "CN":  # CN stands for the whole register: say so
        where = replace(where, name_zh=f"{jurisdiction}登记簿全部", name_en=f"the whole {jurisdiction} register")
    later: list[str] = []  # notes for after the figures
    with open_counter(db_path(db), k, backend, jurisdiction=jurisdiction) as counter:
        if series:
            start = _date(from_, "--from")
            if start is None:
                raise UserError("--series needs --from DATE.")
            points = counter.series(name, where, series, start, _date(to, "--to") or d, by)
            _emit(points, fmt, f"{name}, {where.name_en}, {series}" + (f", by {by}" if by else ""))
        elif by:
            parts = counter.breakdown(name, where, d, by, unplaced=True)
            left = [p for p in parts if p.extra["part"] is None]
            _emit([p for p in parts if p.extra["part"] is not None], fmt, f"{name}, {where.name_en}, on {d}, by {by}")
            if left:  # the parts do not add up to the figure: say why, once the figures are out
                if by == "subregion":
                    why_not = f"no sub-region (their holder is registered at {where.name_en} itself, or abroad)"
                else:
                    why_not = f"no {by} (none is recorded)"
                later.append(
                    f"{left[0].value:,} of the total fall in {why_not}: the parts add up to less than the total."
                )
        else:
            _emit([counter.point(name, where, d, parent)], fmt, f"{name}, {where.name_en}, on {d}", single=True)
    if counter.synthetic and fmt == "table":
        out.print(styled(("SYNTHETIC", "bold"), " register: these figures describe no real region."))
    notes = [n for n in (retired_note(where), retired_note(parent) if parent else None) if n] + later
    if notes:  # once the figures are out: a failure stays one line
        err.print("note: " + " ".join(notes), soft_wrap=True)
