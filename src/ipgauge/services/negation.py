"""Negation and exclusion in a product description: which words a sentence denies.

A claim chart that counts shared words quotes "the gateway never creates a new SIP session" as
support for "create a new SIP session". An attorney reads it the other way: the product text
*contradicts* the limitation. This module finds the cue (English: not, never, no, none, without,
neither/nor, rather than, instead of, free of, lacks …; Chinese: 不, 没有, 无, 未, 非, 并非, 而不是,
不会, 不含 …) and its scope — the words after the cue up to the end of the clause — so that the chart
can ask whether the words it matched are the words denied.

Cues that bound a quantity rather than deny a feature ("not more than 5 mm", "不超过5毫米", "no
later than") and words that merely contain a cue (不锈钢 stainless steel, 无线 wireless, 非常 very,
"non-volatile") are not negations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: One-word cues that are not stop words already: they deny, they name nothing, so a claim chart never
#: matches on them ("never waits" denies waiting, it does not speak of "never").
CUE_WORDS = frozenset({"never", "none", "nothing", "neither", "cannot"})
#: English cues; the scope of each runs from the cue to the end of its clause.
_EN_CUE = re.compile(
    r"\b(?:not|never|no|none|nothing|without|neither|nor|cannot|lacks?|lacking|free (?:of|from)|devoid of|absent|"
    r"omits?|omitting|excludes?|excluding|rather than|instead of|fails? to|dispenses? with|\w+n't)\b",
    re.I,
)
#: Cues that bound a quantity or hedge rather than deny ("not more than 5 mm", "not only", "whether or not").
_EN_NOT_A_CUE = re.compile(
    r"\b(?:no|not)\s+(?:more|less|greater|fewer|later|earlier|higher|lower|longer|shorter|larger|smaller|"
    r"only|limited|exceeding|necessarily|just)\b|\bwhether or not\b|\bif not\b|\bno\.\s*\d",
    re.I,
)
#: Where an English clause ends: the scope of a cue stops there — at a comma that opens another clause
#: too ("when a message matches no dialog, it creates a session" denies the match, not the creating),
#: but not at one that continues a list of what is denied ("it does not store X, send Y or log Z").
_EN_CLAUSE_END = re.compile(
    r"[.;:!?]|,\s*(?:(?:and|or)\s+)?(?=(?:no|not|never|it|its|they|he|she|this|these|that|those|the|a|an|which|who|so|then|"
    r"thus|therefore|whereby|wherein|when|if|after|before|once)\b)|\bbut\b|\bhowever\b|\bwhile\b|\bwhereas\b|"
    r"\binstead\b|[()]|\band\s+(?=\w+(?:s|ed)\b)",
    re.I,
)
#: Cues that deny a thing rather than an act ("no user interaction", "without modification"): their scope
#: is that noun phrase — it stops at "and", "or", "with", a bracket — unless a verb follows it ("no
#: acknowledgement is ever received"), when the whole clause is denied.
_EN_NOUN_CUE = re.compile(
    r"^(?:no|none|nothing|without|free (?:of|from)|devoid of|lacks?|lacking|absent|rather than|instead of|"
    r"excludes?|excluding)$",
    re.I,
)
_EN_PHRASE_END = re.compile(
    r"(?<!/)\b(?:and|or)\b(?!/)|\b(?:but|with|which|that|who|while|whereas|so)\b|[,.;:!?()]", re.I
)
_EN_COPULA = re.compile(r"^\s*(?:\w+\s+){0,4}?(?:is|are|was|were|be|been|gets?|will)\b", re.I)

_ZH_CUE = re.compile(r"并非|而不是|而非|不会|不含|不具有|不包括|不需要|无需|没有|不|无|未|非|免")
#: Words that contain a cue character without denying anything (不锈钢 stainless, 无线 wireless …).
_ZH_NOT_A_CUE = re.compile(
    r"不锈|不同|不断|不仅|不少|不超过|不低于|不高于|不大于|不小于|不少于|不多于|不等|不规则|不透明|不饱和|不对称|"
    r"无线|无机|无人|无刷|无缝|无级|无论|无纺|无菌|无水|无极|无源|无功|无损|"
    r"非常|非晶|非线性|非接触|非对称|非易失|未来|免费"
)
_ZH_CLAUSE_END = re.compile(r"[，。；！？,.;!?：:]|但|而是")


@dataclass(frozen=True)
class Scope:
    """A negation in a passage: the cue as written and the text it denies."""

    cue: str
    text: str


def scopes(passage: str) -> list[Scope]:
    """Every negation in ``passage`` with the text it denies, in order."""
    out = []
    spared = [m.span() for m in _EN_NOT_A_CUE.finditer(passage)] + [m.span() for m in _ZH_NOT_A_CUE.finditer(passage)]

    def spared_at(at: int) -> bool:
        return any(a <= at < b for a, b in spared)

    for m in _EN_CUE.finditer(passage):
        if spared_at(m.start()) or _hyphenated(passage, m):
            continue
        rest = passage[m.end() :]
        end = _EN_CLAUSE_END.search(rest)
        clause = rest[: end.start()] if end else rest
        if _EN_NOUN_CUE.match(m.group()):
            stop = _EN_PHRASE_END.search(clause)
            phrase = clause[: stop.start()] if stop else clause
            clause = clause if _EN_COPULA.match(phrase) else phrase
        out.append(Scope(m.group(), clause))
    for m in _ZH_CUE.finditer(passage):
        if spared_at(m.start()):
            continue
        rest = passage[m.end() :]
        end = _ZH_CLAUSE_END.search(rest)
        out.append(Scope(m.group(), rest[: end.start()] if end else rest))
    return out


def _hyphenated(text: str, m: re.Match) -> bool:
    """'non-volatile', 'no-load', 'not-for-profit': a cue joined by a hyphen names a thing, it denies nothing."""
    return text[m.end() : m.end() + 1] == "-" or text[max(0, m.start() - 1) : m.start()] == "-"


def negated(passage: str) -> bool:
    """Whether a passage denies anything at all (a cue that is not a bound or part of a word)."""
    return bool(scopes(passage))
