"""A claim chart: each limitation of a claim set against the passage of a product description that meets it.

The all-elements rule (全面覆盖原则) decides the screening risk: a product that shows every
limitation of a claim is at high risk of literal infringement; one that lacks exactly one is at
medium risk — whether it has an equivalent of that limitation is a doctrine-of-equivalents question
for counsel; one that lacks more is at low risk. Each limitation gets one of these verdicts:

- **found**: a passage of the description (a sentence or clause, or two adjacent ones) meets it by
  words or by meaning — its score, which blends the share of the limitation's content words the
  passage holds (stems, synonyms folded: :mod:`ipgauge.services.synonyms`) with the cosine of the
  shipped dense encoder between limitation and passage, reaches :data:`FOUND`;
- **contradicted**: the passage that best matches it *denies* it ("the gateway never creates a new
  SIP session", :mod:`ipgauge.services.negation`) and no passage affirms it as well: missing, with the
  denying passage quoted;
- **unclear**: a passage comes near it without reaching :data:`FOUND` — perhaps the same thing in other
  words — shown for review; neither found nor missing (a chart with none missing but some unclear is
  medium, never low);
- **missing**: nothing in the description comes close enough.

A design claim ("the ornamental design for …, as shown") is **unassessable** by text: its scope is
its drawings. A claim and a description in different languages are **unassessed**: retrieval crosses
languages, a chart's word evidence cannot. The thresholds were chosen on the development half of a
labelled set (``tests/data/claim_charts/``) and are reported on the other half in
docs/benchmarks.md. This is screening, never a legal opinion, and every output says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ipgauge.services import negation
from ipgauge.services.claim_elements import is_design, split
from ipgauge.services.synonyms import fold
from ipgauge.services.text_tokens import ZH_STOP, english_stems

#: A row's score blends word overlap and meaning: ``LEXICAL`` × coverage + (1 − ``LEXICAL``) × cosine.
LEXICAL = 0.5
#: The score a passage must reach to meet a limitation (chosen on the development split).
FOUND = 0.5
WINDOW = 2  # a feature may be described over two adjacent sentences or clauses
DISCLAIMER = {
    "zh": "本对比为初步筛查结果，不构成法律意见；侵权判断须由专业人员依据全面覆盖原则和等同原则作出。",
    "en": "This chart is a screening result, not a legal opinion; infringement is for counsel to assess "
    "under the all-elements rule and the doctrine of equivalents.",
}
ACROSS = {
    "zh": "权利要求与产品描述语言不同：仅按语义列出最接近的内容供复核，未作判断。",
    "en": "the claim and the description are in different languages: the passages closest in meaning are shown "
    "for review, without a verdict.",
}
UNASSESSABLE = {
    "zh": "外观设计的保护范围以图片或照片所示为准，无法通过文字比对评估。",
    "en": "a design claim's scope is its drawings ('as shown'): it cannot be assessed from text.",
}
#: Every verdict a row can carry; each output that words them (table, report) covers them all.
VERDICTS = ("found", "contradicted", "unclear", "missing", "unassessed")
#: Every risk a chart can carry.
RISKS = ("high", "medium", "low", "unassessed", "unassessable")
#: Encodes texts to unit vectors (the shipped encoder; None: word evidence alone).
Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Row:
    """One limitation of the claim and what of the description meets or denies it."""

    element: str
    passage: str | None  # the passage that meets it (found) or denies it (contradicted); else None
    score: float  # the best passage's blended score, 0–1
    verdict: str = "missing"  # found | contradicted | unclear | missing | unassessed
    lexical: float = 0.0  # the share of the limitation's content words in that passage
    semantic: float = 0.0  # the encoder's cosine between limitation and passage
    closest: str | None = None  # for a missing limitation, the nearest passage (for the reviewer to judge)

    @property
    def found(self) -> bool:
        """Whether the description meets the limitation."""
        return self.verdict == "found"

    def as_json(self) -> dict:
        """The row as the JSON contract prints it."""
        return {
            "element": self.element,
            "verdict": self.verdict,
            "passage": self.passage,
            "score": self.score,
            "lexical": self.lexical,
            "semantic": self.semantic,
            "closest": self.closest,
            "coverage": self.score,  # the name before verdicts existed: kept for readers of the 2026-11 contract
        }


@dataclass(frozen=True)
class Chart:
    """A claim's preamble, its rows, and the risk the all-elements rule gives."""

    preamble: str
    rows: tuple[Row, ...]
    risk: str  # high | medium | low | unassessed | unassessable
    reason: str | None = None  # why the risk is unassessed or unassessable

    @property
    def found(self) -> int:
        """How many limitations the description meets."""
        return sum(r.found for r in self.rows)

    @property
    def contradicted(self) -> int:
        """How many limitations the description denies."""
        return sum(r.verdict == "contradicted" for r in self.rows)


def terms(text: str) -> set[str]:
    """Content words: English stems (no stop words), synonyms folded; Chinese character pairs."""
    out = fold({w for w in english_stems(text) if len(w) > 2 and w not in negation.CUE_WORDS})
    for run in re.findall(r"[\u4e00-\u9fff]+", _ZH_BOILERPLATE.sub(" ", text)):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


#: Chinese claim boilerplate and function characters: cut out before pairing characters, so that
#: "所述电池组包括多个串联的电芯" and "电池组由多个串联电芯组成" are judged on what they name.
_ZH_BOILERPLATE = re.compile(
    "|".join(sorted((w for w in ZH_STOP if len(w) > 1), key=len, reverse=True)) + "|[的和与或及该由]"
)


def passages(description: str) -> list[str]:
    """The description cut into sentences and clauses, each a candidate support of a limitation."""
    parts = re.split(r"(?<=[.;。；!?！？])\s+|(?<=[。；！？])|\n+|，(?=[^，]{6,})", description)
    return [p.strip() for p in parts if p and terms(p)]


@dataclass(frozen=True)
class _Candidate:
    text: str
    terms: frozenset[str]
    denied: frozenset[str]  # the content words inside a negation's scope


@lru_cache(maxsize=16)
def _candidates(description: str, lang: str | None = None) -> tuple[_Candidate, ...]:
    """Each passage, and runs of up to WINDOW adjacent ones (a feature may take two sentences).

    ``lang``: only the passages in that language (a description given in English and Chinese is charted
    against an English claim by its English passages). Remembered: a screening charts every claim and
    fallback of ten rights against the same description.
    """
    parts = [p for p in passages(description) if lang is None or language(p) == lang]
    glue = "" if (lang or language(description)) == "zh" else " "
    out = []
    for size in range(1, WINDOW + 1):
        for i in range(len(parts) - size + 1):
            text = glue.join(parts[i : i + size])
            denied = frozenset().union(*(terms(s.text) for s in negation.scopes(text)))
            out.append(_Candidate(text, frozenset(terms(text)), denied))
    return tuple(out)


def _denies(wanted: set[str], negative: bool, candidate: _Candidate) -> bool:
    """Whether a passage denies what the limitation states (a ``negative`` limitation is met by a denial)."""
    hit = wanted & candidate.terms
    if not hit:
        return False
    denied = hit & candidate.denied
    says_no = bool(denied) and 2 * len(denied) >= len(hit)  # the words matched are mostly the words denied
    return says_no != negative


def chart(claim_text: str, description: str, encode: Encode | None = None) -> Chart:
    """The claim chart of one claim against a product description (``encode``: meaning as well as words)."""
    if is_design(claim_text):
        return Chart("", (), "unassessable", UNASSESSABLE["en"])
    claim = split(claim_text)
    lang = language(claim_text)
    if not _candidates(description, lang):  # words cannot meet across languages: meaning only
        rows = _across(claim.elements, description, encode)
        return Chart(claim.preamble, rows, "unassessed", ACROSS["en"])
    rows = match(claim.elements, description, encode, lang=lang)  # the candidates are remembered
    return Chart(claim.preamble, rows, risk_of(rows))


def _across(elements: Sequence[str], description: str, encode: Encode | None) -> tuple[Row, ...]:
    """Rows for a claim in another language than the description: the passage closest in meaning, for review.

    The encoder is multilingual, so it can point at the passage that speaks of a limitation; without
    word evidence and without labelled cases across languages, no verdict is given ("unassessed").
    """
    candidates = _candidates(description)
    cosines = _cosines(elements, candidates, encode)
    rows = []
    for i, e in enumerate(elements):
        near = int(cosines[i].argmax()) if candidates else 0
        sim = round(float(cosines[i][near]), 2) if candidates else 0.0
        closest = candidates[near].text if candidates and sim >= CLOSEST else None
        rows.append(Row(e, None, sim, "unassessed", 0.0, sim, closest))
    return tuple(rows)


def match(
    elements: Sequence[str], description: str, encode: Encode | None = None, known: str = "", lang: str | None = None
) -> tuple[Row, ...]:
    """Each limitation's verdict against a description: found, contradicted or missing, with its passage.

    ``known``: the text of a claim these limitations narrow (a dependent claim's additions): only the
    words they add count as word evidence, for the words they share with it prove nothing new.
    ``lang``: read only the description's passages in that language (the claim's).
    """
    candidates = _candidates(description, lang)
    cosines = _cosines(elements, candidates, encode)
    shared = terms(known) if known else set()
    evidence = [_evidence(e, candidates, cosines[i], shared) for i, e in enumerate(elements)]
    _attribute_denials(evidence)
    return tuple(_row(e, candidates, ev) for e, ev in zip(elements, evidence, strict=True))


@dataclass
class _Evidence:
    """What the passages say of one limitation: word overlap, blended score, and which passages deny it."""

    lexical: np.ndarray
    semantic: np.ndarray
    scores: np.ndarray
    denies: np.ndarray
    denied: np.ndarray  # the share of each passage's denied words that are the limitation's
    spoiled: np.ndarray = field(init=False)  # passages whose denial went to another limitation: they affirm nothing

    def __post_init__(self) -> None:
        self.spoiled = np.zeros_like(self.denies)


def _evidence(element: str, candidates: Sequence[_Candidate], cosines: np.ndarray, shared: set[str]) -> _Evidence:
    own = terms(element)
    wanted = (own - shared) or own
    negative = negation.negated(element)
    lexical = np.array([len(wanted & c.terms) / len(wanted) if wanted else 0.0 for c in candidates])
    semantic = cosines if cosines.any() else lexical
    denies = np.array([bool(wanted) and _denies(wanted, negative, c) for c in candidates], dtype=bool)
    denied = np.array([len(wanted & c.denied) / len(c.denied) if c.denied else 0.0 for c in candidates])
    return _Evidence(lexical, semantic, LEXICAL * lexical + (1 - LEXICAL) * semantic, denies, denied)


def _attribute_denials(evidence: list[_Evidence]) -> None:
    """A denial contradicts the limitations it speaks of most, not every one that shares its words.

    "It never waits for the application to confirm it will accept the message" shares "application" and
    "message" with "identify an application associated with the message", but denies the confirmation:
    it contradicts the limitation that most of its denied words belong to (and those within :data:`_ATTRIBUTION`).
    """
    if len(evidence) < 2 or not evidence[0].denies.size:
        return
    denied = np.stack([ev.denied for ev in evidence])
    denies = np.stack([ev.denies for ev in evidence])
    best = denied.max(axis=0)
    keep = denies & (denied >= best - _ATTRIBUTION)
    for ev, row in zip(evidence, keep, strict=True):
        ev.spoiled = ev.denies & ~row  # a passage that denies nearby words cannot be what meets the limitation
        ev.denies = row


def _cosines(elements: Sequence[str], candidates: Sequence[_Candidate], encode: Encode | None) -> np.ndarray:
    """Each limitation's cosine with each passage (zeros without an encoder)."""
    if encode is None or not elements or not candidates:
        return np.zeros((len(elements), len(candidates)), dtype=np.float32)
    vectors = encode([*elements, *(c.text for c in candidates)])
    return np.clip(vectors[: len(elements)] @ vectors[len(elements) :].T, 0.0, 1.0)


def _row(element: str, candidates: Sequence[_Candidate], ev: _Evidence) -> Row:
    """The verdict on one limitation: the best affirming passage, unless a denial matches it as well."""
    if not candidates or not ev.scores.any():
        return Row(element, None, 0.0)
    lexical, semantic, scores, denies = ev.lexical, ev.semantic, ev.scores, ev.denies
    affirm = np.where(denies | ev.spoiled, -1.0, scores)
    deny = np.where(denies, scores, -1.0)
    best, worst = int(affirm.argmax()), int(deny.argmax())
    if deny[worst] >= DENIED and deny[worst] >= affirm[best] - _MARGIN:
        return _at(element, candidates, worst, scores, lexical, semantic, "contradicted")
    # a denial of nearby words (given to another limitation) still casts doubt: never "found" over it
    doubted = bool((ev.spoiled & (scores >= DENIED)).any())
    if affirm[best] >= FOUND and not doubted:
        return _at(element, candidates, best, scores, lexical, semantic, "found")
    verdict = "unclear" if affirm[best] >= UNCLEAR else "missing"
    closest = candidates[best].text if affirm[best] >= CLOSEST else None
    return replace(_at(element, candidates, best, scores, lexical, semantic, verdict), passage=None, closest=closest)


#: A denial also contradicts the limitations that hold a share of its denied words this close to the most.
_ATTRIBUTION = 0.1  # the dev split's best (fewest errors, a false low counted twice)
#: A missing limitation's nearest passage is shown for review from this score on.
CLOSEST = 0.3
#: Below FOUND but from this score on, a passage may meet the limitation in other words: "unclear", for
#: a reviewer — never counted as found, and never as clearly missing either (chosen on the dev split).
UNCLEAR = 0.25
#: A denial this close to the limitation's words makes it contradicted (chosen on the dev split).
DENIED = 0.35


#: An explicit denial wins over a passage that seems to meet the limitation up to this much better.
_MARGIN = 0.05


def _at(element, candidates, i, scores, lexical, semantic, verdict) -> Row:
    r2 = lambda v: round(float(v), 2)  # noqa: E731
    return Row(element, candidates[i].text, r2(scores[i]), verdict, r2(lexical[i]), r2(semantic[i]))


def risk_of(rows: Sequence[Row]) -> str:
    """The all-elements rule, with what the words cannot settle left to the reviewer.

    High: every limitation found (literal infringement possible). Medium: exactly one missing or
    denied (does the product have an equivalent?), or none clearly missing but some unclear (not
    established either way: never "low", which would read as a clearance). Low: two or more missing
    or denied.
    """
    missing = sum(r.verdict in ("missing", "contradicted") for r in rows)
    unclear = sum(r.verdict == "unclear" for r in rows)
    if rows and missing == 0:
        return "medium" if unclear else "high"
    return "medium" if len(rows) >= 2 and missing == 1 else "low"


def language(text: str) -> str:
    """Zh when a text is mostly Han characters, else en: a chart matches words only within one language."""
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if han * 3 >= latin else "en"
