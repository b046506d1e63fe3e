"""``ipgauge casework summary``: the service centres' casework in figures."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import DbOption, Format, KnownAt, OutputFormat, _date
from ipgauge.cli.output import _write_csv
from ipgauge.console import err, out

casework_app = typer.Typer(no_args_is_help=True, help="The service centres' casework in figures.")


app.add_typer(casework_app, name="casework")


@casework_app.command("summary")
@guarded
def casework_summary(
    region: Annotated[str, typer.Option("--region", help="A region code, name or group (CN: the nation).")] = "CN",
    year: Annotated[
        int, typer.Option("--year", min=1985, max=2199, help="The year of the casework.")
    ] = date.today().year,
    fx_date: Annotated[
        str | None, typer.Option("--fx-date", help="Convert every amount at this date's rates (default: each its own).")
    ] = None,
    known_at_: KnownAt = None,
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Companies served with reports, disputes, consultations, trainings and losses recovered (CNY and USD)."""
    from ipgauge.register import store
    from ipgauge.services.casework import summary

    k = _date(known_at_, "--known-at") or date.today()
    result = summary(store.db_path(db), region, year, k, _date(fx_date, "--fx-date"))
    if fmt == "csv":
        from ipgauge.services.casework import CSV_COLUMNS, figure_rows

        _write_csv(CSV_COLUMNS, [list(r.values()) for r in figure_rows(result, year)])
        return
    if fmt == "json":
        from ipgauge.services.casework import sentence

        result |= {"sentence_zh": sentence(result, "zh"), "sentence_en": sentence(result, "en")}
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = RichTable(title=f"Casework of {result['region_name_en']}'s centres in {year} (known at {k})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("centres", "companies_with_reports", "disputes", "consultations", "trainings", "training_attendees"):
        table.add_row(key.replace("_", " "), f"{result[key]:,}")
    table.add_row("recovered (CNY)", f"{result['recovered_cny']:,.2f}")
    table.add_row("recovered (USD)", f"{result['recovered_usd']:,.2f}")
    out.print(table)
    from ipgauge.services.casework import sentence

    for lang in ("zh", "en"):
        out.print(sentence(result, lang), soft_wrap=True)
    rates = "at each amount's own date" if not result["fx_date"] else f"at the rates of {result['fx_date']}"
    extra = f"; {result['note']}" if "note" in result else ""
    err.print(f"note: amounts converted {rates}: {result['fx']}{extra}.", soft_wrap=True)
