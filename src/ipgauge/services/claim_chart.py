"""A claim chart: each element of a claim set against the passage of a product description that supports it.

The all-elements rule decides the screening risk: a product that shows every element of a claim is
at high risk of literal infringement, one that shows at least half of them at medium risk (a
doctrine-of-equivalents question for counsel), fewer at low risk. A claim and a description in
different languages (a Chinese product against an English claim) are "unassessed": the retrieval
found the claim across languages, but words cannot be matched across them. This is screening, never a legal
opinion, and every output says so.

Matching is lexical and explainable: an element's content words (English words without stop words,
lightly stemmed; Chinese character pairs) are looked for in each passage of the description
(sentences and clauses); the passage covering most of them supports the element when it covers at
least :data:`FOUND` of them. The passage is quoted, so a reader can check every row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipgauge.services.claim_elements import split
from ipgauge.services.text_tokens import ZH_STOP

FOUND = 0.5  # the share of an element's content words a passage must contain to support it
DISCLAIMER = {
    "zh": "本对比为初步筛查结果，不构成法律意见；侵权判断须由专业人员依据全部技术特征原则和等同原则作出。",
    "en": "This chart is a screening result, not a legal opinion; infringement is for counsel to assess "
    "under the all-elements rule and the doctrine of equivalents.",
}
_STOP = set(
    "a an the of to in on for and or with by from at as is are be been being that which said wherein whereby "
    "thereof therein each one least at first second plurality configured comprising including having such "
    "its it this these those into onto via".split()
)


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
    """Content words: English lower-case stems without stop words; Chinese character pairs."""
    out = set()
    for word in re.findall(r"[A-Za-z][A-Za-z-]+", text.lower()):
        if word not in _STOP and len(word) > 2:
            out.add(re.sub(r"(ing|ed|es|s)$", "", word) if len(word) > 5 else word)
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


def chart(claim_text: str, description: str) -> Chart:
    """The claim chart of one claim against a product description."""
    claim = split(claim_text)
    candidates = [(p, terms(p)) for p in passages(description)]
    rows = []
    for element in claim.elements:
        wanted = terms(element)
        if not wanted:
            rows.append(Row(element, None, 0.0))
            continue
        best, cover = max(
            ((p, len(wanted & have) / len(wanted)) for p, have in candidates), key=lambda x: x[1], default=(None, 0.0)
        )
        rows.append(Row(element, best if cover >= FOUND else None, round(cover, 2)))
    found = sum(r.passage is not None for r in rows)
    if _language(claim_text) != _language(description):
        return Chart(claim.preamble, tuple(rows), "unassessed")  # words cannot meet across languages
    risk = "high" if rows and found == len(rows) else "medium" if rows and found * 2 >= len(rows) else "low"
    return Chart(claim.preamble, tuple(rows), risk)


def _language(text: str) -> str:
    """Zh when a text is mostly Han characters, else en: a chart matches words only within one language."""
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if han * 3 >= latin else "en"
