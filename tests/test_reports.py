"""Service reports: every file written, D and K and the disclaimer said, reproduced to the digit."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import copy_register, run
from test_landscape import register as landscape_register  # noqa: F401  (a fixture)
from test_screen import LAPSED, PRODUCT, RESTORED, TEA, deliver
from test_screen import register as screen_register  # noqa: F401  (a fixture)

FILES = {"report.zh.md", "report.en.md", "report.html", "report.pdf", "report.xlsx", "report.json"}


@pytest.fixture(scope="module")
def risk(screen_register, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("risk") / "report"
    r = run(
        "report", "risk", PRODUCT, "--name", "BMS-1", "--as-of", "2022-01-01", "--known-at", "2022-06-30",
        "--top", "3", "--out", out, "--db", screen_register,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return out


def test_a_risk_report_lists_rights_in_force_with_their_charts_in_both_languages(risk):
    assert FILES | {"scores.png"} <= {p.name for p in risk.iterdir()}
    snapshot = json.loads((risk / "report.json").read_text(encoding="utf-8"))
    ids = [r["right_id"] for r in snapshot["results"]]
    assert ids[0] == RESTORED and LAPSED not in ids
    en = (risk / "report.en.md").read_text(encoding="utf-8")
    zh = (risk / "report.zh.md").read_text(encoding="utf-8")
    assert "date (D): 2022-01-01; knowledge date (K): 2022-06-30" in en
    assert "法律状态基准日（D）：2022-01-01" in zh and "数据截止日（K）：2022-06-30" in zh
    assert "自2018-05-01有效（2021-03-01未缴费失效；2021-12-01恢复）" in zh  # the lapse and its restoration told
    assert "lapsed unpaid fee 2021-03-01; restored 2021-12-01" in en and "not a freedom-to-operate search" in en
    assert "not a legal opinion" in en and "不构成法律意见" in zh
    assert (
        f"Claim chart: {RESTORED} claim 1 (preamble (as published, original language): 一种电池管理系统; high risk)"
        in en
    )
    assert "权利要求对比表" in zh and "前序部分" in zh and "登记簿" not in zh  # 本系统登记库: not the official register
    assert "电压采集模块" in en  # the elements are quoted in the chart
    assert snapshot["report_id"] in en and "SYNTHETIC" not in en
    assert len(PdfReader(risk / "report.pdf").pages) >= 2
    sheets = load_workbook(risk / "report.xlsx").sheetnames
    assert sheets[:3] == ["about", "results", "legal status"] and any(s.startswith(f"chart {RESTORED}") for s in sheets)


def test_the_scope_counts_the_rights_in_force_not_the_rights_listed(screen_register, tmp_path):  # noqa: F811
    out = tmp_path / "one"
    r = run("report", "risk", PRODUCT, "--as-of", "2022-01-01", "--known-at", "2022-06-30", "--top", "1",
            "--out", out, "--db", screen_register)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    en = (out / "report.en.md").read_text(encoding="utf-8")
    in_force = json.loads((out / "report.json").read_text(encoding="utf-8"))["in_force"]
    assert in_force == 2 and f"Scope: only the {in_force} patents in force" in en
    assert "the 1 patent closest to the product screened is listed" in en  # English plurals


def test_a_report_reproduces_and_says_when_it_cannot(risk, screen_register, tmp_path):  # noqa: F811
    ok = run("report", "reproduce", risk, "--db", screen_register)
    assert ok.exit_code == 0 and "reproduces to the digit" in ok.stdout, ok.stderr
    db = tmp_path / "grown.duckdb"
    copy_register(screen_register, db)
    shutil.copytree(f"{screen_register}.cache", f"{db}.cache")
    deliver(
        tmp_path / "d2",
        db,
        [[TEA, "CN", "invention", "茶叶杀青机", "2016-02-01", "2018-03-01", "HLJ", "1. 一种茶叶杀青机，包括滚筒。"]],
        [],
        "2022-07-31",
    )
    assert run("index", "build", "--db", db).exit_code == 0
    later = run("report", "reproduce", risk, "--db", db)  # the same deliveries are read; the index has grown
    # the scores are fused ranks and the new patent (a tea machine) outranks no battery claim: same digits
    assert later.exit_code == 0 and "reproduces to the digit" in later.stdout, later.stderr
    elsewhere = tmp_path / "other.duckdb"
    deliver(tmp_path / "d3", elsewhere, [], [], "2022-06-30")
    other = run("report", "reproduce", risk, "--db", elsewhere)
    assert other.exit_code == 2 and "another register" in other.stderr


def test_a_layout_report_for_a_company(landscape_register, tmp_path):  # noqa: F811
    out = tmp_path / "layout"
    r = run(
        "report", "layout", "--region", "heilongjiang", "--as-of", "2023-12-31", "--known-at", "2025-06-30",
        "--out", out, "--db", landscape_register,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert FILES | {"trend.png"} <= {p.name for p in out.iterdir()}
    en = (out / "report.en.md").read_text(encoding="utf-8")
    assert en.startswith("# Patent layout analysis: Heilongjiang") and "White space" in en
    assert en.splitlines()[2].startswith("SYNTHETIC DATA")  # said first: the register behind it was generated
    again = run("report", "reproduce", out, "--db", landscape_register)
    assert again.exit_code == 0, again.stderr
    assert "| 2023 |" in en and "2,023" not in en  # years are not counts
    cells = [c.strip() for line in en.splitlines() if line.startswith("| ") for c in line.split("|")]
    assert any(re.fullmatch(r"\d+\.\d\d%", c) for c in cells)  # a share of a field is a percentage
    assert not any(re.fullmatch(r"0\.\d{3,4}", c) for c in cells)  # never a bare ratio
    assert "of them have family members abroad" in en or "holds no family data" in en
    md = (out / "report.en.md").read_text(encoding="utf-8")
    (out / "report.en.md").write_text(md.replace("White space", "Whitespace"), encoding="utf-8")
    edited = run("report", "reproduce", out, "--db", landscape_register)
    assert edited.exit_code == 1 and "report.en.md is not the text" in edited.stderr
    (out / "report.en.md").write_text(md, encoding="utf-8")
    snapshot = json.loads((out / "report.json").read_text(encoding="utf-8"))
    snapshot["sections"]["summary"][0]["in_force"] += 1
    (out / "report.json").write_text(json.dumps(snapshot), encoding="utf-8")
    forged = run("report", "reproduce", out, "--db", landscape_register)
    assert forged.exit_code == 1 and "sections.summary[0].in_force differ" in forged.stderr
    (out / "mine.txt").write_text("someone's notes", encoding="utf-8")
    (out / "report.json").unlink()
    refused = run("report", "layout", "--region", "heilongjiang", "--out", out, "--db", landscape_register)
    assert refused.exit_code == 2 and "not an earlier report" in refused.stderr
