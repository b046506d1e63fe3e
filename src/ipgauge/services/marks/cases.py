"""The decided cases the verdict is fitted and judged on, the fit itself, and the baselines it must beat.

``data/trademark_cases.csv`` holds 112 decisions collected for ipgauge (TTAB and US courts, the
CJEU and the General Court, the Chinese Supreme People's Court and courts below), each compared on
its word elements and classes as decided: ``likely_confusion`` true where the later mark was refused,
cancelled or enjoined for its likeness to the earlier one. They are split once, by outcome, into a
development half (the fit) and a test half (the published figure), and nothing is tuned on the test
half. The baselines are those an examiner's software would start from: identical text (after case
and punctuation), and a string-similarity ratio whose threshold is chosen on the development half.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources

from rapidfuzz import fuzz

from ipgauge.services.marks.similarity import _related, compare, features, verdict


@dataclass(frozen=True)
class Case:
    """One decided pair: the later mark (a), the earlier (b), their classes, and whether confusion was found."""

    case_id: str
    jurisdiction: str
    mark_a: str
    classes_a: tuple[int, ...]
    mark_b: str
    classes_b: tuple[int, ...]
    likely_confusion: bool
    decision: str
    split: str


def load() -> list[Case]:
    """Every decided case shipped with ipgauge."""
    text = resources.files("ipgauge.data").joinpath("trademark_cases.csv").read_text(encoding="utf-8")
    return [
        Case(
            r["case_id"],
            r["jurisdiction"],
            r["mark_a"],
            tuple(int(c) for c in r["classes_a"].split(";")),
            r["mark_b"],
            tuple(int(c) for c in r["classes_b"].split(";")),
            r["likely_confusion"] == "true",
            r["decision"],
            r["split"],
        )  # fmt: skip
        for r in csv.DictReader(text.splitlines())
    ]


def dimensions(case: Case) -> dict[str, float]:
    """The four dimensions ipgauge gives a case's marks and classes."""
    c = compare(case.mark_a, list(case.classes_a), case.mark_b, list(case.classes_b), case.jurisdiction)
    return c.dimensions | c.factors


#: The sign each feature's weight must keep (similarity.features): more likeness in the marks or the goods
#: never makes confusion less likely, nor does a stronger earlier mark (a strong mark is protected more
#: widely); a difference in meaning never makes it more likely.
SIGNS = (1, 1, 1, 1, -1)


def fit(rows: list[tuple[list[float], bool]], l2: float = 0.0, steps: int = 6000, rate: float = 2.0) -> dict:
    """A logistic model fitted by projected gradient descent, each weight kept to its sign (:data:`SIGNS`).

    ``l2`` ridge-penalises it; 0 was best on the development half.
    """
    n, k = len(rows), len(rows[0][0])
    w, b = [0.0] * k, 0.0
    for _ in range(steps):
        gw, gb = [l2 * x for x in w], 0.0
        for x, y in rows:
            p = 1 / (1 + math.exp(-(b + sum(wi * xi for wi, xi in zip(w, x, strict=True)))))
            for i in range(k):
                gw[i] += (p - y) * x[i] / n
            gb += (p - y) / n
        w = [wi - rate * g for wi, g in zip(w, gw, strict=True)]
        w = [max(0.0, wi) if sign > 0 else min(0.0, wi) if sign < 0 else wi for wi, sign in zip(w, SIGNS, strict=True)]
        b -= rate * gb
    return {"bias": round(b, 4), "weights": [round(x, 4) for x in w], "threshold": 0.5}


def crossed(group: list[Case], seed: int = 32) -> list[Case]:
    """Pairs no office would refuse: each case's later mark against another case's earlier mark and classes.

    Courts decide close calls; a verdict fitted on them alone never sees two marks with nothing in
    common and learns that likeness hardly matters. These pairs (one per case, from the same half
    only) stand for the ordinary dissimilar marks an examiner passes every day.
    """
    import random

    rng = random.Random(seed)
    others = group[1:] + group[:1]
    rng.shuffle(others)
    return [
        Case(f"X{a.case_id}", a.jurisdiction, a.mark_a, a.classes_a, b.mark_b, b.classes_b, False, "crossed", a.split)
        for a, b in zip(group, others, strict=True)
        if a.case_id != b.case_id and a.mark_b != b.mark_b
    ]


def doctrine(group: list[Case]) -> list[Case]:
    """The black-letter rule as pairs, from each case's earlier mark.

    The same mark for the same or related goods is confusing, for unrelated goods it is not (In re
    Shell Oil, 992 F.2d 1204: the closer the marks, the less related the goods need be; TMEP
    1207.01(a)). Litigated cases are the exceptions to this rule (a famous mark, a consent, a crowded
    field), so a fit on them alone unlearns it.
    """
    pairs = sorted(tuple(sorted(p)) for p in _related() if len(p) == 2)
    out = []
    for c in group:
        cls = c.classes_b[0]
        near = next((x for p in pairs if cls in p for x in p if x != cls), None)
        far = next(x for x in range(45, 0, -1) if x != cls and frozenset((x, cls)) not in _related())
        out.append(Case(f"S{c.case_id}", c.jurisdiction, c.mark_b, (cls,), c.mark_b, (cls,), True, "doctrine", c.split))
        if near:
            out.append(Case(f"R{c.case_id}", c.jurisdiction, c.mark_b, (near,), c.mark_b, (cls,), True, "doctrine",
                            c.split))  # fmt: skip
        out.append(Case(f"U{c.case_id}", c.jurisdiction, c.mark_b, (far,), c.mark_b, (cls,), False, "doctrine",
                        c.split))  # fmt: skip
    return out


def _norm(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def exact_text(case: Case) -> bool:
    """The first baseline: confusion exactly when the marks read the same."""
    return _norm(case.mark_a) == _norm(case.mark_b)


def ratio(case: Case) -> float:
    """The second baseline's score: the marks' string-similarity ratio (0..1)."""
    return fuzz.ratio(_norm(case.mark_a), _norm(case.mark_b)) / 100


def evaluate(cases: list[Case] | None = None) -> dict:
    """Fit on the development half, judge both halves and the test half's crossed pairs; the baselines beside."""
    cases = cases or load()
    dev = [c for c in cases if c.split == "dev"]
    test = [c for c in cases if c.split == "test"]
    anchors, crossed_test = crossed(dev) + doctrine(dev), crossed(test)
    dims = {c.case_id: dimensions(c) for c in cases + anchors + crossed_test}
    model = fit([(features(dims[c.case_id]), c.likely_confusion) for c in dev + anchors])

    def judged(c: Case) -> bool:
        return verdict(dims[c.case_id], model) >= model["threshold"]

    def agree(group: list[Case], decide) -> float:
        return sum(decide(c) == c.likely_confusion for c in group) / len(group)

    best_t = max((t / 100 for t in range(30, 100, 5)), key=lambda t: agree(dev, lambda c: ratio(c) >= t))
    out = {"cases": len(cases), "dev": len(dev), "test": len(test), "model": model, "ratio_threshold": best_t}
    for name, group in (("dev_accuracy", dev), ("test_accuracy", test), ("test_crossed_pairs_accuracy", crossed_test)):
        out[name] = {
            "ipgauge": agree(group, judged),
            "exact_text": agree(group, exact_text),
            "string_ratio": agree(group, lambda c: ratio(c) >= best_t),
        }
    out["misjudged_test"] = [
        f"{c.case_id} {c.mark_a} / {c.mark_b}: decided {c.likely_confusion}"
        for c in test
        if judged(c) != c.likely_confusion
    ]
    return out
