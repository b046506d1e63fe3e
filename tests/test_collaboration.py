"""Collaboration: co-held rights on D as known on K, their indicators on every counter, the network and ego view."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest

from conftest import PARTY_HEADER, run, write_csv
from ipgauge.indicators.query import open_counter
from ipgauge.regions.groups import region
from ipgauge.register.load import load_delivery
from ipgauge.synth.patents import check_digits

D, K = date(2025, 4, 30), date(2025, 6, 30)


def pid(serial: int, kind: int = 1) -> str:
    body = f"2016{kind}{serial:07d}"
    return f"CN{body}.{check_digits(np.array([body]))[0]}"


P = {name: pid(i) for i, name in enumerate(["AI", "CROSS_AI", "CROSS", "SOLE", "LAPSED", "LATER_AI"], 1)}
P["UM"] = pid(7, kind=2)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """Five parties in Liaoning and Jilin; rights whose holders (and a transfer) decide every figure."""
    folder = tmp_path_factory.mktemp("collab")
    write_csv(
        folder,
        "parties",
        PARTY_HEADER,
        [
            ["U1", "东北某大学", "university", "CN", "210100", ""],
            ["R1", "中国科学院沈阳自动化研究所", "research_institute", "CN", "210103", ""],
            ["E1", "大连某机器人有限公司", "enterprise", "CN", "210200", ""],
            ["E2", "长春某光电股份有限公司", "enterprise", "CN", "220100", ""],
            ["I1", "张伟", "individual", "CN", "210100", ""],
        ],
    )
    header = ["patent_id", "jurisdiction", "kind", "title", "filing_date", "grant_date", "holders", "ipc"]
    write_csv(
        folder,
        "patents",
        header,
        [
            [P["AI"], "CN", "invention", "a", "2016-01-01", "2018-01-01", "U1;E1", "B25J 9/16"],
            [P["CROSS_AI"], "CN", "invention", "b", "2016-01-01", "2018-01-01", "R1;E2", "G05B 19/418"],
            [P["CROSS"], "CN", "invention", "c", "2016-01-01", "2018-01-01", "E1;E2", "G06T 7/00"],
            [P["SOLE"], "CN", "invention", "d", "2016-01-01", "2018-01-01", "U1", "B25J 9/16"],
            [P["LAPSED"], "CN", "invention", "e", "2016-01-01", "2018-01-01", "E1;U1", "B25J 9/16"],
            [P["LATER_AI"], "CN", "invention", "f", "2016-01-01", "2018-01-01", "E1", "B25J 9/16"],
            [P["UM"], "CN", "utility_model", "g", "2016-01-01", "2017-01-01", "E1;U1", "B25J 9/16"],
        ],
    )
    write_csv(
        folder,
        "events",
        ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"],
        [
            ["patent", P["LAPSED"], "lapsed_unpaid_fee", "2022-03-01", "2022-10-15", "6"],
            ["patent", P["LATER_AI"], "transferred", "2024-09-01", "2024-09-10", "E1; U1"],  # co-held from then
        ],
    )
    path = folder / "r.duckdb"
    assert load_delivery(folder, path, recorded_on=K).rejected == 0
    return path


@pytest.mark.parametrize(
    "backend", [pytest.param("duckdb", marks=pytest.mark.duckdb), pytest.param("pyspark", marks=pytest.mark.pyspark)]
)
def test_collaboration_indicators_on_every_engine(db, backend):
    ln = region("210000")
    with open_counter(db, K, backend) as e:
        got = {n: (p.value, p.previous) for n in (
            "valid_invention_patents", "co_held_invention_patents", "academia_industry_patents", "cross_region_patents"
        ) for p in [e.point(n, ln, D)]}  # fmt: skip
        # the lapsed right is in neither year; the transferred one is co-held from 2024-09 (not a year earlier);
        # the utility model is not an invention; every first holder is in Liaoning
        assert got["valid_invention_patents"] == (5, 5)
        assert got["co_held_invention_patents"] == (4, 3)
        assert got["academia_industry_patents"] == (3, 2)
        assert got["cross_region_patents"] == (2, 2)
        fields = {p.extra["part"]: p.value for p in e.breakdown("academia_industry_patents", ln, D, "field")}
        assert fields == {"25": 2, "12": 1}  # B25J: handling; G05B: control (WIPO)
        assert e.point("academia_industry_patents", region("220000"), D).value == 0  # counted where the first holder is


def test_the_network_top_institutions_and_ego_view(db, tmp_path):
    from ipgauge.services.collaboration import draw_ego, ego, network, summary

    with open_counter(db, K) as e:
        net = network(e, D)
        assert sorted(net.edges) == [("E1", "E2", 1), ("E1", "U1", 2), ("E2", "R1", 1)]
        s = summary(e, region("210000"), D)
        assert [(r["party_id"], r["partners"], r["patents_held_jointly"]) for r in s["top_institutions"]] == [
            ("U1", 1, 2),
            ("R1", 1, 1),
        ]
        assert [r["party_id"] for r in summary(e, region("210100"), D)["top_institutions"]] == ["U1", "R1"]
        assert summary(e, region("210200"), D)["top_institutions"] == []  # Dalian: only E1, an enterprise
        shares = {f["indicator"]: f["share_pct"] for f in s["indicators"]}
        assert shares["academia_industry_patents"] == 60.0  # 3 of 5
        assert s["network"]["links"] == 3 and s["network"]["link_types"]["enterprise–university"] == 1
        assert sum(c["parties"] for c in s["communities"]) == 4
        view = ego(e, "U1", D, years=3)
    assert [(y["year"], y["partners"], y["patents_held"]) for y in view["years"]] == [
        (2023, 1, 2),  # AI and SOLE (the lapsed one ended in 2022; the utility model is not an invention)
        (2024, 1, 3),  # and the one transferred to E1 and U1 in September 2024
        (2025, 1, 3),
    ]
    assert {(r["year"], r["partner"], r["patents"]) for r in view["partners"]} == {
        (2023, "E1", 1),
        (2024, "E1", 2),
        (2025, "E1", 2),
    }
    png = draw_ego(view, tmp_path / "ego.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in draw_ego(view, tmp_path / "ego.svg").read_bytes()[:400]


def test_the_commands(db, tmp_path):
    r = run("collaboration", "summary", "--region", "辽宁", "--as-of", D, "--known-at", K, "--format", "json",
            "--db", db)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["indicators"][1]["value"] == 3
    r = run("collaboration", "summary", "--region", "辽宁", "--as-of", D, "--known-at", K, "--format", "csv",
            "--db", db)  # fmt: skip
    assert r.stdout.splitlines()[0] == "section,item,label,value,previous,yoy_pct,share_pct"
    r = run("collaboration", "ego", "中科院沈阳自动化所", "--as-of", D, "--known-at", K, "--picture",
            tmp_path / "e.svg", "--format", "csv", "--db", db)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "R1" in r.stderr and "name resolution" in r.stderr  # said, not silent
    assert r.stdout.splitlines()[0].startswith("year,partner,") and (tmp_path / "e.svg").exists()
    bad = run("collaboration", "ego", "U1", "--picture", tmp_path / "e.gif", "--db", db)
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and ".png or .svg" in bad.stderr
    abroad = run("collaboration", "summary", "--region", "US", "--db", db)
    assert abroad.exit_code == 2 and "China's regions" in abroad.stderr


def test_the_synthetic_register_has_casework_and_collaboration_and_reports_attach_to_cases(tmp_path):
    from ipgauge.synth.generate import synthesize

    synthesize("small", 3, tmp_path / "d")
    db = tmp_path / "r.duckdb"
    assert load_delivery(tmp_path / "d", db).rejected == 0
    r = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--known-at", "2025-06-30", "--format",
            "json", "--db", db)  # fmt: skip
    figures = json.loads(r.stdout)
    assert figures["centres"] == 3 and figures["companies_with_reports"] > 0 and figures["recovered_cny"] > 0
    with open_counter(db, date(2025, 6, 30)) as e:
        cross = e.point("cross_region_patents", region("CN"), D).value
        ai = e.point("academia_industry_patents", region("CN"), D).value
    assert cross > 0 and ai > 0
    ego = run("collaboration", "ego", "沈阳自动化研究所", "--as-of", D, "--known-at", "2025-06-30", "--format",
              "json", "--db", db)  # fmt: skip
    assert ego.exit_code == 0, ego.stderr
    # a layout report attaches to its casework case: the case's new version names the report
    assert run("case", "add", "--case-id", "L1", "--centre", "C210100", "--kind", "layout_report", "--opened",
               "2025-05-02", "--client-name", "辽宁某公司", "--db", db).exit_code == 0  # fmt: skip
    con = duckdb.connect(str(db), read_only=True)
    (dispute,) = con.execute("SELECT min(case_id) FROM cases WHERE kind = 'dispute'").fetchall()[0]
    con.close()
    wrong = run("report", "layout", "--region", "辽宁", "--as-of", D, "--known-at", "2025-06-30", "--case", dispute,
                "--out", tmp_path / "x", "--db", db)  # fmt: skip
    assert wrong.exit_code == 2 and "not a layout_report" in wrong.stderr and not (tmp_path / "x").exists()
    r = run("report", "layout", "--region", "辽宁", "--as-of", D, "--known-at", "2025-06-30", "--case", "L1",
            "--out", tmp_path / "rep", "--db", db)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        versions = con.execute(
            "SELECT outcome FROM cases WHERE case_id = 'L1' ORDER BY known_from, delivery_id"
        ).fetchall()
    finally:
        con.close()
    assert len(versions) == 2 and versions[0][0] is None and versions[1][0].startswith("report ")
