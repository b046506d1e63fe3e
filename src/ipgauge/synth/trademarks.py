"""Synthetic trademarks: registrations, renewals, cancellations, invalidations, transfers, pledges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ipgauge.synth import calibration as cal
from ipgauge.synth import vocab
from ipgauge.synth.dates import add_years, between, day, days, in_year
from ipgauge.synth.events import EventBuffer
from ipgauge.synth.parties import PartyPools, party_id

CUTOFF = day(cal.CUTOFF)
NAT = np.datetime64("NaT", "D")
GRACE_DAYS = 183
NICE_POPULAR = [35, 9, 25, 30, 43, 3, 5, 29, 41, 42, 11, 20, 32, 33, 16, 21, 7, 10, 44, 28]


GROUP_MARK_SHARE = 0.0015  # collective and certification marks among all marks (two thirds certification)


@dataclass
class Lives:
    """The legal life of each trademark in a chunk, as known at the cut-off."""

    registration: np.ndarray
    foreign: np.ndarray
    renewals: list[tuple[np.ndarray, np.ndarray]]  # (renewal date, new expiry) per renewal round
    expiry: np.ndarray  # after the renewals made
    cancelled: np.ndarray
    restored: np.ndarray
    invalidated: np.ndarray
    invalidated_recorded: np.ndarray

    def in_force(self, at: np.datetime64, domestic_only: bool = False) -> int:
        """Registered marks in force on ``at`` (the grace period counting as in force), or only domestic ones."""
        return int(self.alive(at, domestic_only).sum())

    @property
    def year_index(self) -> np.ndarray:
        """Each mark's registration year as an index into the yearly curves."""
        return self.registration.astype("datetime64[Y]").astype(np.int64) + 1970 - cal.FIRST_YEAR

    def alive(self, at: np.datetime64, domestic_only: bool = False) -> np.ndarray:
        """Which marks are in force on ``at`` (the grace period counting as in force), or only domestic ones."""
        expiry = add_years(self.registration, 10)
        for renewed_on, new_expiry in self.renewals:
            expiry = np.where(~np.isnat(renewed_on) & (renewed_on <= at), new_expiry, expiry)
        ok = (self.registration <= at) & (at < expiry + np.timedelta64(GRACE_DAYS, "D"))
        ok &= np.isnat(self.cancelled) | (self.cancelled > at) | ~np.isnat(self.restored)
        ok &= np.isnat(self.invalidated) | (self.invalidated_recorded > CUTOFF)
        return ok & ~self.foreign if domestic_only else ok


def lives(rng: np.random.Generator, n: int, tilt: float = 0.0) -> Lives:
    """Simulate the legal lives of ``n`` registered trademarks (registration years on the curve, ``tilt``-ed)."""
    years = rng.choice(np.arange(cal.FIRST_YEAR, cal.CUTOFF.year + 1), size=n, p=cal.tilted(cal.REGISTRATIONS, tilt))
    reg = in_year(rng, years, CUTOFF)
    foreign = rng.random(n) < cal.TRADEMARK_FOREIGN_SHARE
    expiry = add_years(reg, 10)
    renewals = []
    p = cal.TRADEMARK_RENEWAL[0]
    active = np.ones(n, dtype=bool)
    while True:
        # renewal is filed in the last year of the term or within the six months' grace after it
        on = expiry + days(rng, -365, GRACE_DAYS, n)
        renew = active & (rng.random(n) < p) & (on <= CUTOFF)
        if not renew.any():
            break
        new_expiry = add_years(expiry, 10)
        renewals.append((np.where(renew, on, NAT), np.where(renew, new_expiry, NAT)))
        expiry = np.where(renew, new_expiry, expiry)
        active = renew
        p = cal.TRADEMARK_RENEWAL[1]
    cancel = rng.random(n) < 0.008
    cancelled = np.where(cancel, between(rng, add_years(reg, 3), np.minimum(expiry, CUTOFF)), NAT)
    cancelled = np.where(cancelled > add_years(reg, 3), cancelled, NAT)
    restored = np.where(~np.isnat(cancelled) & (rng.random(n) < 0.05), cancelled + days(rng, 60, 180, n), NAT)
    invalid = rng.random(n) < 0.0015
    invalidated = np.where(invalid, reg + days(rng, 180, 5 * 365, n), NAT)
    invalidated_recorded = invalidated + days(rng, 60, 200, n)
    return Lives(reg, foreign, renewals, expiry, cancelled, restored, invalidated, invalidated_recorded)


def generate(
    rng: np.random.Generator, n: int, start: int, pools: PartyPools, tilt: float = 0.0
) -> tuple[dict, dict | None, Lives]:
    """One chunk of trademarks with ids from ``start``: rows, events, lives."""
    lv = lives(rng, n, tilt)
    ids = pa.array(np.char.mod("%d", np.arange(start, start + n) + 1_000_000), pa.string())
    province = pools.provinces(rng, n, "trademark")
    holder = np.where(lv.foreign, pools.draw_foreign(rng, n, 1.5), pools.draw(rng, province, "trademark", 1.5))
    u = rng.random(n)
    kind = np.where(u < 0.001, "certification", np.where(u < GROUP_MARK_SHARE, "collective", "ordinary"))
    is_gi = (kind != "ordinary") & (rng.random(n) < cal.gi_mark_share() / GROUP_MARK_SHARE)
    k = rng.integers(1, 3, n)
    c1 = np.asarray(NICE_POPULAR)[rng.integers(0, len(NICE_POPULAR), n)]
    c2 = rng.integers(1, 46, n)
    classes = np.where(
        (k > 1) & (c2 != c1), np.char.add(np.char.add(c1.astype(str), ";"), c2.astype(str)), c1.astype(str)
    )
    mark = vocab.join(vocab.pick(rng, vocab.MARK_CHARS, n), vocab.pick(rng, vocab.MARK_CHARS, n))
    filing = lv.registration - days(rng, 180, 540, n)
    rows = {
        "trademark_id": ids,
        "jurisdiction": pa.array(np.full(n, "CN", dtype=object), pa.string()),
        "mark_text": mark,
        "kind": pa.array(kind, pa.string()),
        "is_gi": pa.array(is_gi),
        "nice_classes": pa.array(classes, pa.string()),
        "filing_date": pa.array(filing),
        "registration_date": pa.array(lv.registration),
        "holders": party_id(holder),
    }
    ev = EventBuffer("trademark", CUTOFF)
    for renewed_on, new_expiry in lv.renewals:
        ev.add("renewed", ids, ~np.isnat(renewed_on), renewed_on, value=np.datetime_as_string(new_expiry))
    ev.add("cancelled", ids, np.ones(n, dtype=bool), lv.cancelled)
    ev.add("restored", ids, ~np.isnat(lv.cancelled), lv.restored)
    ev.add("invalidated", ids, np.ones(n, dtype=bool), lv.invalidated, lv.invalidated_recorded)
    end = np.minimum(lv.expiry, CUTOFF)
    moved = rng.random(n) < 0.04
    when = between(rng, lv.registration, end)
    buyer = pools.draw(rng, pools.provinces(rng, n, "trademark"), "trademark", 1.5)
    ev.add("transferred", ids, moved & (buyer != holder) & (when < end), when, value=party_id(buyer))
    pledge = ~lv.foreign & (rng.random(n) < 0.003)
    amount = (np.round(rng.lognormal(np.log(2e6), 1.0, n), -4)).astype(np.int64)
    ev.add(
        "pledged",
        ids,
        pledge & (when < end),
        between(rng, lv.registration, end),
        value=np.char.add(amount.astype(str), " CNY"),
    )
    return rows, ev.columns(), lv
