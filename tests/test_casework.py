"""The casework register: centres, cases and amounts load like the rest, validated at the edge."""

from __future__ import annotations

import json
from datetime import date

import duckdb

from conftest import read_rejects, run, write_csv
from ipgauge.register.load import load_delivery

CASE_HEADER = ["case_id", "centre_id", "client_party_id", "client_name", "kind", "jurisdiction", "opened_date",
               "closed_date", "status", "outcome"]  # fmt: skip


def test_a_casework_delivery_loads_and_its_bad_rows_are_kept_with_reasons(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", ["party_id", "name", "party_type", "country", "region_code", "address"],
              [["SIA", "中国科学院沈阳自动化研究所", "research_institute", "CN", "210100", ""]])  # fmt: skip
    write_csv(
        folder,
        "centres",
        ["centre_id", "name_zh", "name_en", "region_code", "kind"],
        [
            ["LN-1", "沈阳海外知识产权服务中心", "Shenyang overseas IP service centre", "210100", "overseas_service"],
            ["BAD", "坏中心", "", "999999", "nope"],
        ],
    )
    write_csv(
        folder,
        "cases",
        CASE_HEADER,
        [
            ["C1", "LN-1", "SIA", "", "risk_report", "US", "2024-03-01", "2024-04-01", "closed", "report delivered"],
            ["C2", "LN-1", "", "大连某船舶公司", "dispute", "DE", "2024-05-01", "", "open", ""],
            ["C3", "NOPE", "", "某公司", "consultation", "", "2024-05-01", "", "open", ""],
            ["C4", "LN-1", "", "", "consultation", "", "2024-05-01", "2024-04-01", "closed", ""],
            ["C5", "LN-1", "GHOST", "", "consultation", "", "2024-05-01", "", "closed", ""],
        ],
    )
    write_csv(
        folder,
        "amounts",
        ["case_id", "kind", "amount", "currency", "date"],
        [
            ["C2", "recovered", "500000.00", "EUR", "2024-09-30"],
            ["C2", "fee", "1.234", "CNY", "2024-09-30"],
            ["C9", "recovered", "100", "USD", "2024-09-30"],
            ["C1", "fee", "100", "XXQ", "2024-09-30"],
            ["C1", "fee", "0", "CNY", "2024-10-30"],
        ],
    )
    db = tmp_path / "r.duckdb"
    report = load_delivery(folder, db, recorded_on=date(2024, 12, 31))
    assert report.exit_code == 1
    centres = {r["centre_id"]: r["reason"] for r in read_rejects(folder, "centres")}
    assert "999999 is not a GB/T 2260 region code" in centres["BAD"] and "kind: nope is not one of" in centres["BAD"]
    cases = {r["case_id"]: r["reason"] for r in read_rejects(folder, "cases")}
    assert cases["C3"] == "centre_id: no centre NOPE in the delivery or the register"
    assert "closed_date: 2024-04-01 is before opened_date 2024-05-01" in cases["C4"]
    assert "neither the client's party id nor its name" in cases["C4"]
    assert "unknown party GHOST" in cases["C5"] and "a closed case needs the date it closed" in cases["C5"]
    amounts = {(r["case_id"], r["amount"], r["currency"]): r["reason"] for r in read_rejects(folder, "amounts")}
    assert "at most two decimals" in amounts["C2", "1.234", "CNY"]
    assert amounts["C9", "100", "USD"] == "case_id: no case C9 in the delivery or the register"
    assert "not an ISO 4217 currency code" in amounts["C1", "100", "XXQ"]
    assert "0 is not an amount" in amounts["C1", "0", "CNY"]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT case_id FROM cases ORDER BY 1").fetchall() == [("C1",), ("C2",)]
        assert con.execute("SELECT amount, currency FROM amounts").fetchall()[0][1] == "EUR"
        assert str(con.execute("SELECT amount FROM amounts").fetchone()[0]) == "500000.00"
    finally:
        con.close()
    out = tmp_path / "export"
    assert run("export", "--out", out, "--db", db).exit_code == 0
    (out / "deliveries.parquet").unlink()
    again = tmp_path / "again.duckdb"
    reloaded = run("load", out, "--db", again)  # amounts as Parquet decimals: taken, not refused as floats
    assert reloaded.exit_code == 0, reloaded.stderr
    con = duckdb.connect(str(again), read_only=True)
    try:
        assert str(con.execute("SELECT amount FROM amounts").fetchone()[0]) == "500000.00"
    finally:
        con.close()


def test_the_seeds_casework_comes_back_exactly_with_usd_at_ecb_rates(tmp_path):
    """3 centres, 36 companies with reports, 4 disputes, 6 consultations, 1,100,000 CNY recovered."""
    from datetime import timedelta
    from decimal import Decimal

    from currency_converter import CurrencyConverter

    folder = tmp_path / "seed"
    write_csv(
        folder,
        "centres",
        ["centre_id", "name_zh", "name_en", "region_code", "kind"],
        [
            ["LN-SY", "沈阳海外知识产权服务中心", "Shenyang", "210100", "overseas_service"],
            ["LN-DL", "大连海外知识产权服务中心", "Dalian", "210200", "overseas_service"],
            ["LN-AS", "鞍山海外知识产权服务中心", "Anshan", "210300", "overseas_service"],
            ["JL-CC", "长春海外知识产权服务中心", "Changchun", "220100", "overseas_service"],  # another province
        ],
    )
    centres = ["LN-SY", "LN-DL", "LN-AS"]
    rows, n = [], 0
    for i in range(40):  # 36 companies, four of them served twice (a risk and a layout report)
        n += 1
        kind = "risk_report" if i < 36 else "layout_report"
        rows.append([f"R{n}", centres[i % 3], "", f"公司{i % 36}", kind, "US", "2024-03-01", "", "open", ""])
    for i in range(4):
        n += 1
        rows.append([f"D{n}", centres[i % 3], "", f"争议方{i}", "dispute", "DE", "2024-04-01", "", "open", ""])
    for i in range(6):
        n += 1
        rows.append([f"Q{n}", centres[i % 3], "", f"咨询方{i}", "consultation", "JP", "2024-05-01", "", "open", ""])
    rows.append(["OLD", "LN-SY", "", "去年客户", "dispute", "US", "2023-05-01", "", "open", ""])  # another year
    rows.append(["JL", "JL-CC", "", "吉林客户", "dispute", "US", "2024-05-01", "", "open", ""])  # another province
    write_csv(folder, "cases", CASE_HEADER, rows)
    write_csv(
        folder,
        "amounts",
        ["case_id", "kind", "amount", "currency", "date"],
        [
            ["D41", "recovered", "600000.00", "CNY", "2024-06-28"],
            ["D42", "recovered", "500000.00", "CNY", "2024-11-30"],  # a Saturday: Friday's rate
            ["D42", "fee", "20000.00", "CNY", "2024-11-30"],  # not a recovery
            ["JL", "recovered", "999.00", "CNY", "2024-07-01"],  # another province's centre
        ],
    )
    db = tmp_path / "seed.duckdb"
    assert load_delivery(folder, db, recorded_on=date(2025, 1, 31)).exit_code == 0
    r = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--known-at", "2025-01-31",
            "--format", "json", "--db", db)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    figures = json.loads(r.stdout)
    assert (figures["centres"], figures["companies_with_reports"], figures["disputes"], figures["consultations"]) == (
        3,
        36,
        4,
        6,
    )
    assert figures["recovered_cny"] == 1_100_000
    assert figures["sentence_zh"].startswith(
        "2024年，辽宁省3家服务中心为36家企业提供知识产权侵权风险和布局策略分析报告，指导海外知识产权纠纷4起、咨询6次，"
        "帮助创新主体挽回损失110万元（约合"
    )
    assert figures["sentence_en"].startswith(
        "In 2024, Liaoning's three IP service centres provided infringement-risk and layout-strategy analysis "
        "reports for 36 companies, guided four overseas IP disputes and six consultations, and helped innovators "
        "recover 1.1 million yuan ($"
    )
    ecb = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)
    expected = Decimal("600000") * Decimal(str(ecb.convert(1, "CNY", "USD", date=date(2024, 6, 28))))
    expected = expected.quantize(Decimal("0.01")) + (
        Decimal("500000") * Decimal(str(ecb.convert(1, "CNY", "USD", date=date(2024, 11, 30) - timedelta(days=1))))
    ).quantize(Decimal("0.01"))
    assert Decimal(str(figures["recovered_usd"])) == expected
    assert [a["rate_date"] for a in figures["amounts"]] == ["2024-06-28", "2024-11-29"]
    one_day = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--fx-date", "2025-05-30",
                  "--known-at", "2025-01-31", "--format", "json", "--db", db)  # fmt: skip
    usd = Decimal("1100000") * Decimal(str(ecb.convert(1, "CNY", "USD", date=date(2025, 5, 30))))
    assert abs(Decimal(str(json.loads(one_day.stdout)["recovered_usd"])) - usd) < Decimal("0.02")
    unknown = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--fx-date", "1990-01-01", "--db", db)
    assert unknown.exit_code == 2 and "shipped ECB rates" in unknown.stderr
