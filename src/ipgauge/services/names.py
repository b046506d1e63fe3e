"""Applicant names resolved to parties: one institution written several ways, merged with a score.

"中国科学院沈阳自动化研究所", "中科院沈阳自动化所" and "Shenyang Institute of Automation, CAS"; "Fuji Xerox
Co. Ltd.", "Fuji Xerox Corporation" and "Fuji Xerox" — the register and the bulk files write one
party many ways. A name is first *normalised* (width, case, punctuation, "the", legal forms such as
有限公司 / 股份有限公司 / Inc. / GmbH, a bracketed place, common abbreviations); equal keys are one
party (score 100). Otherwise two names are compared by a score from 0 to 100: rapidfuzz's token-set
ratio for Latin script, and for Chinese the share of the longer name covered when the shorter one is
its 简称 (its characters in order, as 北航 is of 北京航空航天大学). Names scoring at least the threshold
are merged; every merge keeps its score and how it was made, so nothing is merged silently.

Quality is measured on real labelled assignee names (PatentsView's ``pv-evaluation`` benchmarks,
GPL, used only by the benchmark and the tests): ``bench/bench_names.py``, numbers in docs/services.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

#: Legal forms and filler words dropped from Latin-script names (after lower-casing, punctuation removed).
LEGAL_EN = frozenset(
    "inc incorporated corp corporation co company ltd limited llc llp lp plc gmbh mbh ag kg kgaa sa sas sarl spa srl "
    "bv nv ab as oy oyj kk kabushiki kaisha gesellschaft mit beschrankter beschraenkter haftung ev pty pte sdn bhd "
    "the of and".split()
)
#: Abbreviations written out, so that "Univ." and "University" compare equal.
EXPAND_EN = {
    "univ": "university",
    "u": "university",
    "inst": "institute",
    "tech": "technology",
    "technol": "technology",
    "intl": "international",
    "int": "international",
    "natl": "national",
    "nat": "national",
    "mfg": "manufacturing",
    "ind": "industries",
    "industry": "industries",
    "indus": "industries",
    "labs": "laboratories",
    "lab": "laboratories",
    "laboratory": "laboratories",
    "dept": "department",
    "assn": "association",
    "res": "research",
    "sci": "science",
    "sciences": "science",
    "elec": "electric",
    "electrical": "electric",
    "chem": "chemical",
    "chemicals": "chemical",
    "pharm": "pharmaceuticals",
    "pharmaceutical": "pharmaceuticals",
    "sys": "systems",
    "system": "systems",
    "jr": "junior",
}
#: Chinese legal forms and filler, longest first (a name's tail is stripped of them repeatedly).
LEGAL_ZH = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "集团股份有限公司",
    "有限公司",
    "股份公司",
    "集团公司",
    "总公司",
    "分公司",
    "公司",
    "集团",
)
#: Chinese abbreviations written out (applied to the key, so 中科院 and 中国科学院 meet).
EXPAND_ZH = {"中科院": "中国科学院", "研究所": "所", "研究院": "院"}
HAN = re.compile(r"[\u3400-\u9fff]")
BRACKETS = re.compile(r"[（(][^）)]*[）)]")
MOJIBAKE = {"Ãƒâ€ž": "a", "ÃƒÂ¤": "a", "ÃƒÂ¶": "o", "ÃƒÂ¼": "u", "ÃƒÅ¸": "ss"}
THRESHOLD = 95.0  # the score from which two names are one party (tuned on the benchmarks' tuning halves)
MIN_SHORT = 2  # a 简称 has at least two characters


@dataclass(frozen=True)
class Match:
    """A name resolved to a party: the score (0–100) and how it was reached."""

    party_id: str
    name: str
    score: float
    how: str  # "exact", "normalised", "简称" (abbreviation), or "similar"


def is_chinese(name: str) -> bool:
    """Whether the name is written in Chinese characters (then compared as Chinese)."""
    return bool(HAN.search(name))


@cache
def _places() -> tuple[str, ...]:
    """Province and city names (long and short forms), longest first: a leading place is not part of the firm."""
    from ipgauge.regions.divisions import divisions

    names = set()
    for d in divisions().values():
        if d.level in ("province", "prefecture") and len(d.name_zh) >= 2:
            names.add(d.name_zh)
            short = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$", "", d.name_zh)
            if len(short) >= 2:
                names.add(short)
    return tuple(sorted(names, key=len, reverse=True))


def normalise(name: str) -> str:
    """The comparison key of a name (see the module's text); empty when nothing is left."""
    text = unicodedata.normalize("NFKC", name or "").strip()
    for bad, good in MOJIBAKE.items():
        text = text.replace(bad, good)
    if is_chinese(text):
        text = BRACKETS.sub("", text)
        text = re.sub(r"[\s·・,，.。、\-—]", "", text)
        changed = True
        while changed:
            changed = False
            for form in LEGAL_ZH:
                if text.endswith(form) and len(text) > len(form):
                    text, changed = text[: -len(form)], True
        for short, long in EXPAND_ZH.items():
            text = text.replace(short, long)
        return text
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " and ").replace("+", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    words = [EXPAND_EN.get(w, w) for w in text.split()]
    kept = [w for w in words if w not in LEGAL_EN]
    return " ".join(kept or words)


def _without_place(key: str) -> str:
    for place in _places():
        if key.startswith(place) and len(key) > len(place) + 1:
            return key[len(place) :]
    return key


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def score(a: str, b: str) -> tuple[float, str]:
    """How alike two names are (0–100) and how the score was reached; 100 "normalised" for equal keys."""
    ka, kb = normalise(a), normalise(b)
    if not ka or not kb:
        return 0.0, "similar"
    if ka == kb:
        return 100.0, "normalised"
    if is_chinese(ka) != is_chinese(kb):
        return 0.0, "similar"  # 中文 against English: only an alias recorded in the register can join them
    if is_chinese(ka):
        return _score_zh(ka, kb)
    return _score_en(ka, kb), "similar"


def _score_en(ka: str, kb: str) -> float:
    """Words in any order, with typos (token-sort ratio), or the words of one name inside the other.

    A name whose words (two or more) all appear in the other scores by how much of it they cover —
    "fuji xerox" and "fuji xerox corporation" — but one word alone is too common to join on
    ("eastern", "general").
    """
    from rapidfuzz import fuzz

    s = float(fuzz.token_sort_ratio(ka, kb))
    ta, tb = set(ka.split()), set(kb.split())
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if len(short) >= 2 and short <= long:
        s = max(s, THRESHOLD + (100 - THRESHOLD) * len(short) / len(long))
    return s


def _score_zh(ka: str, kb: str) -> tuple[float, str]:
    pa_, pb = _without_place(ka), _without_place(kb)
    if pa_ == pb:
        return 98.0, "normalised"  # the same firm with and without its place name
    for short, long in ((ka, kb), (kb, ka), (pa_, pb), (pb, pa_)):
        if len(short) >= MIN_SHORT and len(short) < len(long) and short[0] == long[0] and _subsequence(short, long):
            return round(THRESHOLD + (100 - THRESHOLD) * len(short) / len(long), 2), "简称"
    from rapidfuzz import fuzz

    return float(fuzz.ratio(ka, kb)), "similar"


class Resolver:
    """Names of the register's parties, ready to resolve other names to them."""

    def __init__(self, parties: list[tuple[str, str, str | None]]) -> None:
        """``parties``: (party_id, name, English name or None) as the register holds them."""
        self.names: list[tuple[str, str]] = []
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.by_first: dict[str, list[int]] = defaultdict(list)
        for pid, name, name_en in parties:
            for written in (name, name_en):
                if written:
                    i = len(self.names)
                    self.names.append((pid, written))
                    key = normalise(written)
                    self.by_key[key].append(i)
                    self.by_first[key[:1]].append(i)

    def match(self, name: str, threshold: float = THRESHOLD, top: int = 3) -> list[Match]:
        """The parties ``name`` may be, best first, each at or above ``threshold`` (one per party)."""
        key = normalise(name)
        if not key:
            return []
        best: dict[str, Match] = {}
        for pid, written in self.names:
            if written == name:
                best[pid] = Match(pid, written, 100.0, "exact")
        for i in self.by_key.get(key, []):
            pid, written = self.names[i]
            best.setdefault(pid, Match(pid, written, 100.0, "normalised"))
        if not best:
            candidates = self.by_first.get(key[:1], []) if is_chinese(key) else range(len(self.names))
            for i in candidates:
                pid, written = self.names[i]
                s, how = score(name, written)
                if s >= threshold and (pid not in best or s > best[pid].score):
                    best[pid] = Match(pid, written, s, how)
        return sorted(best.values(), key=lambda m: (-m.score, m.party_id))[:top]


def _block(key: str) -> str:
    """Names compared with each other share a block: their first word (Chinese: first character after the place)."""
    return _without_place(key)[:1] if is_chinese(key) else key.split()[0]


def cluster(
    names: list[str], threshold: float = THRESHOLD, weights: list[int] | None = None
) -> tuple[list[int], list[tuple[str, str, float, str]]]:
    """Group names that are one party: a label per name, and every merge made (name, leader, score, how).

    Equal keys are one group. Then, block by block and most frequent first (``weights``: how often
    each name is written), a key joins the best-scoring leader at or above ``threshold`` or becomes a
    leader itself — each name is compared with leaders, never chained through a third name.
    """
    keys = [normalise(n) for n in names]
    weight: dict[str, int] = defaultdict(int)
    for k, w in zip(keys, weights or [1] * len(keys), strict=True):
        weight[k] += w
    blocks: dict[str, list[str]] = defaultdict(list)
    for k in sorted(weight, key=lambda k: (-weight[k], k)):
        if k:
            blocks[_block(k)].append(k)
    leader_of = {"": ""}
    merges = []
    for members in blocks.values():
        leaders: list[str] = []
        for k in members:
            best, best_score, best_how = None, threshold, ""
            for lead in leaders:
                s, how = score(k, lead)
                if s >= best_score and (best is None or s > best_score):
                    best, best_score, best_how = lead, s, how
            if best is None:
                leaders.append(k)
                leader_of[k] = k
            else:
                leader_of[k] = best
                merges.append((k, best, best_score, best_how))
    index = {r: i for i, r in enumerate(sorted(set(leader_of.values())))}
    return [index[leader_of[k]] for k in keys], merges
