"""An independent claim split into its elements: what a claim chart lists, one row per element.

English claims: the preamble runs to the transition ("comprising", "consisting of", "including",
"characterized in that" …; failing those, a colon; failing that, "comprises"); the body is split
at semicolons, at "wherein"/"whereby" clauses and at enumerations such as "(a) … (b) …". Chinese
claims follow the two-part form of the Implementing Regulations of the Patent Law (Rule 22): the
preamble (前序部分) up to "其特征在于", then the characterising part, split at "；" and "，其中";
the features the preamble names after the subject ("一种电池管理系统，包括电池组、控制器") are
elements too, for the all-elements rule reads them as well. A claim without those markers is one
element — splitting it further would invent structure the drafter did not write.

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
    "including",
)
#: Weaker transitions, taken only when no proper one and no colon ends the preamble: "comprises" is as
#: often a word inside an element ("wherein the code comprises …") as the transition.
EN_WEAK_TRANSITIONS = ("which comprises", "comprises")
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


def _transition(body: str) -> tuple[int, str] | None:
    """Where the preamble ends: the first proper transition, else the first colon, else a weak one."""
    lower = body.lower()
    found = [(m.start(), m.group()) for t in EN_TRANSITIONS for m in [re.search(rf"\b{t}\b", lower)] if m]
    if found:
        return min(found)
    if ":" in body:
        return body.index(":"), ":"
    weak = [(m.start(), m.group()) for t in EN_WEAK_TRANSITIONS for m in [re.search(rf"\b{t}\b", lower)] if m]
    return min(weak) if weak else None


def _split_en(body: str) -> SplitClaim:
    cut = _transition(body)
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
    cleaned = tuple(re.sub(r",?\s+and$", "", e.strip().rstrip(".;,")).removeprefix("and ").strip() for e in elements)
    return SplitClaim(preamble, tuple(e for e in cleaned if e))


def _split_zh(body: str) -> SplitClaim:
    at = min(((body.find(t), t) for t in ZH_TRANSITIONS if body.find(t) >= 0), default=None)
    if at is None:
        return SplitClaim("", (body.rstrip("。"),))
    index, word = at
    head = body[:index].rstrip("，,")
    rest = body[index + len(word) :].lstrip("：:，,")
    parts = [p for p in re.split(r"；|;|，其中|,其中", rest) if p.strip()]
    # the features of the preamble (前序部分) are limitations too: "一种电池管理系统，包括电池组和控制器"
    subject, _, known = head.replace(",", "，").partition("，")
    features = [f for f in (_bare(p) for p in re.split(r"；|以及", known)) if f]
    return SplitClaim(subject.strip(), tuple(features) + tuple(f for f in (_bare(p) for p in parts) if f))


_LEAD_ZH = re.compile(
    r"^(?:(?:还|进一步)?(?:包括|包含|含有|具有|设有|由)?(?:以下|如下)?(?:步骤|部件|结构)?[：:，,]?\s*)+"
)


def _bare(feature: str) -> str:
    """A Chinese feature without its lead-in words (包括以下步骤：, 还包括：) and end punctuation."""
    return _LEAD_ZH.sub("", feature.strip()).strip().rstrip("。；，")
