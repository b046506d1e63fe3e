"""Building the claims index: which claims are indexed, and the build that adds them as segments.

Incremental, like a log-structured index: a build adds the claims of the deliveries not yet indexed
as a new segment, and merges the newest two while the newer is at least half as large as the one
before it and the two together fit in :data:`MAX_SEGMENT` (segment sizes grow geometrically, so each
claim is re-tokenised O(log n) times; the ceiling, like Lucene's on merged segments, bounds the
memory of a build), and an update costs in proportion to what it adds. The manifest is replaced atomically after the
segment folders are complete; a reader sees the old index or the new one, never half of each; a
lock keeps a second builder out. The files' format is :mod:`ipgauge.services.claim_segments`'s.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ipgauge.console import Progress
from ipgauge.errors import UserError, why
from ipgauge.register.store import identity, last_delivery
from ipgauge.services import encoder
from ipgauge.services.claim_elements import is_dependent
from ipgauge.services.claim_segments import (
    DOC_COLUMNS,
    FORMAT,
    OPEN_DAY,
    DamagedIndex,
    damaged,
    index_dir,
    read_manifest,
    read_segments,
    segment,
    stamps,
)

#: The largest segment: building one holds its words in memory (about 2.5 GB for this many claims),
#: so a million claims make four segments, each searched in turn.
MAX_SEGMENT = 262_144
_CLAIM_START = re.compile(r"(?:^|(?<=[\s。；;.]))(\d{1,3})\s*[.、．]\s*(?=\D)")
_TYPES = (pa.string(), pa.int32(), pa.string(), pa.string(), pa.date32(), pa.bool_())


def split_claims(text: str) -> list[tuple[int, str]]:
    """A claims section as one text ("1. A device … 2. The device of claim 1 …") cut into numbered claims."""
    marks = [m for m in _CLAIM_START.finditer(text)]
    expected, starts = 1, []
    for m in marks:  # only the running sequence 1, 2, 3 …: "claim 1." inside a claim is not a new claim
        if int(m.group(1)) == expected:
            starts.append(m)
            expected += 1
    if not starts:
        return [(1, text.strip())] if text.strip() else []
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return [(int(m.group(1)), text[m.end() : end].strip()) for m, end in zip(starts, ends, strict=True)]


def independent_claims(con: duckdb.DuckDBPyConnection, after: int) -> pa.Table:
    """Every version of the independent claims brought by deliveries after ``after``, in DOC_COLUMNS.

    Versions, not only the current text: a claim amended later is screened as it read on K. A
    patent re-delivered with the same claims text adds no new version.
    """
    rows = con.execute(
        """
        SELECT c.patent_id, c.number, p.jurisdiction, c.text, c.known_from,
               coalesce(len(c.depends_on), 0) = 0 AS independent
        FROM claims c JOIN patents p ON p.patent_id = c.patent_id AND p.known_to IS NULL
        WHERE c.delivery_id > ?
        ORDER BY c.patent_id, c.number, c.known_from
        """,
        [after],
    ).fetchall()
    docs = [(*r[:5], True) for r in rows if r[5] and not is_dependent(r[3])]
    whole = con.execute(
        """
        SELECT patent_id, jurisdiction, claims, known_from FROM patents p
        WHERE delivery_id > ? AND claims IS NOT NULL AND trim(claims) <> ''
          AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.patent_id = p.patent_id)
        ORDER BY patent_id, known_from
        """,
        [after],
    ).fetchall()
    previous: dict[str, str] = {}
    for patent_id, jurisdiction, text, known in whole:
        if previous.get(patent_id) == text:
            continue
        previous[patent_id] = text
        docs += [
            (patent_id, n, jurisdiction, t, known, False) for n, t in split_claims(text) if t and not is_dependent(t)
        ]
    columns = list(zip(*docs, strict=True)) if docs else [[]] * len(DOC_COLUMNS)
    return pa.table(
        {name: pa.array(col, t) for name, col, t in zip(DOC_COLUMNS, columns, _TYPES, strict=True)},
    )


def _write_segment(folder: Path, docs: pa.Table, vectors: bool | np.ndarray, tick: Progress | None) -> None:
    seg = segment(folder.name, docs, vectors, tick)
    folder.mkdir(parents=True)
    pq.write_table(docs, folder / "docs.parquet", compression="zstd")
    seg.bm25.save(str(folder / "bm25"), show_progress=False)
    if seg.vectors is not None:
        np.save(folder / "vectors.npy", seg.vectors)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the index's lock for a build; any failure to write there is one sentence."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserError(
                    f"another ipgauge process is building the claims index in {folder}; try again when it ends."
                ) from None
            yield
    except OSError as e:
        raise UserError(
            f"cannot write the claims index in {folder} ({why(e)}); free space, or set IPGAUGE_CACHE_DIR to a "
            "writable folder."
        ) from None


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    added: int
    merged: int
    segments: int
    claims: int
    rebuilt: str | None  # why the index was built from nothing ("new", "asked", "… was damaged"), or None
    up_to_date: bool


def build(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    *,
    vectors: bool | None = None,
    rebuild: bool = False,
    verify: bool = False,
    tick: Progress | None = None,
) -> BuildReport:
    """Bring the register's claims index up to date with its latest delivery (see the module's text).

    ``vectors``: embed the claims (True) or not (False); None keeps what the index was built with.
    ``verify``: read every file (not only check its size and time), so that a file damaged in place
    is found too; a damaged index is rebuilt from nothing, and the report says why.
    """
    folder = index_dir(db)
    with _locked(folder):
        try:
            found = read_manifest(folder)
        except UserError:  # a damaged manifest: rebuilt from nothing below
            found = None
        upto = last_delivery(con)
        manifest, why_rebuilt = _usable(con, folder, found, upto, rebuild, verify)
        if vectors is None:  # as the index was built; a new one gets vectors
            vectors = manifest.get("vectors", True) if manifest else True
        if manifest and manifest["segments"] and manifest.get("vectors") != vectors:
            raise UserError(
                f"the claims index was built {'with' if manifest['vectors'] else 'without'} vectors; "
                "add --rebuild to change that."
            )
        if manifest and manifest["upto"] == upto:
            return BuildReport(0, 0, len(manifest["segments"]), _claims(manifest), None, True)
        rebuilt = None if manifest else why_rebuilt
        # new segment names never reuse an old one's: the old index stays whole until the new manifest replaces it
        first = max(
            [(found or {}).get("next", 1)] + [int(p.name[4:]) + 1 for p in folder.glob("seg-*") if p.name[4:].isdigit()]
        )
        manifest = manifest or {"format": FORMAT, "upto": 0, "segments": []}
        manifest["next"] = max(manifest.get("next", 1), first)
        new = independent_claims(con, manifest["upto"])
        segments, merged = _write(folder, manifest, new, vectors, tick)
        _publish(con, folder, manifest, segments, upto, vectors)
        return BuildReport(new.num_rows, merged, len(segments), _claims(manifest), rebuilt, False)


def _usable(
    con: duckdb.DuckDBPyConnection, folder: Path, found: dict | None, upto: int, rebuild: bool, verify: bool
) -> tuple[dict | None, str]:
    """The manifest a build may add to, or None, with why the index would then be built from nothing."""
    manifest = None if rebuild else found
    why_rebuilt = "asked" if rebuild else "new"
    if manifest and (manifest["identity"] != identity(con, manifest["upto"]) or manifest["upto"] > upto):
        manifest, why_rebuilt = None, "the register was rebuilt or replaced since"  # nothing of it holds
    bad = damaged(folder, manifest) if manifest else None
    if bad:
        manifest, why_rebuilt = None, f"{bad} was damaged"
    if manifest and verify:
        try:
            read_segments(folder)
        except DamagedIndex as e:
            manifest, why_rebuilt = None, f"{e.what}: damaged"
    return manifest, why_rebuilt


def _write(folder: Path, manifest: dict, new: pa.Table, vectors: bool, tick: Progress | None) -> tuple[list[dict], int]:
    """The segments after adding ``new`` and merging, and the claims merged; all their folders complete.

    On any failure, Ctrl-C included, the folders this build wrote are removed: the manifest still
    names only the old segments, which are left as they were.
    """
    segments = list(manifest["segments"])
    written: list[Path] = []
    merged = 0
    try:
        for start in range(0, new.num_rows, MAX_SEGMENT):
            segments.append(_add(folder, manifest, new.slice(start, MAX_SEGMENT), vectors, tick, written))
        while (
            len(segments) >= 2
            and segments[-1]["docs"] * 2 >= segments[-2]["docs"]
            and segments[-1]["docs"] + segments[-2]["docs"] <= MAX_SEGMENT
        ):
            parts = [folder / s["name"] for s in segments[-2:]]
            docs = pa.concat_tables([pq.read_table(p / "docs.parquet") for p in parts])
            vecs = np.concatenate([np.load(p / "vectors.npy") for p in parts]) if vectors else None
            merged += segments[-2]["docs"] + segments[-1]["docs"]
            segments[-2:] = [_add(folder, manifest, docs, vecs if vecs is not None else False, tick, written)]
        _mark_known_to(folder, segments)
    except BaseException:
        for path in written:
            shutil.rmtree(path, ignore_errors=True)
        raise
    return segments, merged


def _publish(
    con: duckdb.DuckDBPyConnection, folder: Path, manifest: dict, segments: list[dict], upto: int, vectors: bool
) -> None:
    """Replace the manifest atomically with one naming ``segments``, then remove the folders it no longer names.

    The removal comes after the replacement: a reader that opened the old manifest finds its files
    until then, and a build interrupted before it leaves only folders the next build removes.
    """
    old = {s["name"] for s in manifest["segments"]} - {s["name"] for s in segments}
    manifest.update(
        identity=identity(con, upto),
        upto=upto,
        vectors=vectors,
        encoder=encoder.NAME if vectors else None,
        segments=segments,
    )
    tmp = folder / f".manifest-{os.getpid()}.json"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, folder / "manifest.json")
    for name in old:
        shutil.rmtree(folder / name, ignore_errors=True)
    for stale in folder.glob("seg-*"):  # folders of an interrupted build
        if stale.name not in {s["name"] for s in segments}:
            shutil.rmtree(stale, ignore_errors=True)


def _claims(manifest: dict) -> int:
    """The claims the index holds in their current text."""
    return sum(s["current"] for s in manifest["segments"])


def _add(
    folder: Path, manifest: dict, docs: pa.Table, vectors: bool | np.ndarray, tick: Progress | None, written: list[Path]
) -> dict:
    name = f"seg-{manifest['next']:06d}"
    manifest["next"] += 1
    written.append(folder / name)
    shutil.rmtree(folder / name, ignore_errors=True)
    try:
        _write_segment(folder / name, docs, vectors, tick)
    except OSError as e:
        raise UserError(f"cannot write the claims index in {folder} ({why(e)}).") from None
    return {"name": name, "docs": docs.num_rows}


def _mark_known_to(folder: Path, segments: list[dict]) -> None:
    """Each segment's known_to.npy: a version holds until the next version of the same claim became known."""
    tables = [
        pq.read_table(folder / s["name"] / "docs.parquet", columns=["patent_id", "number", "known_from", "from_table"])
        for s in segments
    ]
    frame = pa.concat_tables(tables).to_pandas() if tables else None
    if frame is None or frame.empty:
        ends = np.empty(0, dtype=np.int32)
    else:
        frame["day"] = (frame["known_from"].astype("datetime64[s]") - np.datetime64("1970-01-01", "s")).dt.days
        frame["at"] = np.arange(len(frame))
        # the claims table's versions supersede those cut from a patent's claims text, whatever their dates
        frame = frame.sort_values(["patent_id", "number", "from_table", "day", "at"], kind="stable")
        following = frame.groupby(["patent_id", "number"], sort=False)["day"].shift(-1)
        frame["known_to"] = following.fillna(OPEN_DAY).astype(np.int64).clip(upper=OPEN_DAY)
        ends = frame.sort_values("at")["known_to"].to_numpy(dtype=np.int32)
    at = 0
    for s, table in zip(segments, tables, strict=True):
        mine = ends[at : at + table.num_rows]
        at += table.num_rows
        np.save(folder / s["name"] / "known_to.npy", mine)
        s["current"] = int((mine == OPEN_DAY).sum())
        s["files"] = stamps(folder / s["name"])
