"""Real registers: USPTO grant XML and maintenance-fee events in, the US rule set, status on real patents.

The expected values are worked out by hand from the sample files (tests/data/real, see SOURCES.md):

- US 8,930,553 (IBM): filed 2012-10-09, granted 2015-01-06, patent term adjustment 129 days, 8 claims.
  20 years from filing: the anniversary 2032-10-09 is the last day (35 U.S.C. 154(a)(2)); plus 129
  days: last day in force 2033-02-15. The fee file says the 3.5-year fee went unpaid (EXP. recorded
  2019-02-11: expired at the end of the grace period, the 4th anniversary 2019-01-06, so out of force
  from 2019-01-07), then paid late and reinstated (M1551 2019-05-13, EXPX 2019-05-20).
- US 7,272,630 (Microsoft): filed 2004-11-18 as a division of 09/876,376 filed 2001-06-06, granted
  2007-09-18, PTA 36 days, 17 claims. The term runs from the parent: 2021-06-06 + 36 days = last day
  2021-07-12 (MPEP 2701). The fees for years 4 and 8 were paid, the 12th not (EXP. recorded
  2019-10-21): last day in force the 12th anniversary, 2019-09-18.
- US D435,854 (design, Hitachi Maxell, Sanyo, Olympus): granted 2001-01-02; 14 years from grant
  (35 U.S.C. 173): last day in force 2015-01-02.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import run
from ipgauge.adapters.uspto_grant import parse, patent_id
from ipgauge.law.sources import patent_end_sql
from ipgauge.law.us import US

REAL = Path(__file__).parent / "data" / "real"
GRANTS = [REAL / name for name in ("US08930553.xml", "US07272630B2.xml", "USD435854S1.xml")]
K = "2025-06-30"


def rows(folder: Path, table: str) -> list[dict]:
    with open(folder / f"{table}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("us")
    result = run("import", "uspto-grant", *GRANTS, "--out", work / "grants")
    assert result.exit_code == 0, result.stderr
    result = run("import", "uspto-maintfee", REAL / "sample.txt", "--out", work / "fees")
    assert result.exit_code == 0, result.stderr
    db = work / "us.duckdb"
    for folder in ("grants", "fees"):
        loaded = run("load", work / folder, "--db", db, "--recorded-on", K)
        assert loaded.exit_code == 0, loaded.stdout + loaded.stderr
    return work


def test_patent_numbers_follow_the_contract():
    assert patent_id("08930553") == "US8930553"
    assert patent_id("D0435854") == "USD435854"
    assert patent_id("RE045678") == "USRE45678"
    assert patent_id("PP012345") == "USPP12345"


def test_every_grant_sample_imports_with_every_field(imported):
    patents = {p["patent_id"]: p for p in rows(imported / "grants", "patents")}
    assert set(patents) == {"US8930553", "US7272630", "USD435854"}
    ibm, ms, design = patents["US8930553"], patents["US7272630"], patents["USD435854"]
    assert (ibm["kind"], ibm["kind_code"], ibm["filing_date"], ibm["grant_date"]) == (
        "invention", "B2", "2012-10-09", "2015-01-06",
    )  # fmt: skip
    assert ibm["title"] == "Managing mid-dialog session initiation protocol (SIP) messages"
    assert ibm["ipc"] == "G06F 15/16" and ibm["abstract"].startswith("Processing mid-dialog SIP messages")
    assert ms["term_from"] == "2001-06-06" and ms["related"].startswith("division:US 09876376:2001-06-06")
    assert (design["kind"], design["kind_code"], design["grant_date"]) == ("design", "S", "2001-01-02")
    parties = {p["party_id"]: p for p in rows(imported / "grants", "parties")}
    assert (parties[ibm["holders"]]["name"], parties[ibm["holders"]]["subdivision"]) == (
        "International Business Machines Corporation", "US-NY",
    )  # fmt: skip
    assert [parties[h]["country"] for h in design["holders"].split(";")] == ["JP", "JP", "JP"]
    claims = rows(imported / "grants", "claims")
    counts = {pid: sum(c["patent_id"] == pid for c in claims) for pid in patents}
    assert counts == {"US8930553": 8, "US7272630": 17, "USD435854": 1}
    second = next(c for c in claims if c["patent_id"] == "US8930553" and c["number"] == "2")
    assert second["depends_on"] == "1" and second["text"].startswith("2. The system according to claim 1")
    pta = {e["right_id"]: e["value"] for e in rows(imported / "grants", "events") if e["event"] == "term_extended"}
    assert pta == {"US8930553": "129", "US7272630": "36"}
    manifest = json.loads((imported / "grants" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rejected_documents"] == 0 and manifest["synthetic"] is False


def test_fee_events_mean_what_the_law_says(imported):
    events = [(e["right_id"], e["event"], e["effective_date"], e["value"]) for e in rows(imported / "fees", "events")]
    assert ("US8930553", "lapsed_unpaid_fee", "2019-01-07", "0") in events  # the day after the 4th anniversary
    assert ("US8930553", "restored", "2019-05-20", "") in events
    assert ("US7272630", "lapsed_unpaid_fee", "2019-09-19", "8") in events  # 8th-year fee paid, 12th not
    assert ("US7272630", "annuity_paid", "2015-03-09", "8") in events
    manifest = json.loads((imported / "fees" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["not_imported"] == {"fee event REM.": 2}


@pytest.mark.parametrize(
    ("patent", "day", "known_at", "in_force"),
    [
        ("US8930553", "2033-02-15", K, True),  # 20 years from filing + 129 days of PTA
        ("US8930553", "2033-02-16", K, False),
        ("US8930553", "2019-03-01", "2019-03-01", False),  # the lapse, as known before the reinstatement
        ("US8930553", "2019-03-01", K, True),  # reinstated: as if it had never lapsed
        ("US7272630", "2019-09-18", K, True),  # the 12th anniversary, last day of the grace period
        ("US7272630", "2019-09-19", K, False),
        ("US7272630", "2019-09-19", "2019-10-20", True),  # the expiry was recorded on 2019-10-21
        ("USD435854", "2015-01-02", K, True),  # 14 years from grant
        ("USD435854", "2015-01-03", K, False),
    ],
)
def test_status_of_real_patents_by_the_us_rules(imported, patent, day, known_at, in_force):
    result = run("status", patent, "--as-of", day, "--known-at", known_at, "--db", imported / "us.duckdb")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("patent " + patent)
    assert ("\nIN FORCE" if in_force else "\nNOT IN FORCE") in result.stdout, result.stdout


def test_the_term_runs_from_the_parent_of_a_division(imported):
    result = run("status", "US7272630", "--as-of", "2010-01-01", "--known-at", K, "--db", imported / "us.duckdb")
    assert "By its term alone, in force until 2021-06-06 (last day)" in result.stdout  # not 2024-11-18


@pytest.mark.parametrize(
    ("kind", "filing", "grant", "term_from", "last_day"),
    [
        ("invention", "1993-01-05", "1996-06-04", None, "2013-06-04"),  # pre-URAA: 17 from grant is later
        ("invention", "1993-01-05", "1994-02-01", None, "2013-01-05"),  # 20 from filing is later
        ("invention", "1995-06-08", "1998-01-06", None, "2015-06-08"),  # on the URAA date: 20 from filing
        ("invention", "2010-03-01", "2014-05-06", "2006-07-11", "2026-07-11"),  # a continuation
        ("plant", "2011-04-12", "2013-08-20", None, "2031-04-12"),
        ("design", "2015-05-12", "2016-01-05", None, "2030-01-05"),  # 14 years from grant
        ("design", "2015-05-13", "2016-01-05", None, "2031-01-05"),  # 15 years (PLTIA)
        ("invention", "2012-02-29", "2014-01-07", None, "2032-02-29"),
    ],
)
def test_us_terms_worked_examples(kind, filing, grant, term_from, last_day):
    """35 U.S.C. 154(a)(2), 154(c)(1) and 173 (MPEP 2701, 1505): the anniversary is the last day in force."""
    con = duckdb.connect()
    end = con.execute(
        f"SELECT {patent_end_sql(US, 'r')} FROM (SELECT ?::VARCHAR AS kind, ?::DATE AS filing_date, "
        "?::DATE AS grant_date, ?::DATE AS term_from) r",
        [kind, filing, grant, term_from],
    ).fetchall()[0][0]
    assert end == date.fromisoformat(last_day) + (date(2000, 1, 2) - date(2000, 1, 1))


def test_a_weekly_file_of_concatenated_documents_with_dtd_entities(tmp_path):
    weekly = tmp_path / "ipg150106.xml"
    body = (
        (REAL / "US08930553.xml")
        .read_bytes()
        .replace(b"(SIP) messages</invention-title>", b"(SIP) &mdash; messages &copy;</invention-title>")
    )
    weekly.write_bytes(body + b"\n".join(p.read_bytes() for p in GRANTS if "08930553" not in p.name))
    result = run("import", "uspto-grant", weekly, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    patents = {p["patent_id"]: p for p in rows(tmp_path / "out", "patents")}
    assert len(patents) == 3 and patents["US8930553"]["title"].endswith("(SIP) — messages ©")


def test_a_broken_document_is_rejected_by_name_and_the_rest_imports(tmp_path):
    good = (REAL / "US07272630B2.xml").read_bytes()
    broken = (REAL / "US08930553.xml").read_bytes()
    weekly = tmp_path / "weekly.xml"
    weekly.write_bytes(broken[: len(broken) // 2] + b"\n" + good)  # the first document cut off halfway
    result = run("import", "uspto-grant", weekly, "--out", tmp_path / "out")
    assert result.exit_code == 1 and "1 document rejected" in result.stderr and "Traceback" not in result.stderr
    (reject,) = rows(tmp_path / "out" / "REJECTS", "import")
    assert reject["file"] == "weekly.xml" and reject["document"].startswith("08930553 (line 1)")
    assert "not well-formed XML" in reject["reason"]
    assert [p["patent_id"] for p in rows(tmp_path / "out", "patents")] == ["US7272630"]
    no_title = tmp_path / "no_title.xml"
    no_title.write_bytes(good.replace(b"<invention-title", b"<x-title").replace(b"</invention-title>", b"</x-title>"))
    assert run("import", "uspto-grant", no_title, "--out", tmp_path / "t").exit_code == 1
    assert rows(tmp_path / "t" / "REJECTS", "import")[0]["reason"] == "no invention title"


def test_every_sample_truncated_or_corrupted_is_a_sentence_never_a_traceback():
    for path in GRANTS:
        data = path.read_bytes()
        for bad in (data[: len(data) // 3], data.replace(b"<", b"<<", 40), data.replace(b">20", b">x0")):
            parsed = parse(1, bad)
            assert parsed.error and parsed.patent is None, path.name
            assert parsed.document != "?" or b"doc-number" not in bad


def test_unreadable_inputs_are_one_sentence(tmp_path):
    for args, message in [
        (["uspto-grant", tmp_path / "missing.xml"], "is not a file"),
        (["uspto-grant", tmp_path], "is not a file"),
        (["uspto-gazette", REAL / "sample.txt"], "uspto-gazette"),
    ]:
        result = run("import", *args, "--out", tmp_path / "o")
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    binary = tmp_path / "fees.bin"
    binary.write_bytes(b"\x00\xff" * 40)
    result = run("import", "uspto-maintfee", binary, "--out", tmp_path / "b")
    assert result.exit_code == 2 and "not a maintenance fee events file" in result.stderr
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())  # nothing half-written


def test_fee_lines_of_another_width_are_rejected_and_the_rest_imports(tmp_path):
    fees = tmp_path / "fees.txt"
    lines = (REAL / "sample.txt").read_text().splitlines()
    fees.write_text("\n".join([*lines[:2], "0000008930553 13648029 N 2012", *lines[2:]]) + "\n")
    result = run("import", "uspto-maintfee", fees, "--out", tmp_path / "out")
    assert result.exit_code == 1
    (reject,) = rows(tmp_path / "out" / "REJECTS", "import")
    assert reject["document"] == "line 3" and "is 29 characters" in reject["reason"]
    assert len(rows(tmp_path / "out", "events")) == 7


def test_an_import_replaces_its_own_earlier_output_only(tmp_path):
    out = tmp_path / "out"
    assert run("import", "uspto-grant", GRANTS[0], "--out", out).exit_code == 0
    assert run("import", "uspto-grant", GRANTS[1], "--out", out).exit_code == 0
    assert len(rows(out, "patents")) == 1
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    result = run("import", "uspto-grant", GRANTS[0], "--out", other)
    assert result.exit_code == 2 and "already holds files" in result.stderr
    shutil.rmtree(out)


def test_the_us_register_answers_indicators_by_holders_country(imported):
    """By hand: on 2016-12-31 the two utility patents (IBM, Microsoft; US holders) are in force, the design
    (three Japanese holders) too; on 2020-01-01 Microsoft's has lapsed (12th-year fee) and IBM's stands."""
    db = imported / "us.duckdb"

    def figure(name: str, where: str, day: str, *more: str) -> dict | list:
        result = run(
            "indicator", name, "--jurisdiction", "US", "--region", where, "--as-of", day, "--known-at", K,
            "--db", db, "--format", "json", *more,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    assert figure("valid_invention_patents", "US", "2016-12-31")["value"] == 2
    assert figure("valid_invention_patents", "US", "2020-01-01")["value"] == 1
    assert figure("valid_invention_patents", "JP", "2016-12-31")["value"] == 0
    assert figure("valid_designs", "JP", "2010-12-31")["value"] == 1
    assert figure("valid_designs", "JP", "2015-01-03")["value"] == 0
    (by_country,) = figure("valid_designs", "CN", "2010-12-31", "--by", "country")
    assert (by_country["part"], by_country["value"]) == ("JP", 1)
    assert figure("invention_grants", "US", "2015-12-31")["value"] == 1  # IBM's, granted 2015-01-06
    unknown = run("indicator", "valid_designs", "--jurisdiction", "XX", "--region", "US", "--as-of", "2010-01-01")
    assert unknown.exit_code == 2 and "'--jurisdiction': 'XX' is not one of" in unknown.stderr


def test_a_release_of_the_us_register(imported, tmp_path):
    spec = tmp_path / "us.toml"
    spec.write_text(
        'region = "US"\njurisdiction = "US"\nas_of = 2016-12-31\nknown_at = 2025-06-30\n'
        'indicators = ["valid_invention_patents", "valid_designs", "invention_grants"]\n',
        encoding="utf-8",
    )
    result = run("release", "--spec", spec, "--db", imported / "us.duckdb", "--out", tmp_path / "r")
    assert result.exit_code == 0, result.stderr
    assert "By the end of 2016, the United States had two valid invention patents" in result.stdout
    assert "截至2016年底，美国有效发明专利2件" in result.stdout
    data = json.loads((tmp_path / "r" / "figures.json").read_text(encoding="utf-8"))
    values = {f["name"]: (f["value"], f["previous"]) for f in data["figures"]["figures"]}
    assert values == {"valid_invention_patents": (2, 2), "valid_designs": (0, 0), "invention_grants": (0, 1)}
    assert not (tmp_path / "r" / "map.png").exists()  # no map of a foreign country's holders


def test_assignments_and_epo_events_import_with_zero_rejects(imported, tmp_path):
    result = run("import", "uspto-assignment", REAL / "ad20160101.xml", "--out", tmp_path / "a")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == 199 and manifest["rejected_documents"] == 0
    assert manifest["not_imported"]["conveyance SECURITY INTEREST"] == 13  # no change of holder
    first = rows(tmp_path / "a", "events")[0]  # reel 37388 frame 92: Soundbite, signed 2006-03-29/30
    assert (first["right_id"], first["event"], first["effective_date"], first["recorded_date"]) == (
        "US9219817", "transferred", "2006-03-30", "2015-12-30",
    )  # fmt: skip
    soundbite = next(p for p in rows(tmp_path / "a", "parties") if p["party_id"] == first["value"])
    assert (soundbite["country"], soundbite["subdivision"], soundbite["city"]) == ("US", "US-MA", "Burlington")
    known = run("import", "uspto-assignment", REAL / "ad20160101.xml", "--out", tmp_path / "k",
                "--known-in", imported / "us.duckdb")  # fmt: skip
    assert known.exit_code == 0 and rows(tmp_path / "k", "events") == []  # none of the sample's patents
    result = run("import", "epo-legal", REAL / "example_1.xml", REAL / "example_3.xml", "--out", tmp_path / "e")
    assert result.exit_code == 0, result.stderr
    events = rows(tmp_path / "e", "events")
    assert len(events) == 46 and {e["right_id"] for e in events} == {"EP1000000", "US10465445"}
    moves = [e for e in events if e["event"] == "transferred"]
    assert [(m["effective_date"], m["right_id"]) for m in moves] == [
        ("2013-12-10", "US10465445"),
        ("2014-12-04", "US10465445"),
    ]
    assert all(e["value"] for e in events if e["event"] == "office_event")  # the office's code, verbatim


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("uspto-grant", "US08930553.xml"),
        ("uspto-grant", "US07272630B2.xml"),
        ("uspto-grant", "USD435854S1.xml"),
        ("uspto-assignment", "ad20160101.xml"),
        ("epo-legal", "example_1.xml"),
        ("epo-legal", "example_3.xml"),
        ("uspto-maintfee", "sample.txt"),
    ],
)
def test_a_truncated_copy_of_every_sample_is_rejected_by_name(tmp_path, fmt, name):
    data = (REAL / name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: len(data) * 2 // 3 - 5])  # never at a line's end
    result = run("import", fmt, cut, "--out", tmp_path / "out")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "rejected" in result.stderr and "Traceback" not in result.stderr
    (reject, *_) = rows(tmp_path / "out" / "REJECTS", "import")
    assert reject["file"] == name and reject["document"] and reject["reason"]


def test_a_fee_expiry_is_dated_by_its_own_line_alone(tmp_path):
    """A weekly file holds only that week's events: the lapse must not depend on the other lines."""
    week = tmp_path / "week.txt"
    week.write_text("".join(line for line in (REAL / "sample.txt").open() if "EXP. " in line))
    assert run("import", "uspto-maintfee", week, "--out", tmp_path / "o").exit_code == 0
    lapses = {(e["right_id"], e["effective_date"], e["value"]) for e in rows(tmp_path / "o", "events")}
    assert lapses == {("US7272630", "2019-09-19", "8"), ("US8930553", "2019-01-07", "0")}  # last fee year paid


def test_an_expiry_recorded_on_the_anniversary_lapses_the_next_day(tmp_path):
    """35 U.S.C. 41(b): the grace period ends on the anniversary itself, so EXP. that day is the usual case."""
    fees = tmp_path / "fees.txt"
    fees.write_text(
        "0000008930553 13648029 N 20121009 20150106 20190106 EXP. \n"  # on the 4th anniversary
        "0000006857133 10123456 N 20020101 20050222 20080820 M1551\n"
        "0000006857133 10123456 N 20020101 20050222 20120815 M1552\n"
        "0000006857133 10123456 N 20020101 20050222 20170222 EXP. \n"  # on the 12th: not at the 8th, paid
    )
    assert run("import", "uspto-maintfee", fees, "--out", tmp_path / "o").exit_code == 0
    lapses = {
        (e["right_id"], e["effective_date"], e["value"])
        for e in rows(tmp_path / "o", "events")
        if e["event"] == "lapsed_unpaid_fee"
    }
    assert lapses == {("US8930553", "2019-01-07", "0"), ("US6857133", "2017-02-23", "8")}


def test_a_lapse_is_never_placed_at_an_anniversary_whose_fee_was_paid(tmp_path):
    fees = tmp_path / "fees.txt"
    fees.write_text(
        "0000006857133 10123456 N 20020101 20050222 20120815 M1552\n"
        "0000006857133 10123456 N 20020101 20050222 20130301 EXP. \n"  # the 8th-year fee was paid
    )
    result = run("import", "uspto-maintfee", fees, "--out", tmp_path / "o")
    assert result.exit_code == 1
    (reject,) = rows(tmp_path / "o" / "REJECTS", "import")
    assert "8th-year fee was paid on 2012-08-15" in reject["reason"]


def test_fee_lines_that_cannot_be_true_are_rejected(tmp_path):
    fees = tmp_path / "fees.txt"
    fees.write_text(
        "000000D435854 29116510 N 19990106 20010102 20050301 EXP. \n"  # designs pay no maintenance fees
        "0000008930553 13648029 N 20121009 20150106 20180723 ZZZZ \n"  # a code nobody knows
        "0000008930553 13648029 N 20121009 20150106 20180723 REM. \n"
    )
    result = run("import", "uspto-maintfee", fees, "--out", tmp_path / "o")
    assert result.exit_code == 1
    reasons = [r["reason"] for r in rows(tmp_path / "o" / "REJECTS", "import")]
    assert any("designs pay no maintenance fees" in r for r in reasons)
    assert any("'ZZZZ' is not one ipgauge knows" in r for r in reasons)


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("uspto-maintfee", b"", "is empty"),
        ("uspto-maintfee", (REAL / "US08930553.xml").read_bytes(), "is not a maintenance fee events file"),
        ("uspto-grant", (REAL / "sample.txt").read_bytes(), "is not USPTO grant XML"),
        ("uspto-grant", (REAL / "example_3.xml").read_bytes(), "is not USPTO grant XML"),
        ("uspto-grant", bytes(range(256)) * 40, "is not USPTO grant XML"),
        ("uspto-assignment", (REAL / "US08930553.xml").read_bytes(), "is not a USPTO patent-assignment file"),
        ("epo-legal", (REAL / "ad20160101.xml").read_bytes(), "is not an EPO OPS legal-status response"),
        ("epo-legal", b"", "is empty"),
    ],
)
def test_a_file_of_another_kind_is_one_sentence_and_exit_2(tmp_path, fmt, content, message):
    path = tmp_path / "input"
    path.write_bytes(content)
    result = run("import", fmt, path, "--out", tmp_path / "o")
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "o").exists()  # nothing half-written, not even the folder


def test_an_import_never_deletes_someone_elses_file(tmp_path):
    out = tmp_path / "prev"
    assert run("import", "uspto-maintfee", REAL / "sample.txt", "--out", out).exit_code == 0
    (out / "notes.txt").write_text("mine")
    result = run("import", "uspto-grant", GRANTS[0], "--out", out)
    assert result.exit_code == 2 and "already holds files" in result.stderr
    assert (out / "notes.txt").read_text() == "mine"
    twice = run("import", "uspto-grant", GRANTS[0], GRANTS[0], "--out", tmp_path / "t")
    assert twice.exit_code == 2 and "named twice" in twice.stderr


def test_an_undeclared_entity_is_a_reject(tmp_path):
    doc = tmp_path / "entity.xml"
    doc.write_bytes(GRANTS[0].read_bytes().replace(b"Managing mid-dialog", b"Managing &foo; mid-dialog"))
    assert run("import", "uspto-grant", doc, "--out", tmp_path / "o").exit_code == 1
    assert rows(tmp_path / "o" / "REJECTS", "import")[0]["reason"] == "entity &foo; is not one the USPTO's DTDs declare"


def test_epo_events_of_one_day_are_one_row(tmp_path):
    assert (
        run("import", "epo-legal", REAL / "example_1.xml", REAL / "example_3.xml", "--out", tmp_path / "e").exit_code
        == 0
    )
    keys = [(e["right_id"], e["event"], e["effective_date"]) for e in rows(tmp_path / "e", "events")]
    assert len(keys) == len(set(keys))  # the register's key: nothing for load to reject as a conflict


def test_the_whole_foreign_register_and_its_countries_add_up(imported):
    db = imported / "us.duckdb"

    def value(where: str, *more: str):
        result = run(
            "indicator", "valid_designs", "--jurisdiction", "US", "--region", where, "--as-of", "2010-12-31",
            "--known-at", K, "--db", db, "--format", "json", *more,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    assert value("CN")["value"] == 1  # the whole register: the Japanese-held design counts
    japan = value("JP", "--share-of", "CN")  # the only design is held in Japan: all of the register's
    assert (japan["value"], japan["parent_value"], japan["share_pct"]) == (1, 1, 100.0)
    assert value("US", "--share-of", "CN")["share_pct"] == 0.0
    for args, message in [
        (["valid_invention_patents_per_10k", "--region", "US"], "no population for US"),
        (["high_value_invention_patents", "--jurisdiction", "US", "--region", "US"], "follows CNIPA's definitions"),
        (["valid_invention_patents", "--region", "ZZ"], "no region or group 'ZZ'"),
    ]:
        result = run("indicator", *args, "--as-of", "2016-12-31", "--known-at", K, "--db", db)
        assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_status_names_the_holder_and_takes_us_numbers_as_written(imported):
    db = imported / "us.duckdb"
    for spelling in ("US8930553", "US08930553", "US8930553B2", "us 8,930,553"):
        result = run("status", spelling, "--as-of", "2020-01-01", "--known-at", K, "--db", db)
        assert result.exit_code == 0, (spelling, result.stderr)
        assert "International Business Machines Corporation" in result.stdout and "US-NY" in result.stdout
        assert "(last day 2033-02-15)" in result.stdout
    after = run("status", "US8930553", "--as-of", "2033-02-16", "--known-at", K, "--db", db)
    assert "the last day in force was 2033-02-15" in after.stdout


def test_an_older_register_takes_us_patents_after_its_upgrade(small_delivery, tmp_path):
    db = tmp_path / "old.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    con = duckdb.connect(str(db))  # make it a format-2 store: no claims, none of the US columns
    for table, columns in {
        "parties": ("city", "subdivision"),
        "patents": ("kind_code", "cpc", "term_from", "related", "terminal_disclaimer"),
    }.items():
        for c in columns:
            con.execute(f"ALTER TABLE {table} DROP COLUMN {c}")
    con.execute("DROP TABLE claims")
    con.execute("UPDATE meta SET value = '2' WHERE key = 'format'")
    con.close()
    result = run("import", "uspto-grant", *GRANTS, "--out", tmp_path / "g")
    assert result.exit_code == 0
    loaded = run("load", tmp_path / "g", "--db", db, "--recorded-on", K)
    assert loaded.exit_code == 0, loaded.stdout + loaded.stderr
    status = run("status", "US7272630", "--as-of", "2010-01-01", "--known-at", K, "--db", db)
    assert "IN FORCE" in status.stdout and "Microsoft Corporation" in status.stdout


def test_taiwan_hong_kong_and_macao_are_named_as_parts_of_china():
    from ipgauge.regions.groups import region

    assert (region("TW").name_zh, region("TW").name_en) == ("中国台湾", "Taiwan, China")
    assert region("HK").name_en == "Hong Kong SAR, China" and region("MO").name_zh == "中国澳门"


def test_a_late_payment_reinstated_settles_its_stage_for_a_later_expiry(tmp_path):
    fees = tmp_path / "fees.txt"
    fees.write_text(  # the 4th-year fee paid late and reinstated; the 8th left unpaid
        "0000008930553 13648029 N 20121009 20150106 20190211 EXP. \n"
        "0000008930553 13648029 N 20121009 20150106 20190513 M1551\n"
        "0000008930553 13648029 N 20121009 20150106 20190520 EXPX \n"
        "0000008930553 13648029 N 20121009 20150106 20230106 EXP. \n"
    )
    assert run("import", "uspto-maintfee", fees, "--out", tmp_path / "o").exit_code == 0
    lapses = [e["effective_date"] for e in rows(tmp_path / "o", "events") if e["event"] == "lapsed_unpaid_fee"]
    assert sorted(lapses) == ["2019-01-07", "2023-01-07"]  # the second at the 8th anniversary, not the 4th again


def test_an_expiry_is_dated_against_every_payment_of_the_run_in_any_order(tmp_path):
    fees = tmp_path / "fees.txt"
    fees.write_text(
        "0000009000005 12000005 N 20080101 20100615 20140616 EXP. \n"  # before the payment it depends on
        "0000008930553 13648029 N 20121009 20150106 20190106 EXP. \n"  # another patent's line in between
        "0000009000005 12000005 N 20080101 20100615 20131201 M1551\n"  # the 4th-year fee, in time
        "0000009000006 12000006 N 20080101 20100615 20131201 M1551\n"
        "0000009000006 12000006 N 20080101 20100615 20220701 EXP. \n"  # the 8th-year fee is not in the file
    )
    result = run("import", "uspto-maintfee", fees, "--out", tmp_path / "o")
    assert result.exit_code == 1
    (reject,) = rows(tmp_path / "o" / "REJECTS", "import")
    assert reject["document"].endswith("(0000009000005)") and "4th-year fee was paid on 2013-12-01" in reject["reason"]
    lapses = {e["right_id"]: e for e in rows(tmp_path / "o", "events") if e["event"] == "lapsed_unpaid_fee"}
    assert lapses["US8930553"]["effective_date"] == "2019-01-07"
    six = lapses["US9000006"]  # the first stage left unpaid, not the latest anniversary before the expiry
    assert (six["effective_date"], six["value"]) == ("2018-06-16", "4") and "8th-year fee is not among" in six["note"]


def test_a_grant_brings_its_citations_publication_and_who_cited_what():
    from ipgauge.adapters.uspto_grant import parse

    sip = parse(1, (REAL / "US08930553.xml").read_bytes()).patent
    assert sip["related"] == ["publication:US 20140101323 A1:2014-04-10"]
    cited = sip["citations"]
    assert len(cited) == 21 and sum(c.startswith("examiner:") for c in cited) == 6
    assert cited[0] == "applicant:US 7844851 B2, Cosmadopoulos et al., 2010-11"
    assert any(c.startswith("applicant:NPL Rosenberg") for c in cited) and all(";" not in c for c in cited)
    mesh = parse(1, (REAL / "US07272630B2.xml").read_bytes()).patent
    assert "division:US 09876376:2001-06-06" in mesh["related"] and len(mesh["citations"]) == 116
