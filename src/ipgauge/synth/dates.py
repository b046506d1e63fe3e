"""Vectorised date arithmetic on numpy ``datetime64[D]`` arrays."""

from __future__ import annotations

from datetime import date

import numpy as np

D = "datetime64[D]"


def day(d: date) -> np.datetime64:
    """A date as a numpy day."""
    return np.datetime64(d.isoformat(), "D")


def add_years(dates: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """The same month and day ``years`` later (29 February becomes 28 February), as the law counts terms."""
    return add_months(dates, np.asarray(years, dtype=np.int64) * 12)


def add_months(dates: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """The same day ``months`` later, on the month's last day where it is shorter (as ipgauge.dates.add_months)."""
    start = dates.astype("datetime64[M]")
    dom = (dates - start.astype(D)).astype(np.int64)
    shifted = start + np.asarray(months, dtype=np.int64)
    length = ((shifted + 1).astype(D) - shifted.astype(D)).astype(np.int64)
    return shifted.astype(D) + np.minimum(dom, length - 1)


def in_year(rng: np.random.Generator, years: np.ndarray, last: np.datetime64) -> np.ndarray:
    """A uniformly random day within each year, never after ``last``."""
    start = (
        years.astype("datetime64[Y]").astype(D)
        if years.dtype.kind == "M"
        else ((years - 1970).astype("datetime64[Y]").astype(D))
    )
    end = np.minimum(start.astype("datetime64[Y]") + 1, last.astype("datetime64[Y]") + 1).astype(D)
    end = np.minimum(end, last + 1)
    span = (end - start).astype(np.int64)
    return start + (rng.random(len(years)) * span).astype(np.int64)


def between(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """A uniformly random day in [start, end] (start where end < start)."""
    span = np.maximum((end - start).astype(np.int64), 0)
    return start + (rng.random(len(start)) * (span + 1)).astype(np.int64)


def days(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    """Random whole-day offsets in [low, high]."""
    return rng.integers(low, high + 1, n).astype("timedelta64[D]")
