"""The stored bitemporal spells against the per-K law, right by right, over random (D, K) and deliveries.

A small synthetic register is loaded, then three later deliveries touch it every way the law reads:
holders that move region, patents whose record is corrected, transfers (to one and to several
holders), lapses recorded months after they took effect, restorations, invalidations, renewals,
cancellations and new family members abroad. For random knowledge dates K, dates D and pinned
delivery counts, the spells read from the table must be exactly those the per-K statement computes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import law_oracle
from conftest import PARTY_HEADER, write_csv
from ipgauge.law import stages
from ipgauge.law.bitemporal import stale, view_sql
from ipgauge.law.cn import CN
from ipgauge.law.ruleset import Policy
from ipgauge.law.spells import SPELL_COLUMNS, register_hierarchy
from ipgauge.register import store
from ipgauge.register.load import load_delivery
from ipgauge.synth.generate import synthesize

EVENT_HEADER = ["right_type", "right_id", "event", "effective_date", "recorded_date", "value", "note"]
PATENT_COLUMNS = ["patent_id", "jurisdiction", "kind", "title", "filing_date", "grant_date", "ipc", "holders"]


def _ids(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    return [r[0] for r in con.execute(sql).fetchall()]


def _parties(con, ids: list[str], regions: list[str]) -> list[list[str]]:
    rows = con.execute(
        "SELECT party_id, name, party_type, country, coalesce(region_code, ''), coalesce(address, '') FROM parties "
        "WHERE known_to IS NULL AND list_contains(?, party_id) ORDER BY party_id",
        [ids],
    ).fetchall()
    return [[*r[:4], regions[i % len(regions)], ""] for i, r in enumerate(rows)]


def _later(con, folder: Path, step: int, rng: random.Random) -> None:
    """Write delivery ``step`` (2, 3, 4) from what the register holds now."""
    granted = _ids(
        con,
        "SELECT patent_id FROM patents WHERE known_to IS NULL AND grant_date IS NOT NULL "
        "AND grant_date < DATE '2022-12-31' ORDER BY patent_id",
    )
    marks = _ids(con, "SELECT trademark_id FROM trademarks WHERE known_to IS NULL ORDER BY trademark_id")
    holders = _ids(
        con,
        "SELECT DISTINCT holders[1] FROM patents WHERE known_to IS NULL AND grant_date IS NOT NULL ORDER BY 1",
    )
    cn_parties = _ids(con, "SELECT party_id FROM parties WHERE known_to IS NULL AND country = 'CN' ORDER BY 1")
    pick = lambda xs, n: rng.sample(xs, min(n, len(xs)))  # noqa: E731
    recorded = [date(2025, 8, 31), date(2025, 10, 31), date(2026, 1, 31)][step - 2]
    day = lambda lo, hi: (lo + timedelta(days=rng.randrange((hi - lo).days))).isoformat()  # noqa: E731
    events = []
    for pid in pick(granted, 25):  # a lapse effective in spring, recorded months later
        events.append(["patent", pid, "lapsed_unpaid_fee", day(date(2025, 1, 1), date(2025, 6, 1)),
                       day(date(2025, 7, 1), recorded), "3", ""])  # fmt: skip
    for pid in pick(granted, 15):  # a transfer, sometimes to several holders
        new = ";".join(pick(cn_parties, rng.choice([1, 1, 2, 3])))
        events.append(["patent", pid, "transferred", day(date(2023, 1, 1), date(2025, 7, 1)),
                       day(date(2025, 7, 1), recorded), new, ""])  # fmt: skip
    for pid in pick(granted, 6):
        events.append(["patent", pid, "invalidated", day(date(2024, 1, 1), date(2025, 7, 1)), recorded.isoformat(),
                       "", ""])  # fmt: skip
    lapsed = _ids(con, "SELECT right_id FROM events WHERE event = 'lapsed_unpaid_fee' AND known_to IS NULL ORDER BY 1")
    for pid in pick(lapsed, 10):
        events.append(["patent", pid, "restored", day(date(2025, 6, 1), date(2025, 7, 1)), recorded.isoformat(),
                       "", ""])  # fmt: skip
    for pid in pick(granted, 8):
        events.append(["patent", pid, "pledged", day(date(2024, 1, 1), date(2025, 7, 1)), recorded.isoformat(),
                       f"{rng.randrange(1, 90) * 1_000_000} CNY", ""])  # fmt: skip
    for tid in pick(marks, 15):
        events.append(["trademark", tid, "cancelled", day(date(2024, 1, 1), date(2025, 7, 1)),
                       day(date(2025, 7, 1), recorded), "", ""])  # fmt: skip
    for tid in pick(marks, 15):
        events.append(["trademark", tid, "renewed", day(date(2024, 1, 1), date(2025, 7, 1)), recorded.isoformat(),
                       day(date(2030, 1, 1), date(2036, 1, 1)), ""])  # fmt: skip
    write_csv(folder, "events", EVENT_HEADER, events)
    # holders that move to another province (their record changes: a new version from this delivery)
    write_csv(folder, "parties", PARTY_HEADER, _parties(con, pick(holders, 20), ["440305", "110105", "230103"]))
    # corrected patent records: a later grant date, another first holder
    rows = con.execute(
        f"SELECT {', '.join(PATENT_COLUMNS)} FROM patents WHERE known_to IS NULL AND list_contains(?, patent_id)",
        [pick(granted, 10)],
    ).fetchall()
    patents = []
    for r in rows:
        r = list(r)
        r[5] = (r[5] + timedelta(days=rng.randrange(1, 200))).isoformat()
        r[4] = r[4].isoformat()
        r[6] = ";".join(r[6] or [])
        r[7] = ";".join([rng.choice(cn_parties), *r[7][1:]])
        patents.append(["" if v is None else str(v) for v in r])
    write_csv(folder, "patents", PATENT_COLUMNS, patents)
    families = _ids(con, "SELECT DISTINCT family_id FROM patents WHERE family_id IS NOT NULL ORDER BY 1")
    write_csv(
        folder,
        "families",
        ["family_id", "jurisdiction", "document_number"],
        [[f, "US", f"US{step}{i:07d}B2"] for i, f in enumerate(pick(families, 10))],
    )
    (folder / "manifest.json").write_text(f'{{"recorded_date": "{recorded}", "synthetic": true}}', encoding="utf-8")


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bitemporal")
    synthesize("small", 11, root / "d1")
    db = root / "r.duckdb"
    assert load_delivery(root / "d1", db).rejected == 0
    rng = random.Random(20261127)
    for step in (2, 3, 4):
        con = store.connect(db, read_only=True)
        try:
            _later(con, root / f"d{step}", step, rng)
        finally:
            con.close()
        report = load_delivery(root / f"d{step}", db, rejects_dir=root / f"rj{step}")
        assert report.rejected == 0, [t.__dict__ for t in report.tables if t.rejected]
        assert report.delivery_id == step
    return db


def _rows(con, sql: str, d: date | None) -> list[tuple]:
    cols = ", ".join(SPELL_COLUMNS)
    on = "" if d is None else f" WHERE valid_from <= DATE '{d}' AND DATE '{d}' < valid_to"
    return sorted(con.execute(f"SELECT {cols} FROM ({sql}) AS s{on}").fetchall(), key=repr)


def test_random_knowledge_dates_agree_right_by_right_with_the_per_k_oracle(history):
    """The stored table (the law for every K) and the law on one K both give the oracle's rows."""
    con = store.connect(history, read_only=True)
    register_hierarchy(con)
    assert not stale(con)
    rng = random.Random(14)
    points = [date(2025, 8, 31), date(2025, 10, 31), date(2026, 1, 31), date(2025, 7, 1)]  # delivery edges
    points += [date(2010, 1, 1) + timedelta(days=rng.randrange(6000)) for _ in range(10)]
    compared = 0
    try:
        for i, k in enumerate(points):
            upto = [None, 1, 2, 3, 4][i % 5]
            policy = Policy(grace_in_force=i % 3 != 0)
            d = None if i % 2 else k - timedelta(days=rng.randrange(3000))
            want = _rows(con, law_oracle.spell_sql(con, k, CN, policy, upto=upto), d)
            got = _rows(con, view_sql(k, CN, policy, upto=upto), d)
            assert got == want, (
                f"K={k} D={d} upto={upto} {policy}: {len(got)} stored rows against the oracle's {len(want)}"
            )
            one = _rows(con, stages.spell_sql(con, k, CN, policy, upto=upto), d)
            assert one == want, f"K={k} D={d} upto={upto} {policy}: {len(one)} rows on one K against {len(want)}"
            compared += len(want)
    finally:
        con.close()
    assert compared > 10_000  # not a comparison of empty sets


def test_a_delivery_recomputes_only_the_rights_it_touches(history):
    con = store.connect(history, read_only=True)
    try:
        per = dict(con.execute("SELECT delivery_id, count(DISTINCT right_id) FROM spells GROUP BY 1").fetchall())
        closed = con.execute("SELECT count(*) FROM spells WHERE closed_by IS NOT NULL").fetchall()[0][0]
        untouched = con.execute(
            "SELECT count(*) FROM spells s WHERE delivery_id = 1 AND closed_by IS NULL AND EXISTS "
            "(SELECT 1 FROM events e WHERE e.right_id = s.right_id AND e.delivery_id > 1)"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert set(per) == {1, 2, 3, 4}
    assert all(0 < per[d] < per[1] / 10 for d in (2, 3, 4)), per  # a small delivery, a small recomputation
    assert closed > 0 and untouched == 0  # every right an event touched was recomputed and its old rows closed


@pytest.mark.pyspark
def test_the_law_on_spark_agrees_right_by_right_with_the_oracle(history, tmp_path):
    """The one law on Spark, over the register's export, gives the oracle's rows for random (D, K) pairs."""
    from ipgauge.engines import connect
    from ipgauge.law.sources import Sources
    from ipgauge.register import store

    con = store.connect(history, read_only=True)
    register_hierarchy(con)
    store.export(con, tmp_path / "export")
    src = Sources.of_export(connect("pyspark"), tmp_path / "export")
    rng = random.Random(29)
    compared = 0
    try:
        draws = [  # two (Spark's start and each K cost seconds): a pinned delivery without the grace, and all of them
            (date(2025, 10, 31), 2, Policy(grace_in_force=False)),
            (date(2010, 1, 1) + timedelta(days=rng.randrange(6000)), None, Policy()),
        ]
        for k, upto, policy in draws:
            d = k - timedelta(days=rng.randrange(3000))
            want = _rows(con, law_oracle.spell_sql(con, k, CN, policy, upto=upto), d)
            local = duckdb.connect()
            local.register("found", src.backend.to_pyarrow(stages.spells(src, k, CN, policy, upto=upto)))
            got = _rows(local, "SELECT * FROM found", d)
            assert got == want, f"K={k} D={d} upto={upto} {policy}: {len(got)} rows on Spark against {len(want)}"
            compared += len(want)
    finally:
        con.close()
    assert compared > 500
