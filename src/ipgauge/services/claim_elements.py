"""An independent claim split into its elements: what a claim chart lists, one row per element.

English claims: the preamble runs to the transition ("comprising", "consisting of", "including",
"characterized in that" …); the body is split at semicolons, at "wherein"/"whereby" clauses and at
enumerations such as "(a) … (b) …". Chinese claims follow the two-part form of the Implementing
Regulations of the Patent Law (Rule 22): the preamble (前序部分) up to "其特征在于", then the
characterising part, split at "；" and "，其中". A claim without those markers is one element —
splitting it further would invent structure the drafter did not write.

The all-elements rule of infringement screening reads these elements: every element must be found
in the product for literal infringement. This module only splits; matching belongs to screening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EN_TRANSITIONS = (
    "characterized in that",
    "characterised in that",
    "consisting essentially of",
    "consisting of",
    "comprising",
    "comprises",
    "including",
    "which comprises",
)
ZH_TRANSITIONS = ("其特征在于", "其特征是", "其特征为")
_NUMBER = re.compile(r"^\s*\d+\s*[.、．]\s*")
_ENUMERATION = re.compile(r"(?:^|\s)\(?([a-z]|[ivx]+)\)\s+")
_DEPENDENT_EN = re.compile(r"\b(?:according to|as claimed in|as recited in|as defined in|of|in) claims? \d+", re.I)
_DEPENDENT_ZH = re.compile(r"(?:根据|如)权利要求\s*\d+")


@dataclass(frozen=True)
class SplitClaim:
    """A claim's preamble and its elements, in the order written."""

    preamble: str
    elements: tuple[str, ...]


def is_dependent(text: str) -> bool:
    """Whether a claim refers to another claim ("The system according to claim 1 …", "根据权利要求1所述的…")."""
    head = _NUMBER.sub("", text)[:120]
    return bool(_DEPENDENT_EN.search(head) or _DEPENDENT_ZH.search(head))


def split(text: str) -> SplitClaim:
    """Split a claim's text into preamble and elements (Chinese when it has CJK characters)."""
    body = _NUMBER.sub("", " ".join(text.split()))
    if re.search(r"[\u4e00-\u9fff]", body):
        return _split_zh(body)
    return _split_en(body)


def _split_en(body: str) -> SplitClaim:
    lower = body.lower()
    cut = min(
        ((lower.find(t), t) for t in EN_TRANSITIONS if lower.find(t) >= 0),
        default=None,
    )
    if cut is None:
        return SplitClaim("", (body.rstrip("."),))
    at, word = cut
    preamble = body[: at + len(word)].strip().rstrip(",")
    rest = body[at + len(word) :].lstrip(" :,")
    rest = re.sub(r"^(?:the steps of|the following steps|the following)\s*:?\s*", "", rest, flags=re.I)
    parts = [p for p in re.split(r";\s*(?:and\s+)?", rest) if p.strip()]
    elements: list[str] = []
    for part in parts:
        pieces = [p for p in _ENUMERATION.split(part) if p and not re.fullmatch(r"[a-z]|[ivx]+", p)]
        for piece in pieces or [part]:
            elements += [e for e in re.split(r",?\s+(?=(?:wherein|whereby)\b)", piece) if e.strip()]
    cleaned = tuple(e.strip().rstrip(".;,").removeprefix("and ").strip() for e in elements)
    return SplitClaim(preamble, tuple(e for e in cleaned if e))


def _split_zh(body: str) -> SplitClaim:
    at = min(((body.find(t), t) for t in ZH_TRANSITIONS if body.find(t) >= 0), default=None)
    if at is None:
        return SplitClaim("", (body.rstrip("。"),))
    index, word = at
    preamble = body[:index].rstrip("，,")
    rest = body[index + len(word) :].lstrip("：:，,")
    parts = [p for p in re.split(r"；|;|，其中|,其中", rest) if p.strip()]
    return SplitClaim(preamble, tuple(p.strip().rstrip("。；，") for p in parts))
