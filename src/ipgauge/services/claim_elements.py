"""An independent claim split into its limitations, as an attorney lists them in a claim chart.

English claims: the preamble runs to the transition ("comprising", "consisting of", "including",
"characterized in that" …; failing those, a colon; failing that, "comprises"); the body is split
at semicolons and colons, at "wherein"/"whereby" clauses, at enumerations such as "(a) … (b) …",
at the commas that separate the functions of one component ("configured to receive X, create Y,
and associate Z" is three limitations: a product lacking one of them lacks a limitation), at the
commas that start another component or a further statement about one ("…, the first regions
being adjacent …"), and at means-plus-function clauses. Chinese claims follow Rule 22 of the
Implementing Regulations of the Patent Law: the preamble (前序部分) up to "其特征在于" — its
features after the subject are limitations too, for the all-elements rule reads them as well —
then the characterising part, split at "；" and "其中"; a claim without 其特征在于 ("一种电主轴，
包括：A；B；C") is split after its 包括; a list of components ("包括电池组、控制器和温度传感器")
is one limitation per component. A claim with none of these marks is one limitation — splitting
it further would invent structure the drafter did not write.

This module only splits; matching the limitations to a product belongs to the claim chart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipgauge.services.text_tokens import stem

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
_CLAIM_REF = re.compile(
    r"(?:claims?\s+(\d+)(?:\s*(?:-|to|or|and)\s*(\d+))?)|(?:权利要求\s*(\d+)(?:\s*[-~至或]\s*(\d+))?)", re.I
)
_DESIGN = re.compile(
    r"^\s*(?:\d+\s*[.、．]\s*)?(?:the |an? )?ornamental design\b|^\s*(?:\d+\s*[.、．]\s*)?.{0,40}外观设计", re.I
)

#: Verbs that open a function or a step in claims ("receive", "generating" …), as Snowball stems: a
#: comma followed by one of them (or by "and" and one) starts another limitation.
_VERB_STEMS = frozenset(
    """access accept acquir activ adjust allow analyz appli arrang assign associ attach authent calcul
    caus chang check classifi collect combin communic compar compil comput configur connect control
    convert correl couple creat decod decrypt defin deliv detect determin direct display distribut drive
    emit enabl encod encrypt establish estim execut extract feed filter forward generat grip guid handl
    heat hold identifi inject insert instal instruct interpret join limit link load locat lock maintain
    manag map measur modifi monitor mount move notifi obtain open oper output pars pass perform place
    predict prevent print process produc program project provid publish push queri rais read receiv
    recogn record reduc regul releas remov render replac report request respond retriev return rotat
    rout run sampl scan schedul search secur select send sens separ set shift signal sort specifi
    start stop store submit suppli support switch synchron track transfer transform transmit trigger
    updat upload use valid verifi write""".split()
)
_CONDITION = r"(?:responsive to|in response to|upon|when|if|after|before|while|based on)\b"
_ARTICLE = r"(?:a|an|one or more|at least one|a plurality of|plural|said|the|each|first|second|third|fourth)\b"


@dataclass(frozen=True)
class SplitClaim:
    """A claim's preamble and its limitations, in the order written."""

    preamble: str
    elements: tuple[str, ...]


def is_dependent(text: str) -> bool:
    """Whether a claim refers to another claim ("The system according to claim 1 …", "根据权利要求1所述的…")."""
    head = _NUMBER.sub("", text)[:120]
    return bool(_DEPENDENT_EN.search(head) or _DEPENDENT_ZH.search(head))


def parents(text: str) -> tuple[int, ...]:
    """The claims a dependent claim refers to at its head ("claim 3", "claims 1 to 3", "权利要求1-3")."""
    head = _NUMBER.sub("", text)[:160]
    out: list[int] = []
    for m in _CLAIM_REF.finditer(head):
        first, last = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        a = int(first)
        b = int(last) if last else a
        out += range(a, min(b, a + 50) + 1)
    return tuple(dict.fromkeys(out))


def is_design(text: str) -> bool:
    """A design claim ("The ornamental design for a cartridge, as shown"): its scope is the drawings, not words."""
    return bool(_DESIGN.search(text))


def split(text: str) -> SplitClaim:
    """Split a claim's text into preamble and limitations (Chinese when it has CJK characters)."""
    body = _NUMBER.sub("", " ".join(text.split()))
    if re.search(r"[\u4e00-\u9fff]", body):
        return _split_zh(body)
    return _split_en(body)


def additions(text: str) -> tuple[str, ...]:
    """The limitations a dependent claim adds to the claim it refers to (its text after the reference)."""
    body = _NUMBER.sub("", " ".join(text.split()))
    if re.search(r"[\u4e00-\u9fff]", body):
        rest = re.sub(r"^.*?权利要求\s*[\d\s\-~至或、]+(?:中任一项)?所述的?[^，,]*[，,]?", "", body, count=1)
        rest = re.sub(rf"^(?:{'|'.join(ZH_TRANSITIONS)})[：:，,]?", "", rest)
        return tuple(f for f in (_bare(p) for p in re.split(r"；|;|其中", rest)) if f) or (body.rstrip("。"),)
    m = re.search(r"\bclaims?\s+\d+(?:\s*(?:-|to|or|and)\s*\d+)?,?", body, re.I)
    rest = body[m.end() :] if m else body
    rest = re.sub(
        r"^\s*(?:,?\s*(?:and\s+)?(?:further\s+)?(?:comprising|including|wherein|in which)\b:?)", "", rest, flags=re.I
    )
    found = _body_elements(rest) if rest.strip() else ()
    return found or (body.rstrip("."),)


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
    return SplitClaim(preamble, _body_elements(rest))


#: A Markush group or an "at least one of" list: its members are alternatives, one limitation together.
_ALTERNATIVES = r"(?:consisting of|selected from|at least one of|one or more of|one of|any of|either)"
_MARKUSH = re.compile(rf"\b{_ALTERNATIVES}\s*:?$", re.I)  # a clause that opens the group
_MARKUSH_IN = re.compile(rf"\b{_ALTERNATIVES}\b", re.I)  # a clause inside one
#: The words that end a header ("the method comprising", "cause the processor to"): it joins what follows.
_OPENS = r"(?:comprising|comprises|including|includes|to|of|(?:the )?following (?:acts|steps|operations))"
_HEADER = re.compile(rf"^.{{0,160}}\b{_OPENS}\s*:?$", re.I)
_OPEN_END = re.compile(rf"\b{_OPENS}:?$", re.I)
_LABEL = re.compile(r"^(?:[a-z]|[ivx]+|\d+)[.)]\s+|^\((?:[a-z]|[ivx]+|\d+)\)\s+")


def _body_elements(rest: str) -> tuple[str, ...]:
    """A claim body cut into limitations: semicolons, colons, enumerations, wherein clauses, then commas."""
    rest = re.sub(
        r"^(?:the steps of|the following steps|the following acts|the following)\s*:?\s*", "", rest, flags=re.I
    )
    elements: list[str] = []
    parts = re.split(r";\s*(?:and\s+)?|:\s+(?=\S)|,\s+the (?:method|process) comprising:?\s+", rest)
    for part in (p for p in parts if p.strip()):
        pieces = [p for p in _ENUMERATION.split(part) if p and not re.fullmatch(r"[a-z]|[ivx]+", p)]
        for piece in pieces or [part]:
            for clause in re.split(r",?\s+(?=(?:wherein|whereby)\b)", piece):
                elements += _commas(clause) if not re.match(r"(?:wherein|whereby)\b", clause) else [clause]
    cleaned = [_LABEL.sub("", re.sub(r",?\s+(?:and|or)$", "", e.strip().rstrip(".;,:")).strip()) for e in elements]
    cleaned = [re.sub(r"^(?:and|or|then)\s+", "", e).strip(" ,") for e in cleaned]
    return tuple(_joined([e for e in cleaned if len(e.split()) > 1 or (e and len(cleaned) == 1)]))


def _joined(elements: list[str]) -> list[str]:
    """Headers ("the method comprising") joined to what follows; a Markush group kept as one limitation."""
    out: list[str] = []
    group = False
    for e in elements:
        if out and (group or _HEADER.match(out[-1])) and not re.match(r"(?:wherein|whereby)\b", e, re.I):
            glue = " " if _OPEN_END.search(out[-1]) else ", "
            out[-1] = f"{out[-1]}{glue}{e}"
        else:
            out.append(e)
            group = False
        group = group or bool(_MARKUSH.search(out[-1]))
    return out


def _commas(clause: str) -> list[str]:
    """A clause split at the commas that open another function, step, component or statement."""
    parts = re.split(r",\s+(?!(?:second|third|fourth|fifth|sixth)\b)", clause)  # "first, second and third …"
    out = [parts[0]]
    for part in parts[1:]:
        lead = re.sub(r"^(?:and|or|then)\s+", "", part)
        lead = re.sub(r"^(?:further|also|then)\s+", "", lead)
        before = out[-1]
        first = re.match(r"[A-Za-z-]+", lead)
        word = first.group().lower() if first else ""
        inside = re.match(_CONDITION, before.split(", ")[-1], re.I) and ", " in before  # ", when executed, cause"
        opens = (
            not inside
            and not _MARKUSH_IN.search(before)
            and not _in_parenthesis(before)
            and len(lead.split()) >= 2
            and (
                _is_verb(word)
                or re.match(_CONDITION, lead, re.I)
                and not re.search(r"\b(?:that|which)$", before)
                or re.match(rf"{_ARTICLE}[\s,]+\w+", lead, re.I)
                and _names_a_part(before)
                and (_states(lead) or part.startswith("and ") or before.lower().startswith("means for"))
                or lead.lower().startswith("means for")
            )
        )
        if opens:
            out.append(part)
        else:
            out[-1] = f"{before}, {part}"
    return _conditions_joined(out)


def _names_a_part(text: str) -> bool:
    """Whether a clause names a component ("a controller …", "said regions …"), not a step or a condition."""
    first = re.match(r"[A-Za-z-]+", text)
    word = first.group().lower() if first else ""
    step = _is_verb(word) or word.endswith("ing") or re.match(rf"(?:{_CONDITION})|wherein|whereby", text, re.I)
    return not step and len(text.split()) >= 3


def _states(text: str) -> bool:
    """Whether a noun phrase says something of its own ("the regions being adjacent …"), not a bare list item."""
    words = text.lower().split()
    return len(words) >= 4 and any(
        w in ("having", "being", "is", "are", "has", "have", "for", "to") or w.endswith(("ed", "ing")) or _is_verb(w)
        for w in words[1:]
    )


def _conditions_joined(parts: list[str]) -> list[str]:
    """A condition belongs to its step: a leading one to the step after it, a trailing one to the step before.

    "responsive to X, provide Y" is one limitation; so is "provide Y, responsive to X".
    """
    out: list[str] = []
    leading = False  # whether the last part is a leading condition joined to its step
    for part in parts:
        if out and re.match(rf"(?:and\s+)?{_CONDITION}", out[-1], re.I) and len(out[-1].split()) <= 8:
            out[-1], leading = f"{out[-1]}, {part}", True
        else:
            out.append(part)
            leading = False
    if len(out) > 1 and not leading and re.match(rf"(?:and\s+)?{_CONDITION}", out[-1], re.I):
        out[-2:] = [f"{out[-2]}, {out[-1]}"]
    return out


def _in_parenthesis(text: str) -> bool:
    return text.count("(") > text.count(")")


def _is_verb(word: str) -> bool:
    """Whether a word opens a function or step: a known claim verb in any form (receive, receives, receiving)."""
    return len(word) > 2 and stem(word) in _VERB_STEMS


def _split_zh(body: str) -> SplitClaim:
    at = min(((body.find(t), t) for t in ZH_TRANSITIONS if body.find(t) >= 0), default=None)
    if at is None:
        return _split_zh_one_part(body)
    index, word = at
    head = body[:index].rstrip("，,")
    rest = body[index + len(word) :].lstrip("：:，,")
    # the features of the preamble (前序部分) are limitations too: "一种电池管理系统，包括电池组和控制器"
    subject, _, known = head.replace(",", "，").partition("，")
    return SplitClaim(subject.strip(), _zh_features(known) + _zh_features(rest))


def _split_zh_one_part(body: str) -> SplitClaim:
    """A claim without 其特征在于: "一种电主轴，包括：A；B；C" — the subject, then what it comprises."""
    text = body.rstrip("。")
    m = re.search(r"[，,]?(?:其)?(?:包括|包含|含有|具有|由)(?:以下|如下)?(?:步骤|部件|结构)?[：:]?", text)
    if m is None or m.start() == 0 or not text[m.end() :].strip():
        return SplitClaim("", (text,))
    subject = text[: m.start()].rstrip("，,")
    features = _zh_features(text[m.start() :].lstrip("，,"))
    return SplitClaim(subject, features) if features else SplitClaim("", (text,))


def _zh_features(text: str) -> tuple[str, ...]:
    """Chinese features split at "；", "其中" and lists of components ("包括电池组、控制器和传感器")."""
    out: list[str] = []
    for part in re.split(r"；|;|[，,。]?其中[，,：:]?|以及(?=[^、]*$)", text):
        if not part.strip():
            continue
        listed = re.match(r"^\s*(?:还|进一步)?(?:包括|包含|含有|具有|设有)[：:]?(.+)$", part.strip().rstrip("。；，"))
        items = re.split(r"、|和|及|以及", listed.group(1)) if listed and "、" in listed.group(1) else None
        if items and all(0 < len(i.strip()) <= 15 and "，" not in i for i in items):
            out += [i.strip() for i in items]
        elif bare := _bare(part):
            out.append(bare)
    return tuple(out)


_LEAD_ZH = re.compile(
    r"^(?:(?:还|进一步)?(?:包括|包含|含有|具有|设有|由)?(?:以下|如下)?(?:步骤|部件|结构)?[：:，,]?\s*)+"
)


def _bare(feature: str) -> str:
    """A Chinese feature without its lead-in words (包括以下步骤：, 还包括：) and end punctuation."""
    return _LEAD_ZH.sub("", feature.strip()).strip().rstrip("。；，")
