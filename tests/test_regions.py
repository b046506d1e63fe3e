"""Regions, groups, addresses, population and the commands that look them up."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import run, write_csv
from ipgauge.errors import UserError
from ipgauge.regions.address import resolve
from ipgauge.regions.divisions import current, divisions
from ipgauge.regions.groups import groups, region, search
from ipgauge.regions.population import population, table
from ipgauge.register import store


def test_division_table_is_complete_and_named_in_both_languages():
    levels = [d.level for d in divisions().values()]
    assert levels.count("province") == 31 and levels.count("prefecture") == 342 and levels.count("county") == 2975
    assert divisions()["230000"].name_en == "Heilongjiang"
    assert divisions()["150700"].name_en == "Hulunbuir"
    assert all(d.name_en for d in divisions().values())


def test_retired_codes_map_to_successors():
    assert current("371200") == "370100" and current("371202") == "370116"
    assert current("110103") == "110101"
    assert region("371202").code == "370116"


def test_groups():
    ne = region("northeast")
    assert ne.codes_by_level() == {
        "province": ("210000", "220000", "230000"),
        "prefecture": ("150400", "150500", "150700", "152200", "152500"),
        "county": (),
    }
    assert ne.official_zh == "东北三省一区"
    provinces = sorted(m for g in ("nbs_east", "nbs_central", "nbs_west", "nbs_northeast") for m in groups()[g].members)
    assert provinces == sorted(d.code for d in divisions().values() if d.level == "province")
    assert region("east").code == "nbs_east"
    assert region("CN").is_nation


def test_unknown_region_is_one_sentence():
    with pytest.raises(UserError, match="no region or group 'atlantis'"):
        region("atlantis")


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("黑龙江省哈尔滨市南岗区西大直街92号", "230103"),
        ("哈尔滨市松北区", "230109"),  # the province is inferred
        ("山东省莱芜市莱城区人民路1号", "370116"),  # Laiwu's retired county → Jinan's Laiwu district
        ("上海市闸北区共和新路", "310106"),  # a county name cpca no longer knows
        ("某地某街", None),
    ],
)
def test_address_resolution(address, code):
    assert resolve([address]) == [code]


def test_population_latest_year_per_member(tmp_path):
    assert population(table(None), region("230000"), date(2024, 1, 1)).value == 31_850_088
    nation = population(table(None), region("CN"), date(2024, 1, 1))
    assert nation.value == 1_409_778_724 and nation.years == (2020,)
    with pytest.raises(UserError, match="no population for 230000"):
        population(table(None), region("230000"), date(2019, 1, 1))
    with pytest.raises(UserError, match="no population for 150100"):
        population(table(None), region("150100"), date(2024, 1, 1))
    provinces = sum(population(table(None), region(c), date(2024, 1, 1)).value for c in ("210000", "220000", "230000"))
    leagues = 4_035_967 + 2_873_168 + 2_242_875 + 1_416_929 + 1_107_075  # shipped: the five eastern leagues and cities
    assert population(table(None), region("northeast"), date(2024, 1, 1)).value == provinces + leagues
    folder = tmp_path / "d"
    write_csv(
        folder,
        "population",
        ["region_code", "year", "population"],
        [
            ["230000", "2023", "30990000"],
            ["150400", "2020", "4035967"],
            ["150500", "2020", "2873168"],
            ["150700", "2020", "2242875"],
            ["152200", "2020", "1416929"],
            ["152500", "2020", "1107075"],
        ],
    )
    db = tmp_path / "r.duckdb"
    assert run("load", folder, "--db", db).exit_code == 0
    con = store.connect(db, read_only=True)
    hlj = population(table(con), region("230000"), date(2024, 6, 30))
    assert (hlj.value, hlj.years) == (30_990_000, (2023,))
    assert population(table(con), region("230000"), date(2022, 6, 30)).value == 31_850_088
    ne = population(table(con), region("northeast"), date(2024, 6, 30))
    assert ne.years == (2020, 2023) and ne.year_label == "2020–2023"
    con.close()


def test_regions_command():
    result = run("regions", "莱芜")
    assert result.exit_code == 0 and "370116" in result.stdout
    assert "northeast" in run("regions").stdout
    assert search("Hulunbuir")[0].code == "150700"
    result = run("regions", "zzzz")
    assert result.exit_code == 2 and "no region or group matches" in result.stderr


def test_status_command(small_delivery, tmp_path):
    db = tmp_path / "r.duckdb"
    run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj")
    con = store.connect(db, read_only=True)
    right = con.execute(  # a lapse no restoration undid
        """SELECT right_id FROM events WHERE event = 'lapsed_unpaid_fee' AND right_id NOT IN
           (SELECT right_id FROM events WHERE event = 'restored') ORDER BY right_id LIMIT 1"""
    ).fetchall()[0][0]
    lapse, recorded = con.execute(
        "SELECT effective_date, recorded_date FROM events WHERE right_id = ? AND event = 'lapsed_unpaid_fee'", [right]
    ).fetchall()[0]
    con.close()
    after = run("status", right, "--as-of", lapse, "--db", db, "--format", "json")
    assert after.exit_code == 0, after.stderr
    import json

    verdict = json.loads(after.stdout)
    assert verdict["in_force"] is False and "lapsed (fee unpaid)" in verdict["reason"]
    before = run(
        "status", right, "--as-of", lapse, "--known-at", date.fromordinal(recorded.toordinal() - 1), "--db", db
    )
    assert "IN FORCE" in before.stdout and "NOT IN FORCE" not in before.stdout
    assert "not yet known" in before.stdout
    missing = run("status", "CN000000000000.0", "--as-of", "2024-01-01", "--db", db)
    assert missing.exit_code == 2 and "no patent, trademark or GI product" in missing.stderr


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("liaoning", "210000"),
        ("Liaoning", "210000"),
        ("辽宁", "210000"),
        ("辽宁省", "210000"),
        ("Jilin", "220000"),  # the province; the city is 吉林市 or its code
        ("吉林市", "220200"),
        ("内蒙古", "150000"),
        ("Inner Mongolia", "150000"),
        ("赤峰", "150400"),
        ("chifeng", "150400"),
        ("210200", "210200"),
        ("northeast", "northeast"),
    ],
)
def test_regions_as_people_type_them(typed, code):
    assert region(typed).code == code


def test_an_ambiguous_name_asks_for_the_code(tmp_path):
    with pytest.raises(UserError, match="names 2 prefectures .*230700 伊春市.*360900 宜春市"):
        region("Yichun")
    result = run(
        "indicator",
        "valid_invention_patents",
        "--region",
        "atlantis",
        "--as-of",
        "2024-01-01",
        "--db",
        tmp_path / "r.duckdb",
    )
    assert result.exit_code == 2 and "no region or group 'atlantis'" in result.stderr


def test_a_group_is_found_by_the_names_ipgauge_prints_for_it():
    from ipgauge.regions.groups import region

    for name in ("东北地区", "Northeast China", "东北三省一区", "northeast"):
        assert region(name).code == "northeast", name
    assert region("东北地区（三省）").code == "nbs_northeast"
    assert region("Liaoning Province").code == "210000"


def test_a_region_named_is_resolved_once_and_answers_as_its_code():
    from ipgauge.regions.groups import region

    region.cache_clear()
    first = region("liaoning")
    hits = region.cache_info().hits
    assert region("liaoning") is first and region.cache_info().hits == hits + 1  # the second time from the cache
    assert first.code == region("210000").code == region("辽宁").code == region("Liaoning Province").code
    for _ in range(5000):  # a client sending random names cannot grow the cache past its bound
        try:
            region(f"nowhere-{_}")
        except Exception:
            pass
    assert region.cache_info().currsize <= region.cache_info().maxsize
