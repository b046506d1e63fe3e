"""The claims index beside the register: BM25 over every independent claim, and dense vectors.

What is indexed: the independent claims (a dependent claim only narrows one of them) of every patent
in the register, Chinese and English, from the ``claims`` table, or cut from the ``patents.claims``
text where a delivery brought no claims table. The text index only finds candidates; whether a right
is in force is for the law (:mod:`ipgauge.services.screen`), never for the index.

This module searches the index, and is where the rest of ipgauge imports it from: its files and
their reading are :mod:`ipgauge.services.claim_segments`, the build that writes them
:mod:`ipgauge.services.claim_indexing`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from ipgauge.services import encoder
from ipgauge.services.claim_indexing import build, split_claims
from ipgauge.services.claim_segments import DamagedIndex, Segment, index_dir, read_manifest, read_segments, segment
from ipgauge.services.text_tokens import tokens

__all__ = [
    "ClaimIndex",
    "DamagedIndex",
    "Hit",
    "build",
    "index_dir",
    "read_manifest",
    "segment",
    "split_claims",
]

DEPTH = 100  # candidates each ranking contributes to the fusion
RRF_K = 60  # reciprocal rank fusion: each ranking adds 1 / (RRF_K + rank)


class ClaimIndex:
    """The claims index of one register, opened read-only for searching."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments

    @classmethod
    def open(cls, folder: Path) -> ClaimIndex:
        """Open the index in ``folder``, checking every file against the manifest."""
        return cls(read_segments(folder))

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
