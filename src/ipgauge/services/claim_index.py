"""The claims index beside the register: BM25 over every independent claim, and dense vectors.

What is indexed: the independent claims (a dependent claim only narrows one of them) of every patent
in the register, Chinese and English, from the ``claims`` table, or cut from the ``patents.claims``
text where a delivery brought no claims table. The text index only finds candidates; whether a right
is in force is for the law (:mod:`ipgauge.services.screen`), never for the index.

Layout, in the register's cache folder (``<register>.cache/claims-index/``):

- ``manifest.json``: the format, the encoder, the register identity and last delivery indexed, and
  each segment with its size and the byte sizes of its files (checked on open: never trusted on a
  name alone);
- ``seg-<n>/docs.parquet``: patent_id, number, jurisdiction, text, known_from — every version of
  every claim indexed, in order (the date the register learned that text), and whether it came
  from the ``claims`` table (which supersedes a text cut from ``patents.claims``);
- ``seg-<n>/bm25/``: the bm25s index of those claims (:mod:`ipgauge.services.text_tokens` words);
- ``seg-<n>/vectors.npy``: their unit vectors, float32, memory-mapped (absent when built ``--no-vectors``);
- ``seg-<n>/known_to.npy``: until when each version held (the day the next version of the same
  claim became known; open for the current one): screening as known on K reads the versions the
  register held on K, as everything else in ipgauge does.

Incremental, like a log-structured index: a build adds the claims of the deliveries not yet indexed
as a new segment, and merges the newest two while the newer is at least half as large as the one
before it and the two together fit in :data:`MAX_SEGMENT` (segment sizes grow geometrically, so each
claim is re-tokenised O(log n) times; the ceiling, like Lucene's on merged segments, bounds the
memory of a build), and an update costs in proportion to what it adds. The manifest is replaced atomically after the
segment folders are complete; a reader sees the old index or the new one, never half of each; a
lock keeps a second builder out.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ipgauge.console import Progress
from ipgauge.errors import UserError, why
from ipgauge.register.cache import cache_dir
from ipgauge.register.store import identity, last_delivery
from ipgauge.services import encoder
from ipgauge.services.claim_elements import is_dependent
from ipgauge.services.text_tokens import tokens

FORMAT = 2  # 2: every version of a claim, with known_from and known_to
DEPTH = 100  # candidates each ranking contributes to the fusion
#: The largest segment: building one holds its words in memory (about 2.5 GB for this many claims),
#: so a million claims make four segments, each searched in turn.
MAX_SEGMENT = 262_144
RRF_K = 60  # reciprocal rank fusion: each ranking adds 1 / (RRF_K + rank)
DOC_COLUMNS = ("patent_id", "number", "jurisdiction", "text", "known_from", "from_table")
OPEN_DAY = np.iinfo(np.int32).max  # known_to of a version still current
_CLAIM_START = re.compile(r"(?:^|(?<=[\s。；;.]))(\d{1,3})\s*[.、．]\s*(?=\D)")


def index_dir(db: Path) -> Path:
    """Where the register's claims index lives (beside the register, like its other derived files)."""
    return cache_dir(db) / "claims-index"


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


_TYPES = (pa.string(), pa.int32(), pa.string(), pa.string(), pa.date32(), pa.bool_())


@dataclass
class Segment:
    """One immutable part of the index: its claims, their BM25 index and (maybe) their vectors."""

    name: str
    docs: pa.Table
    bm25: object
    vectors: np.ndarray | None
    known_to: np.ndarray  # days since 1970 (int32), OPEN_DAY while current

    @property
    def size(self) -> int:
        """How many claim versions it holds."""
        return self.docs.num_rows

    @cached_property
    def known_from(self) -> np.ndarray:
        """Days since 1970 (int32) on which each version became known: read once, not at every query."""
        column = self.docs.column("known_from") if "known_from" in self.docs.column_names else None
        if column is None:  # an index built in memory from bare texts (the benchmark): always known
            return np.zeros(self.size, dtype=np.int32)
        return column.cast(pa.int32()).to_numpy(zero_copy_only=False)

    def held_on(self, k: date | None) -> np.ndarray:
        """Which versions the register held on ``k`` (None: the current ones)."""
        if k is None:
            return self.known_to == OPEN_DAY
        day = (k - date(1970, 1, 1)).days
        return (self.known_from <= day) & (day < self.known_to)


def segment(name: str, docs: pa.Table, vectors: bool | np.ndarray, tick: Progress | None = None) -> Segment:
    """A segment of ``docs`` in memory; ``vectors``: True to embed them, their vectors if known, False for none."""
    import bm25s

    texts = docs.column("text").to_pylist()
    words = []
    for i, text in enumerate(texts):
        words.append(tokens(text) or ["\x00"])  # an empty document still takes its place
        if tick and i % 1000 == 0:
            tick("tokenising claims", i, len(texts))
    bm25 = bm25s.BM25()
    bm25.index(words, show_progress=False)
    if vectors is True:
        vectors = encoder.encode(texts, (lambda done: tick("embedding claims", done, len(texts))) if tick else None)
    vecs = np.ascontiguousarray(vectors, dtype=np.float32) if isinstance(vectors, np.ndarray) else None
    return Segment(name, docs, bm25, vecs, np.full(docs.num_rows, OPEN_DAY, dtype=np.int32))


def _write_segment(folder: Path, docs: pa.Table, vectors: bool | np.ndarray, tick: Progress | None) -> None:
    seg = segment(folder.name, docs, vectors, tick)
    folder.mkdir(parents=True)
    pq.write_table(docs, folder / "docs.parquet", compression="zstd")
    seg.bm25.save(str(folder / "bm25"), show_progress=False)
    if seg.vectors is not None:
        np.save(folder / "vectors.npy", seg.vectors)


def _stamps(folder: Path) -> dict[str, list[int]]:
    """Each file's size and modification time: what the manifest checks a segment against."""
    return {str(f.relative_to(folder)): stamp(f) for f in sorted(folder.rglob("*")) if f.is_file()}


def stamp(file: Path) -> list[int]:
    """A file's size and modification time (a checksum would read a million vectors at every query)."""
    st = file.stat()
    return [st.st_size, st.st_mtime_ns]


def damaged(folder: Path, manifest: dict) -> str | None:
    """The first segment that does not match the manifest, or None."""
    for seg in manifest["segments"]:
        path = folder / seg["name"]
        try:
            if not path.is_dir() or _stamps(path) != seg["files"]:
                return seg["name"]
        except OSError:
            return seg["name"]
    return None


class DamagedIndex(UserError):
    """The index on disk is not what its manifest says; ``what`` names the part."""

    def __init__(self, folder: Path, what: str) -> None:
        super().__init__(f"the claims index in {folder} is damaged ({what}); run `ipgauge index build --rebuild`.")
        self.what = what


def _damaged(folder: Path, what: str) -> DamagedIndex:
    return DamagedIndex(folder, what)


class ClaimIndex:
    """The claims index of one register, opened read-only for searching."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments

    @classmethod
    def open(cls, folder: Path) -> ClaimIndex:
        """Open the index in ``folder``, checking every file against the manifest."""
        import bm25s

        manifest = read_manifest(folder)
        if manifest is None:
            raise UserError(f"there is no claims index in {folder}; run `ipgauge index build` first.")
        bad = damaged(folder, manifest)
        if bad:
            raise _damaged(folder, f"{bad} does not match its manifest")
        segments = []
        for seg in manifest["segments"]:
            path = folder / seg["name"]
            vectors = path / "vectors.npy"
            try:
                docs = pq.read_table(path / "docs.parquet")
                known_to = np.load(path / "known_to.npy")
                vecs = np.load(vectors, mmap_mode="r") if vectors.exists() else None
                if (
                    docs.column_names != list(DOC_COLUMNS)
                    or len(known_to) != docs.num_rows
                    or (vecs is not None and vecs.shape != (docs.num_rows, encoder.DIM))
                ):
                    raise ValueError("its files disagree on the number of claims")
                bm25 = bm25s.BM25.load(str(path / "bm25"), mmap=True, show_progress=False)
            except (OSError, ValueError, KeyError, pa.ArrowException):  # json, numpy and Arrow errors
                raise _damaged(folder, f"{seg['name']} cannot be read") from None
            segments.append(Segment(seg["name"], docs, bm25, vecs, known_to))
        return cls(segments)

    def masks(self, allowed: Callable[[pa.Table], np.ndarray], k: date | None = None) -> list[np.ndarray]:
        """Per segment, the claims a search may return: ``allowed`` (a mask over the segment's docs) and held on K.

        Computed once for a series of queries (they all ask about the same D and K).
        """
        return [allowed(s.docs) & s.held_on(k) for s in self.segments]

    def rankings(
        self, query: str, masks: list[np.ndarray], qv: np.ndarray | None = None
    ) -> tuple[list[Candidate], list[Candidate]]:
        """The lexical and the dense ranking of the claims in ``masks`` (see :meth:`masks`), DEPTH each.

        Lexical: BM25 scores of every claim, one sparse sweep per segment, masked. Dense: where the
        segments carry vectors, the cosine of every allowed claim (one matrix product); else the
        lexical candidates are embedded on the spot (a rerank). ``qv``: the query's vector if known.
        """
        words = tokens(query)
        lexical = _best(
            [(np.asarray(s.bm25.get_scores(words), dtype=np.float32) if words else None) for s in self.segments],
            masks,
        )
        qv = encoder.encode([query])[0] if qv is None else qv
        if all(s.vectors is not None for s in self.segments):
            return lexical, _best([_cosines(s.vectors, qv) for s in self.segments], masks, positive=False)
        texts = [self.segments[si].docs.column("text")[di].as_py() for si, di, _ in lexical]
        sims = encoder.encode(texts) @ qv if texts else np.empty(0)
        return lexical, sorted(
            ((si, di, float(x)) for (si, di, _), x in zip(lexical, sims, strict=True)), key=lambda h: -h[2]
        )

    def search(self, query: str, masks: list[np.ndarray], top: int, qv: np.ndarray | None = None) -> list[Hit]:
        """The ``top`` claims closest to ``query`` within ``masks``: both rankings fused by reciprocal rank."""
        lexical, dense = self.rankings(query, masks, qv)
        fused: dict[tuple[int, int], float] = {}
        ranks: dict[tuple[int, int], dict[str, tuple[int, float]]] = {}
        for name, ranking in (("lexical", lexical), ("dense", dense)):
            for rank, (si, di, score) in enumerate(ranking):
                fused[si, di] = fused.get((si, di), 0.0) + 1 / (RRF_K + rank + 1)
                ranks.setdefault((si, di), {})[name] = (rank + 1, score)
        best = sorted(fused, key=lambda key: (-fused[key], key))[:top]
        return [self._hit(si, di, fused[si, di], ranks[si, di]) for si, di in best]

    def _hit(self, si: int, di: int, score: float, ranks: dict[str, tuple[int, float]]) -> Hit:
        row = self.segments[si].docs.slice(di, 1).to_pylist()[0]
        return Hit(
            row["patent_id"],
            row["number"],
            row["jurisdiction"],
            row["text"],
            round(score * (RRF_K + 1) / 2, 4),  # 1.0: ranked first by both
            ranks.get("lexical", (None, 0.0))[0],
            ranks.get("dense", (None, 0.0))[0],
            round(ranks["dense"][1], 4) if "dense" in ranks else None,
        )


@dataclass(frozen=True)
class Hit:
    """A claim found, with its fused score (1.0 when both rankings put it first) and each ranking's place."""

    patent_id: str
    number: int
    jurisdiction: str
    text: str
    score: float
    lexical_rank: int | None
    dense_rank: int | None
    similarity: float | None = None  # the encoder's cosine between query and claim (None: not in its top)


Candidate = tuple[int, int, float]  # (segment, doc, score)
CHUNK = 65_536  # vectors multiplied at a time: a million claims are swept without a second copy in memory


def _cosines(vectors: np.ndarray, qv: np.ndarray) -> np.ndarray:
    """Every claim's cosine with the query (unit vectors: a dot product), chunk by chunk from the mapped file."""
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), CHUNK):
        out[start : start + CHUNK] = vectors[start : start + CHUNK] @ qv
    return out


def _best(scores: list[np.ndarray | None], masks: list[np.ndarray], positive: bool = True) -> list[Candidate]:
    """The DEPTH best (segment, doc, score) over all segments among allowed docs (BM25: a positive score only)."""
    found = []
    for si, (s, mask) in enumerate(zip(scores, masks, strict=True)):
        if s is None:
            continue
        s = np.where(mask, s, 0 if positive else -np.inf)
        n = min(DEPTH, int((s > 0).sum() if positive else mask.sum()))
        if n == 0:
            continue
        picked = np.argpartition(-s, n - 1)[:n]
        found += [(si, int(d), float(s[d])) for d in picked]
    return sorted(found, key=lambda h: (-h[2], h[0], h[1]))[:DEPTH]


def read_manifest(folder: Path) -> dict | None:
    """The index's manifest, or None when there is no index (a damaged one is an error)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise _damaged(folder, why(e)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None  # an index of another format is rebuilt, never read
    return manifest


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
        manifest = None if rebuild else found
        why_rebuilt = "asked" if rebuild else "new"
        if manifest and (manifest["identity"] != identity(con, manifest["upto"]) or manifest["upto"] > upto):
            manifest, why_rebuilt = None, "the register was rebuilt or replaced since"  # nothing of it holds
        bad = damaged(folder, manifest) if manifest else None
        if bad:
            manifest, why_rebuilt = None, f"{bad} was damaged"
        if manifest and verify:
            try:
                ClaimIndex.open(folder)
            except DamagedIndex as e:
                manifest, why_rebuilt = None, f"{e.what}: damaged"
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
        return BuildReport(new.num_rows, merged, len(segments), _claims(manifest), rebuilt, False)


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
        s["files"] = _stamps(folder / s["name"])
