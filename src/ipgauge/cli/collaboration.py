"""Industry-academia-research collaboration: the summary and one party's network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import (
    AsOfToday,
    Backend,
    BackendOption,
    DbOption,
    Format,
    KnownAtD,
    OutputFormat,
    _dates,
    _note_match,
    _path,
)
from ipgauge.cli.output import _write_csv
from ipgauge.console import err, out
from ipgauge.errors import UserError, mark_saved

collaboration_app = typer.Typer(
    no_args_is_help=True, help="Industry–academia–research collaboration: the network of co-holders."
)


app.add_typer(collaboration_app, name="collaboration")


SUMMARY_CSV = ("section", "item", "label", "value", "previous", "yoy_pct", "share_pct")


@collaboration_app.command("summary")
@guarded
def collaboration_summary(
    region: Annotated[str, typer.Option("--region", help="A region code, name or group (CN: the nation).")] = "CN",
    as_of: AsOfToday = None,
    known_at_: KnownAtD = None,
    backend: BackendOption = Backend.duckdb,
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Co-held, academia–industry and cross-region patents, by field and region; top institutions; communities."""
    from ipgauge.indicators.query import open_counter
    from ipgauge.regions.groups import region as find_region
    from ipgauge.register import store
    from ipgauge.services.collaboration import summary

    d, k = _dates(as_of, known_at_)
    where = find_region(region)
    with open_counter(store.db_path(db), k, backend) as counter:
        result = summary(counter, where, d)
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    rows = [
        ["indicator", f["indicator"], "", f["value"], f["previous"], f["yoy_pct"], f["share_pct"]]
        for f in result["indicators"]
    ]
    rows += [
        ["field", r["field"], r["name_en"], r["value"], r["previous"], r["yoy_pct"], r["share_of_field_pct"]]
        for r in result["academia_industry_by_field"]
    ]
    rows += [
        ["region", r["region"], r["label"], r["value"], r["previous"], "", ""]
        for r in result["academia_industry_by_region"]
    ]
    rows += [["institution", r["party_id"], r["name"], r["partners"], "", "", ""] for r in result["top_institutions"]]
    rows += [
        ["community", str(c["community"]), "; ".join(x["name"] for x in c["leading"]), c["parties"], "", "", ""]
        for c in result["communities"]
    ]
    if fmt == "csv":
        _write_csv(SUMMARY_CSV, rows)
        return
    from ipgauge.releases.wording import signed

    title = f"Collaboration in {result['region_name_en']} on {d} (known at {k})"
    table = RichTable(title=title + (" — SYNTHETIC" if result.get("synthetic") else ""))
    for c in ("section", "item", "label", "value", "previous", "yoy %", "share %"):
        table.add_column(c, justify="right" if c in ("value", "previous", "yoy %", "share %") else "left")
    for r in rows:
        change = signed(r[5]) if isinstance(r[5], float) else r[5]  # rounded once, as everywhere
        table.add_row(
            *("" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in [*r[:5], change, r[6]])
        )
    out.print(table)
    n = result["network"]
    out.print(
        f"Network on {d}: {n['parties']:,} parties, {n['links']:,} links, {n['communities']:,} communities "
        f"(Leiden, modularity {n['modularity']}); share = of all {result['valid_invention_patents']:,} valid "
        "invention patents (by field: of the field's)."
    )


EGO_CSV = ("year", "partner", "name", "type", "region", "place", "field", "field_en", "field_zh", "patents")


@collaboration_app.command("ego")
@guarded
def collaboration_ego(
    party: Annotated[str, typer.Argument(help="The institution: its party id or its name (or part of it).")],
    as_of: AsOfToday = None,
    known_at_: KnownAtD = None,
    years: Annotated[int, typer.Option("--years", min=1, max=30, help="Years of history, ending with D's.")] = 5,
    picture: Annotated[
        Path | None, typer.Option("--picture", parser=_path, help="Draw the network on D into this PNG or SVG file.")
    ] = None,
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """One institution's partners by technology field, year by year, and a picture of its network on D."""
    from ipgauge.indicators.query import open_counter
    from ipgauge.register import store
    from ipgauge.services.collaboration import draw_ego, ego
    from ipgauge.services.landscape import subject_of

    if not party.strip():
        raise UserError("name the institution: its party id or its name.")
    if picture is not None and picture.suffix.lower() not in (".png", ".svg"):
        raise UserError(f"--picture takes a .png or .svg file, not {picture.name}.")
    d, k = _dates(as_of, known_at_)
    with store.reading(store.db_path(db)) as con:
        subject = subject_of(con, "company", party, k)
    _note_match(subject, party, "the party")
    with open_counter(store.db_path(db), k) as counter:
        view = ego(counter, subject.key, d, years)
    if picture is not None:
        draw_ego(view, picture)
        mark_saved(f"the picture {picture}")
        err.print(f"picture: {picture}", soft_wrap=True)
    if fmt == "json":
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        _write_csv(EGO_CSV, [[r[c] for c in EGO_CSV] for r in view["partners"]])
        return
    table = RichTable(title=f"{view['name']} ({view['party_id']}): partners by year, known at {k}")
    for c in ("year", "patents held", "with partners", "partners", "leading fields (patents with partners)"):
        table.add_column(c)
    for y in view["years"]:
        fields = ", ".join(f"{name} {n}" for name, n in list(y["fields"].items())[:4])
        with_partners = sum(y["fields"].values())
        table.add_row(str(y["year"]), f"{y['patents_held']:,}", f"{with_partners:,}", f"{y['partners']:,}", fields)
    out.print(table)
    last = [r for r in view["partners"] if r["year"] == view["years"][-1]["year"]]
    if last:
        top = RichTable(title=f"Partners on {d}")
        for c in ("partner", "type", "place", "field", "patents"):
            top.add_column(c)
        for r in last[:20]:
            top.add_row(
                f"{r['name']} ({r['partner']})", r["type"] or "", r["place"] or "", r["field_en"], str(r["patents"])
            )
        out.print(top)
        if len(last) > 20:
            out.print(f"… and {len(last) - 20} more rows (every partner: --format json or csv).")
