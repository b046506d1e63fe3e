"""A patent's whole claim set as known on K: its independent claims, and its dependent claims as fallbacks.

A risk report charts every independent claim of a patent it found — claims 1, 10 and 14 of one
patent can differ in scope, and the one closest in words is not always the one the product meets —
and lists each dependent claim as a *fallback position*: the limitations it adds to the claim it
refers to, which the holder could retreat to if the broader claim fell. The claims come from the
``claims`` table (numbers and dependencies as the grant gives them) or, for a patent delivered with
its claims as one text, are cut from ``patents.claims``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from ipgauge.register.store import known_at
from ipgauge.services.claim_elements import is_dependent, parents
from ipgauge.services.claim_index import split_claims


@dataclass(frozen=True)
class Claim:
    """One claim: its number, the claims it refers to (none: independent) and its text."""

    number: int
    depends_on: tuple[int, ...]
    text: str

    @property
    def independent(self) -> bool:
        """Whether the claim stands alone (refers to no other claim)."""
        return not self.depends_on


def claim_sets(
    con: duckdb.DuckDBPyConnection, ids: list[str], k: date, upto: int | None = None
) -> dict[str, list[Claim]]:
    """Every claim of each patent in ``ids`` as the register held it on ``k``, in claim order."""
    if not ids:
        return {}
    out: dict[str, list[Claim]] = {}
    for pid, number, depends, text in con.execute(
        f"SELECT patent_id, number, depends_on, text FROM claims "
        f"WHERE list_contains(?, patent_id) AND {known_at(k, upto=upto)} ORDER BY patent_id, number",
        [ids],
    ).fetchall():
        refs = tuple(int(d) for d in (depends or []) if str(d).isdigit())
        if not refs and is_dependent(text):
            refs = parents(text)
        out.setdefault(pid, []).append(Claim(int(number), refs, text))
    rest = [i for i in ids if i not in out]
    if rest:
        for pid, text in con.execute(
            f"SELECT patent_id, claims FROM patents WHERE list_contains(?, patent_id) AND {known_at(k, upto=upto)} "
            "AND claims IS NOT NULL",
            [rest],
        ).fetchall():
            out[pid] = [Claim(n, parents(t) if is_dependent(t) else (), t) for n, t in split_claims(text)]
    return out


def fallbacks(claims: list[Claim], independent: int) -> list[Claim]:
    """The dependent claims that narrow ``independent``, directly or through another dependent claim."""
    narrowing = {independent}
    out = []
    for c in claims:  # claims refer only to earlier ones, so one pass in order finds every chain
        if c.depends_on and narrowing & set(c.depends_on):
            narrowing.add(c.number)
            out.append(c)
    return out
