"""Applicant-name resolution on real labelled data: pairwise precision and recall against exact matching.

Data: PatentsView's assignee disambiguation benchmarks shipped in the PyPI package ``pv-evaluation``
(GPL-3; a test-time dependency only, read as files, never imported by ipgauge): ``air-umass``
(185,250 mentions of 105 assignees) and ``nber-subset`` (216,847 mentions of 6,176 assignees). Each
set's assignees are split at random (seed below) into a tuning half, where the threshold is chosen
(best mention-level F1), and a test half, where it is measured. Metrics are pairwise over mentions
(pv-evaluation's own: a pair of mentions is a true positive when both truth and prediction put them
together) and over distinct written names. Baseline, in the same run: two mentions are one party when their strings are
equal. Prints a Markdown table; ``--json FILE`` keeps the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from importlib.metadata import PackageNotFoundError, distribution

import numpy as np
import pandas as pd

from ipgauge.services.names import cluster, normalise

SEED = 20261127
SETS = ("air-umass", "nber-subset")
THRESHOLDS = (80.0, 85.0, 88.0, 90.0, 92.0, 95.0, 100.0)


def load(name: str) -> pd.DataFrame:
    """One benchmark's mentions: mention_id, unique_id (the truth), organization (the name as written)."""
    try:
        path = distribution("pv-evaluation").locate_file(f"pv_evaluation/data/assignee/{name}-assignees-benchmark.csv")
    except PackageNotFoundError:
        raise SystemExit("install the benchmark data: pip install --no-deps pv-evaluation==2.1.1") from None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def split(df: pd.DataFrame, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Half the assignees (all their mentions) to tune on, the other half to test on."""
    ids = np.array(sorted(df.unique_id.unique()))
    np.random.default_rng(seed).shuffle(ids)
    tune = set(ids[: len(ids) // 2])
    mask = df.unique_id.isin(tune)
    return df[mask], df[~mask]


def pairwise(truth: pd.Series, predicted: pd.Series) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering (pairs counted from cluster sizes, not enumerated)."""

    def pairs(sizes: pd.Series) -> float:
        s = sizes.to_numpy(dtype=np.float64)
        return float((s * (s - 1) / 2).sum())

    frame = pd.DataFrame({"t": truth.to_numpy(), "p": predicted.to_numpy()})
    tp = pairs(frame.groupby(["t", "p"]).size())
    pp, tt = pairs(frame.groupby("p").size()), pairs(frame.groupby("t").size())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate(df: pd.DataFrame, threshold: float | None) -> dict[str, dict[str, float]]:
    """Mention- and name-level pairwise scores; ``threshold`` None is the exact-string baseline."""
    names = sorted(df.organization.unique())
    if threshold is None:
        label = {n: i for i, n in enumerate(names)}
    else:
        counts = df.organization.value_counts()
        labels, _ = cluster(names, threshold, [int(counts[n]) for n in names])
        label = dict(zip(names, labels, strict=True))
    predicted = df.organization.map(label)
    by_name = df.drop_duplicates("organization")
    return {
        "mentions": pairwise(df.unique_id, predicted),
        "names": pairwise(by_name.unique_id, by_name.organization.map(label)),
    }


def main() -> None:
    """Tune on one half of each set, test on the other, against the exact-string baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="Write the numbers to this file.")
    args = parser.parse_args()
    results = {"cores": os.cpu_count(), "seed": SEED, "sets": {}}
    for name in SETS:
        df = load(name)
        tune, test = split(df)
        started = time.perf_counter()
        tuned = {t: evaluate(tune, t)["mentions"]["f1"] for t in THRESHOLDS}
        best = max(THRESHOLDS, key=lambda t: (tuned[t], -t))
        ours, baseline = evaluate(test, best), evaluate(test, None)
        results["sets"][name] = {
            "mentions": len(df),
            "assignees": int(df.unique_id.nunique()),
            "distinct_names": int(df.organization.nunique()),
            "test_mentions": len(test),
            "tuning_f1_by_threshold": tuned,
            "threshold": best,
            "ipgauge": ours,
            "exact_string": baseline,
            "seconds": round(time.perf_counter() - started, 1),
        }
    print(f"Applicant-name resolution, test halves (seed {SEED}, {os.cpu_count()} cores)\n")
    print("| set | method | threshold | mention P | mention R | mention F1 | name P | name R | name F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results["sets"].items():
        for method, t in (("exact string (baseline)", "—"), ("ipgauge", r["threshold"])):
            m = r["exact_string" if method.startswith("exact") else "ipgauge"]
            cells = [m["mentions"][k] for k in ("precision", "recall", "f1")] + [
                m["names"][k] for k in ("precision", "recall", "f1")
            ]
            print(f"| {name} | {method} | {t} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    print("\nkeys normalised, e.g.:", normalise("The Board of Trustees of the Leland Stanford Jr. University"))


if __name__ == "__main__":
    main()
