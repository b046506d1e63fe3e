"""synth → CNIPA's formats → `import cnipa-*` → load gives the canonical delivery's figures, every indicator.

The same seed is written twice: as the canonical delivery, and as CNIPA's files (patent XML in ZIP
shards, PRS records, the trademark tables) with the supplement of what CNIPA does not publish.
Both registers are asked every indicator of the catalogue, for China and by province, at three
dates; every figure and its year-earlier figure must be equal. (The small scale here; the province
and national scales in bench/bench_cnipa.py.)
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import run
from ipgauge.adapters.cnipa import import_folder
from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import catalogue
from ipgauge.indicators.query import open_counter
from ipgauge.regions.groups import region

K = date(2025, 6, 30)
DATES = (date(2021, 6, 30), date(2023, 12, 31), date(2025, 6, 30))  # the census (2020) on: per-10,000 figures


def _figures(db) -> dict:
    out = {}
    with open_counter(db, K) as counter:
        for name in catalogue():
            for d in DATES:
                point = counter.point(name, region("china"), d)
                out[(name, d, "CN")] = (point.value, point.previous)
                try:
                    parts = counter.breakdown(name, region("china"), d, "subregion")
                except UserError:  # a rate has no breakdown
                    continue
                for p in parts:
                    out[(name, d, p.extra["part"])] = (p.value, p.previous)
    return out


@pytest.fixture(scope="module")
def registers(tmp_path_factory):
    root = tmp_path_factory.mktemp("roundtrip")
    canonical, cnipa = root / "canonical", root / "cnipa"
    assert run("synth", "--out", canonical, "--scale", "small", "--seed", "7").exit_code == 0
    assert run("synth", "--out", cnipa, "--scale", "small", "--seed", "7", "--format", "cnipa").exit_code == 0
    assert run("load", canonical, "--db", root / "a.duckdb").exit_code == 0
    deliveries, recorded = import_folder(cnipa, root / "imported", lambda *_: None)
    for d in deliveries:
        assert run("load", d, "--db", root / "b.duckdb", "--recorded-on", recorded).exit_code == 0, d
    return root, cnipa


def test_cnipa_files_hold_what_cnipa_publishes(registers):
    _, cnipa = registers
    manifest = json.loads((cnipa / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["format"] == "cnipa"
    assert all(n > 0 for n in manifest["cnipa"].values())
    assert sorted(p.name for p in (cnipa / "cnipa").iterdir()) == ["legal", "patent", "trademark"]
    assert not (cnipa / "supplement" / "trademarks.parquet").exists()  # CNIPA's tables carry them


def test_every_indicator_is_the_canonical_deliverys(registers):
    root, _ = registers
    a, b = _figures(root / "a.duckdb"), _figures(root / "b.duckdb")
    assert len(a) > 1000
    assert {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)} == {}


def test_the_imported_register_is_labelled_synthetic_and_resolves_its_addresses(registers):
    root, _ = registers
    for part in ("patent", "trademark", "legal"):
        manifest = json.loads((root / "imported" / part / "manifest.json").read_text())
        assert manifest["synthetic"] is True
        assert manifest["addresses"]["unresolved_rate"] < 0.005, part
