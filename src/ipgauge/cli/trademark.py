"""``ipgauge trademark compare | clear | watch``: trademarks abroad — likeness, clearance, the squatting watch."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import DbOption, Format, KnownAt, OutputFormat, _date, _dates, _path
from ipgauge.cli.output import _write_csv
from ipgauge.console import note, out
from ipgauge.errors import UserError

trademark_app = typer.Typer(
    no_args_is_help=True, help="Trademarks abroad: compare two marks, clear one, watch for squatters."
)
app.add_typer(trademark_app, name="trademark")

Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="The office: US or CN.")]


def _classes(text: str | None, option: str) -> list[int]:
    """'9,42' → [9, 42]; a class outside 1-45 is one sentence."""
    from ipgauge.services.marks.similarity import nice_classes

    try:
        return nice_classes(text)
    except ValueError as e:
        raise UserError(f"{option}: {e}.") from None


def _office(jurisdiction: str) -> str:
    """US or CN, whatever the case; another is one sentence (there is no rule set for it)."""
    from ipgauge.law.jurisdictions import rules_for

    return rules_for(jurisdiction.strip().upper()).jurisdiction


def _mark(text: str, what: str) -> str:
    if not text.strip():
        raise UserError(f"{what} is empty.")
    if len(text) > 500:
        raise UserError(f"{what} is {len(text):,} characters long; a mark is at most 500.")
    return text


@trademark_app.command("compare")
@guarded
def compare_cmd(
    mark_a: Annotated[str, typer.Argument(metavar="MARK_A", help="The first mark, as written (乔丹, QIAODAN).")],
    mark_b: Annotated[str, typer.Argument(metavar="MARK_B", help="The second mark.")],
    classes_a: Annotated[str | None, typer.Option("--classes-a", help="MARK_A's Nice classes: 25 or 9,42.")] = None,
    classes_b: Annotated[str | None, typer.Option("--classes-b", help="MARK_B's Nice classes.")] = None,
    jurisdiction: Jurisdiction = "US",
    fmt: Format = OutputFormat.table,
) -> None:
    """How alike two marks are in sound, sight, meaning and goods, and whether confusion is likely."""
    from ipgauge.services.marks.similarity import compare

    try:
        c = compare(_mark(mark_a, "MARK_A"), _classes(classes_a, "--classes-a"), _mark(mark_b, "MARK_B"),
                    _classes(classes_b, "--classes-b"), _office(jurisdiction))  # fmt: skip
    except ValueError as e:
        raise UserError(f"{e}.") from None
    if fmt == "json":
        print(json.dumps(c.as_json(), ensure_ascii=False))
        return
    if fmt == "csv":
        d = c.dimensions
        dims = [f"{d[k]:.4f}" for k in ("phonetic", "visual", "conceptual", "goods")]
        header = ["likely_confusion", "score", "phonetic", "visual", "conceptual", "goods", "reasons"]
        _write_csv(header, [[c.likely_confusion, f"{c.score:.4f}", *dims, " | ".join(c.reasons)]])
        return
    verdict = "LIKELY CONFUSION" if c.likely_confusion else "confusion unlikely"
    out.print(f"{mark_a} / {mark_b}: {verdict} (score {c.score:.2f})")
    for k, v in c.dimensions.items():
        out.print(f"  {k:<10} {v:.2f}")
    for r in c.reasons:
        out.print(f"  - {r}", soft_wrap=True)


@trademark_app.command("clear")
@guarded
def clear_cmd(
    mark: Annotated[str, typer.Argument(metavar="MARK", help="The mark to clear, as it will be used.")],
    classes: Annotated[str, typer.Option("--classes", help="Its Nice classes, e.g. 9,42.")],
    jurisdiction: Jurisdiction = "US",
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D (default today).")] = None,
    known_at_: Annotated[
        str | None, typer.Option("--known-at", help="The knowledge date K (default: D, and never after today).")
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list the near marks judged not confusing.")] = False,
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The marks in force or pending on D (as known on K) that conflict with MARK, strongest first."""
    from ipgauge.register import store
    from ipgauge.services.marks.clearance import clear

    d, k = _dates(as_of, known_at_)
    wanted = _classes(classes, "--classes")
    if not wanted:
        raise UserError("--classes names no class.")
    with store.reading(store.db_path(db)) as con:
        try:
            found = clear(con, _mark(mark, "MARK"), wanted, _office(jurisdiction), d, k, show_all)
        except ValueError as e:
            raise UserError(f"{e}.") from None
    _print_conflicts(found, fmt, f"Marks in the way of {mark} ({_office(jurisdiction)}, classes {classes}) on {d}, "
                                  f"as known on {k}")  # fmt: skip


def _print_conflicts(found, fmt: str, title: str) -> None:
    if fmt == "json":
        print(json.dumps([c.as_json() for c in found], ensure_ascii=False))
        return
    if fmt == "csv":
        header = ["right_id", "mark", "status", "since", "until", "owner", "owner_country", "classes", "score",
                  "likely_confusion", "reasons"]  # fmt: skip
        rows = [[j["right_id"], j["mark"], j["status"], j["since"], j["until"], j["owner"], j["owner_country"],
                 ";".join(map(str, j["classes"])), j["score"], j["likely_confusion"], " | ".join(j["reasons"])]
                for j in (c.as_json() for c in found)]  # fmt: skip
        _write_csv(header, rows)
        return
    table = RichTable(title=title)
    for col in ("mark", "id", "status", "owner", "classes", "score", "why"):
        table.add_column(col)
    for c in found:
        status = c.status + (f" since {c.since}" if c.since else "") + (f", to {c.until}" if c.until else "")
        table.add_row(c.mark, c.right_id, status, f"{c.owner} ({c.owner_country})", ",".join(map(str, c.classes)),
                      f"{c.score:.2f}", "; ".join(c.reasons[:2]))  # fmt: skip
    out.print(table)
    if not found:
        note("no conflicting mark found.")


def read_marks(path: Path) -> list[tuple[str, list[int]]]:
    """A watch list: a CSV with columns ``mark`` and ``classes`` ('9;42'); one sentence for anything wrong."""
    if not path.is_file():
        raise UserError(f"{path} is not a file.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path} cannot be read as UTF-8 text ({e.__class__.__name__}).") from None
    from ipgauge.services.marks.similarity import Mark

    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"mark", "classes"} <= set(reader.fieldnames):
        raise UserError(f"{path} needs a header with the columns mark and classes.")
    out_ = []
    for r in reader:
        n = reader.line_num
        if None in r or "\n" in (r.get("mark") or ""):
            raise UserError(f"{path}:{n}: a row has more fields than the header, or a quote left open.")
        if not (r.get("mark") or "").strip():
            raise UserError(f"{path}:{n}: the mark is empty.")
        mark = Mark.of(r["mark"])
        if not (mark.latin or mark.chinese):
            raise UserError(f"{path}:{n}: the mark has no Latin letters or Chinese characters to compare.")
        out_.append((_mark(r["mark"], f"{path}:{n}: the mark"), _classes(r.get("classes"), f"{path}:{n}: classes")))
    if not out_:
        raise UserError(f"{path} names no mark.")
    return out_


@trademark_app.command("watch")
@guarded
def watch_cmd(
    marks: Annotated[Path, typer.Option("--marks", parser=_path, help="CSV of the company's marks: mark,classes.")],
    since: Annotated[str, typer.Option("--since", help="Filings dated on or after this day.")],
    jurisdiction: Jurisdiction = "US",
    known_at_: KnownAt = None,
    report: Annotated[
        Path | None, typer.Option("--report", parser=_path, help="Also write the alert as a report (zh and en).")
    ] = None,
    fmt: Format = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Filings recorded since a date that conflict with a company's marks: the squatting alert."""
    from datetime import date

    from ipgauge.register import store
    from ipgauge.services.marks.clearance import watch

    start = _date(since, "--since")
    k = _date(known_at_, "--known-at") or date.today()
    if start > k:
        note(f"--since {start} is after the knowledge date {k}: no filing can be known yet.")
    watched = read_marks(marks)
    if report is not None:
        from ipgauge.services.report import check_out

        check_out(report, "--report")
    with store.reading(store.db_path(db)) as con:
        alerts = watch(con, watched, start, _office(jurisdiction), k)
        if report is not None:
            from ipgauge.services.marks.watch_report import write_report

            written = write_report(con, report, alerts, watched, start, k, _office(jurisdiction))
            note(f"wrote the report ({len(written)} files) into {report}")
    if fmt == "json":
        print(json.dumps([a.as_json() for a in alerts], ensure_ascii=False))
        return
    where = f"{_office(jurisdiction)}, known on {k}"
    title = f"Filings since {start} conflicting with {len(watched)} watched marks ({where})"
    _print_conflicts([a.conflict for a in alerts], fmt, title)
