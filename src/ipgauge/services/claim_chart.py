"""A claim chart: each element of a claim set against the passage of a product description that supports it.

The all-elements rule (全面覆盖原则) decides the screening risk: a product that shows every element of
a claim is at high risk of literal infringement; one that lacks exactly one element is at medium
risk — whether it has an equivalent of that element is a doctrine-of-equivalents question for
counsel; one that lacks more is at low risk. A claim and a description in
different languages (a Chinese product against an English claim) are "unassessed": the retrieval
found the claim across languages, but words cannot be matched across them. This is screening, never a legal
opinion, and every output says so.

Matching is lexical and explainable: an element's content words (English words without stop words,
lightly stemmed; Chinese character pairs, claim boilerplate left out) are looked for in each passage
of the description (sentences and clauses, and runs of up to :data:`WINDOW` adjacent ones); the
passage covering most of them supports the element when it covers at least :data:`FOUND` of them.
The passage is quoted, so a reader can check every row. Word overlap is not equivalence: a "preset
threshold" described as "30 mV" is for the reader to judge, which is why one missing element is
medium, not low.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipgauge.services.claim_elements import split
from ipgauge.services.text_tokens import ZH_STOP, english_stems

FOUND = 0.5  # the share of an element's content words a passage must contain to support it
WINDOW = 3  # a feature may be described over up to three adjacent sentences or clauses
DISCLAIMER = {
    "zh": "本对比为初步筛查结果，不构成法律意见；侵权判断须由专业人员依据全面覆盖原则和等同原则作出。",
    "en": "This chart is a screening result, not a legal opinion; infringement is for counsel to assess "
    "under the all-elements rule and the doctrine of equivalents.",
}


@dataclass(frozen=True)
class Row:
    """One element of the claim and what of the description supports it (None: not found)."""

    element: str
    passage: str | None
    coverage: float


@dataclass(frozen=True)
class Chart:
    """A claim's preamble, its rows, and the risk the all-elements rule gives."""

    preamble: str
    rows: tuple[Row, ...]
    risk: str  # high | medium | low | unassessed

    @property
    def found(self) -> int:
        """How many elements the description supports."""
        return sum(r.passage is not None for r in self.rows)


def terms(text: str) -> set[str]:
    """Content words: English stems as retrieval has them (no stop words); Chinese character pairs."""
    out = {w for w in english_stems(text) if len(w) > 2}
    for run in re.findall(r"[\u4e00-\u9fff]+", _ZH_BOILERPLATE.sub(" ", text)):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


#: Chinese claim boilerplate and function characters: cut out before pairing characters, so that
#: "所述电池组包括多个串联的电芯" and "电池组由多个串联电芯组成" are judged on what they name.
_ZH_BOILERPLATE = re.compile(
    "|".join(sorted((w for w in ZH_STOP if len(w) > 1), key=len, reverse=True)) + "|[的和与或及该由]"
)


def passages(description: str) -> list[str]:
    """The description cut into sentences and clauses, each a candidate support of an element."""
    parts = re.split(r"(?<=[.;。；!?！？])\s*|\n+|，(?=[^，]{6,})", description)
    return [p.strip() for p in parts if terms(p)]


def _windows(description: str) -> list[tuple[str, set[str]]]:
    """Candidate supports: each passage, and runs of up to WINDOW adjacent ones (a feature may take two sentences)."""
    parts = [(p, terms(p)) for p in passages(description)]
    glue = "" if _language(description) == "zh" else " "
    out = []
    for size in range(1, WINDOW + 1):
        for i in range(len(parts) - size + 1):
            run = parts[i : i + size]
            out.append((glue.join(p for p, _ in run), set().union(*(t for _, t in run))))
    return out


def chart(claim_text: str, description: str) -> Chart:
    """The claim chart of one claim against a product description."""
    claim = split(claim_text)
    candidates = _windows(description)
    rows = []
    for element in claim.elements:
        wanted = terms(element)
        if not wanted:
            rows.append(Row(element, None, 0.0))
            continue
        # the best cover; among equals the first and shortest support (windows come shortest first)
        best, cover = max(
            ((p, len(wanted & have) / len(wanted)) for p, have in candidates), key=lambda x: x[1], default=(None, 0.0)
        )
        rows.append(Row(element, best if cover >= FOUND else None, round(cover, 2)))
    if _language(claim_text) != _language(description):
        return Chart(claim.preamble, tuple(rows), "unassessed")  # words cannot meet across languages
    return Chart(claim.preamble, tuple(rows), risk_of(rows))


def risk_of(rows: list[Row] | tuple[Row, ...]) -> str:
    """The all-elements rule: all found is high; exactly one missing is medium (an equivalent?); more is low."""
    missing = sum(r.passage is None for r in rows)
    if rows and missing == 0:
        return "high"
    return "medium" if len(rows) >= 2 and missing == 1 else "low"


def _language(text: str) -> str:
    """Zh when a text is mostly Han characters, else en: a chart matches words only within one language."""
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if han * 3 >= latin else "en"
