"""``ipgauge demo``: the main job end to end on the synthetic register."""

from __future__ import annotations

import json
import shlex
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import _path
from ipgauge.cli.output import _cell, _print_release, print_load_report
from ipgauge.console import out, progress_bar, styled
from ipgauge.errors import UserError


@app.command()
@guarded
def demo(
    out_dir: Annotated[Path, typer.Option("--out", parser=_path, help="Working folder for the demo.")] = Path("demo"),
    scale: Annotated[
        str,
        typer.Option(
            help="Scale of the synthetic register: northeast (the seed's region at its real size) or another."
        ),
    ] = "northeast",
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="canonical (the synthetic delivery loaded as is) or cnipa (written as CNIPA's files, then imported).",
        ),
    ] = "canonical",
) -> None:
    """The main job end to end on the synthetic register: synth, load, and the Northeast China release."""
    from ipgauge.releases import render, snapshot
    from ipgauge.releases.spec import Spec

    if source not in ("canonical", "cnipa"):
        raise UserError(f"--from {source!r}: choose canonical or cnipa.")
    db = out_dir / "register.duckdb"
    _only_a_demo(db)
    render.check_out(out_dir / "release")
    report = _register(out_dir, db, scale, source)
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


def _register(out_dir: Path, db: Path, scale: str, source: str):
    """Steps 1 and 2: the synthetic register written (as CNIPA's files, then imported, for ``cnipa``) and loaded."""
    from ipgauge.register.cache import cache_dir
    from ipgauge.register.load import load_delivery
    from ipgauge.synth.generate import synthesize

    delivery = out_dir / "delivery"
    started = time.perf_counter()
    with progress_bar() as tick:
        if source == "cnipa":
            from ipgauge.adapters.cnipa import import_folder
            from ipgauge.synth.cnipa import synthesize_cnipa

            synthesize_cnipa(scale, 1, delivery, tick)
            deliveries, recorded = import_folder(delivery, out_dir / "imported", tick)
        else:
            synthesize(scale, 1, delivery, "csv", tick)
            deliveries, recorded = [delivery], None
    what = " as CNIPA's files, then imported" if source == "cnipa" else ""
    out.print(
        styled(
            ("1. SYNTHETIC register written", "bold"), f" to {delivery}{what} ({time.perf_counter() - started:.1f} s)"
        )
    )
    for old in (db, db.with_name(db.name + ".wal")):
        old.unlink(missing_ok=True)
    shutil.rmtree(cache_dir(db), ignore_errors=True)
    started = time.perf_counter()
    for one in deliveries:
        with progress_bar() as tick:
            on = date.fromisoformat(recorded) if recorded else None
            report = load_delivery(one, db, recorded_on=on, progress=tick)
        print_load_report(report)
    out.print(styled(("2. Loaded", "bold"), f" into {db} ({time.perf_counter() - started:.1f} s)"))
    return report


def _demo_services(db: Path, out_dir: Path, k: date) -> None:
    """The services on the synthetic register: Liaoning's casework in 2024, and its collaboration network."""
    from ipgauge.indicators.query import open_counter
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
    showcase = _showcase(db)
    with open_counter(db, k) as counter:
        net = collaboration(counter, region("210000"), on)
        view = ego(counter, showcase, on)
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


def _showcase(db: Path) -> str:
    """The party id of the synthetic register's showcase institute (the seed's Shenyang Institute of Automation)."""
    from ipgauge.register import lookups, store
    from ipgauge.synth.parties import PartyPools

    with store.reading(db) as con:
        party = lookups.party_named(con, PartyPools.showcase_name[0])
    if party is None:
        raise UserError("the demo register has no showcase institute; run `make demo` again to rebuild it.")
    return party


def _only_a_demo(db: Path) -> None:
    """Refuse to delete a register that holds more than an earlier demo (other deliveries, releases)."""
    from ipgauge.register import lookups, store

    if not db.exists():
        return
    with store.reading(db) as con:
        deliveries, real, releases = lookups.holdings(con)
    imported = 3 if (db.parent / "imported").is_dir() else 0  # a demo --from cnipa: three imports and a supplement
    if deliveries > 1 + imported or real > imported or releases > 1:
        raise UserError(
            f"{db} holds more than a demo ({deliveries} deliveries, {releases} releases), and the demo would replace "
            "it; choose another --out."
        )


def _a_patent(db: Path) -> str | None:
    """A granted patent of the register, to show `ipgauge status` on."""
    from ipgauge.register import lookups, store

    with store.reading(db) as con:
        return lookups.first_granted_patent(con)
