"""Screening: the claims index, rights in force only (the law decides), the JSON-lines contract, increments."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import PARTY_HEADER, run, write_csv
from ipgauge.errors import UserError
from ipgauge.register import store
from ipgauge.register.load import load_delivery
from ipgauge.services.claim_index import ClaimIndex, build, index_dir, split_claims
from ipgauge.services.screen import Screening
from ipgauge.services.text_tokens import tokens
from test_law import pid

LAPSED, RESTORED, OTHER, TEA = pid(2015, 1, 11), pid(2015, 1, 12), pid(2016, 1, 13), pid(2016, 1, 14)
BATTERY = (
    "1. 一种电池管理系统，包括电池组和控制器，其特征在于，所述控制器包括电压采集模块；"
    "所述电压采集模块采集每个电芯的电压；所述控制器根据电压控制均衡电路。"
    "2. 根据权利要求1所述的电池管理系统，其特征在于，所述均衡电路为被动均衡电路。"
)
PRODUCT = (
    "本产品为电动汽车电池管理系统，包括电池组和控制器。"
    "控制器内置电压采集模块，采集每个电芯的电压，并根据电压控制均衡电路。"
)
PATENT_HEADER = ["patent_id", "jurisdiction", "kind", "title", "filing_date", "grant_date", "holders", "claims"]
EVENTS = ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"]
EVENTS_OF_A_LAPSE_AND_A_RESTORATION = [
    ["patent", LAPSED, "lapsed_unpaid_fee", "2021-03-01", "2021-10-15", "6"],
    ["patent", RESTORED, "lapsed_unpaid_fee", "2021-03-01", "2021-10-15", "6"],
    ["patent", RESTORED, "restored", "2021-12-01", "2021-12-01", ""],
]


def deliver(folder: Path, db: Path, patents: list[list[str]], events: list[list[str]], on: str, claims=None) -> None:
    write_csv(folder, "parties", PARTY_HEADER, [["HLJ", "哈尔滨电池厂", "enterprise", "CN", "230103", ""]])
    write_csv(folder, "patents", PATENT_HEADER, patents)
    if events:
        write_csv(folder, "events", EVENTS, events)
    if claims:
        write_csv(folder, "claims", ["patent_id", "number", "depends_on", "text"], claims)
    report = load_delivery(folder, db, rejects_dir=folder / "rj", recorded_on=date.fromisoformat(on))
    assert report.rejected == 0


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("screen")
    db = root / "r.duckdb"
    deliver(
        root / "d1",
        db,
        [
            [LAPSED, "CN", "invention", "电池管理系统（已失效）", "2015-03-01", "2018-05-01", "HLJ", BATTERY],
            [RESTORED, "CN", "invention", "电池管理系统（已恢复）", "2015-03-01", "2018-05-01", "HLJ", BATTERY],
            [
                OTHER,
                "CN",
                "invention",
                "一种茶叶揉捻机",
                "2016-01-01",
                "2018-01-01",
                "HLJ",
                "1. 一种茶叶揉捻机，包括揉桶和压盖。",
            ],
        ],
        EVENTS_OF_A_LAPSE_AND_A_RESTORATION,
        "2022-06-30",
    )
    return db


def screening(db: Path, d: str, k: str) -> tuple[Screening, duckdb.DuckDBPyConnection]:
    con = store.connect(db, read_only=True)
    build(con, db)
    return Screening(con, db, ClaimIndex.open(index_dir(db)), "CN", date.fromisoformat(d), date.fromisoformat(k)), con


def found(db: Path, d: str, k: str, query: str = PRODUCT) -> list[str]:
    session, con = screening(db, d, k)
    try:
        return [r.right_id for r in session.screen(query, 5)]
    finally:
        con.close()


def test_a_right_that_lapsed_before_d_never_appears(register):
    assert LAPSED in found(register, "2021-01-01", "2022-06-30")  # in force then
    assert LAPSED not in found(register, "2022-01-01", "2022-06-30")  # lapsed 2021-03-01, known since 2021-10-15
    assert LAPSED in found(register, "2021-06-01", "2021-09-01")  # as known before the lapse was recorded


def test_a_restored_right_appears_and_is_charted(register):
    session, con = screening(register, "2022-01-01", "2022-06-30")
    try:
        results = session.screen(PRODUCT, 5)
    finally:
        con.close()
    assert results[0].right_id == RESTORED
    top = results[0]
    assert top.claim == 1  # the independent claim, not claim 2 which refers to it
    assert top.risk == "high" and top.chart.found == len(top.chart.rows) >= 3
    assert top.legal.holder == "哈尔滨电池厂" and top.legal.expiry == date(2035, 2, 28)  # 20 years from filing
    assert [f["claim"] for f in top.best.fallbacks] == [2]  # the dependent claim: a fallback position
    assert top.as_json()["claims"][0]["fallbacks"][0]["depends_on"] == [1]
    assert RESTORED in found(register, "2021-06-01", "2022-06-30")  # a restoration undoes the lapse: no gap
    assert RESTORED not in found(register, "2021-06-01", "2021-11-01")  # as known before the restoration


def test_claims_are_cut_from_the_claims_text_and_only_independent_ones_indexed():
    claims = split_claims(BATTERY)
    assert [n for n, _ in claims] == [1, 2]
    assert claims[1][1].startswith("根据权利要求1")
    cups = split_claims("1. A cup. 2. The cup of claim 1. 3. The cup of claim 1. having a 2. 5 mm rim")
    assert cups == [(1, "A cup."), (2, "The cup of claim 1."), (3, "The cup of claim 1. having a 2. 5 mm rim")]


def test_words_are_english_stems_and_chinese_words():
    words = tokens("Fastening fasteners, wherein the 电池管理系统 comprising 轴")
    assert "fasten" in words and "wherein" not in words and "compris" not in words
    assert {"电池", "管理", "系统"} <= set(words) and "轴" in words


def test_the_json_lines_contract_and_csv(register, tmp_path):
    queries = tmp_path / "q.csv"
    queries.write_text(f"id,text\np1,{PRODUCT}\np2,一种茶叶揉捻机，包括揉桶\n", encoding="utf-8")
    r = run(
        "screen",
        "--queries",
        queries,
        "--as-of",
        "2022-01-01",
        "--known-at",
        "2022-06-30",
        "--format",
        "json",
        "--top",
        "2",
        "--db",
        register,
    )
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["p1", "p2"]
    assert list(lines[0]) == ["id", "warning", "results"] and lines[0]["warning"] is None  # every right screened
    first = lines[0]["results"][0]
    assert list(first)[:3] == ["right_id", "score", "risk"] and first["right_id"] == RESTORED
    assert lines[1]["results"][0]["right_id"] == OTHER
    assert all(LAPSED != res["right_id"] for line in lines for res in line["results"])
    scores = [res["score"] for res in lines[0]["results"]]
    assert scores == sorted(scores, reverse=True)
    assert "not a legal opinion" in r.stderr
    c = run("screen", "--queries", queries, "--as-of", "2022-01-01", "--format", "csv", "--db", register)
    assert c.exit_code == 0 and c.stdout.splitlines()[0].startswith("query_id,rank,right_id,claim,score,risk")


@pytest.mark.parametrize(
    "content, says",
    [
        ("text\nx\n", "columns id and text"),
        ("id,text\n,x\n", "id is empty"),
        ("id,text\na,battery\na,tea\n", "line 3: the id 'a' is used twice"),
        ('id,text\na,battery\nb,"cell\nvoltage"\nc,\n', "line 5 ('c'): the query is empty"),
        ('id,text\na,battery\nb,"unterminated\n', "line 3: not valid CSV"),
        ("id,text\na,battery\nb,the of and\n", "line 3 ('b'): the query has no word to match"),
        ("id,text\na,battery,extra\n", "line 2: more fields than the header names"),
    ],
)
def test_a_bad_queries_file_is_one_sentence(register, tmp_path, content, says):
    path = tmp_path / "q.csv"
    path.write_text(content, encoding="utf-8")
    r = run("screen", "--queries", path, "--db", register)
    assert r.exit_code == 2 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stdout == ""  # checked whole before anything is screened


def test_the_index_grows_with_a_delivery_and_a_damaged_one_is_refused(register, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(register, db)
    con = duckdb.connect(str(db), read_only=True)
    first = build(con, db)
    again = build(con, db)
    con.close()
    assert first.rebuilt and first.claims == 3 and again.up_to_date
    amended = "1. 一种茶叶揉捻机，包括揉桶、压盖和自动加压装置，其特征在于，所述自动加压装置包括气缸。"
    deliver(
        tmp_path / "d2",
        db,
        [[TEA, "CN", "invention", "茶叶杀青机", "2016-02-01", "2018-03-01", "HLJ", "1. 一种茶叶杀青机，包括滚筒。"]],
        [],
        "2022-07-31",
        claims=[[OTHER, "1", "", amended]],
    )
    con = duckdb.connect(str(db), read_only=True)
    grown = build(con, db)
    con.close()
    assert not grown.rebuilt and grown.added == 2 and grown.claims == 4  # the amended claim replaces its old text
    session, con = screening(db, "2022-08-01", "2022-08-01")
    try:
        top = session.screen("茶叶揉捻机 自动加压装置 气缸", 1)[0]
    finally:
        con.close()
    assert top.right_id == OTHER and "气缸" in top.chart.rows[-1].element
    hydraulic = amended.replace("气缸", "液压缸")
    deliver(tmp_path / "d3", db, [], [], "2022-09-30", claims=[[OTHER, "1", "", hydraulic]])  # amended again
    for k, has, lacks in (("2022-08-01", "气缸", "液压缸"), ("2022-10-01", "液压缸", None)):
        session, con = screening(db, k, k)  # the claim as the register held it on K
        try:
            hit = session.screen("茶叶揉捻机 自动加压装置 液压缸 气缸", 1)[0]
        finally:
            con.close()
        last = hit.chart.rows[-1].element
        assert hit.right_id == OTHER and has in last and (lacks is None or lacks not in last), (k, last)
    victim = next(index_dir(db).glob("seg-*/docs.parquet"))
    victim.write_bytes(victim.read_bytes()[:-10])
    with pytest.raises(UserError, match="damaged .*--rebuild"):
        ClaimIndex.open(index_dir(db))
    r = run("screen", PRODUCT, "--as-of", "2022-08-01", "--db", db)  # a build first: it repairs the index
    assert r.exit_code == 0 and "rebuilt from nothing" in r.stderr and "damaged" in r.stderr, r.stderr
    vectors = next(index_dir(db).glob("seg-*/vectors.npy"))
    vectors.write_bytes(b"\x00" * vectors.stat().st_size)  # same size, garbage
    manifest = json.loads((index_dir(db) / "manifest.json").read_text(encoding="utf-8"))
    manifest["segments"][0]["files"]["vectors.npy"] = [vectors.stat().st_size, vectors.stat().st_mtime_ns]
    (index_dir(db) / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")  # the stamp forged too
    with pytest.raises(UserError, match="damaged"):
        ClaimIndex.open(index_dir(db))
    repaired = run("index", "build", "--db", db)  # reads every file: finds what the stamps could not
    assert repaired.exit_code == 0 and "rebuilt from nothing" in repaired.stderr, repaired.stderr
    assert ClaimIndex.open(index_dir(db)).segments


def test_an_index_without_vectors_reranks_the_lexical_candidates(register, tmp_path):
    db = tmp_path / "lean.duckdb"
    shutil.copy(register, db)
    assert run("index", "build", "--no-vectors", "--db", db).exit_code == 0
    assert not list(index_dir(db).glob("seg-*/vectors.npy"))
    r = run("screen", PRODUCT, "--as-of", "2022-01-01", "--format", "json", "--db", db)  # keeps the index as built
    assert r.exit_code == 0, r.stderr
    top = json.loads(r.stdout)["results"][0]
    assert top["right_id"] == RESTORED and top["dense_rank"] is not None
    mixed = run("index", "build", "--vectors", "--db", db)
    assert mixed.exit_code == 2 and "--rebuild" in mixed.stderr


def test_an_interrupted_rebuild_leaves_the_index_whole(register, tmp_path, monkeypatch):
    from ipgauge.services import claim_indexing

    db = tmp_path / "r.duckdb"
    shutil.copy(register, db)
    con = store.connect(db, read_only=True)
    build(con, db)
    manifest = (index_dir(db) / "manifest.json").read_text(encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(claim_indexing, "_write_segment", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(con, db, rebuild=True)
    con.close()
    assert (index_dir(db) / "manifest.json").read_text(encoding="utf-8") == manifest
    assert ClaimIndex.open(index_dir(db)).segments  # every file of the old index still matches


def test_us_fees_on_d_paid_overdue_and_next_with_business_days():
    from ipgauge.law.jurisdictions import rules_for
    from ipgauge.services.legal_status import us_fees

    granted = date(2015, 1, 6)  # US 8,930,553: the 4th-year fee unpaid by 2019-01-06, paid late 2019-05-13
    events = [
        ("lapsed_unpaid_fee", date(2019, 1, 7), date(2019, 2, 11), "0", "USPTO EXP.; large entity"),
        ("annuity_paid", date(2019, 5, 13), date(2019, 5, 13), "4", "USPTO M1551; large entity"),
        ("restored", date(2019, 5, 20), date(2019, 5, 20), None, "USPTO EXPX; large entity"),
        ("annuity_paid", date(2022, 6, 27), date(2022, 6, 27), "8", "USPTO M1552; large entity"),
    ]
    on_d = us_fees(granted, events, date(2019, 3, 1), rules_for("US"))
    assert on_d["paid"] == [] and on_d["overdue"] == [4]
    assert [x["year"] for x in on_d["paid_after_d"]] == [4, 8]
    later = us_fees(granted, events, date(2025, 6, 30), rules_for("US"))
    nxt = later["next"]
    assert later["paid"] == [4, 8] and nxt["year"] == 12 and nxt["window_opens"] == "2026-01-06"
    assert nxt["due"] == "2026-07-06" and nxt["surcharge_until"] == "2027-01-06"  # 11.5 years: a Monday
    assert us_fees(date(2013, 1, 6), [], date(2024, 1, 1), rules_for("US"))["next"]["due"] == "2024-07-08"  # Sunday


def test_a_restored_lapse_before_d_still_warns_of_intervening_rights(register):
    session, con = screening(register, "2022-06-01", "2022-06-30")
    try:
        top = session.screen(PRODUCT, 5)[0]
    finally:
        con.close()
    assert top.right_id == RESTORED
    assert any("out of force in the lapse from 2021-03-01" in w for w in top.legal.warnings)


def test_a_reader_that_stops_early_gets_no_error(register):
    import subprocess
    import sys
    from pathlib import Path

    ipgauge = Path(sys.executable).with_name("ipgauge")
    command = [str(ipgauge), "screen", PRODUCT, "--as-of", "2022-01-01", "--format", "json", "--db", str(register)]
    p = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.read(10)  # `ipgauge screen … | head -c 10`
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait()
    assert "error" not in err and "Traceback" not in err, err
