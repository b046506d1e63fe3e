"""``ipgauge landscape``: the patents of a company, a region or a field."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import (
    AsOfToday,
    DbOption,
    Jurisdiction,
    JurisdictionOption,
    KnownAtD,
    _choice,
    _dates,
    _note_match,
    _subject,
)
from ipgauge.console import out, styled

SECTION_TITLES = {
    "summary": "Summary",
    "fields": "Portfolio by WIPO technology field (RTA: share of the subject's rights over the nation's share)",
    "subclasses": "The subject's patents in force by main subclass (CPC where the patent has one, else IPC)",
    "white_space": "White space: the ten fields where the subject is weakest relative to the nation (RTA < 1)",
    "regions": "Provinces in this field (RTA against all patents held in China's provinces; > 1: stronger)",
    "trend": "Trend: applications filed and granted per year, rights in force at each year's end",
    "top_holders": "Top holders",
    "co_holders": "Co-holders",
    "abroad": "Families protected abroad, by office (the others: in the subject's three leading fields)",
    "expiries": "Rights in force that expire, by year (next three years)",
}


@app.command()
@guarded
def landscape(
    company: Annotated[str | None, typer.Option("--company", help="A party id or name.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="A region code, name or group.")] = None,
    field: Annotated[
        str | None, typer.Option("--field", help="A WIPO field number (1-35) or an IPC class or subclass (H01M).")
    ] = None,
    jurisdiction: JurisdictionOption = Jurisdiction.CN,
    as_of: AsOfToday = None,
    known_at_: KnownAtD = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    db: DbOption = None,
) -> None:
    """The patent landscape of a company, a region or a field: fields, RTA, trend, holders, abroad, expiries."""
    from ipgauge.register import store
    from ipgauge.services.landscape import landscape as compute

    _choice(fmt, ("table", "json"))
    given = _subject(company, region, field)
    d, k = _dates(as_of, known_at_)
    path = store.db_path(db)
    with store.reading(path) as con:
        result = compute(con, path, given[0][0], given[0][1], jurisdiction.upper(), d, k)
    _note_match(result.subject, given[0][1])
    if fmt == "json":
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2, default=str))
        return
    s = result.subject
    out.print(
        styled(
            (s.label_en if s.label_en == s.label_zh else f"{s.label_en} ({s.label_zh})", "bold"),
            f" — patents in force in {result.jurisdiction} on {d}, as known on {k}",
        )
    )
    for name, rows in result.sections.items():
        if not rows:
            out.print(f"{SECTION_TITLES[name]}: none.")
            continue
        title = SECTION_TITLES[name]
        if name == "top_holders":
            title += f" in {result.sections['summary'][0]['holders_ranked_in']}"
        table = RichTable(title=title)
        for key in rows[0]:
            table.add_column(key, overflow="fold")
        for row in rows:
            table.add_row(*(_cell(key, v) for key, v in row.items()))
        out.print(table)


def _cell(key: str, value: object) -> str:
    """A table cell: counts with thousands separators; years, field numbers and ranks as they are."""
    if value is None:
        return ""
    if isinstance(value, int) and key not in ("year", "field", "rank"):
        return f"{value:,}"
    return str(value)
