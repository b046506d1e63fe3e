"""``ipgauge parties resolve``: names resolved to the register's parties."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import DbOption, Format, KnownAt, OutputFormat, _date, _path
from ipgauge.cli.output import _write_csv
from ipgauge.console import err, out
from ipgauge.errors import UserError, why

parties_app = typer.Typer(no_args_is_help=True, help="The register's parties: names resolved to parties.")


app.add_typer(parties_app, name="parties")


RESOLVE_CSV = ("input", "status", "party_id", "name", "score", "how", "candidates")


@parties_app.command("resolve")
@guarded
def parties_resolve(
    names: Annotated[list[str] | None, typer.Argument(help="Names as written (简称, old or English names …).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", parser=_path, help="A text file of names, one per line.")
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", min=50, max=100, help="The score (0–100) from which a name is a party.")
    ] = 95.0,
    known_at_: KnownAt = None,
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Each name resolved to a party of the register, with its score and how — or ambiguous, or unmatched."""
    from ipgauge.register import store
    from ipgauge.services.names import resolve

    given = list(names or [])
    if file is not None:
        try:
            given += [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read {file} ({why(e) if isinstance(e, OSError) else 'not UTF-8 text'}).") from None
    if not given:
        raise UserError("give the names to resolve, or --file FILE with one name a line.")
    k = _date(known_at_, "--known-at") or date.today()
    with store.reading(store.db_path(db)) as con:
        found = [resolve(con, name, k, threshold) for name in given]
    if fmt == "json":
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return
    rows = [
        [f["input"], f["status"], f["party_id"] or "", f["name"] or "", "" if f["score"] is None else f"{f['score']:g}",
         f["how"] or "", "; ".join(f"{c['name']} ({c['party_id']}, {c['score']:g})" for c in f["candidates"])]
        for f in found
    ]  # fmt: skip
    if fmt == "csv":
        _write_csv(RESOLVE_CSV, rows)
        return
    table = RichTable(title=f"Names resolved to parties (known at {k}; threshold {threshold:g})")
    for c in RESOLVE_CSV:
        table.add_column(c)
    for r in rows:
        table.add_row(*r)
    out.print(table)
    unresolved = sum(f["status"] != "matched" for f in found)
    if unresolved:
        err.print(
            f"note: {unresolved} of {len(found)} names not resolved to one party (ambiguous or unmatched).",
            soft_wrap=True,
        )
