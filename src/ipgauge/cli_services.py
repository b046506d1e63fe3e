"""The services' commands (``ipgauge index``, ``ipgauge screen``): parse, call the services, print.

Kept apart from :mod:`ipgauge.cli` so that the statistics commands stay readable; registered on the
same application, with the same one-sentence failures (:func:`ipgauge.cli.guarded`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge import csvfile
from ipgauge.cli import DbOption, _choice, _date, _path, _rows, app, guarded
from ipgauge.console import err, note, out, progress_bar, styled
from ipgauge.errors import UserError, mark_saved, why

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
    con = store.connect(path, read_only=True)
    try:
        with progress_bar() as tick:
            report = build(con, path, vectors=vectors, rebuild=rebuild, verify=True, tick=tick)
    finally:
        con.close()
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


MAX_QUERIES_CHARS = 200_000_000  # a --queries file: 10,000 descriptions of 20,000 characters


def utf8(text: str, what: str) -> str:
    """``text`` as given on the command line, refused in one sentence when its bytes are not UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        bad = text[e.start].encode("utf-8", "surrogateescape")
        raise UserError(f"{what} is not UTF-8 (byte 0x{bad.hex()} at character {e.start + 1}).") from None
    return text


def _queries(text: str | None, file: Path | None, queries: Path | None) -> list[tuple[str, str]]:
    """The queries to screen, each checked before any is screened (a bad row names its line)."""
    from ipgauge.services.screen import MAX_QUERY_CHARS, query_problem

    given = [x for x in (text, file, queries) if x is not None]
    if len(given) != 1:
        raise UserError("give one of: the text to screen, --file FILE, or --queries FILE.csv.")
    if text is not None:
        found = [("query", utf8(text, "the text to screen"))]
    else:
        path = file or queries
        limit = MAX_QUERY_CHARS + 1 if file is not None else MAX_QUERIES_CHARS  # never more than is screened
        try:
            with open(path, encoding="utf-8-sig") as f:
                raw = f.read(limit)
                if queries is not None and f.read(1):
                    raise UserError(f"{path} holds more than {MAX_QUERIES_CHARS:,} characters; split it.")
        except UnicodeDecodeError:
            raise UserError(f"{path} is not UTF-8 text; save it as UTF-8 and try again.") from None
        except OSError as e:
            raise UserError(f"cannot read {path} ({why(e)}).") from None
        found = [(path.stem, raw)] if file is not None else _csv_queries(path, raw)
    for query_id, query in found:
        problem = query_problem(query)
        if problem:
            where = f"{queries} (id {query_id!r}): " if queries else ""
            raise UserError(f"{where}{problem}; give a product description or claims to screen.")
    return found


def _csv_queries(path: Path, raw: str) -> list[tuple[str, str]]:
    from ipgauge.services.screen import query_problem

    csv.field_size_limit(10**8)
    reader = csv.DictReader(io.StringIO(raw, newline=""), strict=True)
    rows, seen, start = [], set(), 2
    try:
        if not reader.fieldnames or not {"id", "text"} <= set(reader.fieldnames):
            raise UserError(f"{path} needs a header with the columns id and text (one query per row).")
        start = reader.line_num + 1
        for row in reader:
            where = f"{path} line {start}"
            start = reader.line_num + 1  # the next row begins after the lines this one took
            if None in row:
                raise UserError(f"{where}: more fields than the header names (quote a text holding commas).")
            key = (row["id"] or "").strip()  # " a" and "a" are one id to whoever reads the results
            if not key:
                raise UserError(f"{where}: the id is empty.")
            if key in seen:
                raise UserError(f"{where}: the id {key!r} is used twice.")
            problem = query_problem(row["text"] or "")
            if problem:
                raise UserError(f"{where} ({key!r}): {problem}.")
            seen.add(key)
            rows.append((key, row["text"]))
    except csv.Error as e:
        raise UserError(f"{path} line {start}: not valid CSV ({e}).") from None
    if not rows:
        raise UserError(f"{path} holds no query (one per row, under the header id,text).")
    return rows


@app.command()
@guarded
def screen(
    text: Annotated[str | None, typer.Argument(help="A product description or claims to screen.")] = None,
    file: Annotated[Path | None, typer.Option("--file", parser=_path, help="Read the query from a text file.")] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", parser=_path, help="A CSV of queries with the columns id,text.")
    ] = None,
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="CN or US.")] = "CN",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D (default: today).")] = None,
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: D).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="Rights to list per query.")] = 10,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    db: DbOption = None,
) -> None:
    """Screen a product against the claims of the rights in force on D as known on K (screening, not advice)."""
    from ipgauge.register import store
    from ipgauge.services.claim_chart import DISCLAIMER
    from ipgauge.services.claim_index import build
    from ipgauge.services.screen import MAX_QUERY_CHARS, Screening

    _choice(fmt, ("table", "json", "csv"))
    todo = _queries(text, file, queries)
    d, k = _dates(as_of, known_at_)
    path = store.db_path(db)
    con = store.connect(path, read_only=True)
    try:
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
    finally:
        con.close()
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


def _say_built(report, lead: str) -> None:
    """Say on stderr what a build that a command ran for itself did (nothing when the index was up to date)."""
    if report.up_to_date:
        return
    if report.rebuilt and report.rebuilt not in ("new", "asked"):
        err.print(f"{lead}rebuilt from nothing ({report.rebuilt}): {report.claims:,} claims.", soft_wrap=True)
    else:
        err.print(f"{lead}brought up to date ({report.added:,} claim versions added).", soft_wrap=True)


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
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="CN or US.")] = "CN",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D (default: today).")] = None,
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: D).")] = None,
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
    con = store.connect(path, read_only=True)
    try:
        result = compute(con, path, given[0][0], given[0][1], jurisdiction.upper(), d, k)
    finally:
        con.close()
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
    con = store.connect(path, read_only=True)
    try:
        upto = store.last_delivery(con)
        if kind == "risk":
            with progress_bar() as tick:
                _say_built(build(con, path, verify=True, tick=tick), "note: the claims index was ")
        module = risk_report if kind == "risk" else layout_report
        snapshot, doc = module.compute(con, path, inputs, upto)
    finally:
        con.close()
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
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="CN or US.")] = "CN",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D (default: today).")] = None,
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: D).")] = None,
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
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="CN or US.")] = "CN",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D (default: today).")] = None,
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: D).")] = None,
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
    con = store.connect(path, read_only=True)
    try:
        if store.last_delivery(con) < upto or store.identity(con, upto) != stored["register"]:
            raise UserError(
                f"the report was computed from another register (or one rebuilt since) than {path}; "
                "it cannot be reproduced here."
            )
        module = risk_report if kind == "risk" else layout_report
        now, doc = module.compute(con, path, inputs, upto)
    finally:
        con.close()
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


def _dates(as_of: str | None, known_at_: str | None) -> tuple[date, date]:
    """D (default today) and K (default D), noting a K before D."""
    d = _date(as_of, "--as-of") or date.today()
    k = _date(known_at_, "--known-at") or min(d, date.today())  # K is never after today
    if k < d:
        note(f"known at {k}, before the date asked about ({d}): later events are not yet recorded.")
    return d, k


def _subject(company: str | None, region: str | None, field: str | None) -> list[tuple[str, str]]:
    """The one subject of a landscape or layout report, as (kind, text)."""
    from ipgauge.services.landscape import one_subject

    return [one_subject(company, region, field, "--")]


def _note_match(subject, text: str, given: str = "--company") -> None:
    """Say which company a part of a name was taken to mean."""
    if subject.kind == "company" and subject.matched != "exactly":
        how = "the one party whose name contains it" if subject.matched == "by part of its name" else subject.matched
        note(f"{given} {text.strip()!r} taken as {subject.label_zh} ({subject.key}), {how}.")


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
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    db: DbOption = None,
) -> None:
    """Companies served with reports, disputes, consultations, trainings and losses recovered (CNY and USD)."""
    from ipgauge.register import store
    from ipgauge.services.casework import summary

    _choice(fmt, ("table", "json", "csv"))
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


collaboration_app = typer.Typer(
    no_args_is_help=True, help="Industry–academia–research collaboration: the network of co-holders."
)
app.add_typer(collaboration_app, name="collaboration")
FORMATS = ("table", "json", "csv")
SUMMARY_CSV = ("section", "item", "label", "value", "previous", "yoy_pct", "share_pct")


def _write_csv(header: tuple[str, ...] | list[str], rows: list[list]) -> None:
    buf = io.StringIO()
    w = csvfile.Writer(buf)
    w.writerow(header)
    w.writerows(rows)
    sys.stdout.write(buf.getvalue())


@collaboration_app.command("summary")
@guarded
def collaboration_summary(
    region: Annotated[str, typer.Option("--region", help="A region code, name or group (CN: the nation).")] = "CN",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D (default: today).")] = None,
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")] = None,
    backend: Annotated[str, typer.Option(help="duckdb or pyspark.")] = "duckdb",
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    db: DbOption = None,
) -> None:
    """Co-held, academia–industry and cross-region patents, by field and region; top institutions; communities."""
    from ipgauge.indicators.query import open_engine
    from ipgauge.regions.groups import region as find_region
    from ipgauge.register import store
    from ipgauge.services.collaboration import summary

    _choice(fmt, FORMATS)
    d, k = _dates(as_of, known_at_)
    where = find_region(region)
    with open_engine(store.db_path(db), k, backend) as engine:
        result = summary(engine, where, d)
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
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D (default: today).")] = None,
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")] = None,
    years: Annotated[int, typer.Option("--years", min=1, max=30, help="Years of history, ending with D's.")] = 5,
    picture: Annotated[
        Path | None, typer.Option("--picture", parser=_path, help="Draw the network on D into this PNG or SVG file.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    db: DbOption = None,
) -> None:
    """One institution's partners by technology field, year by year, and a picture of its network on D."""
    from ipgauge.indicators.query import open_engine
    from ipgauge.register import store
    from ipgauge.services.collaboration import draw_ego, ego
    from ipgauge.services.landscape import subject_of

    _choice(fmt, FORMATS)
    if not party.strip():
        raise UserError("name the institution: its party id or its name.")
    if picture is not None and picture.suffix.lower() not in (".png", ".svg"):
        raise UserError(f"--picture takes a .png or .svg file, not {picture.name}.")
    d, k = _dates(as_of, known_at_)
    with open_engine(store.db_path(db), k) as engine:
        subject = subject_of(engine.store_con, "company", party, k)
        _note_match(subject, party, "the party")
        view = ego(engine, subject.key, d, years)
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
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    db: DbOption = None,
) -> None:
    """Each name resolved to a party of the register, with its score and how — or ambiguous, or unmatched."""
    from ipgauge.register import store
    from ipgauge.services.names import resolve

    _choice(fmt, FORMATS)
    given = list(names or [])
    if file is not None:
        try:
            given += [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read {file} ({why(e) if isinstance(e, OSError) else 'not UTF-8 text'}).") from None
    if not given:
        raise UserError("give the names to resolve, or --file FILE with one name a line.")
    k = _date(known_at_, "--known-at") or date.today()
    con = store.connect(store.db_path(db), read_only=True)
    try:
        found = [resolve(con, name, k, threshold) for name in given]
    finally:
        con.close()
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


case_app = typer.Typer(no_args_is_help=True, help="Single casework records: add, update or close a case.")
app.add_typer(case_app, name="case")
RecordedOn = Annotated[
    str | None,
    typer.Option("--recorded-on", help="The day the record was received (default: today; earlier needs --reason)."),
]
Reason = Annotated[
    str | None, typer.Option("--reason", help="Why a record received before today is entered now (a correction).")
]


def _written(recorded_on: str | None, reason: str | None):
    """Who writes (the system user, in the delivery log) and when the record counts as received."""
    import getpass

    from ipgauge.services.casework import Written

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = str(os.getuid())
    return Written(f"ipgauge case by {user}", _date(recorded_on, "--recorded-on"), reason)


def _saved(what: str, report) -> None:
    mark_saved(what)
    out.print(f"Saved {what} (delivery recorded on {report.recorded_date}).")


def _amount(text: str | None, option: str) -> tuple[str, str] | None:
    """'500000 EUR' → ('500000', 'EUR')."""
    if text is None:
        return None
    parts = text.split()
    if len(parts) != 2:
        raise UserError(f"{option} takes an amount and its currency, such as {option} '500000 EUR'.")
    return parts[0], parts[1].upper()


@case_app.command("add")
@guarded
def case_add(
    case_id: Annotated[str, typer.Option("--case-id", help="The case's id (unique in the register).")],
    centre: Annotated[str, typer.Option("--centre", help="The centre's id (from centres.csv).")],
    kind: Annotated[str, typer.Option("--kind", help="risk_report, layout_report, dispute, consultation, …")],
    opened: Annotated[str, typer.Option("--opened", help="The day the case was opened.")],
    client_party: Annotated[str | None, typer.Option("--client-party", help="The client's party id.")] = None,
    client_name: Annotated[str | None, typer.Option("--client-name", help="The client's name.")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="The foreign office (US, EP …).")] = None,
    attendees: Annotated[int | None, typer.Option("--attendees", min=0, help="A training's attendance.")] = None,
    rights: Annotated[str | None, typer.Option("--rights", help="The rights concerned, ';'-separated.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it so far.")] = None,
    recorded_on: RecordedOn = None,
    reason: Reason = None,
    db: DbOption = None,
) -> None:
    """Add one case (validated like a delivery: the centre and the client party must exist)."""
    from ipgauge.register import store
    from ipgauge.services.casework import add_case

    row = {
        "case_id": case_id,
        "centre_id": centre,
        "client_party_id": client_party,
        "client_name": client_name,
        "kind": kind,
        "jurisdiction": jurisdiction,
        "opened_date": opened,
        "outcome": outcome,
        "attendees": attendees,
        "rights": rights,
    }
    _, report = add_case(store.db_path(db), row, _written(recorded_on, reason))
    _saved(f"case {case_id.strip()}", report)


@case_app.command("update")
@guarded
def case_update(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    status: Annotated[str | None, typer.Option("--status", help="open, closed or withdrawn.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="The foreign office.")] = None,
    client_name: Annotated[str | None, typer.Option("--client-name", help="The client's name.")] = None,
    attendees: Annotated[int | None, typer.Option("--attendees", min=0, help="A training's attendance.")] = None,
    closed: Annotated[str | None, typer.Option("--closed", help="The day it closed.")] = None,
    rights: Annotated[str | None, typer.Option("--rights", help="The rights concerned, ';'-separated.")] = None,
    recorded_on: RecordedOn = None,
    reason: Reason = None,
    db: DbOption = None,
) -> None:
    """Change a case: a new version, the old one kept (the register is bitemporal)."""
    from ipgauge.register import store
    from ipgauge.services.casework import update_case

    changes = {
        "status": status,
        "outcome": outcome,
        "jurisdiction": jurisdiction,
        "client_name": client_name,
        "attendees": attendees,
        "closed_date": closed,
        "rights": rights,
    }
    if all(v is None for v in changes.values()):
        raise UserError("nothing to change: give at least one of --status, --outcome, --closed, … .")
    _, report = update_case(store.db_path(db), case_id, changes, _written(recorded_on, reason))
    _saved(f"case {case_id}", report)


@case_app.command("close")
@guarded
def case_close(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    on: Annotated[str, typer.Option("--date", help="The day it closed.")],
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
    recovered: Annotated[
        str | None, typer.Option("--recovered", help="Losses recovered: amount and currency, e.g. '500000 EUR'.")
    ] = None,
    fee: Annotated[str | None, typer.Option("--fee", help="The fee: amount and currency, e.g. '20000 CNY'.")] = None,
    recorded_on: RecordedOn = None,
    reason: Reason = None,
    db: DbOption = None,
) -> None:
    """Close a case on a date, with its outcome and any money recovered or charged (dated that day)."""
    from ipgauge.register import store
    from ipgauge.services.casework import close_case

    amounts = []
    for kind, given, option in (("recovered", recovered, "--recovered"), ("fee", fee, "--fee")):
        money = _amount(given, option)
        if money:
            amounts.append((kind, *money))
    _, report = close_case(store.db_path(db), case_id, on, outcome, amounts, _written(recorded_on, reason))
    _saved(f"case {case_id}" + (" and its amounts" if amounts else ""), report)


@app.command()
@guarded
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    private: Annotated[bool, typer.Option("--private", help="Answer reads only with an API key too.")] = False,
    rate: Annotated[
        int, typer.Option("--rate-limit", min=0, help="Requests a minute per key or address (0: no limit).")
    ] = 600,
    cors: Annotated[
        list[str] | None, typer.Option("--cors-origin", help="Allow this origin to call the API (repeatable; off).")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Keep no computed answer in memory (the load test's baseline).")
    ] = False,
    keep: Annotated[
        int,
        typer.Option("--keep-cached", min=1, help="Knowledge dates' spells kept on disk (the most recently used)."),
    ] = 8,
    access_log: Annotated[
        Path | None, typer.Option("--access-log", help="Log every request as a JSON line to this file (rotated).")
    ] = None,
    max_head: Annotated[
        int, typer.Option("--max-header-bytes", min=1024, help="Bytes of request line and headers (else 431).")
    ] = 32 * 1024,
    head_timeout: Annotated[
        float, typer.Option("--header-timeout", min=0.1, help="Seconds for a request's headers to arrive (else 408).")
    ] = 10.0,
    body_timeout: Annotated[
        float, typer.Option("--body-timeout", min=0.1, help="Seconds for a request's body to arrive (else 408).")
    ] = 30.0,
    per_address: Annotated[
        int, typer.Option("--max-connections-per-address", min=1, help="Open connections one client address may hold.")
    ] = 256,
) -> None:
    """Serve the dashboard (/) and the HTTP API (/v1, docs at /v1/docs) over the register."""
    import socket

    from ipgauge.register import store

    try:
        import uvicorn

        from ipgauge.web.access import AccessLog
        from ipgauge.web.app import create_app
        from ipgauge.web.guard import Settings
        from ipgauge.web.protocol import Limits, file_handles, guarded
    except ImportError:
        raise UserError("the dashboard and API need the web extra: pip install 'ipgauge[web]'.") from None
    path = store.db_path(db)
    if not path.is_file():
        raise UserError(f"there is no register {path}; load a delivery first (ipgauge load DIR --db {path}).")
    store.connect(path, read_only=True).close()  # not a register: one sentence now, not an error on every page
    try:  # a port in use is one sentence, not uvicorn's log and exit
        with socket.create_server((host, port)):
            pass
    except OSError as e:
        raise UserError(f"cannot listen on {host}:{port} ({why(e)}); check --host and --port.") from None
    log = AccessLog(access_log) if access_log else None
    app = create_app(
        path,
        Settings(
            private=private,
            rate=rate,
            cors_origins=tuple(cors or ()),
            cache_entries=0 if no_cache else 2048,
            keep_cached=keep,
            access_log=log,
        ),
    )
    limits = Limits(max_head, head_timeout, body_timeout, per_address, file_handles())
    out.print(
        f"ipgauge dashboard on http://{host}:{port}/ and API on http://{host}:{port}/v1 (docs: /v1/docs) "
        f"over {path}; Ctrl-C stops it.",
        soft_wrap=True,
    )
    # no proxy headers: X-Forwarded-For from a client on loopback must not choose its own rate-limit bucket
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, http=guarded(limits, log))


keys_app = typer.Typer(no_args_is_help=True, help="API keys for the server: writes and expensive calls need one.")
app.add_typer(keys_app, name="keys")


@keys_app.command("add")
@guarded
def keys_add(
    name: Annotated[str, typer.Option("--name", help="Whose key it is (a person, a centre, a tool).")],
    centre: Annotated[
        list[str] | None, typer.Option("--centre", help="A centre whose casework it may write (repeatable).")
    ] = None,
    every: Annotated[bool, typer.Option("--all-centres", help="It may write the casework of every centre.")] = False,
    corrections: Annotated[
        bool, typer.Option("--corrections", help="It may back-date a record (recorded_on before today, with a reason).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Make a key; it is printed once and only its SHA-256 digest is kept."""
    from ipgauge.register import store
    from ipgauge.web import keys

    if every and centre:
        raise UserError("give --centre or --all-centres, not both.")
    path = store.db_path(db)
    made, key = keys.add(path, name, None if every else list(centre or []), corrections)
    mark_saved(f"API key {made.key_id}")
    may = "; may write corrections" if made.corrections else ""
    err.print(f"API key {made.key_id} for {made.name} (centres: {';'.join(made.centres)}{may}); it is shown only now:")
    print(key)


@keys_app.command("list")
@guarded
def keys_list(
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    db: DbOption = None,
) -> None:
    """The keys (never the keys themselves): id, name, centres, made, revoked."""
    from ipgauge.register import store
    from ipgauge.web import keys

    path = store.db_path(db)
    if not path.is_file():
        raise UserError(f"there is no register {path}; pass --db.")
    _rows([k.public() for k in keys.read(keys.path_for(path))], fmt, "API keys")


@keys_app.command("revoke")
@guarded
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from keys list).")], db: DbOption = None):
    """Revoke a key: a running server refuses it from its next request."""
    from ipgauge.register import store
    from ipgauge.web import keys

    done = keys.revoke(store.db_path(db), key_id)
    mark_saved(f"the revocation of API key {key_id}")
    out.print(f"API key {done.key_id} ({done.name}) revoked on {done.revoked}.")
