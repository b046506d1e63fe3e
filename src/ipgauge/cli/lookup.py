"""Looking things up: ``regions`` and a right's ``status``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import DbOption, Format, KnownAt, OutputFormat, _choice, _date
from ipgauge.cli.output import _rows
from ipgauge.console import out, styled
from ipgauge.errors import UserError


@app.command()
@guarded
def regions(
    query: Annotated[str | None, typer.Argument(help="Code (current or retired), group id or name (zh or en).")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Look up regions and groups: codes, names, levels, parents and members (no query: nation, groups, provinces)."""
    from ipgauge.regions.groups import describe, search

    found = search(query)
    if not found:
        raise UserError(f"no region or group matches {query!r}.")
    rows = [describe(r) for r in found]
    if fmt == "table" and len(rows) > 200:
        _rows(rows[:200], fmt, f"{len(found):,} regions matching {query!r} (the first 200)")
        out.print(f"... and {len(found) - 200:,} more; narrow the query, or use --format csv for all of them.")
        return
    _rows(rows, fmt, f"{len(found):,} regions" + (f" matching {query!r}" if query else ""))


@app.command()
@guarded
def status(
    right_id: Annotated[str, typer.Argument(help="Patent application number, trademark number or GI id.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The date D the status is asked for.")],
    known_at_: KnownAt = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    no_grace: Annotated[bool, typer.Option("--no-grace", help="Do not count a trademark's grace period.")] = False,
    db: DbOption = None,
) -> None:
    """Explain whether a right is in force on D as known on K, with the events that decided it."""
    from ipgauge.law.ruleset import Policy
    from ipgauge.law.status import explain
    from ipgauge.register import store

    _choice(fmt, ("table", "json"))
    d = _date(as_of, "--as-of")
    k = _date(known_at_, "--known-at") or date.today()
    with store.reading(store.db_path(db)) as con:
        st = explain(con, right_id, d, k, policy=Policy(grace_in_force=not no_grace))
    if fmt == "json":
        from dataclasses import asdict

        print(json.dumps(asdict(st), default=str, ensure_ascii=False, indent=2))
        return
    verdict = ("IN FORCE", "bold green") if st.in_force else ("NOT IN FORCE", "bold red")
    out.print(f"{st.right_type} {st.right_id} ({st.kind}) {st.label}")
    out.print(styled(verdict, f" on {st.as_of} as known on {st.known_at}: {st.reason}."))
    if st.term_end:
        out.print(
            f"By its term alone, in force until {st.term_end - timedelta(days=1)} (last day), "
            "before extensions, renewals and endings."
        )
    table = RichTable(title="Events")
    for col in ("effective", "recorded", "event", "value", "effect"):
        table.add_column(col)
    for e in st.events:
        style = None if e.known else "dim"
        table.add_row(str(e.effective_date), str(e.recorded_date), e.event, e.value or "", e.effect, style=style)
    out.print(table)
    spells = RichTable(title="Spells (in force from, to, first holder, region)")
    for col in ("from", "to", "holder", "holder type", "country", "region"):
        spells.add_column(col)
    for s in st.spells:
        spells.add_row(
            str(s["valid_from"]),
            "open" if s["valid_to"] == store.OPEN else str(s["valid_to"]),
            s["party_id"] or "",
            s["holder_type"] or "",
            s["country"] or "",
            s["region_code"] or "",
        )
    out.print(spells)
