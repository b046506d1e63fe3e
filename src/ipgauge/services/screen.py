"""Infringement-risk screening: the claims of rights in force closest to a product, each with its claim chart.

The order of the work is the point: the law first decides which rights are in force in the
jurisdiction on D as known on K (the same spells every figure reads), and only those rights' claims
are ranked — a lapsed patent can never appear, however close its text, and a restored one does. The
claims index (:mod:`ipgauge.services.claim_index`) ranks; the claim chart
(:mod:`ipgauge.services.claim_chart`) explains each right element by element and gives the
screening risk. Nothing here is a legal opinion, and every output carries the disclaimer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ipgauge.errors import UserError
from ipgauge.law.bitemporal import view_sql
from ipgauge.law.jurisdictions import rules_for
from ipgauge.services.claim_chart import RISKS, Chart, chart, language, match
from ipgauge.services.claim_elements import additions
from ipgauge.services.claim_index import ClaimIndex, Hit
from ipgauge.services.claim_set import Claim, claim_sets, fallbacks
from ipgauge.services.encoder import Memo
from ipgauge.services.legal_status import Legal, statuses
from ipgauge.services.text_tokens import tokens
from ipgauge.sqltext import day

MAX_QUERY_CHARS = 20_000  # a product description longer than this is cut (and the user told)


def query_problem(query: str) -> str | None:
    """Why a query cannot be screened (None when it can): empty, or no word that a claim could share."""
    if not query.strip():
        return "the query is empty"
    if not tokens(query[:MAX_QUERY_CHARS]):
        return "the query has no word to match (only stop words, numbers or symbols)"
    return None


#: How the charts of one patent are ordered: the best-supported first (the all-elements rule's order).
RISK_ORDER = {risk: n for n, risk in enumerate(RISKS)}


@dataclass(frozen=True)
class Charted:
    """One independent claim charted against the product, with the dependent claims that narrow it."""

    claim: int
    chart: Chart
    fallbacks: tuple[dict, ...] = ()  # {claim, depends_on, adds: [row …], met, status}: each dependent claim

    def as_json(self) -> dict:
        """The claim's chart as the JSON contract prints it."""
        return {
            "claim": self.claim,
            "risk": self.chart.risk,
            "risk_reason": self.chart.reason,
            "preamble": self.chart.preamble,
            "elements": len(self.chart.rows),
            "elements_found": self.chart.found,
            "elements_contradicted": self.chart.contradicted,
            "chart": [r.as_json() for r in self.chart.rows],
            "fallbacks": list(self.fallbacks),
        }


@dataclass(frozen=True)
class Result:
    """One right in force found for a query: where it ranks, who holds it, until when, and its charts."""

    right_id: str
    score: float
    similarity: float | None
    legal: Legal
    charts: tuple[Charted, ...]  # every independent claim, the best-supported first
    matched_claim: int  # the claim the index found closest
    lexical_rank: int | None
    dense_rank: int | None

    @property
    def best(self) -> Charted:
        """The best-supported independent claim: it gives the right's risk."""
        return self.charts[0]

    @property
    def risk(self) -> str:
        """The right's screening risk: that of its best-supported independent claim."""
        return self.best.chart.risk

    @property
    def chart(self) -> Chart:
        """The best-supported claim's chart."""
        return self.best.chart

    @property
    def claim(self) -> int:
        """The number of the best-supported independent claim."""
        return self.best.claim

    def as_json(self) -> dict:
        """The result as the JSON contract prints it (right_id, score, risk first; the best claim's chart flat)."""
        legal = self.legal
        return {
            "right_id": self.right_id,
            "score": self.score,
            "risk": self.risk,
            "risk_reason": self.chart.reason,
            "similarity": self.similarity,
            "claim": self.claim,
            "matched_claim": self.matched_claim,
            "elements": len(self.chart.rows),
            "elements_found": self.chart.found,
            "elements_contradicted": self.chart.contradicted,
            "title": legal.title,
            "kind_code": legal.kind_code,
            "holder": legal.holder,
            "holder_id": legal.holder_id,
            "co_owners": legal.co_owners,
            "status": f"in force since {legal.since}",
            "expiry": legal.expiry.isoformat() if legal.expiry else None,
            "term_last_day": legal.term_last_day.isoformat() if legal.term_last_day else None,  # PTA included
            "pta_days": legal.pta_days,
            "terminal_disclaimer": legal.terminal_disclaimer,
            "fees": legal.fees,
            "warnings": legal.warnings,
            "history": legal.history(),
            "biblio": legal.biblio,
            "lexical_rank": self.lexical_rank,
            "dense_rank": self.dense_rank,
            "preamble": self.chart.preamble,
            "chart": [r.as_json() for r in self.chart.rows],
            "claims": [c.as_json() for c in self.charts],
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
    encode: Memo = field(default_factory=Memo)  # the dense encoder, remembering claims and passages already seen

    def coverage_warning(self) -> str | None:
        """Why an answer must not read as 'no risk': no right in force has claims to rank, or only some have.

        None when every right in force was screened.
        """
        screened, in_force = self.rights_screened, len(self.in_force)
        if in_force == 0:
            return (
                f"not screened: no patent is in force in {self.jurisdiction} on {self.as_of} in the register "
                f"(as known on {self.known_at}); no risk can be read from this."
            )
        if screened == 0:
            return (
                f"not screened: none of the {in_force:,} patents in force in {self.jurisdiction} on {self.as_of} "
                f"has claims in the register (as known on {self.known_at}); no risk can be read from this."
            )
        if screened < in_force:
            return (
                f"partly screened: only {screened:,} of the {in_force:,} patents in force in {self.jurisdiction} on "
                f"{self.as_of} have claims in the register; the other {in_force - screened:,} were not compared."
            )
        return None

    def warning(self, query: str, results: list[Result]) -> str | None:
        """Everything that keeps one query's answer from reading as complete, in one sentence (None: nothing).

        The coverage (rights without claims), a description cut to :data:`MAX_QUERY_CHARS`, and results
        that no text comparison could assess (design claims, claims in another language).
        """
        parts = [self.coverage_warning()]
        if len(query) > MAX_QUERY_CHARS:
            parts.append(f"cut: only the first {MAX_QUERY_CHARS:,} characters of the description were screened")
        if results and all(r.risk in ("unassessable", "unassessed") for r in results):
            parts.append(
                f"not assessed: none of the {len(results)} rights found could be compared by text "
                "(design claims, or claims in another language than the description)"
            )
        told = [p for p in parts if p]
        return "; ".join(told) if told else None

    @cached_property
    def rights_screened(self) -> int:
        """How many rights in force have at least one claim the index can rank (their texts as known on K)."""
        segments = zip(self.index.segments, self.masks, strict=True)
        ids = [s.docs.column("patent_id").filter(pa.array(m)) for s, m in segments]
        return len(pc.unique(pa.chunked_array(ids, pa.string()))) if ids else 0

    def __post_init__(self) -> None:
        rules = rules_for(self.jurisdiction)
        d = day(self.as_of)
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

    def screen(self, query: str, top: int = 10) -> list[Result]:
        """The ``top`` rights in force whose claims are closest to ``query``, best first, every claim charted."""
        problem = query_problem(query)
        if problem:
            raise UserError(f"{problem}; give a product description or claims to screen.")
        query = query[:MAX_QUERY_CHARS]
        hits = self.index.search(query, self.masks, top * 4)
        best: dict[str, Hit] = {}
        for hit in hits:  # a right is as close as its closest independent claim
            best.setdefault(hit.patent_id, hit)
        chosen = list(best.values())[:top]
        ids = [h.patent_id for h in chosen]
        legal = statuses(self.con, ids, self.as_of, self.known_at, rules_for(self.jurisdiction), self.upto)
        claims = claim_sets(self.con, ids, self.known_at, self.upto)
        out = []
        for hit in chosen:
            if hit.patent_id not in legal:  # the index and the law disagree: a bug, never a silent wrong answer
                raise RuntimeError(f"{hit.patent_id} ranked but not in force on {self.as_of}")
            charts = self._charts(hit, claims.get(hit.patent_id, []), query)
            out.append(
                Result(
                    hit.patent_id,
                    hit.score,
                    hit.similarity,
                    legal[hit.patent_id],
                    charts,
                    hit.number,
                    hit.lexical_rank,
                    hit.dense_rank,
                )
            )
        return out

    def _charts(self, hit: Hit, claims: list[Claim], query: str) -> tuple[Charted, ...]:
        """Every independent claim charted (the index's text for the one it found), the best-supported first."""
        independent = [c for c in claims if c.independent] or [Claim(hit.number, (), hit.text)]
        charted = []
        for c in independent:
            text = hit.text if c.number == hit.number else c.text
            ch = chart(text, query, self.encode)
            charted.append(Charted(c.number, ch, self._fallbacks(claims, c.number, ch, query)))
        return tuple(sorted(charted, key=lambda c: (RISK_ORDER[c.chart.risk], -c.chart.found, c.claim)))

    def _fallbacks(self, claims: list[Claim], number: int, base: Chart, query: str) -> tuple[dict, ...]:
        """Each dependent claim narrowing claim ``number``: the limitations it adds, matched to the product."""
        if base.risk in ("unassessed", "unassessable"):
            return tuple(
                {
                    "claim": c.number,
                    "depends_on": list(c.depends_on),
                    "adds": [{"element": e} for e in additions(c.text)],
                    "met": None,
                    "status": "not assessed",
                }
                for c in fallbacks(claims, number)
            )
        out = []
        base_text = next((c.text for c in claims if c.number == number), "")
        met = {number: True}  # a dependent claim holds every limitation of the claims it refers to (112(d))
        for c in fallbacks(claims, number):
            rows = match(additions(c.text), query, self.encode, known=base_text, lang=language(c.text))
            parents_met = all(met[p] for p in c.depends_on if p in met)
            met[c.number] = all(r.found for r in rows) and parents_met
            out.append(
                {
                    "claim": c.number,
                    "depends_on": list(c.depends_on),
                    "adds": [r.as_json() for r in rows],
                    "met": met[c.number],
                    "status": _fallback_status(rows, parents_met),
                }
            )
        return tuple(out)


def _fallback_status(rows: tuple, parents_met: bool) -> str:
    """What the product shows of a dependent claim: met, denied, unclear, not described, or its parent not met."""
    verdicts = {r.verdict for r in rows}
    if "contradicted" in verdicts:
        return "denied"
    if verdicts <= {"found"}:
        return "met" if parents_met else "parent not met"
    return "unclear" if "missing" not in verdicts else "not described"


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
