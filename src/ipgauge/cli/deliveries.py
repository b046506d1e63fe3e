"""The register's deliveries: ``synth``, ``load``, ``import`` (USPTO, EPO) and ``export``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import DbOption, _choice, _date, _path
from ipgauge.cli.output import print_load_report
from ipgauge.console import err, out, progress_bar
from ipgauge.errors import UserError


@app.command()
@guarded
def synth(
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder to write the delivery into.")],
    scale: Annotated[
        str,
        typer.Option(
            help="small (~2k patents), province (~250k), national (~12M) or northeast (its real size, ~520k)."
        ),
    ] = "small",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same register.")] = 1,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="csv or parquet (canonical), or cnipa: CNIPA's XML, PRS and CSV shapes plus a supplement."
        ),
    ] = "csv",
) -> None:
    """Write a deterministic synthetic register in the canonical format (labelled synthetic)."""
    from ipgauge.synth.generate import synthesize

    started = time.perf_counter()
    with progress_bar() as tick:
        if fmt == "cnipa":
            from ipgauge.synth.cnipa import synthesize_cnipa

            manifest = synthesize_cnipa(scale, seed, out_dir, tick)
        else:
            manifest = synthesize(scale, seed, out_dir, fmt, tick)
    rows = ", ".join(f"{n:,} {t}" for t, n in manifest["rows"].items())
    if fmt == "cnipa":
        rows = ", ".join(f"{n:,} {t.replace('_', ' ')}" for t, n in manifest["cnipa"].items()) + " in cnipa/; " + rows
    out.print(
        f"SYNTHETIC register ({scale}, seed {seed}) written to {out_dir} in "
        f"{time.perf_counter() - started:.1f} s: {rows}.",
    )


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
    from ipgauge.register import lookups, store

    if not db.is_file():
        raise UserError(f"--known-in {db} is not a register file.")
    with store.reading(db) as con:
        return lookups.current_patent_ids(con)


IMPORT_FORMATS = (
    "uspto-grant",
    "uspto-application",
    "uspto-maintfee",
    "uspto-assignment",
    "uspto-trademark",
    "epo-legal",
    "cnipa-patent",
    "cnipa-legal",
    "cnipa-trademark",
)
#: formats whose --known-in keeps the events of the patents a register holds only
KNOWN_IN = ("uspto-assignment", "epo-legal", "cnipa-legal")


@app.command("import")
@guarded
def import_(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of {', '.join(IMPORT_FORMATS)}.")],
    files: Annotated[
        list[Path],
        typer.Argument(
            parser=_path, help="Input files (a weekly file may hold many documents); cnipa-patent: folders too."
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder for the canonical delivery.")],
    known_in: Annotated[
        Path | None,
        typer.Option(
            "--known-in",
            parser=_path,
            help="A register: import events of the patents it holds only (assignments, EPO, CNIPA legal status).",
        ),
    ] = None,
) -> None:
    """Turn real bulk files into a delivery `ipgauge load` takes; exit 0, 1 (some documents rejected) or 2."""
    from functools import partial
    from importlib import import_module

    from ipgauge.adapters.delivery import REJECTS, DeliveryWriter

    _choice(fmt, IMPORT_FORMATS, "FORMAT")
    for f in files:
        if not f.is_file() and not (fmt == "cnipa-patent" and f.is_dir()):
            raise UserError(f"{f} is not a file.")
    if len({f.resolve() for f in files}) < len(files):
        raise UserError("a file is named twice; its documents would be imported twice.")
    adapter = import_module(f"ipgauge.adapters.{fmt.replace('-', '_')}")  # uspto-grant → adapters/uspto_grant.py
    if known_in is not None and fmt not in KNOWN_IN:
        raise UserError(f"--known-in applies to {', '.join(KNOWN_IN)} only.")
    run_adapter = adapter.run if known_in is None else partial(adapter.run, known=_patents_in(known_in))
    started = time.perf_counter()
    try:
        with DeliveryWriter(out_dir, fmt, adapter.TABLES) as writer, progress_bar() as tick:
            run_adapter(files, writer, tick)
            writer.close(files)
    except KeyboardInterrupt:
        _interrupted_import()
        raise
    seconds = time.perf_counter() - started
    rows = ", ".join(f"{n:,} {t}" for t, n in sorted(writer.counts.items()))
    read = writer.report.get("files", len(files))  # a folder counts as the files found in it
    out.print(
        f"Imported {writer.documents:,} {'document' if writer.documents == 1 else 'documents'} from "
        f"{read} {'file' if read == 1 else 'files'} in {seconds:.1f} s into {out_dir}: {rows or 'no rows'}."
    )
    for what, n in writer.notes.most_common():
        out.print(f"  not imported (no effect on whether a right is in force): {n:,} × {what}")
    if "addresses" in writer.report:
        a = writer.report["addresses"]
        out.print(
            f"  Chinese parties' places: {a['chinese_parties']:,}; from Province/City/County "
            f"{a['from_province_city_county']:,}, from the address text {a['from_address_text']:,}, "
            f"unresolved {a['unresolved']:,} ({a['unresolved_rate']:.2%})."
        )
    if writer.kept:
        out.print(f"  columns ipgauge does not map, kept verbatim in {out_dir / 'KEPT'}: {', '.join(writer.kept)}")
    if writer.rejected:
        err.print(
            f"warning: {writer.rejected:,} {'document' if writer.rejected == 1 else 'documents'} rejected, "
            f"each with its reason, in {out_dir / REJECTS}."
        )
        raise typer.Exit(1)


def _interrupted_import() -> None:
    """After Ctrl-C, once the unfinished delivery is gone: end now if worker processes were killed mid-task.

    A worker killed while sending its result leaves half a message in the pool's pipe; at exit the
    interpreter would wait for the pool's thread that reads it, forever (about one Ctrl-C in twelve).
    """
    import os

    from ipgauge.adapters.uspto_xml import pool_abandoned
    from ipgauge.cli.failures import INTERRUPTED

    if pool_abandoned():
        err.print(f"error: {INTERRUPTED}", soft_wrap=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)


@app.command()
@guarded
def export(
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Folder to write Parquet files into.")],
    db: DbOption = None,
) -> None:
    """Write the register as Parquet: current rows as a loadable delivery, plus every version in history/."""
    from ipgauge.register import store

    with store.reading(store.db_path(db)) as con:
        counts = store.export(con, out_dir)
    out.print(f"Exported to {out_dir}: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()) + ".")
