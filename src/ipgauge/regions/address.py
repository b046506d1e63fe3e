"""Chinese address strings to current GB/T 2260 codes, set-wise, with cpca.

cpca recognises province, prefecture and county names (and infers the missing upper levels), but its
own code table predates some changes: codes it returns that have since been retired are mapped to
their successors, and old county names that cpca no longer knows (闸北区, 崇文区, …) are looked up
in our list of retired codes. An address that resolves to nothing is returned as None: callers report
it, nobody guesses.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from ipgauge.regions.divisions import current, divisions, retired_names

PARALLEL_FROM = 40_000  # distinct addresses; below this a process pool costs more than it saves
CHUNK = 20_000


def _adcodes(addresses: list[str]) -> list[str | None]:
    """Cpca's adcode for each address (cpca is imported here: it builds its matcher on import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpca

        found = cpca.transform(addresses)
    return [str(c) if isinstance(c, str) and c else None for c in found["adcode"]]


def _adcodes_parallel(addresses: list[str]) -> list[str | None]:
    """Cpca is pure Python: on large batches, spread the distinct addresses over every core."""
    workers = os.cpu_count() or 1
    if workers == 1 or len(addresses) < PARALLEL_FROM:
        return _adcodes(addresses)
    chunks = [addresses[i : i + CHUNK] for i in range(0, len(addresses), CHUNK)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [code for part in pool.map(_adcodes, chunks) for code in part]


def resolve(addresses: Sequence[str | None]) -> list[str | None]:
    """The most specific current division code for each address (None where it cannot tell)."""
    values = pd.Series(list(addresses), dtype=object)
    unique = values.dropna().unique()
    if len(unique) == 0:
        return [None] * len(values)
    codes = np.array([current(c) for c in _adcodes_parallel(list(unique))], dtype=object)
    coarse = np.array([c is None or divisions()[c].level != "county" for c in codes])
    if coarse.any():
        for code, (name, successor) in retired_names().items():
            if divisions().get(current(successor) or "") is None:
                continue
            hit = coarse & pd.Series(unique).str.contains(name, regex=False).to_numpy()
            prov = code[:2] + "0000"
            hit &= np.array([c is None or c.startswith(prov[:2]) for c in codes])
            codes[hit] = current(successor)
    mapping = dict(zip(unique, codes, strict=True))
    return [mapping.get(a) if a is not None else None for a in values]
