"""Applicant names resolved to parties: variants merged with a score, measured on real labelled names."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, distribution

import pytest

from conftest import PARTY_HEADER, run, write_csv
from ipgauge.register.load import load_delivery
from ipgauge.services.names import THRESHOLD, cluster, normalise, score


@pytest.mark.parametrize(
    ("a", "b", "how"),
    [
        ("中国科学院沈阳自动化研究所", "中科院沈阳自动化所", "normalised"),  # 中科院, 研究所 → 所
        ("中国科学院沈阳自动化研究所", "沈阳自动化所", "normalised"),  # without its qualifier
        ("沈阳新松机器人自动化股份有限公司", "新松机器人自动化有限公司", "normalised"),  # place, legal form
        ("北京航空航天大学", "北航", "简称"),
        ("鞍山龙宏机械制造有限公司", "龙宏机械", "简称"),
        ("华为技术有限公司", "华为技术有限公司（深圳）", "normalised"),
        ("Fuji Xerox Co. Ltd.", "Fuji Xerox Corporation", "normalised"),
        ("The Board of Trustees of the Leland Stanford Jr. University", "Leland Stanford Junior University", "similar"),
        ("Hitachi America, Ltd.", "HITACHI AMERICA LIMITED", "normalised"),
    ],
)
def test_the_same_institution_written_several_ways_scores_above_the_threshold(a, b, how):
    s, got = score(a, b)
    assert s >= THRESHOLD and got == how, (a, b, s, got)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华为技术有限公司", "华为终端有限公司"),
        ("大连理工大学", "大连海事大学"),
        ("沈阳自动化所", "大连自动化所"),  # the same body's name in two cities: two institutes
        ("沈阳新松机器人自动化股份有限公司", "沈阳"),  # a place is not a 简称
        ("General Electric Company", "General Motors Corporation"),
        ("Eastern Co.", "Eastern Kodak"),  # one word in common is not enough
        ("中国科学院沈阳自动化研究所", "Shenyang Institute of Automation"),  # across scripts: only a recorded alias
    ],
)
def test_different_institutions_stay_apart(a, b):
    assert score(a, b)[0] < THRESHOLD, (a, b, score(a, b))


def test_clusters_come_with_every_merge_and_its_score():
    names = ["Fuji Xerox Co. Ltd.", "Fuji Xerox", "Fuji Xerox Corporation", "Xerox Corporation", "施乐公司"]
    labels, merges = cluster(names, weights=[5, 1, 3, 9, 1])
    assert labels[0] == labels[1] == labels[2] != labels[3] != labels[4]
    assert all(s >= THRESHOLD for *_, s, _ in merges)
    assert {m[0] for m in merges} == set(names[:3]) and {m[1] for m in merges} == {normalise("Fuji Xerox")}


def _benchmark(name: str):
    try:
        return distribution("pv-evaluation").locate_file(f"pv_evaluation/data/assignee/{name}-assignees-benchmark.csv")
    except PackageNotFoundError:
        pytest.fail("the test data package is missing: `make setup` installs pv-evaluation (--no-deps)")


@pytest.mark.parametrize("name", ["air-umass", "nber-subset"])
def test_on_real_labelled_assignees_resolution_beats_exact_matching(name):
    """The benchmark's test half: more pairs found than exact string matching, almost none of them wrong."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
    import pandas as pd

    from bench_names import evaluate, split

    df = pd.read_csv(_benchmark(name), dtype=str, keep_default_na=False)
    _, test = split(df)
    ours, exact = evaluate(test, THRESHOLD), evaluate(test, None)
    assert ours["mentions"]["f1"] > exact["mentions"]["f1"] + 0.03
    assert ours["mentions"]["precision"] >= 0.98
    assert ours["names"]["recall"] >= 0.45  # exact matching finds no pair of distinct names at all


def test_parties_resolve_says_how_each_name_was_matched(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, [
        ["SIA", "中国科学院沈阳自动化研究所", "research_institute", "CN", "210103", ""],
        ["BUAA", "北京航空航天大学", "university", "CN", "110108", ""],
        ["BNU", "北京农业大学", "university", "CN", "110108", ""],
        ["BFHK", "北方航空有限公司", "enterprise", "CN", "110115", ""],
    ])  # fmt: skip
    db = tmp_path / "r.duckdb"
    assert load_delivery(folder, db).rejected == 0
    r = run("parties", "resolve", "中科院沈阳自动化所", "北航", "北京大学", "nowhere", "--format", "json", "--db", db)
    assert r.exit_code == 0, r.stderr
    got = {x["input"]: x for x in json.loads(r.stdout)}
    assert (got["中科院沈阳自动化所"]["party_id"], got["中科院沈阳自动化所"]["how"]) == ("SIA", "normalised")
    assert got["北航"]["status"] == "ambiguous"  # 北京航空航天大学 or 北方航空: not guessed
    assert got["北京大学"]["status"] == "ambiguous" and got["nowhere"]["status"] == "unmatched"
    csv_out = run("parties", "resolve", "中科院沈阳自动化所", "--format", "csv", "--db", db)
    assert csv_out.stdout.splitlines()[1].startswith("中科院沈阳自动化所,matched,SIA,")
    empty = run("parties", "resolve", "--db", db)
    assert empty.exit_code == 2 and "give the names" in empty.stderr
