"""The ``ipgauge`` command line (DESIGN §9): a thin layer that parses, calls the library and prints.

Every user-facing failure is one sentence on stderr and an exit status: 2 for a usage error or a
:class:`~ipgauge.errors.UserError` (1 where it says some rows were rejected), 130 for Ctrl-C, and 3
for an unexpected error — a bug — whose traceback goes to a log file that the sentence names.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import duckdb
import typer
from rich.table import Table as RichTable
from typer._click.exceptions import NoArgsIsHelpError  # typer 0.29 vendors click; pinned
from typer.core import TyperGroup

from ipgauge.console import err, flush_notes, out, progress_bar, styled
from ipgauge.errors import UserError, damaged, interrupted, log_crash, noting_interrupts, saved, why
from ipgauge.register.schema import parse_date, parse_knowledge_date

INTERRUPTED = "interrupted; nothing was changed."


class OneSentence(TyperGroup):
    """The command group whose every failure, usage errors and bugs included, is one line on stderr."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D102
        saved.clear()
        try:
            with noting_interrupts():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:  # `ipgauge` alone: the help, as asked
            typer.echo(e.ctx.get_help())
            code = 0
        except typer.TyperException as e:
            hint = f" (see `{e.ctx.command_path} --help`)" if getattr(e, "ctx", None) else ""
            _say(f"{e.format_message().rstrip('.')}{hint}.")
            code = 2
        except (typer.Abort, KeyboardInterrupt, duckdb.InterruptException) as e:
            message, code = _explain(e) or (INTERRUPTED, 130)
            _say(message)
        except BrokenPipeError:  # `ipgauge screen … | head`: the reader has what it wanted, nothing to say
            _quiet_stdout()
            code = 0
        except Exception as e:
            known = _explain(e)
            if known is None and os.environ.get("IPGAUGE_DEBUG"):
                raise
            message, code = known or (  # a bug: one sentence, the traceback in a log file, its own status
                f"unexpected error ({type(e).__name__}); this is a bug in ipgauge — the details are in "
                f"{log_crash(e)}; please report it.",
                3,
            )
            _say(message)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's exit flush does not raise a second BrokenPipeError."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test runner's capture): nothing to silence
        pass


def _explain(e: BaseException) -> tuple[str, int] | None:
    """The sentence and exit status for a failure that is not a bug (None for a bug)."""
    if isinstance(e, UserError):
        return str(e), e.exit_code
    if (
        isinstance(e, typer.Abort | KeyboardInterrupt | duckdb.InterruptException)
        or interrupted
        or (
            isinstance(e, RuntimeError) and str(e).strip().lower() == "query interrupted"  # Ctrl-C inside DuckDB
        )
    ):
        if saved:  # the work was stored before the interrupt arrived: say so, never "nothing changed"
            return f"interrupted after {saved[-1]} was saved; that part is complete.", 130
        return INTERRUPTED, 130
    if isinstance(e, duckdb.OutOfMemoryException):
        from ipgauge.register.store import memory_limit

        return f"the engine ran out of memory ({why(e)}); raise IPGAUGE_MEMORY_LIMIT (now {memory_limit()}).", 2
    if isinstance(e, OSError):  # the environment: a name too long, a permission, a full or read-only disk
        return f"cannot use {e.filename or 'a file'} ({why(e)}).", 2
    if isinstance(e, duckdb.IOException | duckdb.TransactionException | duckdb.SerializationException):
        if damaged(e):
            return f"a register file is damaged (truncated or overwritten): {why(e)}", 2
        return f"a file could not be read or written ({why(e)}); nothing was changed.", 2
    return None


def _say(message: str) -> None:
    err.print(f"error: {message}", soft_wrap=True)


app = typer.Typer(
    cls=OneSentence,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Regional intellectual-property statistics: register, law, indicators, releases.",
)

F = TypeVar("F", bound=Callable)


def _path(value: str) -> Path:
    """A path option's value; an empty one is refused (it would silently mean the current folder)."""
    if isinstance(value, Path):
        return value
    if not value.strip():
        raise typer.BadParameter("an empty path; name a file or folder")
    return Path(value)


DbOption = Annotated[
    Path | None,
    typer.Option("--db", parser=_path, help="Register file (default: $IPGAUGE_DB or ./ipgauge.duckdb)."),
]


def guarded(fn: F) -> F:
    """Turn user errors, Ctrl-C and the environment's failures into one sentence and an exit status."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        flush_notes(keep=False)
        try:
            result = fn(*args, **kwargs)
        except typer.Exit:
            flush_notes()
            raise
        except BrokenPipeError:  # the reader of stdout went away (`| head`): quiet, in main
            raise
        except (Exception, KeyboardInterrupt) as e:
            flush_notes(keep=False)  # a failure is one sentence: notes made on the way are dropped
            known = _explain(e)
            if known is None:
                raise
            _say(known[0])
            raise typer.Exit(known[1]) from None
        flush_notes()
        return result

    return wrapper  # type: ignore[return-value]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    return parse_knowledge_date(value, option) if option == "--known-at" else parse_date(value, option)


def _choice(value: str, choices: tuple[str, ...], option: str = "--format") -> str:
    if value not in choices:
        raise UserError(f"unknown {option} {value!r}; choose {', '.join(choices[:-1])} or {choices[-1]}.")
    return value


def _rows(rows: list[dict], fmt: str, title: str) -> None:
    """A listing as a table, JSON (a list of objects) or CSV, every value whole."""
    import json

    from ipgauge import csvfile

    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    keys = list(dict.fromkeys(k for r in rows for k in r))
    if fmt == "csv":
        w = csvfile.DictWriter(sys.stdout, keys)
        w.writeheader()
        w.writerows({k: ("; ".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in rows)
        return
    table = RichTable(title=title)
    for k in keys:
        table.add_column(k, overflow="fold")
    for r in rows:
        table.add_row(*("; ".join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in r.values()))
    out.print(table)


@app.command()
@guarded
def synth(
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder to write the delivery into.")],
    scale: Annotated[str, typer.Option(help="small (~2k patents), province (~250k) or national (~12M).")] = "small",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same register.")] = 1,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write a deterministic synthetic register in the canonical format (labelled synthetic)."""
    from ipgauge.synth.generate import synthesize

    started = time.perf_counter()
    with progress_bar() as tick:
        manifest = synthesize(scale, seed, out_dir, fmt, tick)
    rows = ", ".join(f"{n:,} {t}" for t, n in manifest["rows"].items())
    out.print(
        f"SYNTHETIC register ({scale}, seed {seed}) written to {out_dir} in "
        f"{time.perf_counter() - started:.1f} s: {rows}.",
    )


def print_load_report(report) -> None:
    """The per-table counts of a load, and the first rejected rows of each table on stderr."""
    if report.same_as:
        out.print(
            f"{report.source} is byte for byte delivery {report.same_as}, the last one loaded: "
            "nothing to load, the register is unchanged.",
            soft_wrap=True,
        )
        return
    title = f"Loaded {report.source}" + (f" as delivery {report.delivery_id}" if report.delivery_id else "")
    table = RichTable(title=title + (" (SYNTHETIC)" if report.synthetic else ""))
    for col in ("file", "rows", "new", "changed", "unchanged", "duplicates", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for t in report.tables:
        table.add_row(t.file, *(f"{v:,}" for v in (t.rows, t.new, t.changed, t.unchanged, t.duplicates, t.rejected)))
    out.print(table)
    same = [t for t in report.tables if t.same_as]
    if same:
        names = ", ".join(f"{t.file} (as loaded by delivery {t.same_as})" for t in same)
        out.print(f"Unchanged files, not read again: {names}.", soft_wrap=True)
    for t in report.tables:
        for line in t.reject_lines:
            out.print(line, soft_wrap=True)
        if t.rejected > len(t.reject_lines):
            out.print(
                f"... and {t.rejected - len(t.reject_lines):,} more in {report.rejects_dir / (t.table + '.csv')}",
            )
    problems = []
    if report.rejected:
        rows = "row" if report.rejected == 1 else "rows"
        problems.append(f"{report.rejected:,} {rows} rejected (kept with their reasons in {report.rejects_dir})")
    unresolved = sum(t.unresolved for t in report.tables)
    if unresolved:
        problems.append(
            f"{unresolved:,} parties have an address that names no known region (loaded without a region, listed in "
            f"{report.rejects_dir / 'unresolved_addresses.csv'})"
        )
    if problems:  # one sentence on stderr; the rows themselves are the report, on stdout
        level = "error" if report.exit_code == 2 else "warning"
        err.print(f"{level}: " + "; ".join(problems) + ".", soft_wrap=True)


@app.command()
@guarded
def load(
    folder: Annotated[Path, typer.Argument(parser=_path, help="Delivery folder of canonical CSV or Parquet files.")],
    db: DbOption = None,
    rejects: Annotated[
        Path | None, typer.Option(parser=_path, help="Folder for rejected rows (default: DIR/REJECTS).")
    ] = None,
    recorded_on: Annotated[
        str | None,
        typer.Option(
            help="Date the register received this delivery (default: manifest.json's recorded_date, else today)."
        ),
    ] = None,
) -> None:
    """Validate a delivery and import its good rows in one transaction; exit 0, 1 (some rejected) or 2."""
    from ipgauge.register.load import load_delivery
    from ipgauge.register.store import db_path

    with progress_bar() as tick:
        report = load_delivery(
            folder, db_path(db), rejects_dir=rejects, recorded_on=_date(recorded_on, "--recorded-on"), progress=tick
        )
    print_load_report(report)
    if report.exit_code:
        raise typer.Exit(report.exit_code)


def _patents_in(db: Path) -> set[str]:
    """The ids of the patents a register holds now."""
    from ipgauge.register import store

    if not db.is_file():
        raise UserError(f"--known-in {db} is not a register file.")
    con = store.connect(db, read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT patent_id FROM patents WHERE known_to IS NULL").fetchall()}
    finally:
        con.close()


IMPORT_FORMATS = ("uspto-grant", "uspto-maintfee", "uspto-assignment", "epo-legal")


@app.command("import")
@guarded
def import_(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of {', '.join(IMPORT_FORMATS)}.")],
    files: Annotated[
        list[Path], typer.Argument(parser=_path, help="Input files (a weekly file may hold many documents).")
    ],
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder for the canonical delivery.")],
    known_in: Annotated[
        Path | None,
        typer.Option(
            "--known-in",
            parser=_path,
            help="A register: import events of the patents it holds only (assignments, EPO).",
        ),
    ] = None,
) -> None:
    """Turn real bulk files into a delivery `ipgauge load` takes; exit 0, 1 (some documents rejected) or 2."""
    from functools import partial

    from ipgauge.adapters import epo_legal, uspto_assignment, uspto_grant, uspto_maintfee
    from ipgauge.adapters.delivery import REJECTS, DeliveryWriter

    _choice(fmt, IMPORT_FORMATS)
    for f in files:
        if not f.is_file():
            raise UserError(f"{f} is not a file.")
    if len({f.resolve() for f in files}) < len(files):
        raise UserError("a file is named twice; its documents would be imported twice.")
    adapter = {
        "uspto-grant": uspto_grant,
        "uspto-maintfee": uspto_maintfee,
        "uspto-assignment": uspto_assignment,
        "epo-legal": epo_legal,
    }[fmt]
    if known_in is not None and fmt not in ("uspto-assignment", "epo-legal"):
        raise UserError("--known-in applies to uspto-assignment and epo-legal only.")
    run_adapter = adapter.run if known_in is None else partial(adapter.run, known=_patents_in(known_in))
    started = time.perf_counter()
    with DeliveryWriter(out_dir, fmt, adapter.TABLES) as writer, progress_bar() as tick:
        run_adapter(files, writer, tick)
        writer.close(files)
    seconds = time.perf_counter() - started
    rows = ", ".join(f"{n:,} {t}" for t, n in sorted(writer.counts.items()))
    out.print(
        f"Imported {writer.documents:,} {'document' if writer.documents == 1 else 'documents'} from "
        f"{len(files)} {'file' if len(files) == 1 else 'files'} in {seconds:.1f} s into {out_dir}: {rows or 'no rows'}."
    )
    for what, n in writer.notes.most_common():
        out.print(f"  not imported (no effect on whether a right is in force): {n:,} × {what}")
    if writer.rejected:
        err.print(
            f"warning: {writer.rejected:,} {'document' if writer.rejected == 1 else 'documents'} rejected, "
            f"each with its reason, in {out_dir / REJECTS}."
        )
        raise typer.Exit(1)


@app.command()
@guarded
def export(
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder to write Parquet files into.")],
    db: DbOption = None,
) -> None:
    """Write the register as Parquet: current rows as a loadable delivery, plus every version in history/."""
    from ipgauge.register import store

    con = store.connect(store.db_path(db), read_only=True)
    try:
        counts = store.export(con, out_dir)
    finally:
        con.close()
    out.print(f"Exported to {out_dir}: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + ".")


@app.command()
@guarded
def demo(
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Working folder for the demo.")] = Path("demo"),
    scale: Annotated[str, typer.Option(help="Scale of the synthetic register.")] = "province",
) -> None:
    """The main job end to end on the synthetic register: synth, load, and the Northeast China release."""
    from ipgauge.register.cache import cache_dir
    from ipgauge.register.load import load_delivery
    from ipgauge.releases import render, snapshot
    from ipgauge.releases.spec import Spec
    from ipgauge.synth.generate import synthesize

    delivery, db = out_dir / "delivery", out_dir / "register.duckdb"
    _only_a_demo(db)
    render.check_out(out_dir / "release")
    started = time.perf_counter()
    with progress_bar() as tick:
        synthesize(scale, 1, delivery, "csv", tick)
    out.print(
        styled(("1. SYNTHETIC register written", "bold"), f" to {delivery} ({time.perf_counter() - started:.1f} s)")
    )
    for old in (db, db.with_name(db.name + ".wal")):
        old.unlink(missing_ok=True)
    shutil.rmtree(cache_dir(db), ignore_errors=True)
    started = time.perf_counter()
    with progress_bar() as tick:
        report = load_delivery(delivery, db, progress=tick)
    out.print(styled(("2. Loaded", "bold"), f" into {db} ({time.perf_counter() - started:.1f} s)"))
    print_load_report(report)
    started = time.perf_counter()
    spec = Spec("northeast", date(2025, 4, 30), report.recorded_date, casework=True).validate()
    computed, files = snapshot.publish(db, spec, out_dir / "release")
    out.print(
        styled(
            (f"3. Release {computed.snapshot['release_id']}", "bold"),
            f": Northeast China as of {spec.as_of}, as known on {spec.known_at} "
            f"({time.perf_counter() - started:.1f} s)",
        )
    )
    _print_release(computed, ("zh", "en"))
    out.print(f"\nFiles: {out_dir / 'release'}/ " + ", ".join(p.name for p in files))
    _demo_services(db, out_dir, spec.known_at)
    some_patent = _a_patent(db)
    k = spec.known_at.isoformat()
    out.print(styled("\n", ("Next, try", "bold"), f" (the register is {db}):"))
    again, db = shlex.quote(str(out_dir / "again")), shlex.quote(str(db))  # ready to paste into a shell
    for line in (
        f"ipgauge indicator valid_invention_patents --region liaoning --as-of 2025-04-30 --known-at {k} --db {db}",
        f"ipgauge indicator valid_trademarks --region northeast --as-of 2025-04-30 --known-at {k} --by subregion "
        f"--db {db}",
        f"ipgauge indicator valid_invention_patents --region CN --as-of 2025-04-30 --known-at {k} --series yearly "
        f"--from 2020-01-01 --db {db}",
        *([f"ipgauge status {some_patent} --as-of 2025-04-30 --known-at {k} --db {db}"] if some_patent else []),
        f"ipgauge release --reproduce {computed.snapshot['release_id']} --db {db} --out {again}",
        f"ipgauge casework summary --region 辽宁 --year 2024 --known-at {k} --db {db}",
        f"ipgauge collaboration ego 沈阳自动化所 --as-of 2025-04-30 --known-at {k} --picture ego.svg --db {db}",
        f"ipgauge parties resolve 中科院沈阳自动化所 --known-at {k} --db {db}",
        "ipgauge regions 辽宁",
    ):
        out.print(f"  {line}", soft_wrap=True)
    out.print("(inside the project folder, `. .venv/bin/activate` puts ipgauge on your PATH)")
    out.print(
        styled(
            "\n",
            ("The dashboard", "bold"),
            f": `make serve` (or `ipgauge serve --db {db}`) starts it on http://127.0.0.1:8000/ "
            f"— the map explorer, the release, casework; the API's docs on http://127.0.0.1:8000/v1/docs",
        ),
        soft_wrap=True,
    )


def _demo_services(db: Path, out_dir: Path, k: date) -> None:
    """The services on the synthetic register: Liaoning's casework in 2024, and its collaboration network."""
    import json

    from ipgauge.indicators.query import open_engine
    from ipgauge.regions.groups import region
    from ipgauge.services.casework import sentence, summary
    from ipgauge.services.collaboration import draw_ego, ego
    from ipgauge.services.collaboration import summary as collaboration

    started = time.perf_counter()
    figures = summary(db, "210000", 2024, k)
    out.print(
        styled(
            ("\n4. Casework", "bold"), f" of Liaoning's service centres in 2024 ({time.perf_counter() - started:.1f} s)"
        )
    )
    for lang in ("zh", "en"):
        out.print(sentence(figures, lang), soft_wrap=True)
    started = time.perf_counter()
    folder = out_dir / "collaboration"
    folder.mkdir(parents=True, exist_ok=True)
    on = date(2025, 4, 30)
    with open_engine(db, k) as engine:
        net = collaboration(engine, region("210000"), on)
        view = ego(engine, _showcase(engine), on)
    (folder / "liaoning.json").write_text(json.dumps(net, ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / "ego.json").write_text(json.dumps(view, ensure_ascii=False, indent=2), encoding="utf-8")
    picture = draw_ego(view, folder / "ego.png")
    out.print(styled(("5. Collaboration", "bold"), f" in Liaoning on {on} ({time.perf_counter() - started:.1f} s)"))
    for f in net["indicators"]:
        out.print(
            f"  {f['indicator']}: {f['value']:,} ({f['share_pct']}% of valid invention patents, "
            f"{_cell(f, 'yoy_pct')} y/y)"
        )
    year = view["years"][-1]
    fields = ", ".join(list(year["fields"])[:3])
    out.print(
        f"  {view['name']}: {year['partners']} partners on {on}, leading fields {fields}; picture {picture}",
        soft_wrap=True,
    )


def _showcase(engine) -> str:
    """The party id of the synthetic register's showcase institute (the seed's Shenyang Institute of Automation)."""
    from ipgauge.synth.parties import PartyPools

    rows = engine.store_con.execute(
        "SELECT party_id FROM parties WHERE name = ? ORDER BY party_id LIMIT 1", [PartyPools.showcase_name[0]]
    ).fetchall()  # fetchall: a half-read result would block the connection's next statement
    if not rows:
        raise UserError("the demo register has no showcase institute; run `make demo` again to rebuild it.")
    return rows[0][0]


def _only_a_demo(db: Path) -> None:
    """Refuse to delete a register that holds more than an earlier demo (other deliveries, releases)."""
    from ipgauge.register import store

    if not db.exists():
        return
    con = store.connect(db, read_only=True)
    try:
        deliveries, real = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT synthetic) FROM deliveries"
        ).fetchall()[0]
        releases = store.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'releases'")
        if releases:
            releases = store.scalar(con, "SELECT count(*) FROM releases")
    finally:
        con.close()
    if deliveries > 1 or real or releases > 1:
        raise UserError(
            f"{db} holds more than a demo ({deliveries} deliveries, {releases} releases), and the demo would replace "
            "it; choose another --out."
        )


def _a_patent(db: Path) -> str | None:
    """A granted patent of the register, to show `ipgauge status` on."""
    from ipgauge.register import store

    con = store.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT patent_id FROM patents WHERE grant_date IS NOT NULL AND known_to IS NULL ORDER BY patent_id LIMIT 1"
        ).fetchall()
    finally:
        con.close()
    return rows[0][0] if rows else None


FORMATS = ("table", "json", "csv")
DIFF_SHOWN = 20  # rights listed per changed figure in a table (all with --all, always all in JSON)


@app.command()
@guarded
def regions(
    query: Annotated[str | None, typer.Argument(help="Code (current or retired), group id or name (zh or en).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """Look up regions and groups: codes, names, levels, parents and members (no query: nation, groups, provinces)."""
    from ipgauge.regions.groups import describe, search

    _choice(fmt, FORMATS)
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
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    no_grace: Annotated[bool, typer.Option("--no-grace", help="Do not count a trademark's grace period.")] = False,
    db: DbOption = None,
) -> None:
    """Explain whether a right is in force on D as known on K, with the events that decided it."""
    import json

    from ipgauge.law.ruleset import Policy
    from ipgauge.law.status import explain
    from ipgauge.register import store

    _choice(fmt, ("table", "json"))
    d = _date(as_of, "--as-of")
    k = _date(known_at_, "--known-at") or date.today()
    con = store.connect(store.db_path(db), read_only=True)
    try:
        st = explain(con, right_id, d, k, policy=Policy(grace_in_force=not no_grace))
    finally:
        con.close()
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
            "open" if str(s["valid_to"]) == "9999-12-31" else str(s["valid_to"]),
            s["party_id"] or "",
            s["holder_type"] or "",
            s["country"] or "",
            s["region_code"] or "",
        )
    out.print(spells)


@app.command()
@guarded
def indicators(fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table") -> None:
    """List the indicator catalogue: names, labels in both languages, units and definitions."""
    from ipgauge.indicators.catalogue import catalogue, listing

    if _choice(fmt, FORMATS) != "table":
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


def _emit(points: list, fmt: str, title: str, single: bool = False) -> None:
    """Figures as JSON (one object for a single figure, DESIGN §9), CSV, or a table with grouped digits."""
    import json

    rows = [p.as_dict() for p in points]
    if fmt == "json" and single:
        print(json.dumps(rows[0], ensure_ascii=False, indent=2))
        return
    if fmt != "table":
        _rows(rows, fmt, title)
        return
    hidden = ("indicator", "known_at", "unit", "synthetic", "label_zh", "label_en")  # the label holds both names
    keys = list(dict.fromkeys(k for r in rows for k in r if k not in hidden))
    table = RichTable(title=title)
    for k in keys:
        table.add_column(k, justify="right" if k in ("value", "previous", "yoy_pct", "share_pct") else "left")
    for r in rows:
        table.add_row(*(_cell(r, k) for k in keys))
    out.print(table)


def _cell(row: dict, key: str) -> str:
    """A table cell: counts grouped, a change rounded once to one decimal (JSON and CSV keep it whole)."""
    from ipgauge.releases.wording import signed

    value = row.get(key)
    if key == "yoy_pct" and isinstance(value, float):
        return signed(value) + "%"
    return f"{value:,}" if isinstance(value, int) and key != "part" else str("" if value is None else value)


@app.command()
@guarded
def indicator(
    name: Annotated[str, typer.Argument(help="Indicator name (see `ipgauge indicators`).")],
    region_: Annotated[str, typer.Option("--region", help="Region code, group id, or CN for the nation.")],
    as_of: Annotated[str, typer.Option("--as-of", help="The date D the figure describes.")],
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    series: Annotated[str | None, typer.Option(help="monthly, quarterly or yearly: a time series.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First date of a series.")] = None,
    to: Annotated[str | None, typer.Option(help="Last date of a series (default: --as-of).")] = None,
    by: Annotated[str | None, typer.Option(help="Breakdown: subregion, holder_type, field or country.")] = None,
    share_of: Annotated[str | None, typer.Option(help="Also give the share of this parent region (e.g. CN).")] = None,
    backend: Annotated[str, typer.Option(help="Engine: duckdb or pyspark.")] = "duckdb",
    jurisdiction: Annotated[
        str, typer.Option(help="Whose register: CN (default) or US; US patents are in force by the US rules.")
    ] = "CN",
    db: DbOption = None,
) -> None:
    """A figure for a region on D as known on K, with its value a year earlier and the change."""
    from ipgauge.indicators.catalogue import indicator as lookup
    from ipgauge.indicators.query import open_engine
    from ipgauge.law.jurisdictions import rules_for
    from ipgauge.regions.groups import region as find_region
    from ipgauge.regions.groups import retired_note
    from ipgauge.register.store import db_path

    _choice(fmt, FORMATS)
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
    with open_engine(db_path(db), k, backend, jurisdiction=jurisdiction) as engine:
        if series:
            start = _date(from_, "--from")
            if start is None:
                raise UserError("--series needs --from DATE.")
            points = engine.series(name, where, series, start, _date(to, "--to") or d, by)
            _emit(points, fmt, f"{name}, {where.name_en}, {series}" + (f", by {by}" if by else ""))
        elif by:
            parts = engine.breakdown(name, where, d, by, unplaced=True)
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
            _emit([engine.point(name, where, d, parent)], fmt, f"{name}, {where.name_en}, on {d}", single=True)
    if engine.synthetic and fmt == "table":
        out.print(styled(("SYNTHETIC", "bold"), " register: these figures describe no real region."))
    notes = [n for n in (retired_note(where), retired_note(parent) if parent else None) if n] + later
    if notes:  # once the figures are out: a failure stays one line
        err.print("note: " + " ".join(notes), soft_wrap=True)


release_app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
    help="Write a statistics release (zh and en) from the figures; reproduce or diff one.",
)
app.add_typer(release_app, name="release")


def _print_release(computed, langs: tuple[str, ...]) -> None:
    from ipgauge.indicators.catalogue import indicator
    from ipgauge.releases.text import paragraphs, title

    written = computed.figures.spec["languages"]
    for lang in [lang for lang in langs if lang in written]:
        out.print(styled("\n", (title(computed.figures, lang), "bold")))
        for p in paragraphs(computed.figures, lang):
            out.print(p, soft_wrap=True)
    for name, _ in computed.figures.omitted:
        err.print(f"note: {indicator(name).label_en} left out: the region has no resident population figure.")


@release_app.callback()
@guarded
def release(
    ctx: typer.Context,
    region_: Annotated[str | None, typer.Option("--region", help="Region code or group (e.g. northeast).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D the release describes.")] = None,
    known_at_: Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")] = None,
    lang: Annotated[str, typer.Option(help="Language printed to the terminal: zh, en or both.")] = "both",
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder for the release files.")] = Path(
        "release"
    ),
    spec_file: Annotated[
        Path | None, typer.Option("--spec", parser=_path, help="A TOML release spec (options override it).")
    ] = None,
    reproduce: Annotated[str | None, typer.Option(help="Regenerate a stored release by its id.")] = None,
    casework: Annotated[
        bool | None,
        typer.Option("--casework/--no-casework", help="Add the section on the region's IP service centres' casework."),
    ] = None,
    backend: Annotated[str, typer.Option(help="Engine: duckdb or pyspark.")] = "duckdb",
    export: Annotated[
        Path | None,
        typer.Option(
            "--from", parser=_path, help="An `ipgauge export` folder to compute from instead of the register."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Compute a release, store its snapshot, write its files and print its text.

    With --from, the release is computed from an export (the law itself run by --backend) and kept
    only in its files.
    """
    if ctx.invoked_subcommand:
        return
    from ipgauge.engines import BACKENDS
    from ipgauge.register.store import db_path
    from ipgauge.releases import render, snapshot
    from ipgauge.releases.spec import Spec, load_spec

    langs = ("zh", "en") if lang == "both" else (lang,)
    if any(x not in ("zh", "en") for x in langs):
        raise UserError(f"unknown language {lang!r}; choose zh, en or both.")
    _choice(backend, BACKENDS, "--backend")
    if export is not None and db is not None:
        raise UserError("give the register (--db) or an export (--from), not both.")
    if export is not None and reproduce:
        raise UserError(
            "--reproduce regenerates a release stored in a register; a release from --from is kept only in its files."
        )
    path = db_path(db)
    if reproduce:
        given = [
            o
            for o, v in (
                ("--region", region_),
                ("--as-of", as_of),
                ("--known-at", known_at_),
                ("--spec", spec_file),
                ("--casework", casework),
            )
            if v is not None
        ]
        if given:
            raise UserError(f"--reproduce takes the stored spec; leave out {', '.join(given)}.")
        render.check_out(out_dir)
        computed = snapshot.reproduce(path, reproduce, backend)
        render.write(computed.figures, computed.snapshot, out_dir)
        _print_release(computed, langs)
        out.print(f"\nRelease {reproduce} reproduced: every figure identical to the snapshot; files in {out_dir}.")
        return
    k = _date(known_at_, "--known-at")
    if spec_file:
        spec = load_spec(spec_file, region=region_, as_of=_date(as_of, "--as-of"), known_at=k, casework=casework)
    else:
        if not region_ or not as_of:
            raise UserError("a release needs --region and --as-of (or --spec FILE).")
        spec = Spec(region_, _date(as_of, "--as-of"), k or date.today(), casework=bool(casework)).validate()
    started = time.perf_counter()
    computed, files = snapshot.publish(path, spec, out_dir, backend, export)
    _print_release(computed, langs)
    out.print(
        f"\nRelease {computed.snapshot['release_id']} ({time.perf_counter() - started:.1f} s): "
        + ", ".join(p.name for p in files)
        + f" in {out_dir}.",
    )


@release_app.command("list")
@guarded
def release_list(
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 50,
    db: DbOption = None,
) -> None:
    """List the releases stored in the register, newest first: their ids for --reproduce and diff."""
    from ipgauge.register.store import db_path
    from ipgauge.releases import snapshot

    _choice(fmt, ("table", "json", "csv"))
    rows = snapshot.listing(db_path(db), limit=limit)
    if not rows and fmt == "table":
        out.print("No release is stored in this register yet: `ipgauge release --region R --as-of D` makes one.")
        return
    if fmt == "table":  # the ids and what each describes; json and csv give every field
        shown = ("release_id", "created_at", "region", "name_en", "as_of", "known_at")
        rows = [{k: r[k] for k in shown} | {"indicators": str(len(r["indicators"]))} for r in rows]
    _rows(rows, fmt, "Releases, newest first")


@release_app.command("diff")
@guarded
def release_diff(
    release_id: Annotated[str, typer.Argument(help="The release id (R…).")],
    known_at_: Annotated[str, typer.Option("--known-at", help="The later knowledge date K2.")],
    fmt: Annotated[str, typer.Option("--format", help="table or json (always every right).")] = "table",
    every: Annotated[
        bool, typer.Option("--all", help="List every right behind each change, not the first 20.")
    ] = False,
    db: DbOption = None,
) -> None:
    """List the figures that change when the release is computed as known on K2, and the rights behind them."""
    import json

    from ipgauge.register.store import db_path
    from ipgauge.releases import snapshot

    _choice(fmt, ("table", "json"))
    shown = None if every or fmt == "json" else DIFF_SHOWN
    changes = snapshot.diff(db_path(db), release_id, _date(known_at_, "--known-at"), limit=shown)
    if fmt == "json":
        print(json.dumps(changes, ensure_ascii=False, indent=2))
        return
    if not changes:
        out.print(f"No figure of {release_id} changes when known on {known_at_}.")
        return
    figures = [c for c in changes if c["figure"] in ("value", "previous")]
    members = [c for c in changes if c["figure"] == "member"]
    sentences = [c for c in changes if c["figure"] == "sentence"]
    for c in figures:
        n = c["rights_changed"]
        out.print(
            styled(
                (c["indicator"], "bold"),
                f" {c['figure']} on {c['as_of']}: {c['before']:,} → {c['after']:,} "
                f"({n:,} {'right' if n == 1 else 'rights'} changed)",
            )
        )
        for r in c["rights"]:
            clock = r["clock"].replace("recorded_later", "recorded later").replace("delivered_later", "delivered later")
            out.print(f"  {r['right_id']} {r['change']} ({clock}): {r['cause']}")
        if n > len(c["rights"]):
            out.print(f"  ... and {n - len(c['rights']):,} more: add --all to list them (--format json lists all).")
    if members:
        out.print(styled("\n", ("Member rows", "bold"), " (value, a year earlier):"))
        for c in members:
            out.print(
                f"  {c['indicator']} {c['region']} {c['name_en']}: {c['before']:,} → {c['after']:,}"
                f" (a year earlier {c['previous_before']:,} → {c['previous_after']:,})"
            )
    if sentences:
        out.print(styled("\n", ("Published sentences", "bold"), " that now read differently:"))
        for c in sentences:
            out.print(f"  [{c['lang']}] was: {c['before'] or '(none)'}", soft_wrap=True)
            out.print(f"  [{c['lang']}] now: {c['after'] or '(none)'}", soft_wrap=True)


def main() -> None:
    """Entry point for ``python -m ipgauge``."""
    sys.exit(app())


import ipgauge.cli_services  # noqa: E402, F401  (registers `ipgauge index` and `ipgauge screen` on the app)
