"""Claim charts on the labelled set (tests/data/claim_charts): the properties an attorney relies on.

The thresholds were chosen on the dev half; these assertions read the test half too, and each could
fail: a chart that rated "high" where the attorney found a limitation missing or denied, that met a
denied limitation, or that did no better than plain word overlap would break them. The numbers
themselves are published by ``bench/bench_claim_chart.py`` (docs/benchmarks.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from bench_claim_chart import evaluate, load  # noqa: E402


@pytest.fixture(scope="module")
def measured():
    from ipgauge.services.encoder import Memo

    cases = load()
    encode = Memo()
    return {
        side: {m: evaluate([c for c in cases if c["side"] == side], m, encode) for m in ("ipgauge", "word_overlap")}
        for side in ("dev", "test")
    }


def test_the_set_is_large_enough_and_split_by_patent():
    cases = load()
    assert len(cases) >= 60
    sides = {}
    for c in cases:
        sides.setdefault(c["patent"], set()).add(c["side"])
    assert all(len(s) == 1 for s in sides.values())  # a claim's cases never straddle the split
    kinds = {c["kind"] for c in cases}
    assert {"literal", "paraphrase", "negated", "one_missing", "several_missing", "unrelated", "design"} <= kinds


@pytest.mark.parametrize("side", ["dev", "test"])
def test_never_high_where_a_limitation_is_missing_or_denied(measured, side):
    assert measured[side]["ipgauge"]["high_where_a_limitation_is_absent_or_negated"] == 0
    assert measured[side]["word_overlap"]["high_where_a_limitation_is_absent_or_negated"] > 0  # the old failure


@pytest.mark.parametrize("side", ["dev", "test"])
def test_denied_limitations_are_contradicted_not_met(measured, side):
    ours, words = measured[side]["ipgauge"], measured[side]["word_overlap"]
    assert ours["negated_called_contradicted"] >= 0.6 and words["negated_called_contradicted"] == 0
    assert ours["negated_wrongly_met"] <= words["negated_wrongly_met"] / 2  # word overlap met nearly all of them


def test_better_than_word_overlap_and_designs_unassessable(measured):
    for side in ("dev", "test"):
        assert measured[side]["ipgauge"]["risk_agreement"] > measured[side]["word_overlap"]["risk_agreement"]
    done, total = measured["test"]["ipgauge"]["design_unassessable"].split("/")
    assert done == total != "0"
