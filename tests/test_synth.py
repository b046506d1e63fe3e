"""The synthetic register: deterministic, labelled, calibrated, valid, and round-tripping through the store."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import manifest, run
from ipgauge.indicators.catalogue import indicator
from ipgauge.regions.divisions import divisions
from ipgauge.regions.groups import region
from ipgauge.register.reader import find_file, stage_file
from ipgauge.register.schema import TABLES
from ipgauge.synth import calibration as cal
from ipgauge.synth import generate
from ipgauge.synth.generate import synthesize


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_same_seed_same_register_other_seed_other_register(small_delivery, tmp_path):
    synthesize("small", 7, tmp_path / "again")
    synthesize("small", 8, tmp_path / "other")
    assert digest(tmp_path / "again") == digest(small_delivery)
    assert digest(tmp_path / "other") != digest(small_delivery)


def test_labelled_synthetic_everywhere(small_delivery, tmp_path):
    assert "SYNTHETIC" in (small_delivery / "README.txt").read_text(encoding="utf-8")
    assert manifest(small_delivery)["synthetic"] is True
    db = tmp_path / "r.duckdb"
    result = run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj")
    assert "SYNTHETIC" in result.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT bool_and(synthetic) FROM deliveries").fetchall()[0][0] is True
    con.close()


def test_calibration_is_reported_honestly(small_delivery):
    cal = manifest(small_delivery)["calibration"]
    # the stock of domestic valid invention patents follows the published curve within 15 percent
    for year in (2022, 2023, 2024):
        c = cal[f"valid_inventions_domestic_{year}"]
        assert abs(c["achieved_national_equivalent"] / c["national_target"] - 1) < 0.15, (year, c)
    c = cal["valid_trademarks_2023"]
    assert abs(c["achieved_national_equivalent"] / c["national_target"] - 1) < 0.1


def test_register_has_the_promised_variety(small_delivery, tmp_path):
    db = tmp_path / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    con = duckdb.connect(str(db), read_only=True)

    def one(sql):
        return con.execute(sql).fetchall()[0][0]

    assert one("SELECT count(DISTINCT party_type) FROM parties") == 6
    assert one("SELECT count(*) FROM parties WHERE country <> 'CN'") > 0
    assert one("SELECT count(*) FROM parties WHERE region_code IS NULL AND address IS NOT NULL") > 0
    events = dict(con.execute("SELECT event, count(*) FROM events GROUP BY ALL").fetchall())
    for e in ("annuity_paid", "lapsed_unpaid_fee", "transferred", "pledged", "renewed"):
        assert events.get(e, 0) > 0, e
    # lapses are recorded months after they take effect; filings span the decades
    assert one("SELECT min(recorded_date - effective_date) FROM events WHERE event = 'lapsed_unpaid_fee'") >= 180
    assert one("SELECT min(year(filing_date)) FROM patents") < 2000
    # universities co-hold patents with enterprises
    assert (
        one("""SELECT count(*) FROM patents p JOIN parties a ON a.party_id = p.holders[1]
                  JOIN parties b ON b.party_id = p.holders[2]
                  WHERE a.party_type IN ('university', 'research_institute') AND b.party_type = 'enterprise'""")
        > 0
    )
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, path: Path, table) -> list:
    sf = stage_file(con, path, table, lambda _: None)
    return con.execute(f"SELECT {', '.join(table.column_names)} FROM {sf.stage} ORDER BY ALL").fetchall()


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**31))
def test_synth_load_export_round_trips_every_row(tmp_path_factory, seed):
    work = tmp_path_factory.mktemp("roundtrip")
    synthesize("small", seed, work / "in")
    db = work / "r.duckdb"
    assert run("load", work / "in", "--db", db, "--rejects", work / "rj").exit_code == 0
    assert run("export", "--out", work / "out", "--db", db).exit_code == 0
    con = duckdb.connect()
    for table in TABLES:
        source = find_file(work / "in", table)
        original = _rows(con, source, table) if source else []  # synth writes no population table
        exported = _rows(con, work / "out" / f"{table.name}.parquet", table)
        assert exported == original, table.name
    con.close()


def test_every_calibration_target_names_a_real_figure_and_its_source():
    """Each published figure the register is measured against can be computed, and says where it is from."""
    rows = cal.published()
    assert {"CN", "northeast"} <= {r["region"] for r in rows}
    for r in rows:
        indicator(r["indicator"])  # raises for a name the catalogue lacks
        region(r["region"])
        assert date.fromisoformat(r["as_of"]) <= date(2025, 6, 30), r
        assert float(r["value"]) > 0 and (not r["yoy_pct"] or -100 < float(r["yoy_pct"]) < 100), r
        assert len(r["source"]) > 20, r
        assert r["role"] in ("fit", "check"), r


def test_province_shares_fitted_to_some_tables_predict_the_held_out_ones():
    """The filing-year shares reproduce the fitted provincial tables and predict the held-out ones (no party noise)."""
    from ipgauge.synth import patents, shares
    from ipgauge.synth.dates import day
    from ipgauge.synth.parties import province_weights

    codes = tuple(sorted(province_weights()))
    by_year = shares.by_filing_year(codes)
    lv = patents.lives(np.random.default_rng([5]), "invention", 100_000)
    row = lv.year_index
    errors = {"fit": [], "check": []}
    tables: dict[tuple[str, str], dict[str, float]] = {}
    for r in cal.published():
        if r["indicator"] == "valid_invention_patents" and r["region"].endswith("0000"):
            tables.setdefault((r["as_of"], r["role"]), {})[r["region"]] = float(r["value"])
    for (at, role), table in tables.items():
        mine = by_year[row[lv.alive(day(date.fromisoformat(at)))]].mean(axis=0)
        published = sum(table.values())
        for code, value in table.items():
            if value / published > 0.02:  # the provinces with a fiftieth of the nation or more
                errors[role].append(abs(mine[codes.index(code)] * sum(mine[codes.index(c)] for c in table) ** -1
                                        * published / value - 1))  # fmt: skip
    assert len(errors["check"]) >= 25 and len(errors["fit"]) >= 40
    assert max(errors["fit"]) < 0.05, max(errors["fit"])  # solved exactly, up to the sampling
    assert np.median(errors["check"]) < 0.05 and max(errors["check"]) < 0.15, sorted(errors["check"])[-5:]


def test_a_region_at_a_fraction_of_its_size_stays_inside_it_and_grows_as_published(tmp_path, monkeypatch):
    """The northeast scale at 1/50: parties and GIs inside the area, the published changes hit."""
    monkeypatch.setattr(generate, "SAMPLE", 40_000)
    monkeypatch.setitem(cal.SCALES, "ne-test", cal.Scale("ne-test", 1 / 50, 5, "northeast"))
    out = tmp_path / "ne"
    m = synthesize("ne-test", 3, out)
    area = {"210000", "220000", "230000", "150400", "150500", "150700", "152200", "152500"}  # the seed's region
    table = divisions()

    def inside(code: str) -> bool:
        d = table[code]
        return d.province_code in area or d.prefecture_code in area

    con = duckdb.connect()
    parties = f"read_csv('{out}/parties.csv', all_varchar = true)"
    codes = [
        r[0]
        for r in con.execute(f"SELECT DISTINCT region_code FROM {parties} WHERE region_code IS NOT NULL").fetchall()
    ]
    domestic = [c for c in codes if c in table]
    assert len(domestic) > 10 and all(inside(c) for c in domestic), [c for c in domestic if not inside(c)][:5]
    gi_codes = {
        c
        for (rc,) in con.execute(f"SELECT region_codes FROM '{out}/gi_products.csv'").fetchall()
        for c in rc.split(";")
    }
    assert gi_codes and all(inside(c) for c in gi_codes)
    for name in ("valid_invention_patents", "valid_trademarks"):
        c = m["calibration"][name]
        assert abs(c["achieved"] / c["target"] - 1) < 0.05, (name, c)
        assert abs(c["achieved_yoy_pct"] - c["target_yoy_pct"]) < 1.5, (name, c)
