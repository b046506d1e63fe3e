"""Synthetic parties, laid out in pools so that rights can pick their holders set-wise.

Domestic parties sit in contiguous blocks by (province, party type); foreign parties in blocks by
country. A right picks a holder by drawing a block and an index inside it with a power law, so a few
holders own many rights, as in the real register. Province weights are the documented proxy, the
2020 census resident population (``data/population.csv``), except where published figures say more:
on the national scales a domestic invention's province follows its filing year's shares fitted to
CNIPA's provincial tables (:mod:`ipgauge.synth.shares`), and each province's block is sized by both.
Inside a province, a party's county is drawn so that the sub-provincial cities hold their published
share of the province.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property
from importlib import resources

import numpy as np
import pyarrow as pa

from ipgauge.regions.divisions import Division, counties_of, divisions
from ipgauge.register.schema import PARTY_TYPES
from ipgauge.synth import calibration as cal
from ipgauge.synth import vocab

#: Share of domestic parties by type (how many there are, not how many rights they hold).
TYPE_SHARE = {
    "enterprise": 0.62,
    "university": 0.008,
    "research_institute": 0.008,
    "individual": 0.34,
    "government": 0.008,
    "other": 0.016,
}
#: Which party type holds a right, by right kind (domestic holders).
HOLDER_TYPES = {
    "invention": {
        "enterprise": 0.66,
        "university": 0.22,
        "research_institute": 0.07,
        "individual": 0.04,
        "government": 0.005,
        "other": 0.005,
    },
    "utility_model": {
        "enterprise": 0.8,
        "university": 0.06,
        "research_institute": 0.02,
        "individual": 0.11,
        "government": 0.005,
        "other": 0.005,
    },
    "design": {
        "enterprise": 0.75,
        "university": 0.0,
        "research_institute": 0.0,
        "individual": 0.24,
        "government": 0.0,
        "other": 0.01,
    },
    "trademark": {
        "enterprise": 0.78,
        "university": 0.0025,
        "research_institute": 0.0025,
        "individual": 0.2,
        "government": 0.005,
        "other": 0.01,
    },
}
FOREIGN_SHARE = 0.06
ADDRESS_ONLY = 0.1  # domestic parties known only by a Chinese address (for the region resolver)
ADDRESS_TOO = 0.05  # domestic parties with both a code and an address
#: Counties of Jinan that were Laiwu's until 2019, with their old names (retired codes 371202, 371203).
LAIWU = {"370116": "莱城区", "370117": "钢城区"}


def province_weights(area: tuple[str, ...] = ()) -> dict[str, float]:
    """Block code → share of the 2020 census resident population: the provinces, or the divisions of ``area``.

    The table also lists eastern Inner Mongolia's five prefectures (for the northeast group's per-10,000
    figures): as blocks of the nation they would count their people twice, so only an area takes them.
    """
    with resources.files("ipgauge.data").joinpath("population.csv").open(encoding="utf-8") as f:
        pop = {r["region_code"]: int(r["population"]) for r in csv.DictReader(f)}
    codes = area or tuple(c for c in pop if c.endswith("0000"))
    total = sum(pop[c] for c in codes)
    return {code: pop[code] / total for code in codes}


@dataclass
class PartyPools:
    """Where each (province, type) and each foreign country's parties sit in the party index."""

    total: int
    province_codes: list[str]
    province_p: np.ndarray
    starts: np.ndarray  # (province, type) → first index
    sizes: np.ndarray
    countries: list[str]
    country_p: np.ndarray
    foreign_starts: np.ndarray
    foreign_sizes: np.ndarray
    #: [filing year, province] shares for domestic inventions (None: the population proxy, as for the other kinds)
    invention_p: np.ndarray | None = None
    trademark_p: np.ndarray | None = None  # [province] shares for domestic trademarks (None: the population proxy)
    city_share: dict[str, float] | None = None  # sub-provincial city → its share of its province's parties

    @classmethod
    def build(
        cls,
        total: int,
        area: tuple[str, ...] = (),
        invention_p: np.ndarray | None = None,
        trademark_p: np.ndarray | None = None,
        city_share: dict[str, float] | None = None,
    ) -> PartyPools:
        """Lay out ``total`` parties (at least one per block), in the nation's provinces or ``area``'s divisions.

        ``invention_p``: invention shares by filing year over the sorted province codes; the blocks are
        then sized by the mean of the population and the latest invention shares.
        """
        weights = province_weights(area)
        codes = sorted(weights)
        p = np.array([weights[c] for c in codes])
        size_p = p if invention_p is None else (p + invention_p[-1]) / 2
        share = np.array([TYPE_SHARE[t] for t in PARTY_TYPES])
        domestic = total * (1 - FOREIGN_SHARE)
        sizes = np.maximum(1, np.round(np.outer(size_p, share) * domestic)).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes.ravel())[:-1]]).reshape(sizes.shape)
        countries = list(vocab.FOREIGN_COUNTRIES)
        cp = np.array(list(vocab.FOREIGN_COUNTRIES.values()))
        cp = cp / cp.sum()
        fsizes = np.maximum(1, np.round(cp * total * FOREIGN_SHARE)).astype(np.int64)
        fstarts = int(sizes.sum()) + np.concatenate([[0], np.cumsum(fsizes)[:-1]])
        return cls(
            int(sizes.sum() + fsizes.sum()),
            *(codes, p, starts, sizes, countries, cp, fstarts, fsizes, invention_p, trademark_p, city_share),
        )

    #: The showcase institute (the seed's Shenyang Institute of Automation): the first, and so the most
    #: active, research institute of Liaoning's block, named and placed as the real one is.
    showcase_province = "210000"
    showcase_name = ("中国科学院沈阳自动化研究所", "Shenyang Institute of Automation, Chinese Academy of Sciences")
    showcase_county = "210103"  # 沈河区 Shenhe District, Shenyang

    @cached_property
    def showcase(self) -> int:
        """The showcase institute's party index."""
        return int(
            self.starts[self.province_codes.index(self.showcase_province), PARTY_TYPES.index("research_institute")]
        )

    def draw(self, rng: np.random.Generator, province: np.ndarray, kind: str, power: float) -> np.ndarray:
        """A domestic holder for each right: a type by ``kind``, then a power-law pick in the block."""
        tp = np.array([HOLDER_TYPES[kind][t] for t in PARTY_TYPES])
        types = rng.choice(len(PARTY_TYPES), size=len(province), p=tp / tp.sum())
        return self.pick(rng, province, types, power)

    def pick(self, rng: np.random.Generator, province: np.ndarray, types: np.ndarray, power: float) -> np.ndarray:
        """A party of the given province and type indices."""
        size = self.sizes[province, types]
        return self.starts[province, types] + np.minimum(
            (size * rng.random(len(size)) ** power).astype(np.int64), size - 1
        )

    def draw_foreign(self, rng: np.random.Generator, n: int, power: float) -> np.ndarray:
        """A foreign holder for each of ``n`` rights."""
        c = rng.choice(len(self.countries), size=n, p=self.country_p)
        size = self.foreign_sizes[c]
        return self.foreign_starts[c] + np.minimum((size * rng.random(n) ** power).astype(np.int64), size - 1)

    def provinces(self, rng: np.random.Generator, n: int, kind: str = "") -> np.ndarray:
        """Province indices drawn by the proxy weights (for ``kind`` "trademark", the trademarks' shares)."""
        p = self.trademark_p if kind == "trademark" and self.trademark_p is not None else self.province_p
        return rng.choice(len(self.province_codes), size=n, p=p)

    def invention_provinces(self, rng: np.random.Generator, filing: np.ndarray) -> np.ndarray:
        """Province indices for domestic inventions filed on ``filing``: the fitted shares of their filing year."""
        if self.invention_p is None:
            return self.provinces(rng, len(filing))
        year = filing.astype("datetime64[Y]").astype(np.int64) + 1970 - cal.FIRST_YEAR
        cum = np.cumsum(self.invention_p, axis=1)[np.clip(year, 0, len(self.invention_p) - 1)]
        return np.minimum((rng.random(len(filing))[:, None] > cum).sum(axis=1), len(self.province_codes) - 1)

    @cached_property
    def _counties(self) -> list[list[Division]]:
        return [_counties_in(c) or [divisions()[c]] for c in self.province_codes]

    @cached_property
    def _county_p(self) -> list[np.ndarray]:
        """Per block, the chance of each county: a city's published share spread over its counties, the rest evenly."""
        out = []
        shares = self.city_share or {}
        for counties in self._counties:
            city = np.array([c.prefecture_code if c.prefecture_code in shares else "" for c in counties], dtype=object)
            p = np.zeros(len(counties))
            for code in set(city) - {""}:
                members = city == code
                p[members] = shares[code] / members.sum()
            rest = city == ""
            p[rest] = max(0.0, 1 - p.sum()) / rest.sum() if rest.any() else 0.0
            out.append(p / p.sum())
        return out


def _counties_in(code: str) -> list[Division]:
    """The county-level divisions of a province or of a prefecture."""
    if code.endswith("0000"):
        return counties_of(code)
    return [d for d in counties_of(code[:2] + "0000") if d.prefecture_code == code]


def party_id(index: np.ndarray) -> pa.Array:
    """Party ids from indices: P000000001 and so on."""
    return vocab.join("P", pa.array(np.char.zfill(index.astype(str), 9)))


def _name(rng: np.random.Generator, ptype: np.ndarray, place: np.ndarray) -> np.ndarray:
    n = len(ptype)
    w1, w2 = vocab.pick(rng, vocab.FIRM_WORD, n), vocab.pick(rng, vocab.FIRM_WORD, n)
    names = np.empty(n, dtype=object)
    kinds = np.asarray(PARTY_TYPES, dtype=object)[ptype]
    ent = kinds == "enterprise"
    names[ent] = place[ent] + w1[ent] + w2[ent] + vocab.pick(rng, vocab.FIRM_SUFFIX, int(ent.sum()))
    uni = kinds == "university"
    names[uni] = place[uni] + w1[uni] + vocab.pick(rng, vocab.UNI_SUFFIX, int(uni.sum()))
    ins = kinds == "research_institute"
    names[ins] = place[ins] + vocab.pick(rng, vocab.INSTITUTE_FIELD, int(ins.sum())) + "研究所"
    ind = kinds == "individual"
    names[ind] = vocab.pick(rng, vocab.SURNAMES, int(ind.sum())) + vocab.pick(rng, vocab.GIVEN, int(ind.sum()))
    gov = kinds == "government"
    names[gov] = place[gov] + "市场监督管理局"
    oth = kinds == "other"
    names[oth] = place[oth] + w1[oth] + w2[oth] + "协会"
    return names


def generate(pools: PartyPools, start: int, stop: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """The parties with indices ``start..stop-1``."""
    idx = np.arange(start, stop, dtype=np.int64)
    n = len(idx)
    domestic = idx < pools.foreign_starts[0]
    flat = np.searchsorted(pools.starts.ravel(), idx, side="right") - 1
    ptype = np.where(domestic, flat % pools.sizes.shape[1], 0)
    prov = np.where(domestic, flat // pools.sizes.shape[1], 0)
    county_code = np.empty(n, dtype=object)
    address = np.full(n, None, dtype=object)
    place = np.full(n, "", dtype=object)
    all_div = divisions()
    for p in np.unique(prov[domestic]):
        rows = np.flatnonzero(domestic & (prov == p))
        counties = pools._counties[p]
        pick = [counties[i] for i in rng.choice(len(counties), size=len(rows), p=pools._county_p[p])]
        county_code[rows] = [c.code for c in pick]
        pref = [all_div.get(c.parent_code or "", c) for c in pick]
        prov_name = all_div[pools.province_codes[p]].name_zh
        place[rows] = [(pf.name_zh if pf.name_zh != "市辖区" else prov_name)[:2] for pf in pref]
        street = vocab.pick(rng, vocab.STREETS, len(rows))
        number = rng.integers(1, 400, len(rows))
        address[rows] = [
            f"{prov_name}{pf.name_zh if pf.name_zh != '市辖区' else ''}{c.name_zh}{s}{k}号"
            for pf, c, s, k in zip(pref, pick, street, number, strict=True)
        ]
        for j, (i, c) in enumerate(zip(rows, pick, strict=True)):
            if c.code in LAIWU and j % 3 == 0:  # some Jinan parties still write the retired Laiwu names
                address[i] = f"山东省莱芜市{LAIWU[c.code]}{street[j]}{number[j]}号"
    u = rng.random(n)
    only_address = domestic & (u < ADDRESS_ONLY)
    keep_address = domestic & (u >= ADDRESS_ONLY) & (u < ADDRESS_ONLY + ADDRESS_TOO)
    region = np.where(domestic & ~only_address, county_code, None)
    address = np.where(only_address | keep_address, address, None)
    country = np.full(n, "CN", dtype=object)
    fidx = np.searchsorted(pools.foreign_starts, idx[~domestic], side="right") - 1
    country[~domestic] = np.asarray(pools.countries, dtype=object)[fidx]
    names = _name(rng, ptype, place)
    foreign_n = int((~domestic).sum())
    foreign_names = (
        vocab.pick(rng, vocab.FOREIGN_FIRM, foreign_n)
        + " "
        + vocab.pick(rng, vocab.FOREIGN_FIRM, foreign_n)
        + " "
        + vocab.pick(rng, vocab.FOREIGN_SUFFIX, foreign_n)
    )
    names[~domestic] = foreign_names
    name_en = np.full(n, None, dtype=object)
    name_en[~domestic] = foreign_names
    types = np.asarray(PARTY_TYPES, dtype=object)[ptype]
    here = idx == pools.showcase
    # no other party may be written like the showcase (a generated 沈阳自动化研究所 would be its 简称)
    names[(names == "沈阳自动化研究所") & ~here] = "沈阳自动控制研究所"
    names[here], name_en[here] = pools.showcase_name
    region = np.where(here, pools.showcase_county, region)
    address = np.where(here, "辽宁省沈阳市沈河区南塔街114号", address)
    return {
        "party_id": party_id(idx),
        "name": pa.array(names, pa.string()),
        "name_en": pa.array(name_en, pa.string()),
        "party_type": pa.array(types, pa.string()),
        "country": pa.array(country, pa.string()),
        "region_code": pa.array(region, pa.string()),
        "address": pa.array(address, pa.string()),
    }
