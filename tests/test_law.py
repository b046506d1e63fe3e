"""The Chinese rule set, rule by rule, on worked examples: the law's stages on DuckDB and on Spark, the stored
spells table and ``ipgauge status`` must all give the same answer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from conftest import PARTY_HEADER, write_csv
from ipgauge.engines import connect
from ipgauge.law.bitemporal import stale, view_sql
from ipgauge.law.cn import CN
from ipgauge.law.ruleset import Policy
from ipgauge.law.sources import Sources
from ipgauge.law.spells import SPELL_COLUMNS
from ipgauge.law.stages import spell_sql, spells
from ipgauge.law.status import explain
from ipgauge.regions.groups import region
from ipgauge.register import store
from ipgauge.register.load import load_delivery
from ipgauge.register.schema import TRADEMARKS
from ipgauge.synth.patents import check_digits


def pid(year: int, kind_digit: int, serial: int) -> str:
    body = f"{year}{kind_digit}{serial:07d}"
    return f"CN{body}.{check_digits(np.array([body]))[0]}"


INV, INV2, INV3, INV4 = pid(2015, 1, 1), pid(2015, 1, 2), pid(2015, 1, 3), pid(2018, 1, 4)
UM = pid(2015, 2, 5)
DES_OLD, DES_NEW = pid(2021, 3, 6), pid(2021, 3, 7)
MOVED, CO_HELD, FOREIGN = pid(2016, 1, 8), pid(2016, 1, 9), pid(2016, 1, 10)
PATENT_HEADER = ["patent_id", "jurisdiction", "kind", "title", "filing_date", "grant_date", "holders"]
TM_HEADER = [c.name for c in TRADEMARKS.columns if c.required]  # the optional US columns left out
EVENT_HEADER = ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"]


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, Path]:
    folder = tmp_path_factory.mktemp("law")
    write_csv(
        folder,
        "parties",
        PARTY_HEADER,
        [
            ["HLJ", "哈尔滨某厂", "enterprise", "CN", "230103", ""],
            ["GD", "深圳某公司", "enterprise", "CN", "440305", ""],
            ["ADDR", "只有地址的公司", "enterprise", "CN", "", "黑龙江省哈尔滨市南岗区西大直街92号"],
            ["LAIWU", "莱芜老厂", "enterprise", "CN", "371202", ""],
            ["US", "Acme", "enterprise", "US", "", ""],
            ["NOWHERE", "无名", "individual", "CN", "", "某地某街"],
        ],
    )
    write_csv(
        folder,
        "patents",
        PATENT_HEADER,
        [
            [INV, "CN", "invention", "lapse", "2015-03-01", "2018-05-01", "HLJ"],
            [INV2, "CN", "invention", "invalidated", "2015-03-01", "2018-05-01", "HLJ"],
            [INV3, "CN", "invention", "restored", "2015-03-01", "2018-05-01", "ADDR"],
            [INV4, "CN", "invention", "extended", "2018-01-10", "2023-06-01", "LAIWU"],
            [UM, "CN", "utility_model", "um", "2015-01-01", "2015-08-01", "HLJ"],
            [DES_OLD, "CN", "design", "old design", "2021-05-31", "2021-09-01", "HLJ"],
            [DES_NEW, "CN", "design", "new design", "2021-06-01", "2021-09-01", "HLJ"],
            [MOVED, "CN", "invention", "moved", "2016-01-01", "2018-01-01", "HLJ"],
            [CO_HELD, "CN", "invention", "co-held", "2016-01-01", "2018-01-01", "GD;HLJ"],
            [FOREIGN, "CN", "invention", "foreign", "2016-01-01", "2018-01-01", "US;HLJ"],
        ],
    )
    write_csv(
        folder,
        "trademarks",
        TM_HEADER,
        [
            ["100", "CN", "expired", "ordinary", "false", "35", "2009-01-01", "2010-03-01", "HLJ"],
            ["101", "CN", "renewed", "ordinary", "false", "35", "2009-01-01", "2010-03-01", "HLJ"],
            ["102", "CN", "cancelled", "ordinary", "false", "35", "2009-01-01", "2010-03-01", "HLJ"],
        ],
    )
    write_csv(
        folder,
        "gi_products",
        ["gi_id", "name", "region_codes", "approval_date"],
        [["GI1", "五常大米", "230184", "2008-01-01"], ["GI2", "某某", "230184", "2008-01-01"]],
    )
    write_csv(
        folder,
        "events",
        EVENT_HEADER,
        [
            ["patent", INV, "lapsed_unpaid_fee", "2021-03-01", "2021-10-15", "6"],
            ["patent", INV2, "invalidated", "2020-05-01", "2023-02-01", ""],
            ["patent", INV3, "lapsed_unpaid_fee", "2021-03-01", "2021-10-15", "6"],
            ["patent", INV3, "restored", "2021-12-01", "2021-12-01", ""],
            ["patent", INV3, "lapsed_unpaid_fee", "2023-03-01", "2023-10-01", "8"],
            ["patent", INV4, "term_extended", "2023-06-01", "2023-06-01", "200"],
            ["patent", MOVED, "transferred", "2022-01-01", "2022-01-20", "GD"],
            ["trademark", "101", "renewed", "2020-02-01", "2020-02-01", "2030-03-01"],
            ["trademark", "102", "cancelled", "2015-06-01", "2015-07-01", ""],
            ["gi_product", "GI2", "cancelled", "2019-01-01", "2019-01-01", ""],
        ],
    )
    db = folder / "r.duckdb"
    report = load_delivery(folder, db, rejects_dir=folder / "rj", recorded_on=date(2025, 1, 1))
    assert report.rejected == 0
    assert sum(t.unresolved for t in report.tables) == 1  # NOWHERE's address names no region
    con = store.connect(db, read_only=True)
    yield con, db
    con.close()


class Law:
    """The law's stages on one engine over the worked examples: every right's spells as known on K.

    On DuckDB they run over the register itself; on Spark over its ``ipgauge export``. Each answer
    is also checked against the stored bitemporal table and, for one right, ``ipgauge status``.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, src: Sources) -> None:
        self.con, self.src, self._known = con, src, {}
        self.engine = src.backend.name if src.backend is not None else "duckdb"

    def spells(self, k: date, policy: Policy) -> pa.Table:
        """Every right's spells as known on ``k`` by the stages on this engine (computed once per K)."""
        key = (k, policy.key())
        if key not in self._known:
            if self.src.backend is None:  # the register's own tables: the law compiled for its connection
                self._known[key] = self.con.sql(spell_sql(self.con, k, CN, policy)).to_arrow_table()
            else:
                self._known[key] = self.src.backend.to_pyarrow(spells(self.src, k, CN, policy))
        return self._known[key]

    def count(self, k: date, d: date, where: str, policy: Policy | None = None) -> int:
        """Spells in force on ``d`` as known on ``k`` meeting ``where``, counted over the stages' answer."""
        found = self.spells(k, policy or Policy())  # noqa: F841 (read by DuckDB below)
        on = f"valid_from <= DATE '{d}' AND valid_to > DATE '{d}' AND {where}"
        by_stages = duckdb.sql(f"SELECT count(*) FROM found WHERE {on}").fetchall()[0][0]
        stored = f"SELECT count(*) FROM ({view_sql(k, CN, policy or Policy())}) AS s WHERE {on}"
        by_table = self.con.execute(stored).fetchall()[0][0]
        assert by_stages == by_table, f"the law on {self.engine} and the table disagree: {where}, {d}, {k}"
        return by_stages


@pytest.fixture(
    scope="module",
    params=[pytest.param("duckdb", marks=pytest.mark.duckdb), pytest.param("pyspark", marks=pytest.mark.pyspark)],
)
def law(request, register, tmp_path_factory) -> Law:
    """The law on each engine. A few cases run on DuckDB only: the stages are the same expressions on Spark,
    and the endings, restorations, trademarks, transfers and every right's spells still run on both (as
    does tests/test_bitemporal.py's right-by-right comparison with the oracle on Spark)."""
    con, _ = register
    if request.param == "duckdb":
        return Law(con, Sources.of_store(con))
    folder = tmp_path_factory.mktemp("export") / "k'ex[1]"  # an odd folder name, read literally
    store.export(con, folder)
    return Law(con, Sources.of_export(connect("pyspark"), folder))


def in_force(law: Law, right_id: str, d: str, k: str, policy: Policy | None = None) -> bool:
    """In force by the law's stages on the engine — the stored spells table and ``ipgauge status`` must agree."""
    policy = policy or Policy()
    day, known = date.fromisoformat(d), date.fromisoformat(k)
    answer = law.count(known, day, f"right_id = '{right_id}'", policy) > 0
    by_status = explain(law.con, right_id, day, known, policy=policy).in_force
    assert by_status == answer, f"ipgauge status and the law disagree on {right_id} on {d} known {k}"
    return answer


def test_a_lapse_is_backdated_once_it_is_recorded(law):
    assert in_force(law, INV, "2021-06-01", "2021-09-01")  # the lapse is not known yet
    assert not in_force(law, INV, "2021-06-01", "2021-11-01")  # known now, and backdated to 2021-03-01
    assert in_force(law, INV, "2021-02-28", "2021-11-01")


def test_an_invalidation_removes_every_date_once_known_but_not_before(law):
    assert in_force(law, INV2, "2019-01-01", "2022-12-31")
    assert not in_force(law, INV2, "2019-01-01", "2023-02-01")
    assert not in_force(law, INV2, "2020-01-01", "2024-01-01")


def test_a_restoration_undoes_the_lapse_before_it_only(law):
    assert not in_force(law, INV3, "2021-06-01", "2021-11-01")
    assert in_force(law, INV3, "2021-06-01", "2022-01-01")
    assert in_force(law, INV3, "2022-06-01", "2023-12-31")
    assert not in_force(law, INV3, "2023-06-01", "2024-01-01")  # the second lapse stands


@pytest.mark.parametrize("law", [pytest.param("duckdb", marks=pytest.mark.duckdb)], indirect=True)  # Spark: below
def test_term_compensation_extends_the_end(law):
    # 2018-01-10 + 20 years = 2038-01-10, + 200 days = 2038-07-29
    assert in_force(law, INV4, "2038-07-28", "2025-01-01")
    assert not in_force(law, INV4, "2038-07-29", "2025-01-01")


@pytest.mark.parametrize("law", [pytest.param("duckdb", marks=pytest.mark.duckdb)], indirect=True)  # Spark: below
def test_utility_models_ten_years_designs_ten_or_fifteen(law):
    assert in_force(law, UM, "2024-12-31", "2025-01-01")
    assert not in_force(law, UM, "2025-01-01", "2025-01-01")
    assert not in_force(law, DES_OLD, "2031-05-31", "2025-01-01")
    assert in_force(law, DES_OLD, "2031-05-30", "2025-01-01")
    assert in_force(law, DES_NEW, "2031-06-01", "2025-01-01")
    assert not in_force(law, DES_NEW, "2036-06-01", "2025-01-01")


def test_trademark_terms_renewals_grace_and_cancellation(law):
    assert in_force(law, "100", "2020-02-29", "2025-01-01")
    assert in_force(law, "100", "2020-05-01", "2025-01-01")  # grace period counts by default
    assert not in_force(law, "100", "2020-05-01", "2025-01-01", Policy(grace_in_force=False))
    assert not in_force(law, "100", "2020-09-02", "2025-01-01")
    assert in_force(law, "101", "2025-06-01", "2025-01-01")
    assert not in_force(law, "101", "2030-09-02", "2025-01-01")
    assert in_force(law, "102", "2015-05-31", "2025-01-01")
    assert not in_force(law, "102", "2015-06-01", "2025-01-01")
    assert in_force(law, "102", "2015-06-01", "2015-06-30")  # the cancellation was recorded 2015-07-01


@pytest.mark.parametrize("law", [pytest.param("duckdb", marks=pytest.mark.duckdb)], indirect=True)  # Spark: below
def test_not_in_force_before_the_grant_is_known(law):
    assert not in_force(law, INV4, "2024-01-01", "2023-05-31")
    assert in_force(law, INV4, "2024-01-01", "2023-06-01")


@pytest.mark.parametrize("law", [pytest.param("duckdb", marks=pytest.mark.duckdb)], indirect=True)  # Spark: below
def test_gi_products_until_cancelled(law):
    assert in_force(law, "GI1", "2024-01-01", "2025-01-01")
    assert not in_force(law, "GI2", "2024-01-01", "2025-01-01")


def count(law: Law, k: str, d: str, where: str) -> int:
    return law.count(date.fromisoformat(k), date.fromisoformat(d), where)


def test_transfers_move_rights_between_regions_from_when_they_are_known(law):
    ne, gd = region("northeast").sql_predicate(), region("440000").sql_predicate()
    moved = f"right_id = '{MOVED}'"
    assert count(law, "2025-01-01", "2021-06-01", f"{moved} AND {ne}") == 1
    assert count(law, "2025-01-01", "2022-06-01", f"{moved} AND {ne}") == 0
    assert count(law, "2025-01-01", "2022-06-01", f"{moved} AND {gd}") == 1
    # known on 2022-01-10 the transfer (recorded 2022-01-20) has not reached the register
    assert count(law, "2022-01-10", "2022-01-05", f"{moved} AND {ne}") == 1


@pytest.mark.parametrize("law", [pytest.param("duckdb", marks=pytest.mark.duckdb)], indirect=True)  # Spark: below
def test_the_first_holder_decides_region_and_domestic_status(law):
    assert count(law, "2025-01-01", "2020-01-01", f"right_id = '{CO_HELD}' AND province_code = '440000'") == 1
    assert count(law, "2025-01-01", "2020-01-01", f"right_id = '{CO_HELD}' AND province_code = '230000'") == 0
    assert count(law, "2025-01-01", "2020-01-01", f"right_id = '{FOREIGN}' AND country = 'CN'") == 0
    assert count(law, "2025-01-01", "2020-01-01", f"right_id = '{FOREIGN}' AND country = 'US'") == 1


@pytest.mark.parametrize("law", [pytest.param("duckdb", marks=pytest.mark.duckdb)], indirect=True)  # Spark: below
def test_addresses_and_retired_codes_count_in_todays_regions(law):
    # ADDR is known only by its address (Harbin, Nangang); LAIWU by the retired code 371202 (now Jinan's 370116)
    assert count(law, "2025-01-01", "2020-01-01", f"right_id = '{INV3}' AND county_code = '230103'") == 1
    assert count(law, "2025-01-01", "2024-01-01", f"right_id = '{INV4}' AND county_code = '370116'") == 1
    assert count(law, "2025-01-01", "2024-01-01", f"right_id = '{INV4}' AND {region('370100').sql_predicate()}") == 1


def test_the_spells_are_kept_with_the_delivery_not_computed_per_query(register):
    con, _ = register
    assert not stale(con)  # the load brought them up to date in its own transaction
    n = con.execute("SELECT count(*) FROM spells").fetchall()[0][0]
    assert n >= con.execute(f"SELECT count(*) FROM ({view_sql(date(2025, 1, 1))})").fetchall()[0][0] > 0


def test_every_right_s_spells_are_those_of_the_stored_table(law):
    """Not only the rights the examples ask about: every spell, column by column, at every K asked above."""
    assert law._known, "the worked examples ran first"
    for (k, policy), got in law._known.items():
        sql = f"SELECT {', '.join(SPELL_COLUMNS)} FROM ({view_sql(k, CN, Policy(grace_in_force=policy == 'grace'))})"
        want = law.con.execute(sql).fetchall()
        assert sorted(map(repr, [tuple(r.values()) for r in got.to_pylist()])) == sorted(map(repr, want)), k
