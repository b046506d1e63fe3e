"""Trademarks abroad (issue 32): the USPTO case-file import, US trademark law, likeness, clearance, the watch.

The real files in tests/data/uspto_trademark/ are USPTO bulk data (public domain) copied byte for
byte from the repositories named in their SOURCES (seed.zip: mkreyman/trademarks; the three 2024
records: merchbaseco/tmterminal; sample-data.xml: jlroo/uspto, MIT, its licence beside it).
"""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import run, write_csv
from ipgauge.register.schema import TRADEMARKS
from ipgauge.services.marks.cases import evaluate, load
from ipgauge.services.marks.similarity import compare, model
from ipgauge.web.app import create_app

DATA = Path(__file__).parent / "data" / "uspto_trademark"
FILES = [DATA / "seed.zip", *sorted(DATA.glob("*.xml"))]


def _rows(folder: Path, table: str) -> list[dict]:
    with open(folder / f"{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tm")
    result = run("import", "uspto-trademark", *FILES, "--out", tmp / "d")
    assert result.exit_code == 0, result.stderr + result.stdout
    db = tmp / "r.duckdb"
    loaded = run("load", tmp / "d", "--db", db)
    assert loaded.exit_code == 0, loaded.stdout
    return tmp / "d", db, result.stdout


def _status(db: Path, right: str, d: str, k: str | None = None) -> str:
    args = ["status", right, "--as-of", d, "--db", db] + (["--known-at", k] if k else [])
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_real_files_import_without_a_reject(imported):
    out, _, said = imported
    assert not (out / "REJECTS" / "import.csv").exists() or len(_rows(out / "REJECTS", "import")) == 0
    marks = {r["trademark_id"]: r for r in _rows(out, "trademarks")}
    apps = {r["application_id"]: r for r in _rows(out, "applications")}
    assert len(apps) == 14 and len(marks) == 8  # 11 + 3 case files with owners; the 1870 record is counted only
    assert "1 × case files with nothing to register" in said
    cutex = marks["USTM71112081"]
    assert (cutex["registration_number"], cutex["mark_form"], cutex["nice_classes"]) == ("0124134", "typed", "8")
    tusimple = apps["USTM87310367"]
    assert (tusimple["status"], tusimple["nice_classes"], tusimple["route"]) == ("pending", "9;12;39;42", "national")
    nitro = apps["USTM79366581"]  # a §66(a) extension whose opposition was sustained on 2024-09-24
    assert (nitro["route"], nitro["madrid_number"]) == ("madrid_designation", "1722108")
    assert (nitro["status"], nitro["status_date"]) == ("rejected", "2024-09-24")
    parties = {r["party_id"]: r for r in _rows(out, "parties")}
    vn = parties[apps["USTM98763166"]["applicants"]]
    assert vn["country"] == "VN"


def test_renewals_carry_their_new_expiry_and_old_terms_run_twenty_years(imported):
    out, db, _ = imported
    renewed = [r for r in _rows(out, "events") if r["right_id"] == "USTM71112081" and r["event"] == "renewed"]
    assert renewed[-1]["value"] == "2029-01-14"  # the header's renewal-date 2019-01-14 + 10 years
    text = _status(db, "USTM71112081", "2024-01-01")
    assert "IN FORCE" in text and "1939-01-13" in text  # registered 1919: a first term of 20 years


def test_a_section_8_cancellation_ends_the_mark_on_its_day_as_known_on_its_day(imported):
    _, db, _ = imported
    assert "IN FORCE on 2018-12-06" in _status(db, "USTM85017257", "2018-12-06")
    assert "NOT IN FORCE on 2018-12-07" in _status(db, "USTM85017257", "2018-12-07")
    assert "IN FORCE on 2018-12-08 as known on 2018-12-06" in _status(db, "USTM85017257", "2018-12-08", "2018-12-06")


def _case_file(tmp: Path, body: str) -> Path:
    path = tmp / "one.xml"
    path.write_text(f"<trademark-applications-daily>{body}</trademark-applications-daily>", encoding="utf-8")
    return path


OWNER = (
    "<case-file-owners><case-file-owner><party-type>{t}</party-type><nationality><country>CN</country>"
    "</nationality><legal-entity-type-code>03</legal-entity-type-code><party-name>Shenzhen Foo Co.</party-name>"
    "<city>Shenzhen</city></case-file-owner></case-file-owners>"
)
CLASS = "<classifications><classification><international-code>025</international-code></classification>"
CLASS += "</classifications>"


def test_an_abandonment_and_a_missing_section_8_declaration_end_the_mark(tmp_path):
    abandoned = (
        "<case-file><serial-number>97000001</serial-number><registration-number>0000000</registration-number>"
        "<case-file-header><filing-date>20210105</filing-date><abandonment-date>20220310</abandonment-date>"
        f"<status-code>602</status-code><mark-identification>FOOBAR</mark-identification></case-file-header>{CLASS}"
        f"{OWNER.format(t=10)}</case-file>"
        "<case-file><serial-number>85000002</serial-number><registration-number>4000002</registration-number>"
        "<case-file-header><filing-date>20100105</filing-date><registration-date>20110301</registration-date>"
        f"<mark-identification>NODECL</mark-identification></case-file-header>{CLASS}{OWNER.format(t=30)}</case-file>"
    )
    done = run("import", "uspto-trademark", _case_file(tmp_path, abandoned), "--out", tmp_path / "d")
    assert done.exit_code == 0, done.stdout
    apps = {r["application_id"]: r for r in _rows(tmp_path / "d", "applications")}
    assert (apps["USTM97000001"]["status"], apps["USTM97000001"]["status_date"]) == ("withdrawn", "2022-03-10")
    db = tmp_path / "r.duckdb"
    assert run("load", tmp_path / "d", "--db", db).exit_code == 0
    # no §8 declaration: the registration of 2011-03-01 ends when the grace after its 6th year ends
    assert "IN FORCE on 2017-08-31" in _status(db, "USTM85000002", "2017-08-31")
    assert "NOT IN FORCE on 2017-09-01" in _status(db, "USTM85000002", "2017-09-01")
    _agrees_with_the_oracle(db, ["2015-01-01", "2017-08-31", "2017-09-01", "2023-01-01"])
    pending = run("trademark", "clear", "FOOBAR", "--classes", "25", "--as-of", "2022-03-09", "--db", db,
                  "--format", "json")  # fmt: skip
    gone = run("trademark", "clear", "FOOBAR", "--classes", "25", "--as-of", "2022-03-11", "--db", db,
               "--format", "json")  # fmt: skip
    assert [c["right_id"] for c in json.loads(pending.stdout)] == ["USTM97000001"]
    assert json.loads(gone.stdout) == []


def test_a_broken_case_file_is_a_reject_with_its_serial(tmp_path):
    bad = "<case-file><serial-number>12345</serial-number></case-file><case-file><serial-number>8"
    done = run("import", "uspto-trademark", _case_file(tmp_path, bad), "--out", tmp_path / "d")
    assert done.exit_code == 1
    rejects = _rows(tmp_path / "d" / "REJECTS", "import")
    assert any("serial number '12345' is not 8 digits" in r["reason"] for r in rejects)
    assert {r["document"].split()[0] for r in rejects} == {"12345", "?"}  # its serial, where it can be read
    not_xml = tmp_path / "x.xml"
    not_xml.write_text("hello", encoding="utf-8")
    refused = run("import", "uspto-trademark", not_xml, "--out", tmp_path / "e")
    assert refused.exit_code == 2 and "is not USPTO trademark XML" in refused.stderr


def test_compare_prints_the_contract_and_tells_alike_from_unlike():
    result = run("trademark", "compare", "乔丹", "JORDAN", "--classes-a", "25", "--classes-b", "25", "--format", "json")
    assert result.exit_code == 0, result.stderr
    got = json.loads(result.stdout)
    assert set(got) == {"likely_confusion", "score", "dimensions", "reasons"}
    assert set(got["dimensions"]) == {"phonetic", "visual", "conceptual", "goods"}
    assert got["likely_confusion"] is True and got["dimensions"]["conceptual"] == 1.0
    unlike = compare("KODAK", [9], "ZEBRA", [9])
    assert unlike.likely_confusion is False and unlike.score < got["score"]
    far = compare("CUTEX", [8], "CUTEX", [43])
    assert compare("CUTEX", [8], "CUTEX", [8]).score > far.score
    assert compare("無印良品", [24], "无印良品", [24]).dimensions["visual"] == 1.0  # traditional = simplified
    assert run("trademark", "compare", "A", "B", "--classes-a", "46").exit_code == 2


def test_the_verdict_beats_both_baselines_on_the_held_out_decisions():
    result = evaluate()
    assert result["cases"] >= 80 and result["test"] >= 40
    test = result["test_accuracy"]
    assert test["ipgauge"] > test["exact_text"] and test["ipgauge"] > test["string_ratio"]
    shipped = model()
    assert shipped["weights"] == result["model"]["weights"] and shipped["bias"] == result["model"]["bias"]
    assert {c.split for c in load()} == {"dev", "test"}


def test_clearance_lists_marks_in_force_with_owner_and_drops_a_cancelled_one(imported):
    _, db, _ = imported
    found = run("trademark", "clear", "CUTEKS", "--classes", "8", "--as-of", "2024-03-01", "--db", db,
                "--format", "json")  # fmt: skip
    assert found.exit_code == 0, found.stderr
    hits = json.loads(found.stdout)
    assert hits[0]["right_id"] == "USTM71112081" and hits[0]["status"] == "registered" and hits[0]["owner"]
    before = run("trademark", "clear", "BLONDE SUMMERS", "--classes", "41", "--as-of", "2018-06-01", "--db", db,
                 "--format", "json")  # fmt: skip
    after = run("trademark", "clear", "BLONDE SUMMERS", "--classes", "41", "--as-of", "2019-06-01", "--db", db,
                "--format", "json")  # fmt: skip
    assert [h["right_id"] for h in json.loads(before.stdout)] == ["USTM85017257"]
    assert json.loads(after.stdout) == []


def test_the_watch_lists_new_conflicting_filings_and_writes_its_report(imported, tmp_path):
    _, db, _ = imported
    marks = tmp_path / "marks.csv"
    marks.write_text("mark,classes\nTU SIMPEL,9\nZZQX,25\n", encoding="utf-8")
    result = run("trademark", "watch", "--marks", marks, "--since", "2017-11-01", "--known-at", "2018-03-01",
                 "--db", db, "--format", "json", "--report", tmp_path / "rep")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    alerts = json.loads(result.stdout)
    assert {a["filing"]["right_id"] for a in alerts} == {"USTM87703889", "USTM87703896"}  # filed 2017-11-30
    assert "商标抢注监测报告" in (tmp_path / "rep" / "report.zh.md").read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nX\n", encoding="utf-8")
    refused = run("trademark", "watch", "--marks", bad, "--since", "2017-01-01", "--db", db)
    assert refused.exit_code == 2 and "mark and classes" in refused.stderr


def test_the_api_answers_compare_as_the_command_line_does(imported):
    _, db, _ = imported
    client = TestClient(create_app(db))
    r = client.get("/v1/trademarks/compare", params={"a": "星巴克", "b": "STARBUCKS", "classes_a": "43",
                                                      "classes_b": "43"})  # fmt: skip
    assert r.status_code == 200, r.text
    cli = run("trademark", "compare", "星巴克", "STARBUCKS", "--classes-a", "43", "--classes-b", "43",
              "--format", "json")  # fmt: skip
    assert r.json() == json.loads(cli.stdout)
    assert client.post("/v1/trademarks/clear", json={"mark": "CUTEX", "classes": [8]}).status_code == 401
    assert client.get("/v1/trademarks/compare", params={"a": "X", "b": "Y", "classes_a": "99"}).status_code == 400


def _agrees_with_the_oracle(db: Path, days: list[str]) -> None:
    """The law for every K (the stored table) gives, on each K, the per-K oracle's rows (tests/law_oracle.py,
    written separately) for the US rule set."""
    import law_oracle
    from ipgauge.law.bitemporal import view_sql
    from ipgauge.law.spells import SPELL_COLUMNS, register_hierarchy
    from ipgauge.law.us import US
    from ipgauge.register import store

    con = store.connect(db, read_only=True)
    register_hierarchy(con)
    cols = ", ".join(SPELL_COLUMNS)
    try:
        for k in map(date.fromisoformat, days):
            want = sorted(con.execute(f"SELECT {cols} FROM ({law_oracle.spell_sql(con, k, US)})").fetchall(), key=repr)
            got = sorted(con.execute(f"SELECT {cols} FROM ({view_sql(k, US)})").fetchall(), key=repr)
            assert got == want and want, k
    finally:
        con.close()


def test_the_stored_spells_of_us_marks_agree_with_the_oracle_at_every_step(imported):
    _, db, _ = imported
    _agrees_with_the_oracle(db, ["1999-01-01", "2016-12-06", "2017-06-08", "2018-12-06", "2018-12-07", "2026-01-01"])


def test_an_application_decided_after_d_was_pending_on_d_whatever_k(imported):
    _, db, _ = imported
    for k in ("2024-09-23", "2026-12-01"):  # refused on 2024-09-24: pending the day before, as known then or now
        found = run("trademark", "clear", "NITRO GLISSERIN", "--classes", "3", "--as-of", "2024-09-23",
                    "--known-at", k, "--db", db, "--format", "json")  # fmt: skip
        assert [(h["right_id"], h["status"]) for h in json.loads(found.stdout)] == [("USTM79366581", "pending")]
    marks = DATA.parent / "marks.csv"
    marks.write_text("mark,classes\nNITRO GLISERIN,3\n", encoding="utf-8")
    try:
        watched = run("trademark", "watch", "--marks", marks, "--since", "2022-01-01", "--db", db, "--format", "json")
    finally:
        marks.unlink()
    assert [a["filing"]["status"] for a in json.loads(watched.stdout)] == ["refused"]  # as known today


def test_a_zip_of_daily_files_keeps_the_newest_record_and_a_damaged_one_is_one_sentence(tmp_path):
    def daily(created: str, mark: str) -> str:
        return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<trademark-applications-daily><creation-datetime>'
                f"{created}</creation-datetime><case-file><serial-number>98000020</serial-number><case-file-header>"
                f"<filing-date>20210105</filing-date><mark-identification>{mark}</mark-identification>"
                f"</case-file-header>{CLASS}{OWNER.format(t=10)}</case-file>"
                "</trademark-applications-daily>")  # fmt: skip

    week = tmp_path / "week.zip"
    with zipfile.ZipFile(week, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("apc240101.xml", daily("202401012200", "OLDMARK").encode("latin-1"))
        z.writestr("apc250101.xml", daily("202501012200", "NEWMARK CAFÉ").encode("latin-1"))
    done = run("import", "uspto-trademark", week, "--out", tmp_path / "d")
    assert done.exit_code == 0, done.stdout
    assert [r["title"] for r in _rows(tmp_path / "d", "applications")] == ["NEWMARK CAFÉ"]
    bad = tmp_path / "bad.zip"
    data = bytearray(week.read_bytes())
    data[60:90] = b"\x00" * 30  # inside the first member's deflated data
    bad.write_bytes(bytes(data))
    refused = run("import", "uspto-trademark", bad, "--out", tmp_path / "e")
    assert refused.exit_code == 2 and "is damaged" in refused.stderr and "Traceback" not in refused.stderr


def test_a_latin_mark_is_cleared_against_chinese_marks_by_its_chinese_name(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", ["party_id", "name", "party_type", "country", "region_code"],
              [["P1", "上海某咖啡有限公司", "enterprise", "CN", "310101"]])  # fmt: skip
    mark = ["CN", "", "ordinary", "false", "43", "2015-01-01", "2016-01-01", "P1"]
    write_csv(folder, "trademarks", [c.name for c in TRADEMARKS.columns if c.required],
              [["1234567", *mark[:1], "星巴克", *mark[2:]], ["1234568", *mark[:1], "星光", *mark[2:]]])  # fmt: skip
    db = tmp_path / "r.duckdb"
    assert run("load", folder, "--db", db).exit_code == 0
    found = run("trademark", "clear", "STARBUCKS", "--classes", "43", "--jurisdiction", "cn", "--as-of", "2024-01-01",
                "--db", db, "--format", "json")  # fmt: skip
    hits = json.loads(found.stdout)
    assert [h["right_id"] for h in hits] == ["1234567"] and hits[0]["dimensions"]["conceptual"] == 1.0
    assert hits[0]["until"] == "2026-06-30"  # ten years and the six months' grace (the CN rule set)
