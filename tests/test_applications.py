"""Applications (issue 30): the canonical table, its checks, and the flows CNIPA publishes, against an oracle."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import duckdb
import pytest

from ipgauge.indicators.catalogue import catalogue
from ipgauge.indicators.query import open_counter
from ipgauge.regions.groups import region
from ipgauge.register.load import load_delivery

K = date(2025, 6, 30)
DATES = (date(2023, 12, 31), date(2024, 6, 30), date(2024, 12, 31))
REGIONS = ("CN", "210000", "440000", "northeast")


@pytest.fixture(scope="module")
def loaded(small_delivery, tmp_path_factory):
    """The small synthetic delivery loaded (its applications included), and the register's path."""
    db = tmp_path_factory.mktemp("apps") / "r.duckdb"
    result = load_delivery(small_delivery, db, recorded_on=K)
    assert result.exit_code == 0
    return small_delivery, db


def _oracle(folder, db) -> dict[tuple[str, str, date], int]:
    """Each application indicator's count per region and date, straight from applications.csv, row by row.

    The first applicant's region and country are the register's parties (their addresses resolved);
    everything else — which fact, which date, which office, kind, route — is read here from the file.
    """
    con = duckdb.connect(str(db), read_only=True)
    where = {
        p: (c, r) for p, c, r in con.execute("SELECT party_id, country, resolved_region_code FROM parties").fetchall()
    }
    con.close()
    dates = {
        "filed": "filing_date",
        "published": "publication_date",
        "granted": "status_date",
        "decided": "status_date",
    }
    out: Counter = Counter()
    inds = [i for i in catalogue().values() if i.measure == "applications"]
    with (folder / "applications.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            country, code = where[row["applicants"].split(";")[0]]
            for ind in inds:
                if row["jurisdiction"] != ind.office or (ind.kinds and row["kind"] not in ind.kinds):
                    continue
                if ind.routes and row["route"] not in ind.routes or ind.domestic and country != "CN":
                    continue
                if ind.fact == "granted" and row["status"] != "granted":
                    continue
                if ind.fact == "decided" and row["status"] == "pending":
                    continue
                on = row[dates[ind.fact]]
                if not on:
                    continue
                on = date.fromisoformat(on)
                for name in REGIONS:
                    if name != "CN" and not (
                        code and {code, code[:4] + "00", code[:2] + "0000"} & set(region(name).members)
                    ):
                        continue
                    for d in DATES:
                        if date(d.year, 1, 1) <= on <= d:
                            out[(ind.name, name, d)] += 1
    return out


def test_the_synthetic_applications_load_whole_and_name_their_rights(loaded):
    folder, db = loaded
    con = duckdb.connect(str(db), read_only=True)
    with (folder / "applications.csv").open(encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 1
    stored, granted, linked = con.execute(
        """SELECT count(*), count(*) FILTER (status = 'granted' AND jurisdiction = 'CN'),
                  count(*) FILTER (status = 'granted' AND jurisdiction = 'CN' AND right_id IN
                                   (SELECT patent_id FROM patents UNION ALL SELECT trademark_id FROM trademarks))
           FROM applications"""
    ).fetchall()[0]
    con.close()
    assert stored == rows > 1000
    assert granted == linked > 0  # every granted national application names a right of the register
    assert not (folder / "REJECTS" / "applications.csv").exists()


@pytest.mark.parametrize(
    "backend", [pytest.param("duckdb", marks=pytest.mark.duckdb), pytest.param("pyspark", marks=pytest.mark.pyspark)]
)
def test_application_flows_equal_an_independent_count_on_every_engine(loaded, backend):
    """Every application indicator, four regions, three dates, a year earlier too: the oracle's counts, exactly."""
    folder, db = loaded
    expected = _oracle(folder, db)
    names = [i.name for i in catalogue().values() if i.measure == "applications"]
    assert sum(expected[(n, "CN", DATES[-1])] for n in names) > 500  # the flows are not empty
    # Spark answers each point with a job of its own: there, two regions on the last date (a year earlier too)
    regions, dates = (REGIONS, DATES) if backend == "duckdb" else (("CN", "northeast"), DATES[-1:])
    with open_counter(db, K, backend) as counter:
        for name in names:
            for where in regions:
                for d in dates:
                    p = counter.point(name, region(where), d)
                    assert p.value == expected[(name, where, d)], (name, where, d)
        rate = counter.point("invention_grant_rate", region("CN"), DATES[-1])
        g, n = (
            expected[("invention_applications_granted", "CN", DATES[-1])],
            expected[("invention_applications_decided", "CN", DATES[-1])],
        )
        assert rate.value == round(g / n * 100, 2) and 0 < rate.value < 100
        months = counter.series("invention_applications", region("CN"), "monthly", date(2024, 1, 1), date(2024, 12, 31))
        assert [m.value for m in months][5] == expected[("invention_applications", "CN", date(2024, 6, 30))]
        assert months[-1].value == expected[("invention_applications", "CN", date(2024, 12, 31))]


def test_bad_applications_are_rejected_with_their_reasons(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "parties.csv").write_text(
        "party_id,name,party_type,country,region_code\nP1,沈阳某公司,enterprise,CN,210102\n", encoding="utf-8"
    )
    (folder / "patents.csv").write_text(
        "patent_id,jurisdiction,kind,title,filing_date,grant_date,holders\n"
        "CN202310000001.5,CN,invention,一种机器人,2023-01-05,2024-06-01,P1\n",
        encoding="utf-8",
    )
    header = "application_id,jurisdiction,kind,route,filing_date,applicants,status,status_date,right_id,pct_number\n"
    rows = [
        "CN202310000001.5,CN,invention,national,2023-01-05,P1,granted,2024-06-01,CN202310000001.5,",  # good
        "CN202310000003.9,CN,invention,national,2023-02-05,P1,pending,,,",  # check digit
        "CN202310000002.X,CN,invention,national,2023-02-05,P1,rejected,,,",  # no date of the rejection
        "CN202310000003.4,CN,invention,national,2023-02-05,P1,granted,2024-01-01,CN202399999999.1,",  # no such right
        "PCT/CN2024/000001,CN,invention,pct,2024-03-01,P2,pending,,,",  # WO, its number, an unknown applicant
        "M1600001,WO,invention,madrid,2024-03-01,P1,pending,,,",  # Madrid registers trademarks
        "CN202410000004.3,CN,invention,national,2024-02-05,P1,granted,2024-06-01,CN202310000001.5,",  # its right twice
        "CN202410000005.8,CN,invention,national,2024-02-05,P1,rejected,2030-01-01,,",  # decided after the delivery
        "PCT/CN2024/000003,WO,invention,pct,2024-03-01,P1,granted,2024-10-01,,PCT/CN2024/000003",  # PCT: no grant
    ]
    (folder / "applications.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    result = load_delivery(folder, tmp_path / "r.duckdb", recorded_on=date(2025, 1, 31))
    assert result.exit_code == 1  # some rows rejected, the good ones loaded
    with (folder / "REJECTS" / "applications.csv").open(encoding="utf-8") as f:
        reasons = {r["application_id"]: r["reason"] for r in csv.DictReader(f)}
    assert set(reasons) == {r.split(",")[0] for r in rows}
    assert "fails its check digit" in reasons["CN202310000003.9"]
    assert "needs the date of it" in reasons["CN202310000002.X"]
    assert "no patent CN202399999999.1" in reasons["CN202310000003.4"]
    assert all(s in reasons["PCT/CN2024/000001"] for s in ("WO:", "pct_number", "unknown party P2"))
    assert "the Madrid system registers trademarks" in reasons["M1600001"]
    assert "is named by more than one granted application" in reasons["CN202410000004.3"]
    assert "is after the delivery was recorded" in reasons["CN202410000005.8"]
    assert "a PCT international application is not granted" in reasons["PCT/CN2024/000003"]
    assert "CN202310000001.5" in reasons  # the first application of the right named twice goes too


def test_a_release_tells_the_flows_and_the_grant_rate_in_percent(loaded, tmp_path):
    from conftest import run

    _, db = loaded
    spec = tmp_path / "flows.toml"
    names = ["invention_applications", "invention_grant_rate", "pct_applications", "trademark_applications"]
    spec.write_text(
        f'region = "CN"\nas_of = 2024-12-31\nknown_at = 2025-06-30\nindicators = {names!r}\n'.replace("'", '"'),
        encoding="utf-8",
    )
    result = run("release", "--spec", spec, "--db", db, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    en = (tmp_path / "out" / "release.en.md").read_text(encoding="utf-8")
    zh = (tmp_path / "out" / "release.zh.md").read_text(encoding="utf-8")
    with open_counter(db, K) as counter:
        rate = counter.point("invention_grant_rate", region("CN"), date(2024, 12, 31))
        filed = counter.point("invention_applications", region("CN"), date(2024, 12, 31))
    assert f"invention patent grant rate was {rate.value:.1f}%, against {rate.previous:.1f}% a year earlier" in en
    assert f"发明专利授权率为{rate.value:.1f}%，上年同期为{rate.previous:.1f}%" in zh
    assert f"invention patent applications was {filed.value:,}" in en
    # a province whose months include some with nothing decided: those months have no rate, and no crash
    spec.write_text(spec.read_text(encoding="utf-8").replace('"CN"', '"liaoning"'), encoding="utf-8")
    result = run("release", "--spec", spec, "--db", db, "--out", tmp_path / "ln")
    assert result.exit_code == 0, result.stderr


def test_what_was_decided_after_k_is_not_known_on_k_and_other_registers_are_refused(loaded):
    folder, db = loaded
    k = date(2024, 3, 31)
    with (folder / "applications.csv").open(encoding="utf-8") as f:
        granted = [r["status_date"] for r in csv.DictReader(f) if r["kind"] == "invention" and r["status"] == "granted"]
    with open_counter(db, k) as counter:
        early = counter.point("invention_applications_granted", region("CN"), date(2024, 6, 30))
    # as known on K, the grants of 2024 up to K only: those dated between K and the figure's date were not known
    con = duckdb.connect(str(db), read_only=True)
    domestic = {p for (p,) in con.execute("SELECT party_id FROM parties WHERE country = 'CN'").fetchall()}
    con.close()
    with (folder / "applications.csv").open(encoding="utf-8") as f:
        expected = sum(
            1
            for r in csv.DictReader(f)
            if r["kind"] == "invention" and r["status"] == "granted" and r["jurisdiction"] == "CN"
            and r["applicants"].split(";")[0] in domestic and "2024-01-01" <= r["status_date"] <= k.isoformat()
        )  # fmt: skip
    assert early.value == expected and any(d > k.isoformat() and d <= "2024-06-30" for d in granted)
    from ipgauge.errors import UserError

    with open_counter(db, K, jurisdiction="US") as counter, pytest.raises(UserError, match="--jurisdiction"):
        counter.point("invention_applications", region("US"), date(2024, 12, 31))


def test_a_change_over_a_thousand_percent_prints_as_one():
    """The command line's tables show a change of 1,600 % (the grouping comma once broke the sign)."""
    from ipgauge.releases.wording import signed

    assert signed(1600.0) == "+1,600.0" and signed(-0.04) == "0.0"
