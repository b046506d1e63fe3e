"""Release snapshots: the spec, K, the deliveries seen, the figures and a checksum of the inputs.

A release's id is derived from its spec and the checksum of the spells it was computed from, so the
same release is the same id. A snapshot pins both clocks (GLOSSARY): K, what the register had
recorded, and the deliveries ipgauge had received, so ``reproduce`` recomputes the figures from
exactly those deliveries and proves them identical whatever was delivered since; ``diff``
recomputes them with a later K and every delivery, and names the rights behind every figure that
changed, each cause marked as recorded later by the register or delivered later to us.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import duckdb

from ipgauge.engines import columns
from ipgauge.errors import UserError, mark_saved, uninterrupted
from ipgauge.indicators import expressions as E
from ipgauge.indicators.casework import FACT_COLUMNS
from ipgauge.indicators.catalogue import indicator
from ipgauge.indicators.query import Counter, open_counter, open_export, year_before
from ipgauge.law.spells import SPELL_COLUMNS
from ipgauge.regions.groups import region
from ipgauge.register import store
from ipgauge.releases import render
from ipgauge.releases.figures import Figure, Figures, compute
from ipgauge.releases.spec import Spec
from ipgauge.releases.text import paragraphs
from ipgauge.sqltext import path_literal

DDL = """CREATE TABLE IF NOT EXISTS releases (
    release_id VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL, spec JSON NOT NULL, known_at DATE NOT NULL,
    figures JSON NOT NULL, inputs_checksum VARCHAR NOT NULL, figures_checksum VARCHAR NOT NULL,
    deliveries INTEGER)"""
#: Releases stored before the second clock was pinned: their deliveries are those loaded before them.
UPGRADE = [
    "ALTER TABLE releases ADD COLUMN IF NOT EXISTS deliveries INTEGER",
    """UPDATE releases r SET deliveries = (SELECT coalesce(max(delivery_id), 0) FROM deliveries d
                                         WHERE d.loaded_at <= r.created_at) WHERE r.deliveries IS NULL""",
]


def inputs_checksum(con: duckdb.DuckDBPyConnection, spells_sql: str) -> str:
    """A digest of the spells' content (order-independent): what the figures were computed from."""
    cols = ", ".join(SPELL_COLUMNS)
    n, total = con.execute(
        f"SELECT count(*), coalesce(sum(hash({cols})::HUGEINT), 0) FROM ({spells_sql}) AS s"
    ).fetchall()[0]
    return hashlib.sha256(f"{n}:{total}".encode()).hexdigest()


def facts_checksum(path: Path) -> str:
    """A digest of the casework facts' content (order-independent), for a release with the casework section."""
    n, total = duckdb.execute(
        f"SELECT count(*), coalesce(sum(hash({', '.join(FACT_COLUMNS)})::HUGEINT), 0) FROM read_parquet(?)",
        [path_literal(path / "facts.parquet")],
    ).fetchall()[0]
    return hashlib.sha256(f"{n}:{total}".encode()).hexdigest()


def digits(figures: Figures) -> dict:
    """The numbers of a release and nothing else: what must reproduce to the digit.

    Labels, names, definitions and wording are presentation; they may improve between versions of
    ipgauge without a release ceasing to reproduce. Ranks and shares are derived from the numbers.
    """
    out = {
        f.name: {
            "value": f.value,
            "previous": f.previous,
            "parent_value": f.parent_value,
            "members": {m.code: [m.value, m.previous] for m in f.members},
            "trend": dict(f.trend),
        }
        for f in figures.figures
    }
    for key, (value, previous) in (figures.casework or {}).items():
        out[f"casework:{key}"] = {
            "value": value,
            "previous": previous,
            "parent_value": None,
            "members": {},
            "trend": {},
        }
    return out


def figures_checksum(figures: Figures) -> str:
    """A digest of every figure, to the digit."""
    return hashlib.sha256(json.dumps(digits(figures), sort_keys=True).encode()).hexdigest()


def _same_digits(stored: Figures, now: Figures) -> bool:
    """Whether a recomputation gives a stored release's numbers.

    A trend is compared on the dates both have: releases of earlier versions ended a mid-month
    trend at the previous month end.
    """
    a, b = digits(stored), digits(now)
    if a.keys() != b.keys():
        return False
    for name, old in a.items():
        new = b[name]
        if any(old[k] != new[k] for k in ("value", "previous", "parent_value", "members")):
            return False
        if any(new["trend"].get(d, v) != v for d, v in old["trend"].items()):
            return False
    return True


@dataclass
class Computed:
    """Figures with what identifies them."""

    figures: Figures
    snapshot: dict


def export_checksum(folder: Path) -> str:
    """A digest of an export's files, every version of every table and the delivery log: a release's inputs."""
    return store.files_digest([(p.name, store.file_digest(p)) for p in store.export_files(folder)])


def run(
    db: Path, spec: Spec, deliveries: int | None = None, backend: str = "duckdb", export: Path | None = None
) -> Computed:
    """Compute a release's figures from the first ``deliveries`` (default: all) and its snapshot record.

    With ``export``, from an ``ipgauge export`` folder instead of the register, the law itself run by
    ``backend``: the same figures, under an id that names the export's files as its inputs.
    """
    if export is not None:
        if spec.casework:
            raise UserError("the casework section needs the register itself (--db), not an export of it.")
        with open_export(export, spec.known_at, backend, jurisdiction=spec.jurisdiction) as counter:
            figures = compute(counter, spec)
            seen = counter.deliveries
        return _computed(spec, figures, export_checksum(export), seen)
    with open_counter(db, spec.known_at, backend, upto=deliveries, jurisdiction=spec.jurisdiction) as counter:
        figures = compute(counter, spec)
        checksum = inputs_checksum(counter.store_con, counter.spells_sql)
        if spec.casework:
            checksum = hashlib.sha256((checksum + facts_checksum(counter.facts_path)).encode()).hexdigest()
        seen = counter.deliveries
    return _computed(spec, figures, checksum, seen)


def _computed(spec: Spec, figures: Figures, checksum: str, seen: int) -> Computed:
    ident = hashlib.sha256((json.dumps(spec.as_dict(), sort_keys=True) + checksum).encode()).hexdigest()[:12]
    snapshot = {
        "release_id": f"R{ident}",
        "known_at": spec.known_at.isoformat(),
        "deliveries": seen,
        "inputs_checksum": checksum,
        "figures_checksum": figures_checksum(figures),
        "synthetic": figures.synthetic,
        "spec": spec.as_dict(),
    }
    return Computed(figures, snapshot)


def publish(
    db: Path, spec: Spec, out: Path, backend: str = "duckdb", export: Path | None = None
) -> tuple[Computed, list[Path]]:
    """Compute a release, keep its snapshot and write its files: what ``release`` and ``demo`` do.

    A release from an export is not kept anywhere but its files (figures.json holds its snapshot).
    """
    render.check_out(out)
    computed = run(db, spec, backend=backend, export=export)
    files = render.write(computed.figures, computed.snapshot, out)
    mark_saved(f"the release files in {out}")
    if export is not None:
        return computed, files
    with uninterrupted():  # last: a release that failed or was interrupted on the way is not kept
        save(db, computed)
        mark_saved(f"release {computed.snapshot['release_id']}")
    return computed, files


def save(db: Path, computed: Computed) -> None:
    """Keep the snapshot in the register (the same release saved twice is kept once)."""
    con = store.connect(db)
    try:
        _tables(con)
        s = computed.snapshot
        con.execute(
            "INSERT OR IGNORE INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                s["release_id"],
                datetime.now(),
                json.dumps(s["spec"], sort_keys=True),
                s["known_at"],
                json.dumps(computed.figures.as_dict(), sort_keys=True, ensure_ascii=False),
                s["inputs_checksum"],
                s["figures_checksum"],
                s["deliveries"],
            ],
        )
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    for sql in UPGRADE:
        con.execute(sql)


def load(db: Path, release_id: str) -> tuple[Spec, dict, Figures]:
    """A stored snapshot: its spec, its record (with the deliveries it saw) and its figures."""
    con = store.connect(db, read_only=True)
    columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'releases'"
        ).fetchall()
    }
    if not columns:
        con.close()
        raise UserError(f"there is no release {release_id!r} in the register.")
    if "deliveries" not in columns:  # stored by an older ipgauge: pin its deliveries (needs write access, once)
        con.close()
        con = store.connect(db)
        _tables(con)
    try:
        rows = con.execute(
            "SELECT spec, known_at, inputs_checksum, figures_checksum, figures, deliveries FROM releases "
            "WHERE release_id = ?",
            [release_id],
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise UserError(f"there is no release {release_id!r} in the register.")
    spec_json, known_at, inputs, figs_sum, figs, deliveries = rows[0]
    spec = Spec.from_dict(json.loads(spec_json))
    record = {
        "release_id": release_id,
        "known_at": str(known_at),
        "deliveries": deliveries,
        "inputs_checksum": inputs,
        "figures_checksum": figs_sum,
    }
    return spec, record, Figures.from_dict(json.loads(figs))


def listing(db: Path, after: tuple[str, str] | None = None, limit: int = 50) -> list[dict]:
    """Stored releases, newest first: a keyset page after ``(created_at, release_id)`` of the last one seen."""
    with store.reading(db) as con:
        if not store.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'releases'"):
            return []
        rows = con.execute(
            """SELECT release_id, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%f'), spec, known_at, figures_checksum
               FROM releases
               WHERE ? IS NULL OR (strftime(created_at, '%Y-%m-%dT%H:%M:%S.%f'), release_id) < (?, ?)
               ORDER BY created_at DESC, release_id DESC LIMIT ?""",
            [after and after[0], after and after[0], after and after[1], limit],
        ).fetchall()
    out = []
    for release_id, created, spec_json, k, checksum in rows:
        spec = json.loads(spec_json)
        where = region(spec["region"])
        out.append(
            {
                "release_id": release_id,
                "created_at": created,
                "region": where.code,
                "name_zh": where.name_zh,
                "name_en": where.name_en,
                "as_of": spec["as_of"],
                "known_at": str(k),
                "indicators": spec.get("indicators", []),
                "figures_checksum": checksum,
            }
        )
    return out


def rendered(db: Path, release_id: str) -> Path:
    """The folder of a stored release's files (release.html, PDF, XLSX, CSV, JSON, charts), drawn once.

    Drawn from the stored figures — not recomputed — into the register's cache, and trusted again
    only when its key file names the same release and figures checksum and every file is whole.
    """
    import os
    import shutil

    from ipgauge.register.cache import cache_dir, clean_orphans

    spec, record, figures = load(db, release_id)
    folder = cache_dir(db) / "releases" / release_id
    key = {"release_id": release_id, "figures_checksum": record["figures_checksum"]}
    try:
        kept = json.loads((folder / "_KEY.json").read_text(encoding="utf-8"))
        if kept["key"] == key and all((folder / f).stat().st_size == n for f, n in kept["files"].items()):
            return folder
    except (OSError, ValueError, KeyError, TypeError):
        pass
    folder.parent.mkdir(parents=True, exist_ok=True)
    clean_orphans(folder.parent)  # drawings of processes killed mid-way
    tmp = folder.parent / f".{release_id}-{id(figures)}-{os.getpid()}"  # the PID last: what clean_orphans reads
    try:
        snap = record | {"synthetic": figures.synthetic, "spec": spec.as_dict()}
        files = render.write(figures, snap, tmp)
        sizes = {p.name: p.stat().st_size for p in files}
        (tmp / "_KEY.json").write_text(json.dumps({"key": key, "files": sizes}), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except OSError as e:
        raise UserError(f"cannot draw the files of release {release_id} in {folder.parent} ({e.strerror}).") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def reproduce(db: Path, release_id: str, backend: str = "duckdb") -> Computed:
    """Recompute a stored release (its figures by ``backend``); raise when any figure differs from the snapshot."""
    spec, record, stored = load(db, release_id)
    computed = run(db, spec, record["deliveries"], backend)
    if not _same_digits(stored, computed.figures):
        raise UserError(
            f"release {release_id} does not reproduce: the register's first {record['deliveries']} deliveries as "
            f"known on {spec.known_at} no longer give its figures; compare with `ipgauge release diff`.",
            1,
        )
    computed.snapshot["release_id"] = release_id
    return computed


def _counted(counter: Counter, name: str, where, on: date) -> set[str]:
    ind = indicator(name)
    base = indicator(ind.per_10k_of) if ind.is_per_10k else ind
    t = E.intervals(counter.spells, base, counter.settings, where.code if where.is_country else counter.jurisdiction)
    t = t.filter(E.in_region(t, where) & E.counts(t, base, on))
    return set(columns(counter.backend, t.select("right_id").distinct())["right_id"])


def _causes(con: duckdb.DuckDBPyConnection, right_id: str, k: date, later: date, seen: int) -> tuple[str, str]:
    """Why a right's standing changed between (K, the first ``seen`` deliveries) and (K2, every delivery).

    Returns the clock — ``recorded_later`` (the register recorded it after K; we had it or not),
    ``delivered_later`` (it reached us in a delivery after the release), or both — and the cause.
    """
    events = con.execute(
        """SELECT e.event, e.effective_date, coalesce(e.recorded_date, e.effective_date) AS rec, e.delivery_id,
                  d.recorded_date
           FROM events e JOIN deliveries d USING (delivery_id)
           WHERE e.right_id = ? AND coalesce(e.recorded_date, e.effective_date) <= ?
             AND (coalesce(e.recorded_date, e.effective_date) > ? OR e.delivery_id > ?)
           ORDER BY rec, e.event""",
        [right_id, later, k, seen],
    ).fetchall()
    clocks, causes = set(), []
    for event, eff, rec, delivery, received in events:
        text = f"{event} effective {eff}, recorded {rec}"
        if rec > k:
            clocks.add("recorded_later")
        if delivery > seen:
            clocks.add("delivered_later")
            text += f", delivered later (delivery {delivery}, received {received})"
        causes.append(text)
    if not causes:
        versions = store.scalar(
            con,
            "SELECT count(*) FROM ("
            + " UNION ALL ".join(f"SELECT delivery_id FROM {t} WHERE {col} = ?" for t, col in _ID_COLUMNS)
            + ") WHERE delivery_id > ?",
            [right_id] * len(_ID_COLUMNS) + [seen],
        )
        if versions:
            return "delivered_later", "the record itself was delivered later (a new or superseding version)"
        return "recorded_later", "the record itself changed (a later version known by the later date)"
    return "+".join(sorted(clocks)) or "recorded_later", "; ".join(causes)


_ID_COLUMNS = (("patents", "patent_id"), ("trademarks", "trademark_id"), ("gi_products", "gi_id"))


def diff(db: Path, release_id: str, later: date, limit: int | None = None) -> list[dict]:
    """Every figure of the release that changes when it is computed as known on ``later`` from every delivery.

    For each, the rights that entered or left it (the first ``limit``; all by default; the count is
    always complete) and the events that explain them, each marked with
    its clock: recorded later by the register (after the release's K), or delivered later to us
    (in a delivery the release did not see) — a release of K can change for both reasons.
    """
    spec, record, before = load(db, release_id)
    if later < spec.known_at:
        raise UserError(f"--known-at {later} is before the release's knowledge date {spec.known_at}.")
    where = region(spec.region)
    seen = record["deliveries"]
    changes = []
    with (
        open_counter(db, spec.known_at, upto=seen, jurisdiction=spec.jurisdiction) as old,
        open_counter(db, later, jurisdiction=spec.jurisdiction) as new,
    ):
        after = compute(new, replace(spec, known_at=later))
        con = new.store_con
        for f_old, f_new in zip(before.figures, after.figures, strict=True):
            for label, on, a, b in (
                ("value", spec.as_of, f_old.value, f_new.value),
                ("previous", year_before(spec.as_of), f_old.previous, f_new.previous),
            ):
                if a == b and indicator(f_old.name).is_money:
                    continue  # money: no rights behind it to compare
                was, now = _counted(old, f_old.name, where, on), _counted(new, f_old.name, where, on)
                rights = [(r, "left") for r in sorted(was - now)] + [(r, "entered") for r in sorted(now - was)]
                if not rights and a == b:
                    continue  # the same figure from the same rights (a right leaving and another entering is a change)
                explained = []
                for right_id, how in rights[:limit]:
                    clock, cause = _causes(con, right_id, spec.known_at, later, seen)
                    explained.append({"right_id": right_id, "change": how, "clock": clock, "cause": cause})
                changes.append(
                    {
                        "indicator": f_old.name,
                        "figure": label,
                        "as_of": on.isoformat(),
                        "known_at_before": spec.known_at.isoformat(),
                        "known_at_after": later.isoformat(),
                        "deliveries_before": seen,
                        "deliveries_after": new.deliveries,
                        "before": a,
                        "after": b,
                        "rights_changed": len(rights),
                        "rights": explained,
                    }
                )
            changes += _member_changes(f_old, f_new, spec.as_of)
    return changes + sentence_changes(before, after)


def _member_changes(f_old: Figure, f_new: Figure, on: date) -> list[dict]:
    """The member rows of one figure whose value or year-earlier value moved (a member may appear or vanish)."""
    old = {m.code: m for m in f_old.members}
    new = {m.code: m for m in f_new.members}
    out = []
    for code in sorted(old.keys() | new.keys()):
        a, b = old.get(code), new.get(code)
        before, after = (a.value, a.previous) if a else (0, 0), (b.value, b.previous) if b else (0, 0)
        if before == after:
            continue
        m = a or b
        out.append(
            {
                "indicator": f_old.name,
                "figure": "member",
                "as_of": on.isoformat(),
                "region": code,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "before": before[0],
                "after": after[0],
                "previous_before": before[1],
                "previous_after": after[1],
            }
        )
    return out


def _sentences(text: str, lang: str) -> list[str]:
    """A paragraph split into sentences (。 in Chinese, '. ' in English), each kept whole with its stop."""
    parts = re.split(r"(?<=。)" if lang == "zh" else r"(?<=\.) (?=[A-Z])", text)
    return [p for p in parts if p]


def sentence_changes(before: Figures, after: Figures) -> list[dict]:
    """The published sentences that read differently when the figures are revised: old and new, by language."""
    out = []
    for lang in before.spec["languages"]:
        old = [s for p in paragraphs(before, lang) for s in _sentences(p, lang)]
        new = [s for p in paragraphs(after, lang) for s in _sentences(p, lang)]
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            pairs = itertools.zip_longest(old[i1:i2], new[j1:j2])
            out += [{"indicator": None, "figure": "sentence", "lang": lang, "before": a, "after": b} for a, b in pairs]
    return out
