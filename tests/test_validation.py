"""Every validation rule, each with a malformed file, driven through the real command line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import PARTY_HEADER, read_rejects, run, write_csv
from ipgauge.regions.countries import countries
from ipgauge.regions.divisions import current, divisions, retired_codes
from ipgauge.register import store
from ipgauge.register.reader import _first_non_utf8
from ipgauge.register.rules import precomputed, reason_sql, table_rules, unscreened
from ipgauge.register.schema import TABLES, TRADEMARKS
from ipgauge.register.validate import prepare

PARTIES = [["P1", "哈尔滨某大学", "university", "CN", "230103", ""], ["P2", "Acme", "enterprise", "US", "", ""]]
PATENT_HEADER = ["patent_id", "jurisdiction", "kind", "title", "filing_date", "grant_date", "ipc", "holders"]
GOOD_PATENT = ["CN202310123456.6", "CN", "invention", "一种机器人", "2023-01-05", "2024-03-01", "G06F 16/31", "P1;P2"]


def delivery(tmp_path: Path, **tables: tuple[list[str], list[list[str]]]) -> Path:
    folder = tmp_path / "delivery"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    for name, (header, rows) in tables.items():
        write_csv(folder, name, header, rows)
    return folder


def load(folder: Path, tmp_path: Path):
    return run("load", folder, "--db", tmp_path / "r.duckdb")


def count(tmp_path: Path, table: str) -> int:
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    finally:
        con.close()


def one_reject(tmp_path, table, rows, header=None, **extra):
    header = header or PATENT_HEADER
    folder = delivery(tmp_path, **{table: (header, rows)}, **extra)
    result = load(folder, tmp_path)
    rejects = read_rejects(folder, table)
    return result, rejects


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (GOOD_PATENT[:4] + ["2019-02-30"] + GOOD_PATENT[5:], "filing_date: 2019-02-30 is not a date that exists"),
        (GOOD_PATENT[:4] + ["05/01/2023"] + GOOD_PATENT[5:], "filing_date: 05/01/2023 is not a date"),
        (GOOD_PATENT[:4] + [""] + GOOD_PATENT[5:], "filing_date: is required"),
        (GOOD_PATENT[:2] + ["gadget"] + GOOD_PATENT[3:], "kind: gadget is not one of invention, utility_model, design"),
        (GOOD_PATENT[:5] + ["2022-01-01"] + GOOD_PATENT[6:], "grant_date: 2022-01-01 is before filing_date 2023-01-05"),
        (["CN202310123456.5"] + GOOD_PATENT[1:], "patent_id: CN202310123456.5 fails its check digit (expected 6)"),
        (["CN2023101234.5"] + GOOD_PATENT[1:], "is not a CN application number"),
        (["CN202320123456.1"] + GOOD_PATENT[1:], "kind: invention does not match the kind digit 2"),
        (GOOD_PATENT[:1] + ["XX"] + GOOD_PATENT[2:], "jurisdiction: XX is not an ISO 3166-1 alpha-2 country code"),
        (GOOD_PATENT[:6] + ["G06F"] + GOOD_PATENT[7:], "ipc: G06F holds a symbol that is not an IPC group"),
        (GOOD_PATENT[:7] + ["P1;P9"], "holders: unknown party P9"),
        (GOOD_PATENT[:7] + ["P1;"], "holders: has an empty item"),
    ],
)
def test_patent_rules(tmp_path, row, reason):
    result, rejects = one_reject(tmp_path, "patents", [GOOD_PATENT, row])
    assert result.exit_code == 1
    assert len(rejects) == 1 and rejects[0]["line"] == "3"
    assert reason in rejects[0]["reason"]
    assert "patents.csv:3: " in result.stdout and reason in result.stdout and "1 row rejected" in result.stderr
    assert count(tmp_path, "patents") == 1  # the good row landed


def test_old_eight_digit_numbers_pass(tmp_path):
    # 8-digit numbers (before October 2003): weights 2..9, the kind is the third digit
    body = "99123456"
    check = sum(int(d) * w for d, w in zip(body, range(2, 10), strict=True)) % 11
    pid = f"CN{body}.{'X' if check == 10 else check}"
    (result,) = [
        load(
            delivery(tmp_path, patents=(PATENT_HEADER, [[pid] + GOOD_PATENT[1:4] + ["1999-05-01", "", "", "P1"]])),
            tmp_path,
        )
    ]
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["P3", "x", "company", "CN", "", ""], "party_type: company is not one of"),
        (["P3", "x", "enterprise", "China", "", ""], "country: China is not an ISO 3166-1 alpha-2"),
        (["P3", "x", "enterprise", "CN", "999999", ""], "region_code: 999999 is not a GB/T 2260 region code"),
        (["P3", "", "enterprise", "CN", "", ""], "name: is required"),
    ],
)
def test_party_rules(tmp_path, row, reason):
    folder = delivery(tmp_path)
    write_csv(folder, "parties", PARTY_HEADER, [*PARTIES, row])
    result = load(folder, tmp_path)
    assert result.exit_code == 1
    (reject,) = read_rejects(folder, "parties")
    assert reason in reject["reason"] and reject["line"] == "4"


def test_retired_region_code_is_accepted(tmp_path):
    folder = delivery(tmp_path)
    write_csv(folder, "parties", PARTY_HEADER, [*PARTIES, ["P3", "莱芜某厂", "enterprise", "CN", "371202", ""]])
    assert load(folder, tmp_path).exit_code == 0


EVENT_HEADER = ["right_type", "right_id", "event", "effective_date", "recorded_date", "value", "note"]
PID = GOOD_PATENT[0]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            ["patent", "CN202310000001.5", "waived", "2024-06-01", "", "", ""],
            "right_id: no patent CN202310000001.5 in the delivery or the register",
        ),
        (["patent", PID, "renewed", "2024-06-01", "", "2034-06-01", ""], "event: renewed does not apply to a patent"),
        (
            ["patent", PID, "lapsed_unpaid_fee", "2025-01-05", "2025-08-01", "two", ""],
            "value: two is not the last fee year paid",
        ),
        (["patent", PID, "pledged", "2024-06-01", "", "lots", ""], "value: lots is not an amount and currency"),
        (["patent", PID, "transferred", "2024-06-01", "", "P2;P8", ""], "value: unknown party P8"),
        (["patent", PID, "term_extended", "2024-06-01", "", "", ""], "value: (empty) is not a positive number of days"),
        (["patent", PID, "expired", "2024-06-01", "", "", ""], "event: expired is not one of"),
        (["patent", PID, "waived", "2024-06-01", "2024-13-01", "", ""], "recorded_date: 2024-13-01 is not a date"),
    ],
)
def test_event_rules(tmp_path, row, reason):
    ok = ["patent", PID, "annuity_paid", "2024-01-05", "", "2", ""]
    folder = delivery(tmp_path, patents=(PATENT_HEADER, [GOOD_PATENT]), events=(EVENT_HEADER, [ok, row]))
    result = load(folder, tmp_path)
    assert result.exit_code == 1, result.stdout
    (reject,) = read_rejects(folder, "events")
    assert reason in reject["reason"] and reject["line"] == "3"


def test_event_of_a_rejected_right_is_rejected_too(tmp_path):
    bad = ["CN202310123456.6"] + GOOD_PATENT[1:4] + ["2023-02-30"] + GOOD_PATENT[5:]
    ev = ["patent", PID, "waived", "2024-06-01", "", "", ""]
    folder = delivery(tmp_path, patents=(PATENT_HEADER, [bad]), events=(EVENT_HEADER, [ev]))
    result = load(folder, tmp_path)
    assert result.exit_code == 1  # the parties loaded, the patent and its event did not
    assert "no patent" in read_rejects(folder, "events")[0]["reason"]


def test_trademark_and_gi_rules(tmp_path):
    header = [c.name for c in TRADEMARKS.columns if c.required]  # the optional US columns left out
    good = ["123", "CN", "佳乐", "ordinary", "false", "35;9", "2020-01-01", "2021-01-01", "P1"]
    folder = delivery(
        tmp_path,
        trademarks=(
            header,
            [
                good,
                ["124", "CN", "x", "ordinary", "maybe", "35", "2020-01-01", "2021-01-01", "P1"],
                ["125", "CN", "x", "ordinary", "false", "46", "2020-01-01", "2021-01-01", "P1"],
                ["126", "CN", "x", "ordinary", "false", "35", "2020-01-01", "2019-01-01", "P1"],
            ],
        ),
        gi_products=(
            ["gi_id", "name", "region_codes", "approval_date"],
            [["GI1", "五常大米", "230184", "2008-01-01"], ["GI2", "某某", "230184;999999", "2008-01-01"]],
        ),
    )
    result = load(folder, tmp_path)
    assert result.exit_code == 1
    reasons = [r["reason"] for r in read_rejects(folder, "trademarks")]
    assert "is_gi: maybe is not true or false" in reasons[0]
    assert "nice_classes: 46 holds a class outside 1-45" in reasons[1]
    assert "registration_date: 2019-01-01 is before filing_date 2020-01-01" in reasons[2]
    (gi,) = read_rejects(folder, "gi_products")
    assert "region_codes: 999999 not a GB/T 2260 region code" in gi["reason"]


def test_conflicting_duplicates_are_rejected_and_exact_ones_merged(tmp_path):
    other = GOOD_PATENT[:3] + ["另一个标题"] + GOOD_PATENT[4:]
    folder = delivery(tmp_path, patents=(PATENT_HEADER, [GOOD_PATENT, other]))
    write_csv(folder, "parties", PARTY_HEADER, [PARTIES[0], PARTIES[0], PARTIES[1]])
    result = load(folder, tmp_path)
    assert result.exit_code == 1  # both patent rows rejected; the parties loaded
    lines = sorted(r["line"] for r in read_rejects(folder, "patents"))
    assert lines == ["2", "3"]
    assert "has conflicting rows on lines 2, 3" in read_rejects(folder, "patents")[0]["reason"]
    assert count(tmp_path, "parties") == 2


def test_rows_that_would_be_stored_the_same_are_one_row_not_a_conflict(tmp_path):
    spaced = GOOD_PATENT[:7] + ["P1; P2 "]  # the same holders list as "P1;P2" once split and trimmed
    other = GOOD_PATENT[:7] + ["P2;P1"]  # another order: another list, a real conflict
    folder = delivery(tmp_path, patents=(PATENT_HEADER, [GOOD_PATENT, spaced]))
    assert load(folder, tmp_path).exit_code == 0
    assert count(tmp_path, "patents") == 1
    folder = delivery(tmp_path / "b", patents=(PATENT_HEADER, [GOOD_PATENT, other]))
    assert load(folder, tmp_path / "b").exit_code == 1
    assert "has conflicting rows on lines 2, 3" in read_rejects(folder, "patents")[0]["reason"]


def test_field_count_and_multiline_values_keep_line_numbers(tmp_path):
    folder = tmp_path / "delivery"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    text = (
        ",".join(PATENT_HEADER)
        + "\n"
        + ",".join(GOOD_PATENT[:3])
        + ',"一种\n多行\n标题",'
        + ",".join(GOOD_PATENT[4:6])
        + ',"G06F 16/31",P1\n'
        + "CN202310123456.6,CN,invention,too,many,fields,here,P1,extra\n"
        + ",".join(GOOD_PATENT[:4])
        + ",2023-02-30,"
        + ",".join(GOOD_PATENT[5:]).replace("P1;P2", "P1")
        + "\n"
    )
    (folder / "patents.csv").write_text(text, encoding="utf-8")
    result = load(folder, tmp_path)
    assert result.exit_code == 1
    rejects = read_rejects(folder, "patents")
    assert [(r["line"], r["reason"][:18]) for r in rejects] == [
        ("5", "expected 8 fields,"),
        ("6", "filing_date: 2023-"),
    ]
    assert "patents.csv:5: expected 8 fields, found 9" in result.stdout


def test_bom_is_accepted_and_other_encodings_refused(tmp_path):
    folder = tmp_path / "delivery"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES, encoding="utf-8-sig")
    assert load(folder, tmp_path).exit_code == 0
    write_csv(folder, "parties", PARTY_HEADER, [["P9", "某公司", "enterprise", "CN", "", ""]], encoding="gbk")
    result = load(folder, tmp_path)
    assert result.exit_code == 2
    assert "parties.csv is not UTF-8 (line 2, byte " in result.stderr  # the header is line 1
    assert count(tmp_path, "parties") == 2


def test_the_first_byte_that_is_not_utf8_is_found_across_blocks(tmp_path):
    good = "汉字,é\n".encode()  # multi-byte characters, some cut by every small block size below
    path = tmp_path / "x.csv"
    path.write_bytes(good * 50 + b"ok\xff\n" + good)
    expected = (51, len(good) * 50 + 2, 0xFF)
    for block in (1, 2, 3, 5, 7, 64, 1 << 20):
        assert _first_non_utf8(path, block) == expected, block
    path.write_bytes(good * 50 + "汉".encode()[:2])  # a character cut off by the end of the file
    assert _first_non_utf8(path, 7) == (51, len(good) * 50, "汉".encode()[0])
    path.write_bytes(good * 3)
    assert _first_non_utf8(path, 4) is None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (PATENT_HEADER + ["colour"], "patents.csv: unknown column 'colour'"),
        ([c for c in PATENT_HEADER if c != "holders"], "patents.csv: required column 'holders' is missing"),
    ],
)
def test_header_problems_refuse_the_whole_delivery(tmp_path, header, message):
    folder = delivery(tmp_path, patents=(header, [GOOD_PATENT[: len(header)]]))
    result = load(folder, tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r.duckdb").exists() or count(tmp_path, "parties") == 0


def test_missing_folder_empty_folder_and_stray_files(tmp_path):
    result = run("load", tmp_path / "nope", "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2 and "there is no delivery folder" in result.stderr
    (tmp_path / "empty").mkdir()
    result = run("load", tmp_path / "empty", "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2 and "holds none of the canonical files" in result.stderr
    folder = delivery(tmp_path)
    (folder / "patent.csv").write_text("x\n", encoding="utf-8")
    result = load(folder, tmp_path)
    assert result.exit_code == 2 and "patent.csv is not a canonical file" in result.stderr


def test_parquet_delivery_loads_like_csv(tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    pq.write_table(
        pa.table({"party_id": ["P1"], "name": ["x"], "party_type": ["enterprise"], "country": ["CN"]}),
        folder / "parties.parquet",
    )
    import datetime as dt

    pq.write_table(
        pa.table(
            {
                "patent_id": [GOOD_PATENT[0], "CN202310123456.5"],
                "jurisdiction": ["CN", "CN"],
                "kind": ["invention", "invention"],
                "title": ["t", "t"],
                "filing_date": [dt.date(2023, 1, 5)] * 2,
                "grant_date": [dt.date(2024, 3, 1), None],
                "ipc": [["G06F 16/31", "H04L 9/08"], None],
                "holders": [["P1"], ["P1"]],
            }
        ),
        folder / "patents.parquet",
    )
    result = load(folder, tmp_path)
    assert result.exit_code == 1
    (reject,) = read_rejects(folder, "patents")
    assert reject["line"] == "3" and "check digit" in reject["reason"]
    con = duckdb.connect(str(tmp_path / "r.duckdb"), read_only=True)
    assert con.execute("SELECT ipc FROM patents").fetchall() == [(["G06F 16/31", "H04L 9/08"],)]
    con.close()


def test_families_accept_regional_offices(tmp_path):
    header = ["family_id", "jurisdiction", "document_number"]
    folder = delivery(tmp_path, families=(header, [["F1", "EP", "EP1234567A1"], ["F1", "ZZZ", "X"]]))
    result = load(folder, tmp_path)
    assert result.exit_code == 1
    assert "neither a country code nor a regional patent office" in read_rejects(folder, "families")[0]["reason"]


def test_everything_rejected_exits_2(tmp_path):
    folder = tmp_path / "delivery"
    write_csv(folder, "parties", PARTY_HEADER, [["P1", "x", "company", "CN", "", ""]])
    result = load(folder, tmp_path)
    assert result.exit_code == 2
    assert count(tmp_path, "parties") == 0
    assert count(tmp_path, "deliveries") == 0


def test_a_reference_to_a_row_rejected_in_the_same_delivery_says_so(tmp_path):
    bad = ["CN202310123456.5", *GOOD_PATENT[1:7], "P1;P3"]  # a wrong check digit; holder P3 rejected too
    folder = delivery(
        tmp_path,
        patents=(PATENT_HEADER, [bad]),
        events=(EVENT_HEADER, [["patent", bad[0], "waived", "2024-06-01", "", "", ""]]),
    )
    write_csv(folder, "parties", PARTY_HEADER, [*PARTIES, ["P3", "某厂", "enterprise", "CN", "999999", ""]])
    assert load(folder, tmp_path).exit_code == 1
    (patent,) = read_rejects(folder, "patents")
    assert "holders: unknown party P3 (its row in parties.csv was rejected)" in patent["reason"]
    (event,) = read_rejects(folder, "events")
    assert event["reason"] == (
        f"right_id: no patent {bad[0]} in the delivery or the register (its row in patents.csv was rejected)"
    )


def test_keys_are_compared_as_stored(tmp_path):
    header = ["region_code", "year", "population"]
    folder = delivery(tmp_path)
    write_csv(folder, "population", header, [["210000", "2024", "100"], ["210000", "02024", "50000000"]])
    assert load(folder, tmp_path).exit_code == 1  # one year written two ways, two values: a conflict
    assert "has conflicting rows on lines 2, 3" in read_rejects(folder, "population")[0]["reason"]
    write_csv(folder, "population", header, [["210000", "2024", "100"], ["210000", "02024", "0100"]])
    (tmp_path / "again").mkdir()
    assert load(folder, tmp_path / "again").exit_code == 0
    assert count(tmp_path / "again", "population") == 1  # the same row twice: kept once


#: Values meant to trip the rules' screens: control characters (NUL, DEL, a tab that is allowed), dates
#: that do not exist or lie outside the years, CN numbers with every check digit, empty list items.
ODD_VALUES = [
    None, "", " ", "a", "P1", " P1", "P1;", ";P1", "P1;;P2", "P1; ;P2", "P1;P2", "a\x00b", "a\x01", "\x7f", "x\ty",
    "line\nbreak", "2023-01-05", "2019-02-30", "1799-12-31", "1800-01-01", "2199-12-31", "2200-01-01", "05/01/2023",
    "2023-1-5", "20230105", "0000-01-01", "CN202310123456.6", "CN202310123456.5", "CN202310123456.X", "CN20231012345.6",
    "CN99100001.X", "CN99100001.7", "CN9910000A.1", "CNABCDEFGHIJKL.1", "CN202310123456.66", "CN 202310123456.6",
    "invention", "CN", "US", "12", "0", "1000000", "G06F 16/31", "9;35;42", "46", "1 CNY", "true", "false",
]  # fmt: skip


@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_screened_rules_give_the_reasons_of_the_rules_in_full(data):
    """The screens only skip work: with every screen TRUE, every table's rows get the same reasons."""
    folder = tempfile.TemporaryDirectory()
    con = store.connect(Path(folder.name) / "r.duckdb")  # the lookups read the register's tables
    prepare(con, sorted(set(divisions()) | set(retired_codes())), {c: current(c) for c in retired_codes()}, countries())
    con.execute("SET VARIABLE ipgauge_recorded = DATE '2025-06-30'")
    for table in TABLES:
        rows = data.draw(st.lists(st.lists(st.sampled_from(ODD_VALUES), min_size=len(table.columns),
                                           max_size=len(table.columns)), min_size=1, max_size=40))  # fmt: skip
        con.register("_rows", pa.table({c.name: pa.array([r[i] for r in rows], pa.string())
                                        for i, c in enumerate(table.columns)}))  # fmt: skip
        reasons = reason_sql(table_rules(table))

        def evaluated(values: dict[str, str], reasons=reasons) -> list:
            extra = "".join(f", {sql} AS {name}" for name, sql in values.items())
            return con.execute(
                f"SELECT {reasons} FROM (SELECT *, row_number() OVER () AS n{extra} FROM _rows) ORDER BY n"
            ).fetchall()

        screened, full = evaluated(precomputed(table)), evaluated(unscreened(table))
        assert screened == full, table.name
        con.unregister("_rows")
    con.close()
    folder.cleanup()
