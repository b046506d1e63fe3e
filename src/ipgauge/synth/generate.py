"""Writing a whole synthetic register: plan the counts from the calibration, then stream chunks.

Each chunk draws from its own random stream (seed, table, chunk number), so the output depends only
on the scale and the seed, and memory stays bounded by the chunk size whatever the scale.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from ipgauge import __version__
from ipgauge.console import Progress
from ipgauge.errors import UserError
from ipgauge.outputs import check_out
from ipgauge.register.schema import (
    AMOUNTS,
    APPLICATIONS,
    CASES,
    CENTRES,
    EVENTS,
    FAMILIES,
    GI_PRODUCTS,
    PARTIES,
    PATENTS,
    TRADEMARKS,
)
from ipgauge.register.store import synthetic_notice
from ipgauge.synth import applications, casework, gi, patents, regional, shares, trademarks
from ipgauge.synth import calibration as cal
from ipgauge.synth import parties as party_gen
from ipgauge.synth.dates import day
from ipgauge.synth.writer import TableWriter

CHUNK = 250_000
SAMPLE = 200_000  # draws per calibration estimate
YEAR_ENDS = {y: day(date(y, 12, 31)) for y in (2022, 2023, 2024)}

WRITTEN = (PARTIES, PATENTS, FAMILIES, TRADEMARKS, GI_PRODUCTS, APPLICATIONS, EVENTS, CENTRES, CASES, AMOUNTS)


@dataclass(frozen=True)
class Plan:
    """How many records of each kind a run writes."""

    inventions: int
    utility_models: int
    designs: int
    trademarks: int
    gi_products: int
    parties: int
    invention_tilt: float = 0.0  # a region's own growth (synth/regional.py); 0: the nation's curves
    trademark_tilt: float = 0.0


def plan(scale: cal.Scale, seed: int) -> Plan:
    """Solve the record counts that hit the national targets at this scale, or the region's own."""
    if scale.region:
        return _regional(scale, seed)
    n_inv, inv_tilt = regional.inventions("CN", seed, SAMPLE)  # the level of 2024 and the growth since 2012
    tm = trademarks.lives(np.random.default_rng([seed, 0, 1]), SAMPLE).in_force(YEAR_ENDS[2023]) / SAMPLE
    f = scale.factor
    gis = max(scale.min_gi, round(cal.GI_PRODUCTS[2024] * f / 0.99))
    return _plan(round(n_inv * f), round(cal.VALID_TRADEMARKS[2023] * f / tm), gis, inv_tilt)


def _regional(scale: cal.Scale, seed: int) -> Plan:
    """A region at its real size: counts and growth from its published figures."""
    assert scale.region is not None
    n_inv, inv_tilt = regional.inventions(scale.region, seed, SAMPLE)
    n_tm, tm_tilt = regional.registrations(scale.region, seed, SAMPLE)
    f = scale.factor  # 1: the region at its real size; the tests take a fraction of it
    gis = max(scale.min_gi, round(regional.gi_products(scale.region) * f))
    return _plan(round(n_inv * f), round(n_tm * f), gis, inv_tilt, tm_tilt)


def _plan(n_inv: int, n_tm: int, n_gi: int, inv_tilt: float = 0.0, tm_tilt: float = 0.0) -> Plan:
    """The plan around solved invention, trademark and GI counts: the other kinds and the parties follow."""
    n_um = round(n_inv * cal.OTHER_KINDS_PER_INVENTION["utility_model"])
    n_design = round(n_inv * cal.OTHER_KINDS_PER_INVENTION["design"])
    n_patents = n_inv + n_um + n_design
    return Plan(n_inv, n_um, n_design, n_tm, n_gi, max(500, round(0.25 * n_patents + 0.1 * n_tm)), inv_tilt, tm_tilt)


def _chunks(total: int) -> list[tuple[int, int]]:
    return [(a, min(a + CHUNK, total)) for a in range(0, total, CHUNK)]


def synthesize(scale_name: str, seed: int, out: Path, fmt: str = "csv", progress: Progress | None = None) -> dict:
    """Write the synthetic register for ``scale_name`` and ``seed`` into ``out``; return its manifest."""
    if scale_name not in cal.SCALES:
        raise UserError(f"unknown scale {scale_name!r}; choose one of {', '.join(cal.SCALES)}.")
    if fmt not in ("csv", "parquet"):
        raise UserError(f"unknown format {fmt!r}; choose csv or parquet.")
    if not 0 <= seed < 2**63:
        raise UserError(f"--seed {seed} must be a whole number from 0 upwards.")
    check_out(out, _earlier_synth, "a register ipgauge synth wrote")
    scale = cal.SCALES[scale_name]
    tick = progress or (lambda *_: None)
    p = plan(scale, seed)
    try:
        out.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=out, prefix=".synth-"))
    except OSError as e:
        raise UserError(f"cannot write the synthetic register to {out} ({e.strerror}).") from None
    try:
        manifest = _write(p, scale, seed, work, fmt, tick)
        for name in [f"{t.name}.{fmt}" for t in WRITTEN]:
            os.replace(work / name, out / name)
        for stale in [f"{t.name}.{'parquet' if fmt == 'csv' else 'csv'}" for t in WRITTEN]:
            (out / stale).unlink(missing_ok=True)
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (out / "README.txt").write_text(synthetic_notice() + _describe(manifest), encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot write the synthetic register to {out} ({e.strerror}).") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _where(scale: cal.Scale, p: Plan) -> tuple[np.ndarray | None, np.ndarray | None, dict[str, float]]:
    """(invention shares by filing year, trademark shares, city shares) fitted to published figures.

    The nation's scales only: a region's scale keeps the population proxy inside its area (its own
    figures set its totals).
    """
    if scale.area:
        return None, None, shares.city_shares()
    weights = party_gen.province_weights()
    codes = tuple(sorted(weights))
    population = tuple(weights[c] for c in codes)
    inventions = np.maximum(shares.by_filing_year(codes, p.invention_tilt), scale.min_share)
    return (
        inventions / inventions.sum(axis=1, keepdims=True),
        shares.trademarks(codes, population, p.trademark_tilt),
        shares.city_shares(),
    )


def _earlier_synth(folder: Path) -> bool:
    """Whether ``folder`` holds a register this generator wrote (which it may then overwrite)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("generator", "")).startswith("ipgauge synth")


def _write(p: Plan, scale: cal.Scale, seed: int, work: Path, fmt: str, tick: Progress) -> dict:
    writers = {t.name: TableWriter(work, t, fmt) for t in WRITTEN}
    pools = party_gen.PartyPools.build(p.parties, scale.area, *_where(scale, p))
    for i, (a, b) in enumerate(_chunks(pools.total)):
        writers["parties"].write(party_gen.generate(pools, a, b, np.random.default_rng([seed, 1, i])))
        tick("synth parties", b, pools.total)
    numbering = patents.Numbering()
    numbers = (applications.PctNumbering(), numbering.assign)
    achieved = {f"valid_inventions_domestic_{y}": 0 for y in YEAR_ENDS} | {"valid_inventions_all_2023": 0}
    tally = regional.Tally(scale.region, scale.factor) if scale.region else None
    families = 0
    total_patents = p.inventions + p.utility_models + p.designs
    done = 0
    for k, (kind, count) in enumerate(
        (("invention", p.inventions), ("utility_model", p.utility_models), ("design", p.designs))
    ):
        for i, (a, b) in enumerate(_chunks(count)):
            rng = np.random.default_rng([seed, 2, k, i])
            rows, fams, events, lv = patents.generate(rng, kind, b - a, pools, numbering, families, p.invention_tilt)
            writers["patents"].write(rows)
            for apps in applications.of_patents(
                np.random.default_rng([seed, 6, k, i]), kind, rows, lv.grant, lv.foreign, patents.CUTOFF, numbers
            ):
                writers["applications"].write(apps)
            if fams:
                writers["families"].write(fams)
                families += len(set(fams["family_id"].to_pylist()))
            if events:
                writers["events"].write(events)
            if kind == "invention":
                for y, at in YEAR_ENDS.items():
                    achieved[f"valid_inventions_domestic_{y}"] += lv.in_force(at)
                achieved["valid_inventions_all_2023"] += lv.in_force(YEAR_ENDS[2023], domestic_only=False)
                if tally:
                    tally.inventions(lv)
            done += b - a
            tick("synth patents", done, total_patents)
    achieved["valid_trademarks_2023"] = 0
    for i, (a, b) in enumerate(_chunks(p.trademarks)):
        rows, events, lv = trademarks.generate(np.random.default_rng([seed, 3, i]), b - a, a, pools, p.trademark_tilt)
        writers["trademarks"].write(rows)
        for apps in applications.of_trademarks(
            np.random.default_rng([seed, 7, i]), rows, lv.foreign, a, patents.CUTOFF
        ):
            writers["applications"].write(apps)
        if events:
            writers["events"].write(events)
        achieved["valid_trademarks_2023"] += lv.in_force(YEAR_ENDS[2023])
        if tally:
            tally.trademarks(lv)
        tick("synth trademarks", b, p.trademarks)
    rows, events, approval, cancelled = gi.generate(np.random.default_rng([seed, 4, 0]), p.gi_products, scale.area)
    writers["gi_products"].write(rows)
    if events:
        writers["events"].write(events)
    if tally:
        tally.gi(approval, cancelled)
    for y in (2023, 2024):
        achieved[f"gi_products_{y}"] = gi.in_force(approval, cancelled, YEAR_ENDS[y])
    for table, columns in zip(
        ("centres", "cases", "amounts"), casework.generate(np.random.default_rng([seed, 5, 0]), pools), strict=True
    ):
        writers[table].write(columns)
    tick("synth casework", 1, 1)
    for w in writers.values():
        w.close()
    return _manifest(p, scale, seed, fmt, {name: w.rows for name, w in writers.items()}, achieved, tally)


def _manifest(
    p: Plan, scale: cal.Scale, seed: int, fmt: str, rows: dict[str, int], achieved: dict, tally: regional.Tally | None
) -> dict:
    """What a run wrote and how close it came to its targets: the nation's, or its region's."""
    targets = {f"valid_inventions_domestic_{y}": v for y, v in cal.VALID_INVENTIONS_DOMESTIC.items()}
    targets |= {
        "valid_inventions_all_2023": cal.VALID_INVENTIONS_ALL[2023],
        "valid_trademarks_2023": cal.VALID_TRADEMARKS[2023],
        "gi_products_2023": cal.GI_PRODUCTS[2023],
        "gi_products_2024": cal.GI_PRODUCTS[2024],
    }
    return {
        "synthetic": True,
        "generator": f"ipgauge synth {__version__}",
        "scale": scale.name,
        "scale_factor": scale.factor,
        "seed": seed,
        "format": fmt,
        "recorded_date": cal.CUTOFF.isoformat(),
        "plan": asdict(p),
        "rows": rows,
        "calibration": tally.report()
        if tally
        else {
            name: {
                "national_target": targets[name],
                "achieved": achieved[name],
                "achieved_national_equivalent": round(achieved[name] / scale.factor),
            }
            for name in targets
        },
    }


def _describe(manifest: dict) -> str:
    lines = [
        f"\nScale {manifest['scale']} (factor {manifest['scale_factor']:g}), seed {manifest['seed']}, "
        f"register as delivered on {manifest['recorded_date']}.",
        "",
        "Rows written:",
    ]
    lines += [f"  {name:<12} {n:>12,}" for name, n in manifest["rows"].items()]
    if manifest["scale"] in cal.SCALES and cal.SCALES[manifest["scale"]].region:
        lines += ["", f"Calibration to {cal.SCALES[manifest['scale']].region}'s published figures (as the generator "
                  "counts in force; data/calibration_targets.csv):"]  # fmt: skip
        for name, c in manifest["calibration"].items():
            change = (
                f"   change {c['achieved_yoy_pct']:+.1f} % (published {c['target_yoy_pct']:+.1f} %)"
                if c["target_yoy_pct"] is not None and c["achieved_yoy_pct"] is not None
                else ""
            )
            lines.append(
                f"  {name:<28} {c['as_of']}  target {c['target']:>10,}   achieved {c['achieved']:>10,}{change}"
            )
        return "\n".join(lines) + "\n"
    lines += ["", "Calibration (as the generator counts in force; national equivalent = achieved / factor):"]
    for name, c in manifest["calibration"].items():
        lines.append(
            f"  {name:<28} target {c['national_target']:>12,}   national equivalent "
            f"{c['achieved_national_equivalent']:>12,}"
        )
    return "\n".join(lines) + "\n"
