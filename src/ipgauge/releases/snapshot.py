"""Release snapshots: the spec, K, the figures and a checksum of the inputs, kept in the register.

A release's id is derived from its spec and the checksum of the spells it was computed from, so the
same release is the same id. ``reproduce`` recomputes the figures and proves them identical;
``diff`` recomputes them with a later K and names the rights behind every figure that changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import duckdb

from ipgauge.errors import UserError
from ipgauge.indicators import engine as E
from ipgauge.indicators.catalogue import indicator
from ipgauge.indicators.query import Engine, open_engine, year_before
from ipgauge.law.spells import SPELL_COLUMNS, scan
from ipgauge.regions.groups import region
from ipgauge.register import store
from ipgauge.releases import render
from ipgauge.releases.figures import Figures, compute
from ipgauge.releases.spec import Spec

DDL = """CREATE TABLE IF NOT EXISTS releases (
    release_id VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL, spec JSON NOT NULL, known_at DATE NOT NULL,
    figures JSON NOT NULL, inputs_checksum VARCHAR NOT NULL, figures_checksum VARCHAR NOT NULL)"""


def inputs_checksum(path: Path) -> str:
    """A digest of the spells' content (order-independent): what the figures were computed from."""
    cols = ", ".join(SPELL_COLUMNS)
    n, total = duckdb.sql(f"SELECT count(*), coalesce(sum(hash({cols})::HUGEINT), 0) FROM {scan(path)}").fetchall()[0]
    return hashlib.sha256(f"{n}:{total}".encode()).hexdigest()


def figures_checksum(figures: Figures) -> str:
    """A digest of every figure, to the digit."""
    return hashlib.sha256(json.dumps(figures.as_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Computed:
    """Figures with what identifies them."""

    figures: Figures
    snapshot: dict


def run(db: Path, spec: Spec) -> Computed:
    """Compute a release's figures and its snapshot record (not yet stored)."""
    with open_engine(db, spec.known_at) as engine:
        figures = compute(engine, spec)
        checksum = inputs_checksum(engine.spells_path)
    ident = hashlib.sha256((json.dumps(spec.as_dict(), sort_keys=True) + checksum).encode()).hexdigest()[:12]
    snapshot = {
        "release_id": f"R{ident}",
        "known_at": spec.known_at.isoformat(),
        "inputs_checksum": checksum,
        "figures_checksum": figures_checksum(figures),
        "synthetic": figures.synthetic,
        "spec": spec.as_dict(),
    }
    return Computed(figures, snapshot)


def publish(db: Path, spec: Spec, out: Path) -> tuple[Computed, list[Path]]:
    """Compute a release, keep its snapshot and write its files: what ``release`` and ``demo`` do."""
    computed = run(db, spec)
    save(db, computed)
    return computed, render.write(computed.figures, computed.snapshot, out)


def save(db: Path, computed: Computed) -> None:
    """Keep the snapshot in the register (the same release saved twice is kept once)."""
    con = store.connect(db)
    try:
        con.execute(DDL)
        s = computed.snapshot
        con.execute(
            "INSERT OR IGNORE INTO releases VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                s["release_id"],
                datetime.now(),
                json.dumps(s["spec"], sort_keys=True),
                s["known_at"],
                json.dumps(computed.figures.as_dict(), sort_keys=True, ensure_ascii=False),
                s["inputs_checksum"],
                s["figures_checksum"],
            ],
        )
    finally:
        con.close()


def load(db: Path, release_id: str) -> tuple[Spec, dict, Figures]:
    """A stored snapshot: its spec, its record and its figures."""
    con = store.connect(db, read_only=True)
    try:
        exists = store.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'releases'")
        rows = (
            con.execute(
                "SELECT spec, known_at, inputs_checksum, figures_checksum, figures FROM releases WHERE release_id = ?",
                [release_id],
            ).fetchall()
            if exists
            else []
        )
    finally:
        con.close()
    if not rows:
        raise UserError(f"there is no release {release_id!r} in the register.")
    spec_json, known_at, inputs, figs_sum, figs = rows[0]
    spec = Spec.from_dict(json.loads(spec_json))
    record = {
        "release_id": release_id,
        "known_at": str(known_at),
        "inputs_checksum": inputs,
        "figures_checksum": figs_sum,
    }
    return spec, record, Figures.from_dict(json.loads(figs))


def reproduce(db: Path, release_id: str) -> Computed:
    """Recompute a stored release; raise when any figure differs from the snapshot."""
    spec, record, _ = load(db, release_id)
    computed = run(db, spec)
    if computed.snapshot["figures_checksum"] != record["figures_checksum"]:
        raise UserError(
            f"release {release_id} does not reproduce: the register as known on {spec.known_at} has "
            "changed (its inputs checksum differs); compare with `ipgauge release diff`.",
            1,
        )
    computed.snapshot["release_id"] = release_id
    return computed


def _counted(engine: Engine, name: str, where, on: date) -> set[str]:
    ind = indicator(name)
    base = indicator(ind.per_10k_of) if ind.is_per_10k else ind
    t = E.intervals(engine.spells, base, engine.settings)
    t = t.filter(E.in_region(t, where) & E.counts(t, base, on))
    return set(engine.backend.execute(t.select("right_id").distinct())["right_id"])


def diff(db: Path, release_id: str, later: date, limit: int = 20) -> list[dict]:
    """Every figure of the release that changes when it is computed as known on ``later``.

    For each, the rights that entered or left it and the events recorded between the two knowledge
    dates that explain them.
    """
    spec, record, before = load(db, release_id)
    if later <= spec.known_at:
        raise UserError(f"--known-at {later} must be after the release's knowledge date {spec.known_at}.")
    where = region(spec.region)
    changes = []
    with open_engine(db, spec.known_at) as old, open_engine(db, later) as new:
        after = compute(new, replace(spec, known_at=later))
        con = new.store_con
        for f_old, f_new in zip(before.figures, after.figures, strict=True):
            for label, on, a, b in (
                ("value", spec.as_of, f_old.value, f_new.value),
                ("previous", year_before(spec.as_of), f_old.previous, f_new.previous),
            ):
                if a == b:
                    continue
                was, now = _counted(old, f_old.name, where, on), _counted(new, f_old.name, where, on)
                rights = [(r, "left") for r in sorted(was - now)] + [(r, "entered") for r in sorted(now - was)]
                explained = []
                for right_id, how in rights[:limit]:
                    events = con.execute(
                        "SELECT event, effective_date, coalesce(recorded_date, effective_date) AS rec FROM events "
                        "WHERE right_id = ? AND coalesce(recorded_date, effective_date) > ? "
                        "AND coalesce(recorded_date, effective_date) <= ? ORDER BY rec",
                        [right_id, spec.known_at, later],
                    ).fetchall()
                    cause = (
                        "; ".join(f"{e} effective {eff}, recorded {rec}" for e, eff, rec in events)
                        or "the record itself changed (a later delivery superseded it)"
                    )
                    explained.append({"right_id": right_id, "change": how, "cause": cause})
                changes.append(
                    {
                        "indicator": f_old.name,
                        "figure": label,
                        "as_of": on.isoformat(),
                        "known_at_before": spec.known_at.isoformat(),
                        "known_at_after": later.isoformat(),
                        "before": a,
                        "after": b,
                        "rights_changed": len(rights),
                        "rights": explained,
                    }
                )
    return changes
