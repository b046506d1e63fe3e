"""The service reports (risk, layout) and their reproduction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.inputs import _queries, utf8
from ipgauge.cli.options import (
    AsOfToday,
    DbOption,
    Jurisdiction,
    JurisdictionOption,
    KnownAtD,
    _dates,
    _path,
    _subject,
    _written,
)
from ipgauge.cli.output import _saved, _say_built
from ipgauge.console import err, out, progress_bar
from ipgauge.errors import UserError, mark_saved, why

report_app = typer.Typer(no_args_is_help=True, help="Service reports (zh and en): risk screening, layout strategy.")


app.add_typer(report_app, name="report")


CaseOption = Annotated[
    str | None,
    typer.Option("--case", help="Attach the report to this casework case (its rights and outcome are recorded)."),
]


def _publish(
    kind: str, inputs: dict, folder: Path, db: Path | None, case: str | None = None, allow_unscreened: bool = False
) -> None:
    from ipgauge.register import store
    from ipgauge.services import layout_report, report, risk_report
    from ipgauge.services.casework import existing, save
    from ipgauge.services.claim_index import build

    report.check_out(folder)
    if case is not None:  # checked before the report is computed: a wrong case id costs nothing
        row = existing(store.db_path(db), case)
        if row["kind"] != f"{kind}_report":
            raise UserError(
                f"case {case} is a {row['kind']} case, not a {kind}_report; the report attaches to its own kind."
            )
    path = store.db_path(db)
    with store.reading(path) as con:
        upto = store.last_delivery(con)
        if kind == "risk":
            with progress_bar() as tick:
                _say_built(build(con, path, verify=True, tick=tick), "note: the claims index was ")
        module = risk_report if kind == "risk" else layout_report
        snapshot, doc = module.compute(con, path, inputs, upto)
    unassessed = snapshot.get("results") and not snapshot.get("assessed")
    if kind == "risk" and (not snapshot["screened"] or unassessed) and not allow_unscreened:
        raise UserError(
            f"{snapshot['warning'].rstrip('.')}. No report was written: one that compared no claim would read "
            "as an all-clear (give --allow-unscreened to write it anyway, marked as such)."
        )
    if kind == "risk" and snapshot["warning"]:
        err.print(f"warning: {snapshot['warning']}", soft_wrap=True)
    snapshot["report_id"] = report.report_id(snapshot)
    draw = (layout_report if kind == "layout" else risk_report).draw
    written = report.write(doc, snapshot, folder, lambda work: draw(snapshot, work))
    mark_saved(f"the report in {folder}")
    out.print(f"Report {snapshot['report_id']} written to {folder}: {', '.join(p.name for p in written)}.")
    if case is not None:
        rights = [r["right_id"] for r in snapshot.get("results", [])]  # a risk report's rights; a layout's: none
        done = f"report {snapshot['report_id']} ({folder.resolve()})"
        row = row | {"outcome": done} | ({"rights": rights} if rights else {})
        what = f"case {case} with report {snapshot['report_id']}"
        _saved(what, save(path, {"cases": [row]}, _written(None, None), what))


@report_app.command("risk")
@guarded
def report_risk(
    text: Annotated[str | None, typer.Argument(help="The product description to screen.")] = None,
    file: Annotated[Path | None, typer.Option("--file", parser=_path, help="Read it from a text file.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The product's name in the report.")] = None,
    jurisdiction: JurisdictionOption = Jurisdiction.CN,
    as_of: AsOfToday = None,
    known_at_: KnownAtD = None,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="Rights to list.")] = 10,
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder for the report.")] = Path("report"),
    case: CaseOption = None,
    allow_unscreened: Annotated[
        bool,
        typer.Option("--allow-unscreened", help="Write the report even when no right in force has claims to compare."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Write an infringement-risk screening report: the closest rights in force and their claim charts."""
    from ipgauge.services.screen import MAX_QUERY_CHARS

    query_id, query = _queries(text, file, None)[0]
    if len(query) > MAX_QUERY_CHARS:
        raise UserError(
            f"the product description has more than {MAX_QUERY_CHARS:,} characters, the most a report screens."
        )
    if name is not None:
        utf8(name, "--name")
    d, k = _dates(as_of, known_at_)
    inputs = {
        "name": " ".join((name if name is not None else query_id if file else "").split()),
        "text": query,
        "jurisdiction": jurisdiction.upper(),
        "as_of": d.isoformat(),
        "known_at": k.isoformat(),
        "top": top,
    }
    _publish("risk", inputs, out_dir, db, case, allow_unscreened)


@report_app.command("layout")
@guarded
def report_layout(
    company: Annotated[str | None, typer.Option("--company", help="A party id or name.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="A region code, name or group.")] = None,
    field: Annotated[str | None, typer.Option("--field", help="A WIPO field (1-35) or an IPC class.")] = None,
    jurisdiction: JurisdictionOption = Jurisdiction.CN,
    as_of: AsOfToday = None,
    known_at_: KnownAtD = None,
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder for the report.")] = Path("report"),
    case: CaseOption = None,
    db: DbOption = None,
) -> None:
    """Write a layout-strategy report for a company, a region or a technology field."""
    given = _subject(company, region, field)
    d, k = _dates(as_of, known_at_)
    inputs = {
        "kind": given[0][0],
        "subject": given[0][1],
        "jurisdiction": jurisdiction.upper(),
        "as_of": d.isoformat(),
        "known_at": k.isoformat(),
    }
    _publish("layout", inputs, out_dir, db, case)


@report_app.command("reproduce")
@guarded
def report_reproduce(
    folder: Annotated[Path, typer.Argument(parser=_path, help="A report folder (with its report.json).")],
    db: DbOption = None,
) -> None:
    """Recompute a report from the deliveries it read and say whether it reproduces to the digit."""
    from ipgauge.register import store
    from ipgauge.services import layout_report, report, risk_report

    try:
        stored = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        kind, inputs, upto = stored["kind"], stored["inputs"], int(stored["deliveries"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UserError(f"{folder} holds no readable report.json ({why(e)}).") from None
    path = store.db_path(db)
    with store.reading(path) as con:
        if store.last_delivery(con) < upto or store.identity(con, upto) != stored["register"]:
            raise UserError(
                f"the report was computed from another register (or one rebuilt since) than {path}; "
                "it cannot be reproduced here."
            )
        module = risk_report if kind == "risk" else layout_report
        now, doc = module.compute(con, path, inputs, upto)
    rid = stored.pop("report_id", None)
    grown = stored.pop("index", None) != now.pop("index", None)
    differ = _differences(stored, now)
    if differ:
        named = ", ".join(differ[:5]) + (f" and {len(differ) - 5} more" if len(differ) > 5 else "")
        hint = " (the claims index has grown since: its word statistics, and so the scores, moved)" if grown else ""
        raise UserError(f"the report does not reproduce: {named} differ{hint}.", exit_code=1)
    for lang in report.LANGS:  # the files say what the snapshot says (not edited since)
        file = folder / f"report.{lang}.md"
        if not file.exists() or file.read_text(encoding="utf-8") != report.markdown(doc, lang, rid):
            raise UserError(f"the numbers reproduce, but {file.name} is not the text they make (edited since?).", 1)
    out.print(f"Report {folder} reproduces to the digit from deliveries 1 to {upto}.")


def _differences(before: object, after: object, where: str = "") -> list[str]:
    """The paths (sections.trend[3].filings) at which two snapshots differ."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after), key=str)
        return [d for k in keys for d in _differences(before.get(k), after.get(k), f"{where}.{k}" if where else k)]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            d for i, (b, a) in enumerate(zip(before, after, strict=True)) for d in _differences(b, a, f"{where}[{i}]")
        ]
    return [] if before == after else [where or "the report"]
