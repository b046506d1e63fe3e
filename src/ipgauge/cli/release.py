"""Statistics releases: write one, list them, diff one against a later knowledge date."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import Backend, BackendOption, DbOption, Format, KnownAt, OutputFormat, _choice, _date, _path
from ipgauge.cli.output import _print_release, _rows
from ipgauge.console import out, styled
from ipgauge.errors import UserError

DIFF_SHOWN = 20  # rights listed per changed figure in a table (all with --all, always all in JSON)


release_app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
    help="Write a statistics release (zh and en) from the figures; reproduce or diff one.",
)


app.add_typer(release_app, name="release")


@release_app.callback()
@guarded
def release(
    ctx: typer.Context,
    region_: Annotated[str | None, typer.Option("--region", help="Region code or group (e.g. northeast).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The date D the release describes.")] = None,
    known_at_: KnownAt = None,
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
    backend: BackendOption = Backend.duckdb,
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
    from ipgauge.register.store import db_path
    from ipgauge.releases import snapshot
    from ipgauge.releases.spec import Spec, load_spec

    langs = ("zh", "en") if lang == "both" else (lang,)
    if any(x not in ("zh", "en") for x in langs):
        raise UserError(f"unknown language {lang!r}; choose zh, en or both.")
    if export is not None and db is not None:
        raise UserError("give the register (--db) or an export (--from), not both.")
    if export is not None and reproduce:
        raise UserError(
            "--reproduce regenerates a release stored in a register; a release from --from is kept only in its files."
        )
    path = db_path(db)
    if reproduce:
        asked = (("--region", region_), ("--as-of", as_of), ("--known-at", known_at_), ("--spec", spec_file),
                 ("--casework", casework))  # fmt: skip
        _reproduce(path, reproduce, [o for o, v in asked if v is not None], out_dir, backend, langs)
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


def _reproduce(path: Path, release_id: str, given: list[str], out_dir: Path, backend: str, langs: tuple) -> None:
    """Regenerate a stored release (its spec as stored: no option may change it) and write its files."""
    from ipgauge.releases import render, snapshot

    if given:
        raise UserError(f"--reproduce takes the stored spec; leave out {', '.join(given)}.")
    render.check_out(out_dir)
    computed = snapshot.reproduce(path, release_id, backend)
    render.write(computed.figures, computed.snapshot, out_dir)
    _print_release(computed, langs)
    out.print(f"\nRelease {release_id} reproduced: every figure identical to the snapshot; files in {out_dir}.")


@release_app.command("list")
@guarded
def release_list(
    fmt: Format = OutputFormat.table,
    limit: Annotated[int, typer.Option(help="How many, newest first.", min=1)] = 50,
    db: DbOption = None,
) -> None:
    """List the releases stored in the register, newest first: their ids for --reproduce and diff."""
    from ipgauge.register.store import db_path
    from ipgauge.releases import snapshot

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
