"""The landscape: its sections agree with each other and with the law right by right."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import run
from ipgauge.law.status import explain
from ipgauge.register.load import load_delivery
from ipgauge.services.landscape import landscape

D, K = date(2023, 12, 31), date(2025, 6, 30)


@pytest.fixture(scope="module")
def register(small_delivery, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("landscape") / "r.duckdb"
    load_delivery(small_delivery, db, rejects_dir=db.parent / "rj", recorded_on=K)
    return db


@pytest.fixture(scope="module")
def company(register) -> str:
    con = duckdb.connect(str(register), read_only=True)
    try:  # the party that first-holds the most granted patents
        return con.execute(
            "SELECT holders[1] FROM patents WHERE grant_date IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()


def compute(db: Path, kind: str, text: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return landscape(con, db, kind, text, "CN", D, K)
    finally:
        con.close()


def test_a_companys_rights_are_those_the_law_puts_in_force_and_its_expiries_their_terms(register, company):
    result = compute(register, "company", company)
    con = duckdb.connect(str(register), read_only=True)
    try:
        ids = [
            r[0]
            for r in con.execute("SELECT patent_id FROM patents WHERE list_contains(holders, ?)", [company]).fetchall()
        ]
        statuses = [explain(con, i, D, K) for i in ids]
    finally:
        con.close()
    held = [s for s in statuses if s.in_force and s.spells and _holder_on(s, D) == company]
    summary = result.sections["summary"][0]
    assert summary["in_force"] == len(held) > 0
    assert sum(r["subject"] for r in result.sections["fields"]) == len(held)
    subclasses = result.sections["subclasses"]
    assert 0 < sum(r["subject"] for r in subclasses) <= len(held) and all(r["scheme"] == "IPC" for r in subclasses)
    assert result.sections["trend"][-1]["in_force_at_end"] == len(held)  # the last year ends on D
    horizon = D.replace(year=D.year + 3)
    out = [(max(sp["valid_to"] for sp in s.spells), s.term_end) for s in held]
    ends = [last - timedelta(days=1) for last, term in out if last >= term]  # a term's end, never a lapse
    assert summary["expiring_3y"] == sum(D < end <= horizon for end in ends)
    assert len(result.sections["expiries"]) == 3  # the next three years: three rows of twelve months
    assert (
        result.sections["expiries"][0]["from"] == "2024-01-01" and result.sections["expiries"][-1]["to"] == "2026-12-31"
    )
    white = result.sections["white_space"]
    assert white and all(r["rta"] < 0.9 for r in white)  # a field near the national share is not white space
    absent = [r["subject"] == 0 for r in white]
    assert absent == sorted(absent, reverse=True)  # the fields not entered (RTA 0) come first
    top = {r["party_id"]: r for r in result.sections["top_holders"]}
    assert company in top


def _holder_on(status, d: date) -> str:
    return next(sp["party_id"] for sp in status.spells if sp["valid_from"] <= d < sp["valid_to"])


def test_rta_is_the_share_in_the_field_over_the_nations_share(register):
    result = compute(register, "region", "heilongjiang")
    rows = [r for r in result.sections["fields"] if r["subject"]]
    own, total = result.sections["summary"][0]["in_force"], result.sections["summary"][0]["in_force_nation"]
    assert sum(r["subject"] for r in result.sections["fields"]) == own
    assert sum(r["nation"] for r in result.sections["fields"]) == total
    for r in rows:
        assert r["rta"] == round((r["subject"] / own) / (r["nation"] / total), 2)
    assert all(r["rta"] < 1 for r in result.sections["white_space"])
    assert "co_holders" not in result.sections


def test_a_field_is_ranked_by_province_and_its_trend_counts_applications(register):
    result = compute(register, "field", "13")
    regions = result.sections["regions"]
    assert sum(r["subject"] for r in regions) <= result.sections["summary"][0]["in_force"]
    assert regions == sorted(regions, key=lambda r: (-r["subject"], -r["all_rights"], r["region_code"]))
    assert sum(t["filings"] for t in result.sections["trend"]) > 0


def test_the_command_line_refuses_what_it_cannot_answer(register, company):
    ok = run("landscape", "--company", company, "--as-of", D, "--known-at", K, "--format", "json", "--db", register)
    assert ok.exit_code == 0, ok.stderr
    doc = json.loads(ok.stdout)
    assert doc["subject"]["key"] == company and doc["as_of"] == str(D) and "white_space" in doc["sections"]
    for args, says in [
        (["--field", "36"], "numbered 1 to 35"),
        (["--field", "Z99"], "neither a WIPO field"),
        (["--region", "CN"], "the nation is what a landscape is compared with"),
        (["--company", "no such company anywhere"], "no party"),
        (["--company", "x", "--field", "1"], "give one of"),
    ]:
        r = run("landscape", *args, "--db", register)
        assert r.exit_code == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
