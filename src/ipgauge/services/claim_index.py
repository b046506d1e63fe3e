"""The claims index beside the register: BM25 over every independent claim, and dense vectors.

What is indexed: the independent claims (a dependent claim only narrows one of them) of every patent
in the register, Chinese and English, from the ``claims`` table, or cut from the ``patents.claims``
text where a delivery brought no claims table. The text index only finds candidates; whether a right
is in force is for the law engine (:mod:`ipgauge.services.screen`), never for the index.

Layout, in the register's cache folder (``<register>.cache/claims-index/``):

- ``manifest.json``: the format, the encoder, the register identity and last delivery indexed, and
  each segment with its size and the byte sizes of its files (checked on open: never trusted on a
  name alone);
- ``seg-<n>/docs.parquet``: patent_id, number, jurisdiction, text — the claims indexed, in order;
- ``seg-<n>/bm25/``: the bm25s index of those claims (:mod:`ipgauge.services.text_tokens` words);
- ``seg-<n>/vectors.npy``: their unit vectors, float32, memory-mapped (absent when built ``--no-vectors``);
- ``seg-<n>/live.npy``: which of them are the current text of their claim (a later delivery may
  amend a claim: the newest segment's version wins).

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
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ipgauge.errors import UserError, why
from ipgauge.law.spells import cache_dir
from ipgauge.register.store import identity, last_delivery
from ipgauge.services import encoder
from ipgauge.services.claim_elements import is_dependent
from ipgauge.services.text_tokens import tokens

FORMAT = 1
DEPTH = 100  # candidates each ranking contributes to the fusion
#: The largest segment: building one holds its words in memory (about 2.5 GB for this many claims),
#: so a million claims make four segments, each searched in turn.
MAX_SEGMENT = 262_144
RRF_K = 60  # reciprocal rank fusion: each ranking adds 1 / (RRF_K + rank)
DOC_COLUMNS = ("patent_id", "number", "jurisdiction", "text")
_CLAIM_START = re.compile(r"(?:^|(?<=[\s。；;.]))(\d{1,3})\s*[.、．]\s*(?=\D)")

Tick = Callable[[str, int, int], None]


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
    """The current independent claims brought by deliveries after ``after``, in DOC_COLUMNS."""
    rows = con.execute(
        """
        SELECT c.patent_id, c.number, p.jurisdiction, c.text, coalesce(len(c.depends_on), 0) = 0 AS independent
        FROM claims c JOIN patents p ON p.patent_id = c.patent_id AND p.known_to IS NULL
        WHERE c.known_to IS NULL AND c.delivery_id > ?
        ORDER BY c.patent_id, c.number
        """,
        [after],
    ).fetchall()
    docs = [r[:4] for r in rows if r[4] and not is_dependent(r[3])]
    whole = con.execute(
        """
        SELECT patent_id, jurisdiction, claims FROM patents p
        WHERE known_to IS NULL AND delivery_id > ? AND claims IS NOT NULL AND trim(claims) <> ''
          AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.patent_id = p.patent_id AND c.known_to IS NULL)
        ORDER BY patent_id
        """,
        [after],
    ).fetchall()
    for patent_id, jurisdiction, text in whole:
        docs += [(patent_id, n, jurisdiction, t) for n, t in split_claims(text) if t and not is_dependent(t)]
    columns = list(zip(*docs, strict=True)) if docs else [[], [], [], []]
    return pa.table(
        {name: pa.array(col, t) for name, col, t in zip(DOC_COLUMNS, columns, _TYPES, strict=True)},
    )


_TYPES = (pa.string(), pa.int32(), pa.string(), pa.string())


@dataclass
class Segment:
    """One immutable part of the index: its claims, their BM25 index and (maybe) their vectors."""

    name: str
    docs: pa.Table
    bm25: object
    vectors: np.ndarray | None
    live: np.ndarray

    @property
    def size(self) -> int:
        """How many claims it holds."""
        return self.docs.num_rows


def segment(name: str, docs: pa.Table, vectors: bool | np.ndarray, tick: Tick | None = None) -> Segment:
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
    return Segment(name, docs, bm25, vecs, np.ones(docs.num_rows, dtype=bool))


def _write_segment(folder: Path, docs: pa.Table, vectors: bool | np.ndarray, tick: Tick | None) -> None:
    seg = segment(folder.name, docs, vectors, tick)
    folder.mkdir(parents=True)
    pq.write_table(docs, folder / "docs.parquet", compression="zstd")
    seg.bm25.save(str(folder / "bm25"), show_progress=False)
    if seg.vectors is not None:
        np.save(folder / "vectors.npy", seg.vectors)


def _sizes(folder: Path) -> dict[str, int]:
    return {str(f.relative_to(folder)): f.stat().st_size for f in sorted(folder.rglob("*")) if f.is_file()}


class ClaimIndex:
    """The claims index of one register, opened read-only for searching."""

    def __init__(self, folder: Path, manifest: dict, segments: list[Segment]) -> None:
        self.folder = folder
        self.manifest = manifest
        self.segments = segments

    @property
    def size(self) -> int:
        """The claims indexed, current versions only."""
        return int(sum(s.live.sum() for s in self.segments))

    @classmethod
    def open(cls, folder: Path) -> ClaimIndex:
        """Open the index in ``folder``, checking every file against the manifest."""
        import bm25s

        manifest = read_manifest(folder)
        if manifest is None:
            raise UserError(f"there is no claims index in {folder}; run `ipgauge index build` first.")
        segments = []
        for seg in manifest["segments"]:
            path = folder / seg["name"]
            if not path.is_dir() or _sizes(path) != seg["files"]:
                raise UserError(
                    f"the claims index in {folder} is damaged ({seg['name']} does not match its manifest); "
                    "run `ipgauge index build --rebuild`."
                )
            vectors = path / "vectors.npy"
            segments.append(
                Segment(
                    seg["name"],
                    pq.read_table(path / "docs.parquet"),
                    bm25s.BM25.load(str(path / "bm25"), mmap=True, show_progress=False),
                    np.load(vectors, mmap_mode="r") if vectors.exists() else None,
                    np.load(path / "live.npy"),
                )
            )
        return cls(folder, manifest, segments)

    def rankings(
        self, query: str, allowed: Callable[[pa.Table], np.ndarray], qv: np.ndarray | None = None
    ) -> tuple[list[Candidate], list[Candidate]]:
        """The lexical and the dense ranking of the claims ``allowed`` (a mask over a segment's docs), DEPTH each.

        Lexical: BM25 scores of every claim, one sparse sweep per segment, masked. Dense: where the
        segments carry vectors, the cosine of every allowed claim (one matrix product); else the
        lexical candidates are embedded on the spot (a rerank). ``qv``: the query's vector if known.
        """
        words = tokens(query)
        masks = [allowed(s.docs) & s.live for s in self.segments]
        lexical = _best(
            [(np.asarray(s.bm25.get_scores(words), dtype=np.float32) if words else None) for s in self.segments],
            masks,
        )
        qv = encoder.encode([query])[0] if qv is None else qv
        if all(s.vectors is not None for s in self.segments):
            return lexical, _best([_cosines(s.vectors, qv) for s in self.segments], masks)
        texts = [self.segments[si].docs.column("text")[di].as_py() for si, di, _ in lexical]
        sims = encoder.encode(texts) @ qv if texts else np.empty(0)
        return lexical, sorted(
            ((si, di, float(x)) for (si, di, _), x in zip(lexical, sims, strict=True)), key=lambda h: -h[2]
        )

    def search(
        self, query: str, allowed: Callable[[pa.Table], np.ndarray], top: int, qv: np.ndarray | None = None
    ) -> list[Hit]:
        """The ``top`` claims closest to ``query`` among those ``allowed``: both rankings fused by reciprocal rank."""
        lexical, dense = self.rankings(query, allowed, qv)
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


Candidate = tuple[int, int, float]  # (segment, doc, score)
CHUNK = 65_536  # vectors multiplied at a time: a million claims are swept without a second copy in memory


def _cosines(vectors: np.ndarray, qv: np.ndarray) -> np.ndarray:
    """Every claim's cosine with the query (unit vectors: a dot product), chunk by chunk from the mapped file."""
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), CHUNK):
        out[start : start + CHUNK] = vectors[start : start + CHUNK] @ qv
    return out


def _best(scores: list[np.ndarray | None], masks: list[np.ndarray]) -> list[Candidate]:
    """The DEPTH best (segment, doc, score) over all segments, allowed docs with a positive score only."""
    found = []
    for si, (s, mask) in enumerate(zip(scores, masks, strict=True)):
        if s is None:
            continue
        s = np.where(mask, s, 0)
        n = min(DEPTH, int((s > 0).sum()))
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
        raise UserError(
            f"the claims index in {folder} is damaged ({why(e)}); run `ipgauge index build --rebuild`."
        ) from None
    if manifest.get("format") != FORMAT:
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
    rebuilt: bool
    up_to_date: bool


def build(
    con: duckdb.DuckDBPyConnection,
    db: Path,
    *,
    vectors: bool | None = None,
    rebuild: bool = False,
    tick: Tick | None = None,
) -> BuildReport:
    """Bring the register's claims index up to date with its latest delivery (see the module's text).

    ``vectors``: embed the claims (True) or not (False); None keeps what the index was built with.
    """
    folder = index_dir(db)
    with _locked(folder):
        manifest = None if rebuild else read_manifest(folder)
        upto = last_delivery(con)
        if manifest and (
            manifest["identity"] != identity(con, manifest["upto"]) or manifest["upto"] > upto
        ):  # the register was rebuilt or replaced since: nothing of the old index holds
            manifest = None
        rebuilt = manifest is None
        manifest = manifest or {"format": FORMAT, "upto": 0, "segments": [], "next": 1}
        if vectors is None:  # as the index was built; a new one gets vectors
            vectors = manifest.get("vectors", True)
        if manifest["segments"] and manifest.get("vectors", vectors) != vectors:
            raise UserError(
                f"the claims index was built {'with' if manifest['vectors'] else 'without'} vectors; "
                "add --rebuild to change that."
            )
        if manifest["upto"] == upto and not rebuilt:
            return BuildReport(0, 0, len(manifest["segments"]), _claims(manifest), False, True)
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
                keep = _latest(docs)
                vecs = np.concatenate([np.load(p / "vectors.npy") for p in parts])[keep] if vectors else None
                docs = docs.take(keep)
                merged += segments[-2]["docs"] + segments[-1]["docs"]
                segments[-2:] = [_add(folder, manifest, docs, vecs if vecs is not None else False, tick, written)]
            _mark_live(folder, segments)
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
    return sum(s["live"] for s in manifest["segments"])


def _add(
    folder: Path, manifest: dict, docs: pa.Table, vectors: bool | np.ndarray, tick: Tick | None, written: list[Path]
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


def _keys(docs: pa.Table) -> list[str]:
    return pc.binary_join_element_wise(
        docs.column("patent_id"), pc.cast(docs.column("number"), pa.string()), "#"
    ).to_pylist()


def _latest(docs: pa.Table) -> list[int]:
    """The rows holding the last version of each claim (a merge drops the texts a later delivery replaced)."""
    seen: set[str] = set()
    keep = []
    for i, key in reversed(list(enumerate(_keys(docs)))):
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return sorted(keep)


def _mark_live(folder: Path, segments: list[dict]) -> None:
    """Each segment's live.npy: a claim is live unless a later segment holds a newer text of it."""
    seen: set[str] = set()
    for s in reversed(segments):
        keys = _keys(pq.read_table(folder / s["name"] / "docs.parquet", columns=["patent_id", "number"]))
        live = np.zeros(len(keys), dtype=bool)
        for i in range(len(keys) - 1, -1, -1):
            if keys[i] not in seen:
                seen.add(keys[i])
                live[i] = True
        np.save(folder / s["name"] / "live.npy", live)
        s["live"] = int(live.sum())
        s["files"] = _sizes(folder / s["name"])
