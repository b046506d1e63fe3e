"""Trust at the edges (issue 8): each case failed before its fix — stale caches, releases that stopped
reproducing, silent successes, ignored files, impossible values, tracebacks, broken round trips."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import PARTY_HEADER, read_rejects, run, snapshot, write_csv
from edges import (
    EVENT_HEADER,
    GOOD_PATENT,
    NORTHEAST,
    PARTIES,
    PATENT_HEADER,
    VIP,
    one_line_error,
    small_register,
    value,
)
from ipgauge.law.sources import register_files
from ipgauge.register import store
from ipgauge.register.schema import TRADEMARKS
from ipgauge.sqltext import path_literal

# -- 1. stale figures ------------------------------------------------------------------------------


def law_tables(db: Path) -> tuple[Path, int]:
    """The law's tables as Parquet (what Spark runs the law over; a cache) and the patents' rows read back."""
    con = store.connect(db, read_only=True)
    try:
        path = register_files(con, db)
        glob = path_literal(path / "history" / "patents.parquet")
        return path, duckdb.execute("SELECT count(*) FROM read_parquet(?)", [glob]).fetchall()[0][0]
    finally:
        con.close()


# -- 2. two clocks: releases pin the deliveries they saw -----------------------------------------------


@pytest.fixture
def released(tmp_path):
    db = small_register(tmp_path, 7)
    result = run("release", *NORTHEAST, "--db", db, "--out", tmp_path / "rel", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    release_id = json.loads((tmp_path / "rel" / "figures.json").read_text(encoding="utf-8"))["release_id"]
    return db, release_id


def _in_force_patent(db: Path) -> tuple[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("""
            SELECT p.patent_id, p.holders[1] FROM patents p JOIN parties h ON h.party_id = p.holders[1]
            WHERE p.kind = 'invention' AND h.country = 'CN' AND h.resolved_region_code LIKE '21%'
              AND p.grant_date < DATE '2024-01-01' AND p.filing_date > DATE '2016-01-01'
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.right_id = p.patent_id
                              AND e.event IN ('lapsed_unpaid_fee', 'waived', 'invalidated'))
            ORDER BY p.patent_id LIMIT 1""").fetchall()[0]
    finally:
        con.close()


def test_a_release_reproduces_after_later_deliveries_and_diff_names_the_clock(released, tmp_path):
    db, release_id = released
    patent, holder = _in_force_patent(db)
    later = tmp_path / "later"
    # delivered on 2025-07-20: a lapse with no recorded_date (so "recorded" on its effective date, before K)
    # and a patent filed in 2020 (its own date, before K): both would change what "known on K" meant
    write_csv(
        later, "events", EVENT_HEADER[:4] + ["value"], [["patent", patent, "lapsed_unpaid_fee", "2025-03-01", "5"]]
    )
    write_csv(
        later,
        "patents",
        PATENT_HEADER,
        [  # two, so that the figure moves although one patent left it
            ["CN202010123456.2", "CN", "invention", "新专利", "2020-05-01", "2021-06-01", "G06F 16/31", holder],
            ["CN202010123457.7", "CN", "invention", "新专利二", "2020-05-01", "2021-06-01", "G06F 16/31", holder],
        ],
    )
    (later / "manifest.json").write_text('{"recorded_date": "2025-07-20"}', encoding="utf-8")
    loaded = run("load", later, "--db", db)
    assert loaded.exit_code == 0, loaded.stdout + loaded.stderr
    again = run("release", "--reproduce", release_id, "--db", db, "--out", tmp_path / "again")
    assert again.exit_code == 0, again.stderr
    result = run("release", "diff", release_id, "--known-at", "2025-06-30", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.stderr
    changed = {
        r["right_id"]: r
        for c in json.loads(result.stdout)
        if c["indicator"] == VIP and c["figure"] == "value"
        for r in c["rights"]
    }
    assert changed[patent]["change"] == "left" and changed[patent]["clock"] == "delivered_later"
    assert "delivered later (delivery 2, received 2025-07-20)" in changed[patent]["cause"]
    assert changed["CN202010123456.2"]["change"] == "entered"
    assert changed["CN202010123456.2"]["clock"] == "delivered_later"


# -- 3. a --db that cannot hold a register ---------------------------------------------------------


def test_a_db_that_is_not_a_duckdb_file_is_refused(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    some_csv = write_csv(tmp_path, "some", ["a"], [["1"]])
    before = some_csv.read_bytes()
    assert "is not an ipgauge register" in one_line_error(run("load", folder, "--db", some_csv))
    assert some_csv.read_bytes() == before
    assert "must end in .duckdb" in one_line_error(run("load", folder, "--db", tmp_path / "new.csv"))
    assert not (tmp_path / "new.csv").exists()
    assert "is a folder" in one_line_error(run("load", folder, "--db", tmp_path))
    assert "is not an ipgauge register" in one_line_error(
        run("indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--db", some_csv)
    )


# -- 4. files in a delivery are named, never skipped ------------------------------------------------


def _loop(folder: Path) -> None:
    (folder / "parties.csv").unlink()
    os.symlink(folder / "parties.csv", folder / "parties.csv")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_loop, "parties.csv in"),
        (lambda f: (f / "Patents.CSV").write_text("x\n"), "Patents.CSV in"),
        (lambda f: (f / "manifest.json").mkdir(), "manifest.json in"),
        (lambda f: (f / "notes.txt").write_text("x"), "notes.txt is not a canonical file"),
        (lambda f: os.symlink(f / "nowhere.csv", f / "events.csv"), "events.csv in"),
    ],
)
def test_unknown_odd_or_unreadable_files_stop_the_load(tmp_path, make, message):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    make(folder)
    assert message in one_line_error(run("load", folder, "--db", tmp_path / "r.duckdb"))
    assert not (tmp_path / "r.duckdb").exists() or snapshot(tmp_path / "r.duckdb")["parties"] == []


# -- 5. impossible values are rejected with line and reason ----------------------------------------


def _load_rejects(tmp_path, table, header, rows, **more):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    for name, (h, r) in more.items():
        write_csv(folder, name, h, r)
    write_csv(folder, table, header, rows)
    result = run("load", folder, "--db", tmp_path / "r.duckdb")
    return result, read_rejects(folder, table)


@pytest.mark.parametrize(
    ("table", "header", "row", "reason"),
    [
        ("population", ["region_code", "year", "population"], ["210000", "2020", "0"], "population: 0 is not"),
        ("patents", PATENT_HEADER, GOOD_PATENT[:4] + ["0000-01-05"] + GOOD_PATENT[5:], "is outside 1800-2199"),
        ("patents", PATENT_HEADER, [" CN202310123456.6 "] + GOOD_PATENT[1:], "patent_id: has spaces around it"),
        ("patents", PATENT_HEADER, GOOD_PATENT[:3] + ["一种\x00机器人"] + GOOD_PATENT[4:], "title: holds a control"),
        (
            "events",
            EVENT_HEADER,
            ["patent", GOOD_PATENT[0], "lapsed_unpaid_fee", "2014-01-05", "", "1"],
            "effective_date: 2014-01-05 is before the patent CN202310123456.6 was filed",
        ),
        (
            "events",
            EVENT_HEADER,
            ["patent", GOOD_PATENT[0], "lapsed_unpaid_fee", "0000-01-05", "", "1"],
            "is outside 1800-2199",
        ),
    ],
)
def test_impossible_values_are_rejected(tmp_path, table, header, row, reason):
    more = {"patents": (PATENT_HEADER, [GOOD_PATENT])} if table == "events" else {}
    result, rejects = _load_rejects(tmp_path, table, header, [row], **more)
    assert result.exit_code == 1  # the parties loaded, this row did not
    assert len(rejects) == 1 and reason in rejects[0]["reason"] and rejects[0]["line"] == "2"


def test_a_party_id_with_spaces_is_rejected_not_orphaned(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, [[" P1", "x", "enterprise", "CN", "", ""]])
    result = run("load", folder, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2
    assert "party_id: has spaces around it" in read_rejects(folder, "parties")[0]["reason"]


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('{"synthetic": "false"}', "synthetic must be true or false"),
        ('{"recorded_date": 20250101}', "recorded_date 20250101 is not a date"),
        ('{"recorded_date": "0000-01-01"}', "recorded_date"),
        ("[1, 2]", "must hold a JSON object"),
    ],
)
def test_manifest_values_are_checked(tmp_path, manifest, message):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    assert message in one_line_error(run("load", folder, "--db", tmp_path / "r.duckdb"))


# -- 6. one sentence instead of a traceback --------------------------------------------------------


def test_a_huge_field_beside_a_malformed_row(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    huge = GOOD_PATENT[:3] + ["机" * 200_000] + GOOD_PATENT[4:]
    write_csv(folder, "patents", PATENT_HEADER, [huge, GOOD_PATENT + ["ex\ntra" + "机" * 1000]])
    result = run("load", folder, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 1, result.stderr
    rejected = read_rejects(folder, "patents")[0]
    extra = '["ex\\ntra' + "机" * 1000 + '"]'
    assert rejected["reason"] == f"expected 8 fields, found 9; the extra values (JSON): {extra}"  # kept
    report = (folder / "REJECTS" / "report.txt").read_text(encoding="utf-8").splitlines()
    assert len(report) == 1 and report[0].endswith(extra)  # one line, whole
    assert "… (whole in report.txt)" in result.stdout and "机" * 1000 not in result.stdout  # printed, cut
    assert rejected["patent_id"] == GOOD_PATENT[0]


@pytest.fixture(scope="module")
def read_only_register(tmp_path_factory) -> Path:
    """One small register for the misuse cases that only read (each is refused before it could write)."""
    return small_register(tmp_path_factory.mktemp("misuse"), 7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["indicator", VIP, "--region", "CN", "--as-of", "0001-01-01"], "--as-of 0001-01-01 is outside"),
        (
            ["indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--series", "yearly", "--from", "0001-01-01"],
            "--from 0001-01-01 is outside",
        ),
        (["indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--from", "2020-01-01"], "add --series"),
        (
            ["indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--format", "xml"],
            "'--format': 'xml' is not one of",
        ),
        (
            ["indicator", VIP, "--region", "210000", "--as-of", "2024-01-01", "--share-of", "220000"],
            "does not contain 210000",
        ),
        (["status", "CN202310123456.6", "--as-of", "2024-01-01", "--format", "csv"], "unknown --format 'csv'"),
        (["regions", "liaoning", "--format", "yaml"], "'--format': 'yaml' is not one of"),
        (["indicators", "--format", "yaml"], "'--format': 'yaml' is not one of"),
        (["synth", "--seed", "-1", "--out", "X"], "--seed -1 must be"),
        (["load", "X", "--recorded-on", "2025-13-01"], "--recorded-on '2025-13-01' is not a date"),
        (["release", "diff", "R1", "--known-at", "2025-01-01", "--format", "csv"], "unknown --format 'csv'"),
        (["indicator"], "Missing argument"),
        (["export", "--out", ""], "an empty path"),
        (["load", ""], "an empty path"),
        (["load", "--nope"], "No such option"),
    ],
)
def test_misuse_is_one_sentence(tmp_path, args, message, read_only_register):
    db = tmp_path / "r.duckdb"
    if args[0] in ("indicator", "status", "release"):
        db = read_only_register
    args = [str(tmp_path / "x") if a == "X" else a for a in args]
    result = run(
        *args, *(["--db", db] if args[0] in ("indicator", "status", "release", "load") and len(args) > 2 else [])
    )
    assert message in one_line_error(result)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            'region = "northeast"\nas_of = 2025-04-30\nknown_at = 2025-06-30\ntrend_months = "twelve"\n',
            "trend_months must be a whole number",
        ),
        (
            'region = "northeast"\nas_of = 2025-04-30\nknown_at = 2025-06-30\nindicators = "valid_trademarks"\n',
            "indicators must be a list",
        ),
        ("region = 5\nas_of = 2025-04-30\nknown_at = 2025-06-30\n", "region must be text"),
        ('region = "northeast"\nas_of = 2025-04-30T10:00:00\nknown_at = 2025-06-30\n', "a date and time"),
    ],
)
def test_release_spec_with_wrong_types(tmp_path, spec, message):
    path = tmp_path / "spec.toml"
    path.write_text(spec, encoding="utf-8")
    assert message in one_line_error(run("release", "--spec", path, "--db", tmp_path / "r.duckdb"))


def test_parquet_struct_column_is_one_sentence(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    table = pa.table(
        {"party_id": ["P1"], "name": [{"zh": "甲", "en": "A"}], "party_type": ["enterprise"], "country": ["CN"]}
    )
    pq.write_table(table, folder / "parties.parquet")
    assert "column 'name' is of type struct" in one_line_error(run("load", folder, "--db", tmp_path / "r.duckdb"))


def test_an_unexpected_error_names_its_log_and_exits_3(tmp_path, monkeypatch):
    monkeypatch.setenv("IPGAUGE_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("IPGAUGE_DEBUG", raising=False)

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("ipgauge.regions.groups.search", bug)
    line = one_line_error(run("regions", "辽宁"), 3)
    (log,) = (tmp_path / "logs").glob("crash-*.log")
    assert str(log) in line and "ZeroDivisionError" in line
    assert "Traceback" in log.read_text(encoding="utf-8") and "a bug" in log.read_text(encoding="utf-8")


# -- 7. round trips and look-ups -------------------------------------------------------------------


def test_export_loads_back_and_keeps_the_synthetic_flag(tmp_path):
    db = small_register(tmp_path, 7)
    assert run("export", "--out", tmp_path / "ex", "--db", db).exit_code == 0
    again = tmp_path / "again.duckdb"
    result = run("load", tmp_path / "ex", "--db", again)
    assert result.exit_code == 0, result.stderr
    assert "SYNTHETIC" in result.stdout
    assert value(again) == value(db)
    con = duckdb.connect(str(again), read_only=True)
    assert con.execute("SELECT bool_and(synthetic) FROM deliveries").fetchall()[0][0] is True
    con.close()


def test_retired_codes_are_found_and_answered_for_by_their_successor(tmp_path):
    for query in ("371202", "莱芜市", "371200"):
        result = run("regions", query, "--format", "json")
        assert result.exit_code == 0, result.stderr
        rows = json.loads(result.stdout)
        assert any(r["level"] == "retired" and r["code"] == query or r["name_zh"] == query for r in rows)
    db = small_register(tmp_path, 7)
    result = run("indicator", VIP, "--region", "371200", "--as-of", "2024-01-01", "--db", db, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["region"] == "370100"
    assert "371200 (莱芜市, Laiwu) was retired in 2019; the figures are for its successor 370100" in result.stderr


def test_regions_json_is_the_contract():
    result = run("regions", "210200", "--format", "json")
    (row,) = [r for r in json.loads(result.stdout) if r["code"] == "210200"]
    assert list(row)[:5] == ["code", "name_zh", "name_en", "level", "parent"]
    assert row["level"] == "prefecture" and row["parent"] == "210000"
    csv_out = run("regions", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("code,name_zh,name_en,level,parent") and len(csv_out) > 31


def test_indicators_listing_as_json_and_csv():
    rows = json.loads(run("indicators", "--format", "json").stdout)
    assert VIP in {r["name"] for r in rows} and all(r["label_zh"] for r in rows)
    assert run("indicators", "--format", "csv").stdout.startswith("name,label_zh")


# -- 8. what a newcomer trips on -------------------------------------------------------------------


def test_tables_print_whole_values_when_not_on_a_terminal(tmp_path):
    db = small_register(tmp_path, 7)
    result = run(
        "indicator",
        "valid_trademarks",
        "--region",
        "CN",
        "--as-of",
        "2025-04-30",
        "--db",
        db,
        "--known-at",
        "2025-06-30",
        "--by",
        "subregion",
    )
    assert result.exit_code == 0
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) > 80


def test_licence_files():
    root = Path(__file__).parent.parent
    assert "MIT License" in (root / "LICENSE").read_text(encoding="utf-8")
    assert "Apache" in (root / "src" / "ipgauge" / "data" / "SOURCES.md").read_text(encoding="utf-8")


def test_store_unchanged_by_every_refused_load(tmp_path):
    db = small_register(tmp_path, 7)
    before = snapshot(db)
    folder = tmp_path / "bad"
    shutil.copytree(tmp_path / "synth-7", folder)
    (folder / "stray.xlsx").write_text("x")
    one_line_error(run("load", folder, "--db", db))
    assert snapshot(db) == before


# -- a full disk -----------------------------------------------------------------------------------


# -- found by a hostile user ------------------------------------------------------------------------


def test_rejects_never_overwrite_a_delivery(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES + [["P2", "x", "nonsense", "CN", "", ""]])
    before = (folder / "parties.csv").read_bytes()
    assert "is the delivery folder itself" in one_line_error(
        run("load", folder, "--db", tmp_path / "r.duckdb", "--rejects", folder)
    )
    other = tmp_path / "other"
    write_csv(other, "parties", PARTY_HEADER, PARTIES)
    assert "not a rejects file" in one_line_error(
        run("load", folder, "--db", tmp_path / "r.duckdb", "--rejects", other)
    )
    assert (folder / "parties.csv").read_bytes() == before
    assert run("load", folder, "--db", tmp_path / "r.duckdb").exit_code == 1  # its own REJECTS/ is fine, twice
    assert run("load", folder, "--db", tmp_path / "r2.duckdb").exit_code == 1


def test_an_event_is_checked_against_the_deliverys_own_version_of_its_right(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    write_csv(folder, "patents", PATENT_HEADER, [GOOD_PATENT])
    db = tmp_path / "r.duckdb"
    assert run("load", folder, "--db", db).exit_code == 0
    fix = tmp_path / "fix"  # the filing date corrected to an earlier one, and an event between the two
    write_csv(fix, "patents", PATENT_HEADER, [GOOD_PATENT[:4] + ["2022-06-05"] + GOOD_PATENT[5:]])
    write_csv(fix, "events", EVENT_HEADER, [["patent", GOOD_PATENT[0], "pledged", "2022-07-01", "", "1000 CNY"]])
    result = run("load", fix, "--db", db, "--recorded-on", "2025-07-01")
    assert result.exit_code == 0, result.stdout


def test_decimal_ids_in_parquet_and_odd_trademark_numbers_are_refused(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    table = pa.table({"party_id": pa.array([1.5]), "name": ["x"], "party_type": ["enterprise"], "country": ["CN"]})
    pq.write_table(table, folder / "parties.parquet")
    assert "must be text or whole numbers" in one_line_error(run("load", folder, "--db", tmp_path / "r.duckdb"))
    header = [c.name for c in TRADEMARKS.columns if c.required]  # the optional US columns left out
    row = ["", "CN", "禾诺", "ordinary", "false", "35", "2020-01-01", "2021-01-01", "P1"]  # in schema order
    for bad in ("abc", "1e6", "-5", "0", "0123", "１２３"):
        result, rejects = _load_rejects(tmp_path / bad, "trademarks", header, [[bad, *row[1:]]])
        assert result.exit_code == 1 and "is not a CN registration number" in rejects[0]["reason"], bad


def test_markup_and_emoji_codes_are_text(tmp_path):
    odd = tmp_path / "m[/x] :skull:"
    write_csv(odd, "parties", PARTY_HEADER, PARTIES)
    header = [c.name for c in TRADEMARKS.columns if c.required]  # the optional US columns left out
    write_csv(
        odd,
        "trademarks",
        header,
        [["9000001", "CN", "[/x] :skull:", "ordinary", "false", "35", "2020-01-01", "2021-01-01", "P1"]],
    )
    db = tmp_path / "r.duckdb"
    result = run("load", odd, "--db", db)
    shown = "".join(result.stdout.split())  # the folder's path may be wrapped across lines
    assert result.exit_code == 0 and "m[/x]" in shown and ":skull:" in shown
    result = run("status", "9000001", "--as-of", "2024-01-01", "--db", db)
    assert result.exit_code == 0 and "[/x] :skull:" in result.stdout and "💀" not in result.stdout
    result = run("export", "--out", tmp_path / "e[red]x", "--db", db)
    assert result.exit_code == 0 and "e[red]x" in result.stdout


def test_a_release_that_fails_keeps_no_snapshot(tmp_path):
    db = small_register(tmp_path, 7)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert "is a file" in one_line_error(run("release", *NORTHEAST, "--db", db, "--out", blocker))
    con = duckdb.connect(str(db), read_only=True)
    kept = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'releases'").fetchall()
    count = con.execute("SELECT count(*) FROM releases").fetchall()[0][0] if kept[0][0] else 0
    con.close()
    assert count == 0
    assert "leave out --region" in one_line_error(run("release", "--reproduce", "R1", "--region", "CN", "--db", db))


def test_rejected_rows_are_a_warning_or_an_error(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES + [["P2", "x", "nonsense", "CN", "", ""]])
    result = run("load", folder, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 1 and result.stderr.startswith("warning: 1 row rejected")
    write_csv(folder, "parties", PARTY_HEADER, [["P2", "x", "nonsense", "CN", "", ""]])
    result = run("load", folder, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 2 and result.stderr.startswith("error: 1 row rejected")


def test_a_header_only_file_without_a_final_newline_loads_as_empty(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    (folder / "events.csv").write_text(",".join(EVENT_HEADER), encoding="utf-8")
    result = run("load", folder, "--db", tmp_path / "r.duckdb")
    assert result.exit_code == 0, result.stderr


# -- found by a second hostile pass ----------------------------------------------------------------


def test_a_tampered_cache_file_of_the_same_size_is_not_trusted(tmp_path):
    db = small_register(tmp_path, 7)
    cached, rows = law_tables(db)
    for f in cached.rglob("*.parquet"):
        f.write_bytes(b"\0" * f.stat().st_size)
    assert law_tables(db) == (cached, rows)


def test_the_cache_can_live_elsewhere(tmp_path, monkeypatch):
    db = small_register(tmp_path, 7)
    _, rows = law_tables(db)
    shutil.rmtree(db.parent / f"{db.name}.cache")
    monkeypatch.setenv("IPGAUGE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert law_tables(db)[1] == rows
    assert list((tmp_path / "elsewhere").glob("r.duckdb-*.cache/law-tables-*"))
    assert not (db.parent / f"{db.name}.cache").exists()


def test_a_damaged_register_is_one_sentence(tmp_path):
    db = small_register(tmp_path, 7)
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    for args in (
        ["load", tmp_path / "synth-7"],
        ["export", "--out", tmp_path / "ex"],
        ["indicator", VIP, "--region", "CN", "--as-of", "2024-01-01"],
    ):
        result = run(*args, "--db", cut)
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout


def test_a_refused_first_load_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    (folder / "patents.csv").write_bytes(b"\xff\xfe not utf-8")
    one_line_error(run("load", folder, "--db", tmp_path / "new" / "r.duckdb"))
    assert not (tmp_path / "new").exists()


def test_dates_must_be_written_in_full_and_deliveries_not_come_from_the_future(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    assert "is not a date" in one_line_error(run("load", folder, "--recorded-on", "20250101"))
    (folder / "manifest.json").write_text('{"recorded_date": "2199-01-01"}', encoding="utf-8")
    assert "in the future" in one_line_error(run("load", folder, "--db", tmp_path / "r.duckdb"))
