"""Synthetic geographical-indication products, spread evenly over prefecture-level divisions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ipgauge.regions.divisions import divisions
from ipgauge.synth import calibration as cal
from ipgauge.synth import vocab
from ipgauge.synth.dates import between, day, in_year
from ipgauge.synth.events import EventBuffer

CUTOFF = day(cal.CUTOFF)
NAT = np.datetime64("NaT", "D")
_SUFFIXES = ("自治州", "地区", "市", "盟")


def _short(name: str) -> str:
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


def in_force(approval: np.ndarray, cancelled: np.ndarray, at: np.datetime64) -> int:
    """GI products approved by ``at`` and not cancelled by then."""
    return int(((approval <= at) & (np.isnat(cancelled) | (cancelled > at))).sum())


def generate(
    rng: np.random.Generator, n: int, area: tuple[str, ...] = ()
) -> tuple[dict, dict | None, np.ndarray, np.ndarray]:
    """``n`` GI products (in ``area``'s prefectures, else the nation's): rows, events, approvals, cancellations."""
    all_div = divisions()
    prefectures = [d for d in all_div.values() if d.level == "prefecture" and d.name_zh != "市辖区"]
    if area:
        prefectures = [d for d in prefectures if d.code in area or d.province_code in area]
    counties: dict[str, list[str]] = {}
    for d in all_div.values():
        if d.level == "county" and d.parent_code:
            counties.setdefault(d.parent_code, []).append(d.code)
    where = [prefectures[i] for i in rng.integers(0, len(prefectures), n)]
    products = [vocab.GI_PRODUCTS[i] for i in rng.integers(0, len(vocab.GI_PRODUCTS), n)]
    years = rng.choice(np.arange(cal.FIRST_YEAR, cal.CUTOFF.year + 1), size=n, p=cal.GI_APPROVALS)
    approval = in_year(rng, years, CUTOFF)
    regions = []
    for p in where:
        extra = counties.get(p.code, [])
        k = int(rng.integers(0, 3)) if extra else 0
        regions.append(";".join([p.code, *sorted(set(rng.choice(extra, k).tolist()))] if k else [p.code]))
    ids = pa.array([f"GI{i + 1:05d}" for i in range(n)], pa.string())
    rows = {
        "gi_id": ids,
        "name": pa.array([_short(p.name_zh) + z for p, (z, _) in zip(where, products, strict=True)]),
        "name_en": pa.array([e.capitalize() for _, e in products]),
        "region_codes": pa.array(regions),
        "category": pa.array([vocab.GI_CATEGORY[z] for z, _ in products]),
        "approval_date": pa.array(approval),
        "announcement_no": pa.array([f"{y}年第{k}号" for y, k in zip(years, rng.integers(1, 200, n), strict=True)]),
    }
    cancelled = np.where(rng.random(n) < 0.012, between(rng, approval, np.full(n, CUTOFF)), NAT)
    ev = EventBuffer("gi_product", CUTOFF)
    ev.add("cancelled", ids, np.ones(n, dtype=bool), cancelled)
    return rows, ev.columns(), approval, cancelled
