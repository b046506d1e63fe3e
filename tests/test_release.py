"""Releases: the wording, the text from figures, every output read back, snapshots, reproduce and diff."""

from __future__ import annotations

import csv
import json
import shlex
import shutil
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import run, write_csv
from ipgauge.indicators.query import open_engine
from ipgauge.law.spells import scan
from ipgauge.regions.groups import nation, region

AS_OF, K = date(2025, 4, 30), date(2025, 6, 30)


@pytest.fixture(scope="module")
def released(small_delivery, tmp_path_factory):
    work = tmp_path_factory.mktemp("release")
    db = work / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", work / "rj").exit_code == 0
    result = run(
        "release", "--region", "northeast", "--as-of", AS_OF, "--known-at", K, "--db", db, "--out", work / "out"
    )
    assert result.exit_code == 0, result.stderr
    with open_engine(db, K) as engine:
        names = ("valid_invention_patents", "high_value_invention_patents", "valid_trademarks", "gi_products")
        truth = {n: engine.point(n, region("northeast"), AS_OF, nation()) for n in names}
    release_id = json.loads((work / "out" / "figures.json").read_text(encoding="utf-8"))["release_id"]
    return work, db, truth, result.stdout, release_id


def test_every_file_is_written_and_labelled_synthetic(released):
    work, _, _, stdout, _ = released
    out = work / "out"
    for name in (
        "release.zh.md",
        "release.en.md",
        "release.html",
        "release.pdf",
        "figures.xlsx",
        "figures.csv",
        "figures.json",
        "map.png",
        "trend_valid_invention_patents.png",
    ):
        assert (out / name).stat().st_size > 0, name
    assert "合成数据" in (out / "release.zh.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in (out / "release.en.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in stdout and "东北三省一区" in stdout


def test_xlsx_figures_match_the_engine(released):
    work, _, truth, _, _ = released
    wb = load_workbook(work / "out" / "figures.xlsx")
    rows = {r[0]: r for r in wb["figures"].iter_rows(min_row=2, values_only=True)}
    for name, point in truth.items():
        assert rows[name][5] == point.value and rows[name][6] == point.previous
        assert rows[name][9] == point.extra["parent_value"]
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True)}
    assert about["synthetic"] == "True" and about["known_at"] == K.isoformat()


def test_json_and_csv_match_the_engine(released):
    work, _, truth, _, _ = released
    data = json.loads((work / "out" / "figures.json").read_text(encoding="utf-8"))
    got = {f["name"]: f for f in data["figures"]["figures"]}
    for name, point in truth.items():
        assert (got[name]["value"], got[name]["previous"]) == (point.value, point.previous)
        assert got[name]["yoy_pct"] == pytest.approx(point.yoy_pct, abs=0.01)
    with open(work / "out" / "figures.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["region"] == "northeast"]
    assert {r["indicator"]: int(float(r["value"])) for r in rows} == {n: p.value for n, p in truth.items()}
    assert all(r["synthetic"] == "True" for r in rows)


def test_html_and_pdf_carry_the_figures(released):
    work, _, truth, _, _ = released
    page = (work / "out" / "release.html").read_text(encoding="utf-8")
    pdf = "".join(p.extract_text() for p in PdfReader(work / "out" / "release.pdf").pages)
    compact = pdf.replace(" ", "").replace("\n", "")
    for point in truth.values():
        assert f"{point.value:,}" in page
        assert f"{point.value:,}" in compact
    assert "东北三省一区" in compact and "threeprovincesandoneregion" in compact
    assert "合成数据" in compact and "SYNTHETIC" in pdf


def test_reproduce_gives_identical_figures(released):
    work, db, _, _, release_id = released
    result = run("release", "--reproduce", release_id, "--db", db, "--out", work / "again")
    assert result.exit_code == 0, result.stderr
    first = json.loads((work / "out" / "figures.json").read_text(encoding="utf-8"))
    again = json.loads((work / "again" / "figures.json").read_text(encoding="utf-8"))
    assert first == again


def test_a_later_delivery_keeps_the_release_reproducible_and_diff_names_the_rights(released, small_delivery):
    work, db, truth, _, release_id = released
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    (patent,) = con.execute(f"""
        SELECT right_id FROM {scan(sorted(db.parent.glob(db.name + ".cache/spells-*"))[0])}
        WHERE right_type = 'patent' AND kind = 'invention' AND country = 'CN' AND province_code = '230000'
          AND valid_from <= DATE '2025-04-30' AND valid_to > DATE '2025-04-30'
        ORDER BY right_id LIMIT 1""").fetchall()[0]
    con.close()
    later = work / "later"
    later.mkdir()
    # the register learns in August that this patent lapsed in March (backdated)
    write_csv(
        later,
        "events",
        ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"],
        [["patent", patent, "lapsed_unpaid_fee", "2025-03-01", "2025-08-15", "5"]],
    )
    assert run("load", later, "--db", db, "--recorded-on", "2025-08-15").exit_code == 0
    again = run("release", "--reproduce", release_id, "--db", db, "--out", work / "again2")
    assert again.exit_code == 0, again.stderr
    diff = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db, "--format", "json")
    assert diff.exit_code == 0, diff.stderr
    changes = json.loads(diff.stdout)
    value_changes = [c for c in changes if c["indicator"] == "valid_invention_patents" and c["figure"] == "value"]
    assert value_changes and value_changes[0]["after"] == value_changes[0]["before"] - 1
    (right,) = value_changes[0]["rights"]
    assert right["right_id"] == patent and right["change"] == "left"
    assert "lapsed_unpaid_fee effective 2025-03-01, recorded 2025-08-15" in right["cause"]
    table = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db)
    assert "(1 right changed)" in table.stdout and "recorded later" in table.stdout
    shutil.rmtree(later)


def test_release_errors_are_one_sentence(released, tmp_path):
    _, db, _, _, _ = released
    for args, message in [
        (["--region", "atlantis", "--as-of", "2025-04-30"], "no region or group 'atlantis'"),
        (["--as-of", "2025-04-30"], "a release needs --region and --as-of"),
        (["--reproduce", "Rnope"], "there is no release 'Rnope'"),
        (["--region", "northeast", "--as-of", "2025-04-30", "--known-at", "2025-01-01"], "is before the date"),
    ]:
        result = run("release", *args, "--db", db, "--out", tmp_path / "x")
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_release_spec_file(released, tmp_path):
    _, db, truth, _, _ = released
    spec = tmp_path / "northeast.toml"
    spec.write_text(
        'region = "northeast"\nas_of = 2025-04-30\nknown_at = 2025-06-30\n'
        'indicators = ["valid_invention_patents", "gi_products"]\n',
        encoding="utf-8",
    )
    result = run("release", "--spec", spec, "--db", db, "--out", tmp_path / "spec", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "spec" / "figures.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in data["figures"]["figures"]] == ["valid_invention_patents", "gi_products"]
    assert data["figures"]["figures"][0]["value"] == truth["valid_invention_patents"].value
    bad = tmp_path / "bad.toml"
    bad.write_text('region = "northeast"\ncolour = "red"\n', encoding="utf-8")
    result = run("release", "--spec", bad, "--db", db, "--out", tmp_path / "bad")
    assert result.exit_code == 2 and "unknown release spec key 'colour'" in result.stderr


def test_demo_runs_end_to_end(tmp_path):
    result = run("demo", "--out", tmp_path, "--scale", "small")
    assert result.exit_code == 0, result.stderr
    assert "东北三省一区" in result.stdout and "the three provinces and one region" in result.stdout
    data = json.loads((tmp_path / "release" / "figures.json").read_text(encoding="utf-8"))
    assert data["synthetic"] is True and data["spec"]["region"] == "northeast"
    # the demo ends with commands to try on the register it built: each of them works as printed
    tries = [
        shlex.split(line)[1:]
        for line in result.stdout.split("Next, try")[1].splitlines()
        if line.startswith("  ipgauge ")
    ]
    assert len(tries) >= 5
    for args in tries:
        again = run(*args)
        assert again.exit_code == 0, (args, again.stderr)


def test_diff_counts_every_right_and_lists_them_on_request(small_delivery, tmp_path):
    db = tmp_path / "r.duckdb"
    assert run("load", small_delivery, "--db", db).exit_code == 0
    args = ["--region", "northeast", "--as-of", "2025-04-30", "--known-at", "2025-06-30", "--lang", "en"]
    assert run("release", *args, "--db", db, "--out", tmp_path / "rel").exit_code == 0
    release_id = json.loads((tmp_path / "rel" / "figures.json").read_text(encoding="utf-8"))["release_id"]
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    in_force = [
        r[0]
        for r in con.execute(f"""
        SELECT DISTINCT right_id FROM {scan(sorted(db.parent.glob(db.name + ".cache/spells-*"))[0])}
        WHERE right_type = 'patent' AND kind = 'invention' AND country = 'CN'
          AND province_code IN ('210000', '220000', '230000')
          AND valid_from <= DATE '2025-04-30' AND valid_to > DATE '2025-04-30'
        ORDER BY right_id LIMIT 25""").fetchall()
    ]
    con.close()
    later = tmp_path / "later"
    write_csv(
        later,
        "events",
        ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"],
        [["patent", p, "waived", "2025-03-01", "2025-08-15", ""] for p in in_force],
    )
    assert run("load", later, "--db", db, "--recorded-on", "2025-08-15").exit_code == 0
    table = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db)
    assert "(25 rights changed)" in table.stdout and "... and 5 more: add --all" in table.stdout
    every = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db, "--all")
    assert "more: add --all" not in every.stdout and all(p in every.stdout for p in in_force)
    data = json.loads(
        run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db, "--format", "json").stdout
    )
    value = [c for c in data if c["indicator"] == "valid_invention_patents" and c["figure"] == "value"][0]
    assert value["rights_changed"] == len(value["rights"]) == 25
    assert value["before"] - value["after"] == 25
