"""`ipgauge import uspto-application`: real pre-grant publications of both generations into canonical applications."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from conftest import run

REAL = Path(__file__).parent / "data" / "real"
SAMPLES = sorted(REAL.glob("US20*A1.xml"))


def _rows(folder: Path, table: str) -> dict[str, dict]:
    with (folder / f"{table}.csv").open(encoding="utf-8") as f:
        key = "application_id" if table == "applications" else "party_id"
        return {r[key]: r for r in csv.DictReader(f)}


def test_both_generations_import_whole_and_load(tmp_path):
    assert len(SAMPLES) == 5
    out = tmp_path / "d"
    result = run("import", "uspto-application", *SAMPLES, "--out", out)
    assert result.exit_code == 0, result.stderr
    apps = _rows(out, "applications")
    assert set(apps) == {"US09342866", "US09727454", "US09777392", "US10830857", "US10687244"}
    ice = apps["US10830857"]  # ICE v4.0, two Swiss applicant-inventors, a Swiss priority
    assert (ice["filing_date"], ice["publication_date"], ice["publication_number"]) == (
        "2004-04-23",
        "2005-01-06",
        "US20050004437A1",
    )
    assert (ice["priority"], ice["priority_date"], ice["ipc"]) == ("CH 1974/01", "2001-10-26", "A61B 5/00")
    assert ice["status"] == "pending" and not ice["status_date"] and ice["route"] == "national"
    parties = _rows(out, "parties")
    assert [parties[p]["country"] for p in ice["applicants"].split(";")] == ["CH", "CH"]
    xerox = apps["US10687244"]  # an assignee without an address: the first applicant's country
    (holder,) = xerox["applicants"].split(";")
    assert parties[holder]["name"] == "Xerox Corporation" and parties[holder]["country"] == "US"
    pap = apps["US09727454"]  # 2001 generation, a Japanese priority and an assignee
    assert (pap["filing_date"], pap["publication_date"]) == ("2000-12-04", "2001-05-10")
    assert pap["priority"] == "JP 11-097727" and pap["priority_date"] == "1999-04-05"
    assert parties[pap["applicants"].split(";")[0]]["name"] == "IDEMITSU KOSAN CO., LTD."
    assert (pap["route"], pap["pct_number"]) == ("national", "PCT/JP00/02182")  # a continuation of a PCT application
    assert pap["ipc"] == "H01J 1/62"  # the document with ISO entities (&agr; &plus;) is read, no longer a reject
    lin = apps["US09342866"]  # no assignee: the inventor, resident in Irvine, CA
    person = parties[lin["applicants"].split(";")[0]]
    assert (person["name"], person["country"], person["subdivision"]) == ("Wayne Lin", "US", "US-CA")
    db = tmp_path / "r.duckdb"
    loaded = run("load", out, "--db", db)
    assert loaded.exit_code == 0, loaded.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM applications WHERE status = 'pending'").fetchall() == [(5,)]
    con.close()


def test_a_broken_publication_is_a_reject_and_another_file_one_sentence(tmp_path):
    broken = tmp_path / "week.xml"
    good = (REAL / "US20050004437A1.xml").read_bytes()
    bad = good.replace(b"<date>20040423</date>", b"<date>20041341</date>", 1)
    broken.write_bytes(good + b"\n" + bad)
    result = run("import", "uspto-application", broken, "--out", tmp_path / "d")
    assert result.exit_code == 1
    with (tmp_path / "d" / "REJECTS" / "import.csv").open(encoding="utf-8") as f:
        (reject,) = list(csv.DictReader(f))
    assert "is not a date that exists" in str(reject)
    other = run("import", "uspto-application", REAL / "US08930553.xml", "--out", tmp_path / "e")
    assert other.exit_code == 2 and "is not USPTO application XML" in other.stderr
    assert "Traceback" not in other.stderr


def test_an_application_published_twice_is_kept_once_as_its_latest_publication(tmp_path):
    a1 = (REAL / "US20050004437A1.xml").read_bytes()
    a2 = a1.replace(b"<kind>A1</kind>", b"<kind>A2</kind>", 1).replace(
        b"<date>20050106</date>", b"<date>20050301</date>", 1
    )
    week = tmp_path / "week.xml"
    week.write_bytes(a2 + b"\n" + a1)  # the later publication first: order does not matter
    result = run("import", "uspto-application", week, "--out", tmp_path / "d")
    assert result.exit_code == 0, result.stderr
    (row,) = _rows(tmp_path / "d", "applications").values()
    assert (row["publication_number"], row["publication_date"]) == ("US20050004437A2", "2005-03-01")
