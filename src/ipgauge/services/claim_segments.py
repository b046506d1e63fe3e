"""The claims index on disk: its segments, the manifest that vouches for them, and reading them back.

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

The build (:mod:`ipgauge.services.claim_indexing`) writes these files and the search
(:mod:`ipgauge.services.claim_index`) reads them; both go through this module, so the format is
said in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ipgauge.console import Progress
from ipgauge.errors import UserError, why
from ipgauge.register.cache import cache_dir
from ipgauge.services import encoder
from ipgauge.services.text_tokens import tokens

FORMAT = 2  # 2: every version of a claim, with known_from and known_to
DOC_COLUMNS = ("patent_id", "number", "jurisdiction", "text", "known_from", "from_table")
OPEN_DAY = np.iinfo(np.int32).max  # known_to of a version still current


def index_dir(db: Path) -> Path:
    """Where the register's claims index lives (beside the register, like its other derived files)."""
    return cache_dir(db) / "claims-index"


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


def stamps(folder: Path) -> dict[str, list[int]]:
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
            if not path.is_dir() or stamps(path) != seg["files"]:
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


def read_segments(folder: Path) -> list[Segment]:
    """The index's segments in ``folder``, every file checked against the manifest (a mismatch: DamagedIndex).

    What a search opens, and what a build reads to verify an index before adding to it.
    """
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
    return segments
