"""The catalogue on every backend: one suite, parametrised over DuckDB and Spark, checked against oracles.

Each oracle is a plain, hand-written DuckDB SQL query over the same spells file, so a test proves
both that the Ibis expression is right and that Spark computes exactly what DuckDB does.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import run
from ipgauge.engines import connect
from ipgauge.indicators.catalogue import DEFAULT_SETTINGS, catalogue, parse
from ipgauge.indicators.fields import sei_subclasses
from ipgauge.indicators.point import year_before
from ipgauge.indicators.query import Counter
from ipgauge.law import spellfiles
from ipgauge.law.bitemporal import view_sql
from ipgauge.law.stages import spell_sql
from ipgauge.regions.groups import nation, region
from ipgauge.regions.population import population, table
from ipgauge.register import store

K = date(2025, 6, 30)
D = date(2024, 12, 31)


@pytest.fixture(scope="session")
def spells_file(small_delivery, tmp_path_factory):
    """(register, the oracle's spells at K as Parquet, an open read-only connection).

    The oracle's spells come from the per-K law (the Ibis stages, compiled for DuckDB); the engines read the stored
    bitemporal table: the figures must agree.
    """
    db = tmp_path_factory.mktemp("ind") / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", db.parent / "rj").exit_code == 0
    con = store.connect(db, read_only=True)
    path = db.parent / "oracle.parquet"
    con.execute(f"COPY ({spell_sql(con, K)}) TO ? (FORMAT parquet)", [str(path)])
    yield db, path, con
    con.close()


@pytest.fixture(
    scope="session",
    params=[pytest.param("duckdb", marks=pytest.mark.duckdb), pytest.param("pyspark", marks=pytest.mark.pyspark)],
)
def counter(request, spells_file) -> Counter:
    db, _, con = spells_file
    ib = connect(request.param, store=con)
    return Counter(ib, lambda: spellfiles.read(ib, view_sql(K), con), K)


def where_sql(name: str, d: date, region_sql: str = "TRUE") -> str:
    """The oracle's WHERE clause for one indicator on one date, written by hand, apart from the counter."""
    ind = catalogue()[name]
    parts = [f"right_type = '{ind.right_type}'", region_sql]
    if ind.kinds:
        parts.append(f"kind IN ({', '.join(repr(k) for k in ind.kinds)})")
    if ind.domestic:
        parts.append("country = 'CN'")
    if ind.is_gi is not None:
        parts.append(f"is_gi = {str(ind.is_gi).lower()}")
    day = f"DATE '{d}'"
    if ind.measure == "granted":
        parts.append(f"valid_from = in_force_from AND in_force_from BETWEEN DATE '{d.year}-01-01' AND {day}")
        return " AND ".join(parts)
    if ind.measure == "pledged":  # the spell holding the first pledge, pledged this year
        parts.append("valid_from <= pledged_from AND pledged_from < valid_to")
        parts.append(f"pledged_from BETWEEN DATE '{d.year}-01-01' AND {day}")
        return " AND ".join(parts)
    parts.append(f"valid_from <= {day} AND valid_to > {day}")
    crit = {
        "strategic_industry": f"substr(ipc_main, 1, 4) IN ({', '.join(repr(s) for s in sei_subclasses())})",
        "family_abroad": "family_abroad",
        "maintained_10_years": f"{day} > filing_date + INTERVAL 10 YEAR",
        "pledged": f"pledge_max_cny >= {DEFAULT_SETTINGS.pledge_threshold_cny} AND pledged_from <= {day}",
        "awarded": f"awarded_from <= {day}",
    }
    if ind.criteria:
        parts.append("(" + " OR ".join(crit[c] for c in ind.criteria) + ")")
    together = {  # from the holders' own lists, not the flags the spells carry
        "co_held": "len(holders) >= 2",
        "academia_industry": "list_contains(holder_types, 'enterprise') AND "
        "(list_contains(holder_types, 'university') OR list_contains(holder_types, 'research_institute'))",
        "cross_region": "len(list_distinct(holder_regions)) >= 2",
    }
    if ind.collaboration:
        parts.append(together[ind.collaboration])
    return " AND ".join(parts)


def oracle(path: Path, name: str, d: date, region_sql: str = "TRUE") -> int:
    sql = f"SELECT count(*) FROM read_parquet(?) WHERE {where_sql(name, d, region_sql)}"
    return duckdb.execute(sql, [str(path)]).fetchall()[0][0]


BASES = [  # casework: test_casework; applications and rates: test_applications
    n for n, i in catalogue().items() if not i.is_per_10k and not i.is_fact and not i.is_ratio
]


@pytest.mark.parametrize("name", BASES)
@pytest.mark.parametrize("where", ["CN", "northeast", "440000"])
def test_points_match_the_oracle(counter, spells_file, name, where):
    r = region(where)
    point = counter.point(name, r, D)
    assert point.value == oracle(spells_file[1], name, D, r.sql_predicate())
    assert point.previous == oracle(spells_file[1], name, year_before(D), r.sql_predicate())


def test_catalogue_is_not_trivial(spells_file):
    # every base indicator counts something at national level, or the conformance above proves little
    for name in BASES:
        assert oracle(spells_file[1], name, D) > 0, name


def test_share_of_parent(counter, spells_file):
    point = counter.point("valid_invention_patents", region("230000"), D, share_of=nation())
    assert point.extra["parent_value"] == oracle(spells_file[1], "valid_invention_patents", D)
    assert point.extra["share_pct"] == round(point.value / point.extra["parent_value"] * 100, 2)


def test_per_10k_uses_the_census(counter):
    base = counter.point("valid_invention_patents", region("230000"), D)
    per = counter.point("valid_invention_patents_per_10k", region("230000"), D)
    assert per.value == round(base.value / population(table(None), region("230000"), D).value * 10_000, 2)
    assert per.extra["population_year"] == "2020"


@pytest.mark.parametrize(
    ("name", "period", "start"),
    [
        ("valid_invention_patents", "monthly", date(2015, 1, 1)),
        ("high_value_invention_patents", "quarterly", date(2020, 1, 1)),
        ("invention_grants", "monthly", date(2023, 11, 15)),
        ("patent_pledges", "quarterly", date(2021, 2, 1)),
        ("trademark_registrations", "monthly", date(2024, 1, 1)),
        ("valid_trademarks", "yearly", date(2010, 6, 1)),
    ],
)
def test_series_is_a_sweep_that_matches_every_date(counter, spells_file, name, period, start):
    where = region("northeast")
    points = counter.series(name, where, period, start, date(2025, 4, 30))
    last = {"monthly": date(2025, 4, 30), "quarterly": date(2025, 3, 31), "yearly": date(2024, 12, 31)}[period]
    assert points[-1].as_of == last  # the last period that has ended by --to
    for p in points:
        assert p.value == oracle(spells_file[1], name, p.as_of, where.sql_predicate()), p.as_of
        assert p.previous == oracle(spells_file[1], name, year_before(p.as_of), where.sql_predicate()), p.as_of


@pytest.mark.parametrize("by", ["subregion", "holder_type", "field"])
def test_breakdowns_add_up(counter, spells_file, by):
    where = region("northeast")
    rows = counter.breakdown("valid_invention_patents", where, D, by)
    total = oracle(spells_file[1], "valid_invention_patents", D, where.sql_predicate())
    assert sum(p.value for p in rows) == total
    if by == "subregion":
        assert {p.extra["part"] for p in rows} <= set(where.members)
        hlj = next(p for p in rows if p.extra["part"] == "230000")
        assert hlj.value == oracle(spells_file[1], "valid_invention_patents", D, "province_code = '230000'")
    if by == "field":
        g06f = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{spells_file[1]}') WHERE {where_sql('valid_invention_patents', D)} "
            f"AND {where.sql_predicate()} AND substr(ipc_main, 1, 4) IN ('G06F', 'G06N', 'G06T')"
        ).fetchall()[0][0]
        computer = next(p for p in rows if p.extra["label"] == "Computer technology")
        assert computer.value >= g06f > 0


def test_catalogue_validation_rejects_broken_definitions():
    good = (Path(__file__).resolve().parents[1] / "src/ipgauge/data/indicators.toml").read_text(encoding="utf-8")
    assert parse(good).keys() == catalogue().keys()
    with pytest.raises(ValueError, match="x: right_type 'car'"):
        parse(
            '[x]\nlabel_zh="a"\nlabel_en="a"\nunit_zh="a"\nunit_en="a"\ndefinition_en="a"\ndefinition_zh="a"\n'
            'source="a"\nright_type="car"'
        )
    with pytest.raises(ValueError, match="per_10k_of names no indicator"):
        parse(
            '[x]\nlabel_zh="a"\nlabel_en="a"\nunit_zh="a"\nunit_en="a"\ndefinition_en="a"\ndefinition_zh="a"\n'
            'source="a"\nper_10k_of="y"'
        )
    with pytest.raises(ValueError, match="unknown key 'colour'"):
        parse('[x]\ncolour="red"')


def test_indicator_command_json_is_the_design_object(spells_file):
    db, *_ = spells_file

    def ask(name: str, where: str, *more: str, fmt: str = "json"):
        return run(
            "indicator", name, "--region", where, "--as-of", D, "--known-at", K, "--db", db, "--format", fmt, *more
        )

    result = ask("valid_invention_patents", "northeast")
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    assert list(obj)[:8] == ["indicator", "region", "as_of", "known_at", "value", "previous", "yoy_pct", "unit"]
    assert obj["synthetic"] is True
    assert obj["value"] == oracle(spells_file[1], "valid_invention_patents", D, region("northeast").sql_predicate())
    series = json.loads(ask("valid_invention_patents", "CN", "--series", "yearly", "--from", "2020-01-01").stdout)
    assert [p["as_of"] for p in series] == ["2020-12-31", "2021-12-31", "2022-12-31", "2023-12-31", "2024-12-31"]
    csv_out = ask("gi_products", "CN", "--by", "subregion", fmt="csv")
    assert csv_out.stdout.splitlines()[0].startswith("indicator,region,as_of")
    whole = json.loads(ask("valid_trademarks", "CN").stdout)["value"]
    split = ask("valid_trademarks", "CN", "--by", "subregion")
    parts = sum(p["value"] for p in json.loads(split.stdout))
    assert parts < whole  # trademarks held abroad are in the nation's figure and in no province: said, not hidden
    assert f"note: {whole - parts:,} of the total fall in no sub-region" in " ".join(split.stderr.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--region", "CN", "--as-of", "2024-01-01"], "no indicator 'nope'"),
        (["gi_products", "--region", "atlantis", "--as-of", "2024-01-01"], "no region or group 'atlantis'"),
        (["gi_products", "--region", "CN", "--as-of", "2024-13-01"], "--as-of '2024-13-01' is not a date"),
        (
            ["gi_products", "--region", "CN", "--as-of", "2024-01-01", "--series", "weekly", "--from", "2020-01-01"],
            "unknown period 'weekly'",
        ),
        (["gi_products", "--region", "CN", "--as-of", "2024-01-01", "--by", "colour"], "unknown breakdown 'colour'"),
        (
            ["valid_invention_patents_per_10k", "--region", "150100", "--as-of", "2024-01-01"],
            "no population for 150100",
        ),
    ],
)
def test_indicator_errors_are_one_sentence(spells_file, args, message):
    result = run("indicator", *args, "--db", spells_file[0], "--known-at", K)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_knowledge_date_in_the_future_is_refused(spells_file):
    result = run("indicator", "gi_products", "--region", "CN", "--as-of", "2024-01-01", "--known-at", "2199-01-01",
                 "--db", spells_file[0])  # fmt: skip
    assert result.exit_code == 2 and "--known-at 2199-01-01 is in the future" in result.stderr, result.stderr


def test_indicators_command_lists_the_catalogue():
    result = run("indicators")
    assert result.exit_code == 0
    for name in catalogue():
        assert name in result.stdout


def test_series_by_subregion_is_one_sweep_for_every_part(counter, spells_file):
    points = counter.series("valid_invention_patents", nation(), "yearly", date(2021, 1, 1), D, by="subregion")
    provinces = {p.extra["part"] for p in points}
    assert len(provinces) > 20
    for p in points:
        if p.extra["part"] in ("230000", "440000"):
            assert p.value == oracle(
                spells_file[1], "valid_invention_patents", p.as_of, f"province_code = '{p.extra['part']}'"
            )
