"""`ipgauge import cnipa-*`: hand-written files in CNIPA's shapes (docs/import.md) into the register, the law on them.

The fixtures in tests/data/cnipa are written by hand after FORMATS.md's skeletons with invented values
(no CNIPA data may be redistributed): a PCT application and an application (new format, A), its
grant (B) with patentees, a utility model (U) whose DOCTYPE names the unfetchable entity file, a
design (S) with the design block, an old cn-patent-document (A) with a stylesheet and an internal
subset, a wrong check digit; PRS records; the trademark open-data tables.
"""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from conftest import run
from edges import one_line_error
from ipgauge.adapters.cnipa_common import application_id, country_of_text, party_type
from ipgauge.adapters.uspto_xml import Malformed
from ipgauge.law.cn import unpaid_fee_lapse
from ipgauge.regions.divisions import divisions
from ipgauge.regions.parts import division_code

DATA = Path(__file__).parent / "data" / "cnipa"
PATENT_FILES = sorted(DATA.glob("new_*.xml")) + [DATA / "old_A.xml"]


def _rows(folder: Path, table: str) -> list[dict]:
    with (folder / f"{table}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _by(rows: list[dict], key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows}


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("202111286633.X", "CN202111286633.X"),  # FORMATS.md's real numbers, recomputed
        ("CN202180002433.9", "CN202180002433.9"),
        ("ZL201510481495.9", "CN201510481495.9"),
        ("2014104087625", "CN201410408762.5"),
        ("201910000011", "CN201910000011.2"),  # no check character: computed, nothing to verify
        ("112021000002433", "CN202180002433.9"),  # the standard form of a PCT entry (applType 11)
        ("102021001286633", "CN202111286633.X"),
        ("99811452.9", "CN99811452.9"),  # before 2003: 8 digits
        ("101999000012345", "CN99112345.X"),  # … and in the standard form: YY, the kind digit, five digits
    ],
)
def test_application_numbers_in_every_printed_form(printed, expected):
    assert application_id(printed) == expected


@pytest.mark.parametrize("bad", ["202111286633.1", "CN201910000011.3", "2019-1000-0011", "", "PCT/CN2020/1"])
def test_a_wrong_check_digit_or_no_number_is_malformed(bad):
    with pytest.raises(Malformed):
        application_id(bad)


def test_division_parts_as_cnipa_writes_them():
    assert division_code("辽宁省", "沈阳市", "浑南区") == "210112"
    assert division_code("辽宁", "沈阳", "和平区") == "210102"  # without level words
    assert division_code("北京市", "市辖区", "海淀区") == "110108"  # the municipality's placeholder
    assert division_code("北京", "北京市", "海淀区") == "110108"  # … or its own name as the city
    assert division_code("上海", "上海市", "闸北区") == "310106"  # merged into Jing'an in 2015
    assert division_code("湖北省", "襄樊市", "0") == "420600"  # renamed Xiangyang in 2010
    assert division_code("天津市", "0", "蓟县") == "120119"  # made Jizhou district in 2016
    assert division_code("山东省", "莱芜市", "莱城区") == "370116"  # Laiwu into Jinan, 2019
    assert division_code("湖北省", "0", "仙桃市") == "429004"  # directly administered
    assert division_code("江苏省", "0", "鼓楼区") == "320000"  # two Gulou districts: the province, no guess
    assert division_code("0", "0", "0") is None
    assert division_code("0", "0", "浑南区") == "210112"  # a county name unique in the country


def test_every_county_resolves_from_its_names():
    wrong = []
    for d in divisions().values():
        if d.level == "county":
            city = divisions()[d.parent_code]
            if division_code(divisions()[d.province_code].name_zh, city.name_zh, d.name_zh) != d.code:
                wrong.append(d.code)
    assert wrong == []


def test_party_types_and_countries_read_from_names_and_addresses():
    assert [party_type(n) for n in ("东北大学", "沈阳化工研究院", "李明", "株式会社电装", "Vertex Helix AB")] == [
        "university", "research_institute", "individual", "enterprise", "enterprise",
    ]  # fmt: skip
    assert [country_of_text(t) for t in ("日本国东京都", "100080 德国柏林", "中国香港特别行政区", "辽宁省沈阳市")] == [
        "JP", "DE", "HK", None,
    ]  # fmt: skip


def test_patent_documents_of_both_formats_import(tmp_path):
    out = tmp_path / "p"
    result = run("import", "cnipa-patent", DATA, "--out", out)
    assert result.exit_code == 1, result.stderr  # one document rejected, the rest imported
    (reject,) = _rows(out, "REJECTS/import")
    assert reject["file"] == "bad_check.xml" and "fails its check digit (expected 3, found 4)" in reject["reason"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["not_imported"] == {"files in the folders that are not patent documents (index files)": 1}
    patents = _by(_rows(out, "patents"), "patent_id")
    assert set(patents) == {"CN202110123456.7", "CN202120234567.0", "CN202230345678.9"}
    b = patents["CN202110123456.7"]
    assert (b["kind"], b["kind_code"], b["filing_date"], b["grant_date"]) == (
        "invention",
        "B",
        "2021-10-08",
        "2023-05-12",
    )
    assert b["ipc"] == "G06F 16/31;G06N 3/08" and b["related"] == "publication:CN114300001A:2022-04-15"
    assert patents["CN202230345678.9"]["kind"] == "design" and patents["CN202120234567.0"]["kind"] == "utility_model"
    assert "&ipphdb-reg;" in patents["CN202120234567.0"]["title"]  # the unfetchable entity kept as written
    parties = _by(_rows(out, "parties"), "party_id")
    holders = [parties[h] for h in b["holders"].split(";")]
    assert [(h["name"], h["party_type"], h["region_code"]) for h in holders] == [
        ("沈阳新松数据有限公司", "enterprise", "210112"), ("东北大学", "university", "210102"),
    ]  # fmt: skip
    (design_holder,) = patents["CN202230345678.9"]["holders"].split(";")
    assert parties[design_holder]["region_code"] == "310106"  # 闸北区, today's Jing'an
    apps = _by(_rows(out, "applications"), "application_id")
    assert set(apps) == {"CN202110123456.7", "CN202180002433.9", "CN200810012345.3"}  # A documents only
    granted = apps["CN202110123456.7"]  # its A publication and its B grant, one row
    assert (granted["status"], granted["status_date"], granted["right_id"], granted["publication_number"]) == (
        "granted", "2023-05-12", "CN202110123456.7", "CN114300001A",
    )  # fmt: skip
    pct = apps["CN202180002433.9"]
    assert (pct["route"], pct["pct_number"], pct["priority"], pct["priority_date"]) == (
        "pct_national_phase", "PCT/KR2020/012345", "KR 10-2019-0123456", "2019-09-25",
    )  # fmt: skip
    (kr,) = pct["applicants"].split(";")
    assert (parties[kr]["country"], parties[kr]["party_type"]) == ("KR", "enterprise")
    old = apps["CN200810012345.3"]  # the old format: only the first applicant has an address
    first, second = (parties[p] for p in old["applicants"].split(";"))
    assert (first["address"], first["country"], second["country"], second["party_type"]) == (
        "辽宁省沈阳市沈河区南塔街1号", "CN", "CN", "individual",
    )  # fmt: skip
    assert old["ipc"] == "C08L 23/06;C08K 3/04"
    claims = {(c["patent_id"], c["number"]): c["depends_on"] for c in _rows(out, "claims")}
    assert claims[("CN202110123456.7", "3")] == "1;2" and claims[("CN202110123456.7", "1")] == ""
    addresses = manifest["addresses"]
    assert (addresses["from_province_city_county"], addresses["from_address_text"], addresses["unresolved"]) == (
        4,
        1,
        1,
    )


def test_a_zipped_weekly_shard_imports_like_its_files(tmp_path):
    shard = tmp_path / "CN-PA-TXTS-10-B_20230512.zip"
    with zipfile.ZipFile(shard, "w") as z:
        for i, f in enumerate(PATENT_FILES):
            folder = f"CN{i:03d}"
            method = zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED  # both methods a shard may use
            z.write(f, f"{folder}/{f.name.upper()}", compress_type=method)
            z.writestr(f"{folder}/HDA0001.JPG", b"\xff\xd8\xff\xd9")  # images are skipped
    zipped, plain = tmp_path / "z", tmp_path / "f"
    assert run("import", "cnipa-patent", shard, "--out", zipped).exit_code == 0
    assert run("import", "cnipa-patent", *PATENT_FILES, "--out", plain).exit_code == 0
    for table in ("patents", "parties", "applications", "claims"):
        assert sorted(map(str, _rows(zipped, table))) == sorted(map(str, _rows(plain, table))), table


def test_inputs_that_are_not_cnipa_patent_files_are_one_sentence(tmp_path):
    split = tmp_path / "batch.z01"
    split.write_bytes(b"PK\x07\x08 part of a split archive")
    assert "split archive" in one_line_error(run("import", "cnipa-patent", split, "--out", tmp_path / "a"))
    other = tmp_path / "other.xml"
    other.write_text("<?xml version='1.0'?><us-patent-grant/>")
    assert "is not CNIPA patent XML" in one_line_error(run("import", "cnipa-patent", other, "--out", tmp_path / "b"))
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    assert "ZIP" in one_line_error(run("import", "cnipa-patent", broken, "--out", tmp_path / "c"))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_legal_status_records_map_to_events(tmp_path):
    out = tmp_path / "l"
    result = run("import", "cnipa-legal", DATA / "prs.xml", "--out", out)
    assert result.exit_code == 1  # the record with a wrong check digit
    events = {(e["right_id"], e["event"]): e for e in _rows(out, "events")}
    key = "CN202110123456.7"
    moved = events[(key, "transferred")]
    assert (moved["effective_date"], moved["recorded_date"]) == ("2024-02-28", "2024-03-12")
    (buyer,) = _rows(out, "parties")
    assert (moved["value"], buyer["name"], buyer["region_code"]) == (
        buyer["party_id"],
        "大连星海智能科技有限公司",
        "210200",
    )
    lapse = events[(key, "lapsed_unpaid_fee")]  # CF01 gives no date: the fee for year 4 fell due 2024-10-08
    assert (lapse["effective_date"], lapse["recorded_date"], lapse["value"]) == ("2024-10-08", "2025-09-12", "3")
    assert "derived" in lapse["note"] and "2024-10-08" in lapse["note"]
    assert events[(key, "restored")]["effective_date"] == "2025-11-05"
    assert events[(key, "office_event")]["value"] == "GR01"  # kept verbatim
    pledge = events[("CN202120234567.0", "pledged")]
    assert (pledge["effective_date"], pledge["value"]) == ("2023-12-20", "")  # PRS gives no amount
    assert events[("CN202120234567.0", "waived")]["effective_date"] == "2024-09-30"
    void = events[("CN202230345678.9", "invalidated")]
    assert (void["effective_date"], void["recorded_date"]) == ("2024-03-15", "2024-04-26")


def test_unpaid_fee_lapse_by_the_cn_rule():
    # the latest filing anniversary whose six months' grace had ended by the announcement
    assert unpaid_fee_lapse(date(2015, 3, 10), date(2023, 2, 20)) == (date(2022, 3, 10), 7)  # about a year: usual
    assert unpaid_fee_lapse(date(2015, 3, 10), date(2022, 9, 10)) == (date(2022, 3, 10), 7)
    assert unpaid_fee_lapse(date(2015, 3, 10), date(2022, 9, 9)) == (date(2021, 3, 10), 6)
    assert unpaid_fee_lapse(date(2016, 2, 29), date(2021, 11, 1)) == (date(2021, 2, 28), 5)
    with pytest.raises(ValueError, match="too early"):
        unpaid_fee_lapse(date(2022, 1, 1), date(2023, 3, 1))


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    """The fixtures' patents and legal status in one register, recorded on 2025-12-31."""
    folder = tmp_path_factory.mktemp("hand")
    db = folder / "r.duckdb"
    assert run("import", "cnipa-patent", *PATENT_FILES, "--out", folder / "p").exit_code == 0
    assert run("import", "cnipa-legal", DATA / "prs.xml", "--out", folder / "l").exit_code == 1
    for d in ("p", "l"):
        assert run("load", folder / d, "--db", db, "--recorded-on", "2025-12-31").exit_code == 0
    return db


@pytest.mark.parametrize(
    ("right", "as_of", "known_at", "in_force"),
    [
        # the invention: granted 2023-05-12; the fee for year 4 unpaid (due 2024-10-08, announced 2025-09-12);
        # restored 2025-11-05
        ("CN202110123456.7", "2023-05-11", "2025-12-31", False),  # not yet granted
        ("CN202110123456.7", "2024-12-01", "2025-01-01", True),  # the lapse not yet announced
        ("CN202110123456.7", "2024-12-01", "2025-10-01", False),  # announced: out of force since 2024-10-08
        ("CN202110123456.7", "2024-10-07", "2025-10-01", True),  # the day before the anniversary
        ("CN202110123456.7", "2024-12-01", "2025-11-30", True),  # restored: the lapse undone
        # the utility model: waived with effect from 2024-09-30, announced 2024-10-18
        ("CN202120234567.0", "2024-10-01", "2024-10-10", True),
        ("CN202120234567.0", "2024-10-01", "2024-11-01", False),
        ("CN202120234567.0", "2024-09-29", "2024-11-01", True),
        # the design: declared invalid in whole on 2024-03-15, announced 2024-04-26: void from the start
        ("CN202230345678.9", "2023-01-01", "2024-04-01", True),
        ("CN202230345678.9", "2023-01-01", "2024-05-01", False),
        ("CN202230345678.9", "2023-01-01", "2024-07-01", False),  # a restoration (RR01) does not undo it
    ],
)
def test_in_force_answers_worked_by_hand(register, right, as_of, known_at, in_force):
    result = run("status", right, "--as-of", as_of, "--known-at", known_at, "--db", register, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["in_force"] is in_force


def test_trademark_tables_import(tmp_path):
    out = tmp_path / "t"
    result = run("import", "cnipa-trademark", *sorted(DATA.glob("*.csv")), "--out", out)
    assert result.exit_code == 1  # Nice class 46
    marks = _by(_rows(out, "trademarks"), "trademark_id")
    assert set(marks) == {"10000001", "10000002"}
    snow = marks["10000001"]
    assert (snow["mark_text"], snow["nice_classes"], snow["registration_date"]) == ("雪峰", "25;35", "2010-06-14")
    gi = marks["10000002"]
    assert (gi["kind"], gi["is_gi"]) == ("certification", "true")
    (renewal,) = _rows(out, "events")  # the right ends 2030-06-13: renewed for the term from 2020-06-14
    assert (renewal["right_id"], renewal["effective_date"], renewal["value"]) == (
        "10000001",
        "2020-06-14",
        "2030-06-14",
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["not_imported"] == {"trademark applications not registered": 1}
    kept = (out / "KEPT" / "注册商标基本信息.csv").read_text(encoding="utf-8").splitlines()
    assert kept[0] == "注册号/申请号,代理机构名称" and "10000001,北京某某商标代理有限公司" in kept
    (reject,) = _rows(out, "REJECTS/import")
    assert reject["document"].startswith("10000004") and "Nice class '46'" in reject["reason"]
    parties = _by(_rows(out, "parties"), "party_id")
    assert {p["region_code"] for p in parties.values()} == {"230103", "230184"}


def test_a_trademark_row_with_bytes_that_are_not_utf8_is_a_reject(tmp_path):
    basic = tmp_path / "basic.csv"
    basic.write_bytes(
        "注册号/申请号,国际分类,申请日期,注册公告日期\n1,9,2020-01-01,2021-01-01\n".encode()
        + b"2,9,2020-01-01,2021-01-01,"[:-1]
        + b"\xff\n"
    )
    holders = tmp_path / "holders.csv"
    holders.write_text(
        "注册号/申请号,注册人中文名称,注册人中文地址\n1,某公司,吉林省长春市朝阳区\n2,某公司,吉林省长春市\n"
    )
    out = tmp_path / "t"
    assert run("import", "cnipa-trademark", basic, holders, "--out", out).exit_code == 1
    assert [m["trademark_id"] for m in _rows(out, "trademarks")] == ["1"]
    assert "not UTF-8" in _rows(out, "REJECTS/import")[0]["reason"]


def test_a_damaged_zip_member_is_a_reject_not_a_silent_change(tmp_path):
    shard = tmp_path / "shard.zip"
    with zipfile.ZipFile(shard, "w") as z:
        z.write(DATA / "new_U.xml", "D1/new_U.XML", compress_type=zipfile.ZIP_STORED)
        z.write(DATA / "new_S.xml", "D2/new_S.XML", compress_type=zipfile.ZIP_DEFLATED)
    data = shard.read_bytes()
    shard.write_bytes(data.replace(b"<base:Date>20211122</base:Date>", b"<base:Date>20201122</base:Date>", 1))
    out = tmp_path / "o"
    assert run("import", "cnipa-patent", shard, "--out", out).exit_code == 1
    (reject,) = _rows(out, "REJECTS/import")
    assert "CRC" in reject["reason"] and [p["patent_id"] for p in _rows(out, "patents")] == ["CN202230345678.9"]


def test_a_file_named_with_its_folder_is_refused(tmp_path):
    result = run("import", "cnipa-patent", DATA / "new_B.xml", DATA, "--out", tmp_path / "o")
    assert "named twice" in one_line_error(result)


def test_hostile_trademark_tables(tmp_path):
    basic = tmp_path / "basic.csv"
    basic.write_text(
        "注册号/申请号,国际分类,申请日期,注册公告日期,专用期结束日期\n"
        "1,9,2015-01-01,2016-01-01,2026-01-01\n"  # the first term's end, printed a day late: not a renewal
        "2,25,2015-01-01\n",  # too few fields: a reject, the rest imports
        encoding="utf-8",
    )
    holders = tmp_path / "holders.csv"
    holders.write_text(
        "注册号/申请号,注册人中文名称,注册人中文地址\n1,甲公司,吉林省长春市朝阳区\n2,乙公司,吉林省长春市\n"
    )
    out = tmp_path / "t"
    assert run("import", "cnipa-trademark", basic, holders, "--out", out).exit_code == 1
    assert [m["trademark_id"] for m in _rows(out, "trademarks")] == ["1"] and _rows(out, "events") == []
    assert "fewer fields" in _rows(out, "REJECTS/import")[0]["reason"]
    alone = one_line_error(run("import", "cnipa-trademark", holders, "--out", tmp_path / "a"))
    assert "no basic-information table" in alone
    twice = tmp_path / "twice.csv"
    twice.write_text("注册号/申请号,国际分类,申请日期,国际分类\n1,9,2015-01-01,35\n")
    assert "names the column 国际分类 twice" in one_line_error(
        run("import", "cnipa-trademark", twice, "--out", tmp_path / "c")
    )
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("注册号/申请号,国际分类\n1,9\n".encode("gb18030"))
    assert "GBK" in one_line_error(run("import", "cnipa-trademark", gbk, "--out", tmp_path / "d"))


def test_someone_elses_file_inside_an_earlier_import_is_never_deleted(tmp_path):
    out = tmp_path / "t"
    run("import", "cnipa-trademark", *sorted(DATA.glob("*.csv")), "--out", out)
    (out / "KEPT" / "mine.csv").write_text("my notes")
    result = run("import", "cnipa-trademark", *sorted(DATA.glob("*.csv")), "--out", out)
    assert result.exit_code == 2 and (out / "KEPT" / "mine.csv").read_text() == "my notes"
