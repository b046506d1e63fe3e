"""Infringement-risk screening: the claims of rights in force closest to a product, each with its claim chart.

The order of the work is the point: the law engine first decides which rights are in force in the
jurisdiction on D as known on K (the same spells every figure reads), and only those rights' claims
are ranked — a lapsed patent can never appear, however close its text, and a restored one does. The
claims index (:mod:`ipgauge.services.claim_index`) ranks; the claim chart
(:mod:`ipgauge.services.claim_chart`) explains each right element by element and gives the
screening risk. Nothing here is a legal opinion, and every output carries the disclaimer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ipgauge.errors import UserError
from ipgauge.law.bitemporal import view_sql
from ipgauge.law.jurisdictions import rules_for
from ipgauge.law.status import OPEN, explain
from ipgauge.register.store import known_at
from ipgauge.services.claim_chart import Chart, chart
from ipgauge.services.claim_index import ClaimIndex
from ipgauge.services.text_tokens import tokens

MAX_QUERY_CHARS = 20_000  # a product description longer than this is cut (and the user told)


def query_problem(query: str) -> str | None:
    """Why a query cannot be screened (None when it can): empty, or no word that a claim could share."""
    if not query.strip():
        return "the query is empty"
    if not tokens(query[:MAX_QUERY_CHARS]):
        return "the query has no word to match (only stop words, numbers or symbols)"
    return None


@dataclass(frozen=True)
class Result:
    """One right in force found for a query: where it ranks, who holds it, until when, and its chart."""

    right_id: str
    claim: int
    score: float
    risk: str
    title: str
    holder: str
    holder_id: str
    status: str
    expiry: date | None
    chart: Chart
    lexical_rank: int | None
    dense_rank: int | None
    history: tuple[dict, ...] = ()  # endings and restorations known on K (a lapse undone by a restoration …)

    def as_json(self) -> dict:
        """The result as the JSON contract prints it (right_id, score, risk first)."""
        return {
            "right_id": self.right_id,
            "score": self.score,
            "risk": self.risk,
            "claim": self.claim,
            "elements": len(self.chart.rows),
            "elements_found": self.chart.found,
            "title": self.title,
            "holder": self.holder,
            "holder_id": self.holder_id,
            "status": self.status,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "history": list(self.history),
            "lexical_rank": self.lexical_rank,
            "dense_rank": self.dense_rank,
            "preamble": self.chart.preamble,
            "chart": [{"element": r.element, "passage": r.passage, "coverage": r.coverage} for r in self.chart.rows],
        }


@dataclass
class Screening:
    """The rights in force on ``as_of`` as known on ``known_at`` in ``jurisdiction``, ready to screen queries."""

    con: duckdb.DuckDBPyConnection
    db: Path
    index: ClaimIndex
    jurisdiction: str
    as_of: date
    known_at: date
    upto: int | None = None  # read only the first ``upto`` deliveries (a report reproduced later)
    in_force: pa.Array = field(init=False)

    def coverage_warning(self) -> str | None:
        """The warning when no right in force has claims to rank: an empty answer must not read as 'no risk'."""
        if self.claims_in_force:
            return None
        return (
            f"none of the {len(self.in_force):,} rights in force in {self.jurisdiction} on {self.as_of} has claims "
            f"in the register (as known on {self.known_at}); nothing was screened."
        )

    def __post_init__(self) -> None:
        rules = rules_for(self.jurisdiction)
        d = f"DATE '{self.as_of}'"
        self.in_force = (  # one Arrow column, never a Python list of a million ids
            self.con.sql(
                f"SELECT DISTINCT right_id FROM ({view_sql(self.known_at, rules, upto=self.upto)}) AS s "
                f"WHERE right_type = 'patent' AND valid_from <= {d} AND {d} < valid_to"
            )
            .to_arrow_table()
            .column(0)
            .combine_chunks()
        )

    def _allowed(self, docs: pa.Table) -> np.ndarray:
        mask = pc.and_(
            pc.is_in(docs.column("patent_id"), value_set=self.in_force),
            pc.equal(docs.column("jurisdiction"), self.jurisdiction),
        )
        return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)

    @cached_property
    def masks(self) -> list[np.ndarray]:
        """Per segment, the claims of rights in force as known on K: the same for every query of the session."""
        return self.index.masks(self._allowed, self.known_at)

    @property
    def claims_in_force(self) -> int:
        """How many claims of the rights in force the index can rank (their texts as known on K)."""
        return int(sum(m.sum() for m in self.masks))

    def screen(self, query: str, top: int = 10) -> list[Result]:
        """The ``top`` rights in force whose claims are closest to ``query``, best first, one claim each."""
        problem = query_problem(query)
        if problem:
            raise UserError(f"{problem}; give a product description or claims to screen.")
        hits = self.index.search(query[:MAX_QUERY_CHARS], self.masks, top * 4)
        best: dict[str, object] = {}
        for hit in hits:  # a right is as close as its closest independent claim
            best.setdefault(hit.patent_id, hit)
        return [self._result(hit, query[:MAX_QUERY_CHARS]) for hit in list(best.values())[:top]]

    def _result(self, hit, query: str) -> Result:
        st = explain(self.con, hit.patent_id, self.as_of, self.known_at, rules_for(self.jurisdiction))
        if not st.in_force:  # the index and the law disagree: a bug, never a silent wrong answer
            raise RuntimeError(f"{hit.patent_id} ranked but not in force on {self.as_of}")
        covering = [s for s in st.spells if s["valid_from"] <= self.as_of < s["valid_to"]][0]
        end = covering["valid_to"]
        for s in st.spells:  # the spells that follow without a gap (a change of holder) continue the right
            if s["valid_from"] == end:
                end = s["valid_to"]
        expiry = (
            (end - timedelta(days=1)) if end != OPEN else (st.term_end - timedelta(days=1) if st.term_end else None)
        )
        party = covering["party_id"]
        name = self.con.execute(
            f"SELECT name FROM parties WHERE party_id = ? AND {known_at(self.known_at)}", [party]
        ).fetchone()
        c = chart(hit.text, query)
        history = tuple(
            {
                "event": e.event,
                "date": e.effective_date.isoformat(),
                "recorded": e.recorded_date.isoformat(),
                "effect": e.effect,
            }
            for e in st.events
            if e.known and (e.effect.startswith(("ends the right", "undone by", "restores", "voids")))
        )
        return Result(
            hit.patent_id,
            hit.number,
            hit.score,
            c.risk,
            st.label,
            name[0] if name else "",
            party or "",
            f"in force since {covering['valid_from']}",
            expiry,
            c,
            hit.lexical_rank,
            hit.dense_rank,
            history,
        )


EVENT_ZH = {
    "lapsed_unpaid_fee": "未缴费失效",
    "restored": "恢复",
    "reinstated": "恢复",
    "invalidated": "宣告无效",
    "waived": "放弃",
    "cancelled": "撤销",
    "expired_unpaid_fee": "未缴维持费失效",
}


def status(r: dict, lang: str) -> str:
    """The right's legal status on D with the endings and restorations known on K, in one language."""
    since = r["status"].removeprefix("in force since ")
    events = r.get("history", [])
    if lang == "zh":
        told = "；".join(f"{e['date']}{EVENT_ZH.get(e['event'], e['event'])}" for e in events)
        return f"自{since}有效" + (f"（{told}）" if told else "")
    told = "; ".join(f"{e['event'].replace('_', ' ')} {e['date']}" for e in events)
    return f"in force since {since}" + (f" ({told})" if told else "")
