"""Synthetic patents: filings, grants, fee payments and lapses, and every legal event, set-wise.

A chunk of rights of one kind is simulated column by column: filing dates follow the yearly curve,
grants follow a log-normal lag, the last fee year paid follows a hazard that rises with age, and
waivers, invalidations (some recorded years late), restorations, term compensation, transfers,
pledges and awards are drawn on top. :func:`lives` is also what calibration samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from ipgauge.register.schema import CHECK_WEIGHTS
from ipgauge.synth import calibration as cal
from ipgauge.synth import vocab
from ipgauge.synth.dates import add_months, add_years, between, day, days, in_year
from ipgauge.synth.events import EventBuffer
from ipgauge.synth.parties import PartyPools, party_id

CUTOFF = day(cal.CUTOFF)
NAT = np.datetime64("NaT", "D")
KIND_DIGIT = {"invention": 1, "utility_model": 2, "design": 3}


@dataclass
class Lives:
    """The legal life of each patent in a chunk, as known at the cut-off."""

    kind: str
    filing: np.ndarray
    foreign: np.ndarray
    grant: np.ndarray  # NaT: pending or refused
    last_paid: np.ndarray  # last fee year paid before a lapse (0: no lapse)
    lapse: np.ndarray  # lapse effective date (NaT: none)
    lapse_recorded: np.ndarray
    restored: np.ndarray  # restoration date (NaT: none)
    waived: np.ndarray
    invalidated: np.ndarray
    invalidated_recorded: np.ndarray
    extension: np.ndarray  # term compensation, days
    term_end: np.ndarray

    def end(self) -> np.ndarray:
        """When each right stops being in force as known at the cut-off (the grant date if it never was)."""
        end = self.term_end + self.extension.astype("timedelta64[D]")
        lapse = np.where(np.isnat(self.restored) & (self.lapse_recorded <= CUTOFF), self.lapse, NAT)
        for other in (lapse, self.waived):
            end = np.where(~np.isnat(other) & (other < end), other, end)
        gone = ~np.isnat(self.invalidated) & (self.invalidated_recorded <= CUTOFF)
        return np.where(gone, self.grant, end)

    def alive(self, at: np.datetime64, domestic_only: bool = True) -> np.ndarray:
        """Which of these rights are in force on ``at`` (as known at the cut-off)."""
        ok = ~np.isnat(self.grant) & (self.grant <= at) & (self.end() > at)
        return ok & ~self.foreign if domestic_only else ok

    def in_force(self, at: np.datetime64, domestic_only: bool = True) -> int:
        """How many of these rights are in force on ``at`` (as known at the cut-off)."""
        return int(self.alive(at, domestic_only).sum())

    @property
    def year_index(self) -> np.ndarray:
        """Each right's filing year as an index into the yearly curves."""
        return self.filing.astype("datetime64[Y]").astype(np.int64) + 1970 - cal.FIRST_YEAR


def lives(rng: np.random.Generator, kind: str, n: int, tilt: float = 0.0) -> Lives:
    """Simulate the legal lives of ``n`` patents of ``kind`` (filing years on the curve, ``tilt``-ed)."""
    law = cal.PATENT_KINDS[kind]
    years = rng.choice(np.arange(cal.FIRST_YEAR, cal.CUTOFF.year + 1), size=n, p=cal.tilted(cal.FILINGS[kind], tilt))
    filing = in_year(rng, years, CUTOFF)
    foreign = rng.random(n) < cal.foreign_share(kind, years)
    lag = (rng.lognormal(np.log(law.lag_median * 365.25), 0.35, n)).astype(np.int64).astype("timedelta64[D]")
    grant = filing + lag
    granted = (rng.random(n) < law.grant_probability * np.where(foreign, 1.1, 1.0)) & (grant <= CUTOFF)
    grant = np.where(granted, grant, NAT)
    term = np.full(n, law.term)
    if kind == "design":
        term = np.where(filing >= day(date(2021, 6, 1)), 15, 10)
    term_end = add_years(filing, term)
    # the fee year the grant falls in is paid at grant; each later year's fee may go unpaid
    grant_year = ((grant - filing).astype(np.int64) // 365) + 1
    last_paid = np.zeros(n, dtype=np.int64)
    alive = granted.copy()
    for t in range(2, law.term + 1):
        due = alive & (t > grant_year) & (t <= term)
        stop = due & (rng.random(n) < cal.lapse_hazard(kind, np.full(n, t), foreign))
        last_paid[stop] = t - 1
        alive &= ~stop
    lapse = np.where(last_paid > 0, add_years(filing, last_paid), NAT)
    # six months' grace, the notice and two months to ask for a restoration, then the announcement (law/cn.py)
    lapse_recorded = add_months(lapse, 8) + days(rng, 15, 120, n)
    restored = np.where((rng.random(n) < 0.08) & ~np.isnat(lapse), lapse_recorded + days(rng, 30, 90, n), NAT)
    life_end = np.where(np.isnat(lapse), term_end, lapse)
    waived = np.where(granted & (rng.random(n) < 0.015), between(rng, grant, np.minimum(life_end, CUTOFF)), NAT)
    waived = np.where(waived < life_end, waived, NAT)
    invalid = granted & (rng.random(n) < 0.004)
    invalidated = np.where(invalid, grant + days(rng, 180, 6 * 365, n), NAT)
    late = rng.random(n) < 0.15
    invalidated_recorded = invalidated + np.where(late, days(rng, 365, 4 * 365, n), days(rng, 30, 120, n))
    eligible = (
        (kind == "invention")
        & granted
        & (grant >= day(date(2021, 6, 1)))
        & ((grant - filing).astype(np.int64) > 4 * 365)
    )
    extension = np.where(eligible & (rng.random(n) < 0.6), (grant - filing).astype(np.int64) - 4 * 365, 0)
    return Lives(
        kind,
        filing,
        foreign,
        grant,
        last_paid,
        lapse,
        lapse_recorded,
        restored,
        waived,
        invalidated,
        invalidated_recorded,
        extension,
        term_end,
    )


class Numbering:
    """Assigns CN application numbers, unique per (filing year, kind), with their check digits."""

    def __init__(self) -> None:
        self.next: dict[tuple[int, int], int] = {}

    def assign(self, filing: np.ndarray, kind: str) -> pa.Array:
        """Application numbers for patents filed on ``filing``."""
        years = filing.astype("datetime64[Y]").astype(np.int64) + 1970
        old = filing < day(date(2003, 10, 1))
        digit = KIND_DIGIT[kind]
        serial = np.empty(len(filing), dtype=np.int64)
        order = np.argsort(years, kind="stable")
        ys, first, counts = np.unique(years[order], return_index=True, return_counts=True)
        for y, f, c in zip(ys, first, counts, strict=True):
            start = self.next.get((int(y), digit), 1)
            serial[order[f : f + c]] = np.arange(start, start + c)
            self.next[(int(y), digit)] = start + c
        body = np.where(
            old & (serial < 100_000),
            np.char.add(
                np.char.add(np.char.zfill((years % 100).astype(str), 2), str(digit)),
                np.char.zfill(serial.astype(str), 5),
            ),
            np.char.add(np.char.add(years.astype(str), str(digit)), np.char.zfill(serial.astype(str), 7)),
        )
        return vocab.join("CN", pa.array(body), ".", pa.array(check_digits(body)))


def check_digits(bodies: np.ndarray) -> np.ndarray:
    """The check digit of each 12- or 8-digit application number body (docs/register.md)."""
    out = np.empty(len(bodies), dtype=object)
    for width in (12, 8):
        sel = np.char.str_len(bodies) == width
        if not sel.any():
            continue
        digits = np.frombuffer("".join(bodies[sel]).encode(), dtype=np.uint8).reshape(-1, width) - ord("0")
        total = (digits * np.array(CHECK_WEIGHTS[:width])).sum(axis=1) % 11
        out[sel] = np.where(total == 10, "X", total.astype(str))
    return out


def _ipc(rng: np.random.Generator, n: int) -> pa.Array:
    classes = list(vocab.IPC)
    w = np.array(list(vocab.IPC.values()), dtype=float)
    k = rng.integers(1, 4, n)
    parts = []
    for j in range(3):
        sub = np.asarray(classes, dtype=object)[rng.choice(len(classes), n, p=w / w.sum())]
        sym = vocab.join(
            sub, " ", rng.integers(1, 40, n).astype(str), "/", np.char.zfill(rng.integers(0, 100, n).astype(str), 2)
        )
        parts.append(np.where(k > j, np.asarray(sym, dtype=object), None))
    joined = [";".join(p for p in row if p) for row in zip(*parts, strict=True)]
    return pa.array(joined, pa.string())


CROSS_REGION = 0.2  # share of co-held rights whose partner is in another province
SHOWCASE_CO = 0.6  # share of the showcase institute's rights it holds with an enterprise
SHOWCASE_IPC = ("B25J 9/16", "B25J 19/02", "G05B 19/418", "G05B 13/04", "G06T 7/00", "H04N 23/00")


def _collaboration(
    rng: np.random.Generator,
    kind: str,
    pools: PartyPools,
    first: np.ndarray,
    co: np.ndarray,
    co_party: np.ndarray,
    foreign: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Move some partners to other provinces; give the showcase institute enterprise partners at home."""
    n = len(first)
    elsewhere = rng.random(n) < CROSS_REGION
    other = pools.provinces(rng, n)
    academic = np.isin((np.searchsorted(pools.starts.ravel(), first, side="right") - 1) % pools.sizes.shape[1], [1, 2])
    moved = np.where(
        academic, pools.pick(rng, other, np.zeros(n, dtype=np.int64), 2.0), pools.draw(rng, other, kind, 2.0)
    )
    co_party = np.where(elsewhere & ~foreign, moved, co_party)
    showcase = (first == pools.showcase) & (rng.random(n) < SHOWCASE_CO)
    home = np.full(n, pools.province_codes.index(pools.showcase_province))
    co_party = np.where(showcase, pools.pick(rng, home, np.zeros(n, dtype=np.int64), 1.5), co_party)
    co = (co | showcase) & (co_party != first) & ~foreign
    return co, co_party


def _showcase_ipc(rng: np.random.Generator, ipc: pa.Array, rows: np.ndarray) -> pa.Array:
    """The showcase institute's fields: robotics, intelligent manufacturing, photoelectric processing."""
    picked = np.asarray(SHOWCASE_IPC, dtype=object)[rng.integers(0, len(SHOWCASE_IPC), len(rows))]
    return pa.array(np.where(rows, picked, np.asarray(ipc.to_pylist(), dtype=object)), pa.string())


def generate(
    rng: np.random.Generator,
    kind: str,
    n: int,
    pools: PartyPools,
    numbering: Numbering,
    family_start: int,
    tilt: float = 0.0,
) -> tuple[dict, dict | None, dict | None, Lives]:
    """One chunk: patent rows, family rows, event rows, and the lives (for the calibration report)."""
    lv = lives(rng, kind, n, tilt)
    ids = numbering.assign(lv.filing, kind)
    # holders: domestic by province proxy and holder type; foreign from the foreign pools
    province = pools.invention_provinces(rng, lv.filing) if kind == "invention" else pools.provinces(rng, n)
    first = np.where(lv.foreign, pools.draw_foreign(rng, n, 2.5), pools.draw(rng, province, kind, 3.0))
    co = rng.random(n) < 0.08
    first_type = (np.searchsorted(pools.starts.ravel(), first, side="right") - 1) % pools.sizes.shape[1]
    academic = ~lv.foreign & np.isin(first_type, [1, 2])
    co_party = np.where(
        academic, pools.pick(rng, province, np.zeros(n, dtype=np.int64), 2.0), pools.draw(rng, province, kind, 2.0)
    )
    co &= (co_party != first) & ~lv.foreign
    adj, noun = vocab.pick(rng, vocab.TECH_ADJ, n), vocab.pick(rng, vocab.TECH_NOUN, n)
    title = "一种" + adj + noun
    lead = {"invention": "本发明公开了", "utility_model": "本实用新型公开了", "design": "本外观设计涉及"}[kind]
    abstract = lead + title + vocab.pick(rng, vocab.TECH_EFFECT, n) + "。"
    fam = (kind == "invention") & (rng.random(n) < np.where(lv.foreign, 0.9, 0.12))
    family_no = family_start + np.cumsum(fam) - 1
    family_id = np.where(fam, np.char.add("F", np.char.zfill(family_no.astype(str), 9)), None)
    ipc = _ipc(rng, n) if kind != "design" else pa.nulls(n, pa.string())
    families = _families(rng, ids, fam, family_id)
    events = _events(rng, lv, ids, pools, province, first)
    # drawn last, so that everything above stays as it was: partners in other provinces, and the
    # showcase institute's collaborations (the seed's Shenyang Institute of Automation)
    co, co_party = _collaboration(rng, kind, pools, first, co, co_party, lv.foreign)
    if kind != "design":
        ipc = _showcase_ipc(rng, ipc, (first == pools.showcase) | (co & (co_party == pools.showcase)))
    holders = np.where(co, np.char.add(np.char.add(_pid(first), ";"), _pid(co_party)), _pid(first))
    patents = {
        "patent_id": ids,
        "jurisdiction": pa.array(np.full(n, "CN", dtype=object), pa.string()),
        "kind": pa.array(np.full(n, kind, dtype=object), pa.string()),
        "title": pa.array(title, pa.string()),
        "abstract": pa.array(abstract, pa.string()),
        "filing_date": pa.array(lv.filing),
        "grant_date": pa.array(lv.grant),
        "ipc": ipc,
        "holders": pa.array(holders, pa.string()),
        "family_id": pa.array(family_id, pa.string()),
    }
    return patents, families, events, lv


def _pid(index: np.ndarray) -> np.ndarray:
    return np.asarray(party_id(index).to_numpy(zero_copy_only=False), dtype=str)


def _families(rng: np.random.Generator, ids: pa.Array, fam: np.ndarray, family_id: np.ndarray) -> dict | None:
    idx = np.flatnonzero(fam)
    if len(idx) == 0:
        return None
    members = rng.integers(1, 4, len(idx))
    fid = np.repeat(family_id[idx], members + 1)
    own = np.zeros(len(fid), dtype=bool)
    own[np.concatenate([[0], np.cumsum(members + 1)[:-1]])] = True
    office = vocab.pick(rng, vocab.PATENT_FAMILY_OFFICES, len(fid))
    number = rng.integers(10_000_000, 12_000_000, len(fid)).astype(str)
    doc = np.char.add(np.char.add(office.astype(str), number), "A1")
    doc = np.where(own, np.repeat(np.asarray(ids.to_numpy(zero_copy_only=False), dtype=str)[idx], members + 1), doc)
    return {
        "family_id": pa.array(fid, pa.string()),
        "jurisdiction": pa.array(np.where(own, "CN", office), pa.string()),
        "document_number": pa.array(doc, pa.string()),
    }


def _events(
    rng: np.random.Generator, lv: Lives, ids: pa.Array, pools: PartyPools, province: np.ndarray, first: np.ndarray
) -> dict | None:
    n = len(lv.filing)
    ev = EventBuffer("patent", CUTOFF)
    granted = ~np.isnat(lv.grant)
    recorded_lapse = ~np.isnat(lv.lapse) & (lv.lapse_recorded <= CUTOFF)
    # the latest annuity paid: the last fee year before a lapse, else the fee year running at the cut-off
    stop = np.where(recorded_lapse, lv.lapse, np.minimum(CUTOFF, lv.term_end - 1))
    stop = np.where(~np.isnat(lv.waived), np.minimum(stop, lv.waived), stop)
    fee_year = np.where(recorded_lapse, lv.last_paid, (stop - lv.filing).astype(np.int64) // 365 + 1)
    fee_year = np.maximum(fee_year, 1)
    paid_on = np.maximum(add_years(lv.filing, fee_year - 1), lv.grant)
    ev.add("annuity_paid", ids, granted & (paid_on <= stop), paid_on, value=fee_year.astype(str))
    ev.add("lapsed_unpaid_fee", ids, recorded_lapse, lv.lapse, lv.lapse_recorded, value=lv.last_paid.astype(str))
    ev.add("restored", ids, recorded_lapse, lv.restored)
    ev.add("waived", ids, granted, lv.waived)
    ev.add("invalidated", ids, granted, lv.invalidated, lv.invalidated_recorded)
    partial = granted & np.isnat(lv.invalidated) & (rng.random(n) < 0.002)
    ev.add("partially_invalidated", ids, partial, lv.grant + days(rng, 365, 5 * 365, n))
    ev.add("term_extended", ids, lv.extension > 0, lv.grant, value=lv.extension.astype(str))
    end = np.minimum(lv.end(), CUTOFF)
    moved = granted & (rng.random(n) < 0.06)
    when = between(rng, lv.grant, end)
    elsewhere = rng.random(n) < 0.3
    # a buyer elsewhere is where such rights are: for inventions, the provinces' shares of the transfer's year
    there = pools.invention_provinces(rng, when) if lv.kind == "invention" else pools.provinces(rng, n)
    new_province = np.where(elsewhere, there, province)
    buyer = pools.pick(rng, new_province, np.zeros(n, dtype=np.int64), 2.0)
    buyer = np.where(lv.foreign & ~elsewhere, pools.draw_foreign(rng, n, 2.0), buyer)
    ev.add("transferred", ids, moved & (buyer != first) & (when < end), when, value=party_id(buyer))
    pledge = granted & ~lv.foreign & (rng.random(n) < 0.025)
    pledged_on = between(rng, lv.grant, end)
    amount = (np.round(rng.lognormal(np.log(5e6), 1.0, n), -4)).astype(np.int64)
    ev.add("pledged", ids, pledge & (pledged_on < end), pledged_on, value=np.char.add(amount.astype(str), " CNY"))
    released = pledged_on + days(rng, 365, 3 * 365, n)
    ev.add(
        "pledge_released",
        ids,
        pledge & (pledged_on < end) & (rng.random(n) < 0.6) & (released < end),
        released,
        value=np.char.add(amount.astype(str), " CNY"),
    )
    award = granted & (lv.kind == "invention") & (rng.random(n) < 0.003)
    awarded_on = lv.grant + days(rng, 2 * 365, 6 * 365, n)
    name = np.where(rng.random(n) < 0.8, "china_patent_award", "state_sti_award")
    ev.add("awarded", ids, award, awarded_on, value=name)
    return ev.columns()
