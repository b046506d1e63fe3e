"""Releases: the wording, the text from figures, every output read back, snapshots, reproduce and diff."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import date

import duckdb
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import run, write_csv
from ipgauge.indicators.query import open_counter
from ipgauge.law.bitemporal import view_sql
from ipgauge.regions.groups import nation, region
from ipgauge.register import store

AS_OF, K = date(2025, 4, 30), date(2025, 6, 30)
EVENT_HEADER = ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"]


@pytest.fixture(scope="module")
def released(small_delivery, tmp_path_factory):
    work = tmp_path_factory.mktemp("release")
    db = work / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", work / "rj").exit_code == 0
    result = run(
        "release", "--region", "northeast", "--as-of", AS_OF, "--known-at", K, "--db", db, "--out", work / "out"
    )
    assert result.exit_code == 0, result.stderr
    with open_counter(db, K) as counter:
        names = ("valid_invention_patents", "high_value_invention_patents", "valid_trademarks", "gi_products")
        truth = {n: counter.point(n, region("northeast"), AS_OF, nation()) for n in names}
        flows = ("invention_grants", "trademark_registrations", "patent_pledges")
        truth |= {n: counter.point(n, region("northeast"), AS_OF) for n in flows}
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
    ws = wb["figures"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    for name, point in truth.items():
        assert rows[name]["value"] == point.value and rows[name]["previous"] == point.previous
        assert rows[name]["parent_value"] == point.extra.get("parent_value")
        assert (
            rows[name]["region_name_en"] == "Northeast China (with eastern Inner Mongolia)"
            and rows[name]["level"] == "group"
        )
        assert rows[name]["as_of"].date() == AS_OF  # a date, not text
    assert ws.freeze_panes == "A2" and ws.cell(row=2, column=header.index("value") + 1).number_format == "#,##0"
    assert ws.cell(row=2, column=header.index("yoy_pct") + 1).number_format == "+0.0;-0.0;0.0"
    members = wb["members"]
    m_header = [c.value for c in members[1]]
    first = dict(zip(m_header, next(members.iter_rows(min_row=2, values_only=True)), strict=True))
    assert first["region_name_zh"] and first["region_name_en"] and first["level"] in ("province", "prefecture")
    assert "yoy_pct" in m_header
    definitions = {r[0]: r for r in wb["definitions"].iter_rows(min_row=2, values_only=True)}
    assert set(truth) <= set(definitions) and all(r[5] and r[6] for r in definitions.values())
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True)}
    assert about["synthetic"] is True and about["known_at"].date() == K and about["deliveries"] == 1


def test_json_and_csv_match_the_engine(released):
    work, _, truth, _, _ = released
    data = json.loads((work / "out" / "figures.json").read_text(encoding="utf-8"))
    got = {f["name"]: f for f in data["figures"]["figures"]}
    for name, point in truth.items():
        assert (got[name]["value"], got[name]["previous"]) == (point.value, point.previous)
        assert got[name]["yoy_pct"] == pytest.approx(point.yoy_pct, abs=0.01)
    with open(work / "out" / "figures.csv", encoding="utf-8") as f:
        every = list(csv.DictReader(f))
    rows = [r for r in every if r["region_code"] == "northeast"]
    assert all(r["region_name_zh"] and r["region_name_en"] and r["level"] for r in every)
    assert {r["indicator"]: int(float(r["value"])) for r in rows if r["indicator"] in truth} == {
        n: p.value for n, p in truth.items()
    }
    assert all(r["synthetic"] == "true" for r in rows)


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


def test_pdf_tables_keep_their_captions_and_are_not_cut_after_a_row(tmp_path):
    """The release's own CSS and tables, after text of every length: no page ends on a caption or one row."""
    import io

    from weasyprint import HTML

    from ipgauge.releases.render import html_table
    from ipgauge.releases.style import CSS

    rows = [(f"地区{i}", f"{1000 + i:,}", f"{900 + i:,}", "+11.1%") for i in range(8)]
    table = html_table("表2 分地区有效发明专利 CAPTION", ("地区", "数值", "上年同期", "同比"), rows, {0})
    for lines in range(30, 60, 2):  # filler that puts the table at every height near a page's foot
        filler = "".join(f"<p>第{i}段 filler paragraph of the release text.</p>" for i in range(lines))
        buf = io.BytesIO()
        HTML(string=f"<html><head><style>{CSS}</style></head><body>{filler}{table}</body></html>").write_pdf(buf)
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(buf.getvalue())).pages]
        where = [n for n, t in enumerate(pages) if "CAPTION" in t]
        assert len(where) == 1
        holding = [n for n, t in enumerate(pages) if "地区" in t.replace("地区0", "").replace("分地区", "")]
        first_row = [n for n, t in enumerate(pages) if "地区0" in t]
        second_row = [n for n, t in enumerate(pages) if "地区1 " in t or "地区1\n" in t]
        assert where[0] in holding and first_row == where, (lines, where, first_row)  # caption, header, row 1 together
        assert second_row == first_row, (lines, first_row, second_row)  # never one row alone before a break


def test_release_list_names_the_stored_releases(released, tmp_path):
    work, db, _, _, release_id = released
    listed = run("release", "list", "--db", db, "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    (mine,) = [r for r in json.loads(listed.stdout) if r["release_id"] == release_id]
    assert (mine["region"], mine["as_of"], mine["known_at"]) == ("northeast", str(AS_OF), str(K))
    assert release_id in run("release", "list", "--db", db).stdout
    empty = run("release", "list", "--db", tmp_path / "none.duckdb")
    assert empty.exit_code == 2 and "there is no register" in empty.stderr


def test_reproduce_gives_identical_figures(released):
    work, db, _, _, release_id = released
    result = run("release", "--reproduce", release_id, "--db", db, "--out", work / "again")
    assert result.exit_code == 0, result.stderr
    first = json.loads((work / "out" / "figures.json").read_text(encoding="utf-8"))
    again = json.loads((work / "again" / "figures.json").read_text(encoding="utf-8"))
    assert first == again


def test_a_later_delivery_keeps_the_release_reproducible_and_diff_names_the_rights(released, small_delivery):
    work, db, truth, _, release_id = released

    con = store.connect(db, read_only=True)
    (patent,) = con.execute(f"""
        SELECT right_id FROM ({view_sql(date(2025, 6, 30))}) AS s
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
        EVENT_HEADER,
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
    members = [c for c in changes if c["figure"] == "member" and c["indicator"] == "valid_invention_patents"]
    (hlj,) = [c for c in members if c["region"] == "230000"]  # the patent's province, and only it
    assert hlj["after"] == hlj["before"] - 1 and hlj["name_en"] == "Heilongjiang"
    sentences = [c for c in changes if c["figure"] == "sentence"]
    before, after = value_changes[0]["before"], value_changes[0]["after"]
    for lang, old, new in (("zh", f"{before}件", f"{after}件"), ("en", f"{before:,}", f"{after:,}")):
        assert any(c["lang"] == lang and old in c["before"] and new in c["after"] for c in sentences), (lang, sentences)
    table = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db)
    assert "(1 right changed)" in table.stdout and "recorded later" in table.stdout
    assert "Member rows" in table.stdout and "230000 Heilongjiang" in table.stdout
    assert "Published sentences" in table.stdout and "[en] was:" in table.stdout
    shutil.rmtree(later)


def test_diff_names_rights_that_left_and_entered_a_figure_that_did_not_move(small_delivery, tmp_path):
    """A right moving out of the region and another moving in leave the count as it was: still a change."""

    work, db = tmp_path, tmp_path / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", work / "rj").exit_code == 0
    made = run("release", "--region", "northeast", "--as-of", AS_OF, "--known-at", K, "--db", db, "--out", work / "o")
    assert made.exit_code == 0, made.stderr
    release_id = json.loads((work / "o" / "figures.json").read_text(encoding="utf-8"))["release_id"]

    on = "valid_from <= DATE '2025-04-30' AND valid_to > DATE '2025-04-30' AND kind = 'invention' AND country = 'CN'"
    con = store.connect(db, read_only=True)
    pick = f"SELECT right_id, party_id FROM ({view_sql(date(2025, 6, 30))}) AS s WHERE right_type = 'patent' AND {on}"
    a, a_holder = con.execute(pick + " AND province_code = '230000' ORDER BY right_id DESC LIMIT 1").fetchall()[0]
    b, b_holder = con.execute(pick + " AND province_code = '440000' ORDER BY right_id LIMIT 1").fetchall()[0]
    con.close()
    swap = work / "swap"
    write_csv(
        swap,
        "events",
        EVENT_HEADER,
        [
            ["patent", a, "transferred", "2025-01-10", "2025-08-20", b_holder],  # Heilongjiang → Guangdong
            ["patent", b, "transferred", "2025-01-10", "2025-08-20", a_holder],  # Guangdong → Heilongjiang
        ],
    )
    assert run("load", swap, "--db", db, "--recorded-on", "2025-08-20").exit_code == 0
    diff = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db, "--format", "json")
    assert diff.exit_code == 0, diff.stderr
    (value,) = [
        c for c in json.loads(diff.stdout) if c["indicator"] == "valid_invention_patents" and c["figure"] == "value"
    ]
    assert value["before"] == value["after"]
    assert {(r["right_id"], r["change"]) for r in value["rights"]} == {(a, "left"), (b, "entered")}


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


def test_a_release_from_an_export_has_the_register_s_figures(released, tmp_path):
    """The whole path from `ipgauge export` to a release, the law run by the engine itself, to the digit."""
    work, db, _, _, _ = released
    export = tmp_path / "exp o'rt[1]"
    assert run("export", "--db", db, "--out", export).exit_code == 0
    args = ["--region", "northeast", "--as-of", AS_OF, "--known-at", K]
    result = run("release", *args, "--from", export, "--out", tmp_path / "ex", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "ex" / "figures.csv").read_bytes() == (work / "out" / "figures.csv").read_bytes()
    mine, theirs = (
        json.loads((d / "figures.json").read_text(encoding="utf-8")) for d in (tmp_path / "ex", work / "out")
    )
    assert mine["figures_checksum"] == theirs["figures_checksum"]
    assert mine["release_id"] != theirs["release_id"]  # its inputs are the export's files, not the register
    for extra, message in [
        (["--db", db], "not both"),
        (["--reproduce", mine["release_id"]], "kept only in its files"),
        (["--casework"], "needs the register itself"),
        (["--backend", "flink"], "'--backend': 'flink' is not one of"),
    ]:
        bad = run(
            "release", *([] if extra[0] == "--reproduce" else args), "--from", export, *extra, "--out", tmp_path / "b"
        )
        assert bad.exit_code == 2 and message in bad.stderr, (extra, bad.stderr)
    patents = export / "history" / "patents.parquet"
    original = patents.read_bytes()
    for damage, message in [
        ("SELECT * FROM read_parquet(?) UNION ALL SELECT * FROM read_parquet(?)", "has two versions from delivery 1"),
        ("SELECT * REPLACE (CAST(filing_date AS VARCHAR) AS filing_date) FROM read_parquet(?)", "should be DATE"),
    ]:
        kept = tmp_path / "patents.parquet"
        kept.write_bytes(original)
        duckdb.execute(f"COPY ({damage}) TO ? (FORMAT parquet)", [str(kept)] * damage.count("?") + [str(patents)])
        bad = run("release", *args, "--from", export, "--out", tmp_path / "b1")
        assert bad.exit_code == 2 and message in bad.stderr, bad.stderr  # refused, not counted twice or a crash
    patents.write_bytes(original)
    (export / "history" / "events.parquet").unlink()
    bad = run("release", *args, "--from", export, "--out", tmp_path / "b2")
    assert bad.exit_code == 2 and "incomplete: history/events.parquet missing" in bad.stderr, bad.stderr
    bad = run("release", *args, "--from", tmp_path, "--out", tmp_path / "b3")
    assert bad.exit_code == 2 and "is not an ipgauge export" in bad.stderr, bad.stderr


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


def test_an_office_release_carries_notes_footer_issuer_and_accessible_files(released, tmp_path):
    _, db, _, _, _ = released
    spec = tmp_path / "office.toml"
    spec.write_text(
        'region = "liaoning"\nas_of = 2025-03-15\nknown_at = 2025-06-30\npublished = 2025-07-10\n'
        'issuer_zh = "辽宁省知识产权局"\nissuer_en = "Liaoning Intellectual Property Administration"\n'
        'contact = "024-0000 0000"\n',
        encoding="utf-8",
    )
    result = run("release", "--spec", spec, "--db", db, "--out", tmp_path / "office")
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "office"
    zh = (out / "release.zh.md").read_text(encoding="utf-8")
    en = (out / "release.en.md").read_text(encoding="utf-8")
    assert (
        "统计时点：2025年3月15日；数据提取日：2025年6月30日；发布日期：2025年7月10日；发布单位：辽宁省知识产权局" in zh
    )
    assert "Reference date: 15 March 2025; data extracted: 30 June 2025; published: 10 July 2025" in en
    assert "issuer: Liaoning Intellectual Property Administration; contact: 024-0000 0000" in en
    assert "有效发明专利：截至统计时点仍然有效的国内发明专利" in zh  # the catalogue's definition as a note
    assert "| 地区 | 数值 | 上年同期 | 同比 |\n" in zh and "| Region | Value |" in en  # cities have no national rank
    assert "| 指标 | 数值 | 上年同期 | 同比 | 全国排名 | 占全国（%） | 单位 |" in zh  # the province has one
    page = (out / "release.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html><html lang='zh-CN'>") and "<caption>表2 辽宁省分地区有效发明专利" in page
    data = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    figures = data["figures"]["figures"]
    assert page.count("<img ") == len(figures) + 1  # the charts once, not once per language
    assert "alt='map'" not in page and "Line chart of valid invention patents in Liaoning" in page
    assert all(f["trend"][-1][0] == "2025-03-15" for f in figures)  # trends end at the release's own date
    assert {f["name"] for f in figures} >= {"high_value_invention_patents_per_10k", "invention_grants"}
    reader = PdfReader(out / "release.pdf")
    pages = [p.extract_text() for p in reader.pages if p.extract_text().strip()]
    assert len(pages) == len(set(pages))  # no page of text printed twice
    charts = {hashlib.sha256(i.data).hexdigest() for p in reader.pages for i in p.images}
    assert len(charts) == len(figures) + 1  # each chart is in the PDF once, shared by both languages


def test_hostile_specs_are_refused_or_made_harmless(released, tmp_path):
    _, db, _, _, _ = released

    def release(name: str, body: str, *more):
        spec = tmp_path / f"{name}.toml"
        spec.write_text("as_of = 2025-04-30\nknown_at = 2025-06-30\n" + body, encoding="utf-8")
        return run("release", "--spec", spec, "--db", db, "--out", tmp_path / name, *more)

    for name, body, message in [
        ("share", 'region = "liaoning"\nshare_of = "222400"\n', "does not contain 210000"),
        ("empty", 'region = "liaoning"\nindicators = []\n', "names no indicators"),
        ("long", f'region = "liaoning"\ncontact = "{"9" * 5000}"\n', "contact must be one line of at most 300"),
    ]:
        result = release(name, body)
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert not (tmp_path / name).exists()
    ids = set()
    for name, where in [("a", "辽宁"), ("b", "liaoning"), ("c", "210000")]:
        assert release(name, f'region = "{where}"\n').exit_code == 0
        ids.add(json.loads((tmp_path / name / "figures.json").read_text(encoding="utf-8"))["release_id"])
    assert len(ids) == 1  # one region, one release
    hostile = 'region = "liaoning"\nlanguages = ["en"]\nissuer_en = "<b>x</b> | *y*"\ncontact = "=HYPERLINK(1)"\n'
    result = release("a", hostile, "--lang", "both")
    assert result.exit_code == 0 and "辽宁省" not in result.stdout  # only the language it wrote
    out = tmp_path / "a"
    assert not (out / "release.zh.md").exists()  # the earlier release's Chinese file is gone
    en = (out / "release.en.md").read_text(encoding="utf-8")
    assert "issuer: \\<b\\>x\\</b\\> \\| \\*y\\*" in en and "<b>" not in en
    assert "&lt;b&gt;x&lt;/b&gt;" in (out / "release.html").read_text(encoding="utf-8")
    about = {r[0].value: r[1] for r in load_workbook(out / "figures.xlsx")["about"].iter_rows(min_row=2)}
    assert about["contact"].value == "=HYPERLINK(1)" and about["contact"].data_type == "s"


def test_maps_show_the_region_and_china_its_islands():
    from ipgauge.releases.charts import map_layers
    from release_cases import LIAONING, NORTHEAST, figures

    shaded, context, national = map_layers(
        figures(
            {
                "code": "CN",
                "kind": "nation",
                "name_zh": "全国",
                "name_en": "China",
                "official_zh": "全国",
                "official_en": "China",
            },
            [],
        )
    )
    assert national and {"710000", "810000", "820000", "460000"} <= set(shaded)  # Taiwan, HK, Macao drawn as China
    shaded, context, national = map_layers(figures(NORTHEAST, []))
    assert not national and set(shaded) == set(
        NORTHEAST["members"]
    )  # only the five leagues and cities of Inner Mongolia
    assert "150100" in context and "150400" not in context and not any(c.startswith("21") for c in context)
    shaded, context, _ = map_layers(figures(LIAONING, []))
    assert len(shaded) == 14 and all(c.startswith("21") for c in shaded)
