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


#: Leading qualifiers a Chinese name is often written without (中国科学院沈阳自动化研究所 → 沈阳自动化所).
QUALIFIERS_ZH = ("中国科学院", "中国", "国家")


def _split(key: str) -> tuple[frozenset[str], str]:
    """A Chinese key's leading places (沈阳, 辽宁省 …) and the rest, leading qualifiers dropped too."""
    places: set[str] = set()
    changed = True
    while changed:
        changed = False
        for lead in (*QUALIFIERS_ZH, *_places()):
            if key.startswith(lead) and len(key) > len(lead) + 1:
                if lead not in QUALIFIERS_ZH:
                    places.add(re.sub(r"(省|市|自治区)$", "", lead))
                key, changed = key[len(lead) :], True
                break
    return frozenset(places), key


def _without_place(key: str) -> str:
    return _split(key)[1]


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
    """Chinese names: the same firm with or without its place; a 简称; else character similarity.

    Places must agree where both names have one: 沈阳自动化所 and 大连自动化所 are different institutes.
    """
    (pa_, ra), (pb, rb) = _split(ka), _split(kb)
    agree = not pa_ or not pb or bool(pa_ & pb)
    if ra == rb and agree:
        return 98.0, "normalised"  # the same body with and without its place name or qualifier
    pairs = [(ka, kb), (kb, ka)] + ([(ra, rb), (rb, ra)] if agree else [])
    for short, long in pairs:
        if short in _places() or len(short) < MIN_SHORT or len(short) >= len(long):
            continue
        if short[0] == long[0] and _subsequence(short, long):
            return round(THRESHOLD + (100 - THRESHOLD) * len(short) / len(long), 2), "简称"
    from rapidfuzz import fuzz

    return float(fuzz.ratio(ka, kb)), "similar"


class Resolver:
    """Names of the register's parties, ready to resolve other names to them."""

    def __init__(self, parties: list[tuple[str, str, str | None]]) -> None:
        """``parties``: (party_id, name, English name or None) as the register holds them."""
        self.names: list[tuple[str, str]] = []
        self.by_key: dict[str, list[int]] = defaultdict(list)
        for pid, name, name_en in parties:
            for written in (name, name_en):
                if written:
                    i = len(self.names)
                    self.names.append((pid, written))
                    self.by_key[normalise(written)].append(i)

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
        if not best:  # the names come from an SQL pre-filter (candidates()): few enough to compare one by one
            for pid, written in self.names:
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
    """Group names that are one party: a label per name, and every merge made (name or key, leader, score, how).

    Names with equal keys are one group (each listed against its key, score 100). Then, block by
    block and most frequent first (``weights``: how often each name is written), a key joins the
    best-scoring leader at or above ``threshold`` or becomes a leader itself — each name is compared
    with leaders, never chained through a third name.
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
    written: dict[str, set[str]] = defaultdict(set)
    for name, k in zip(names, keys, strict=True):
        written[k].add(name)
    merges += [(n, k, 100.0, "normalised") for k, ns in sorted(written.items()) if len(ns) > 1 for n in sorted(ns)]
    index = {r: i for i, r in enumerate(sorted(set(leader_of.values())))}
    return [index[leader_of[k]] for k in keys], merges


def candidates(con, name: str, k, limit: int = 5000) -> list[tuple[str, str, str | None]]:
    """Parties of the register (as known on K) that could be ``name``.

    Those containing every character (Chinese) or the start of every word (Latin) of its key: what a
    简称 or a shorter form must share with the full name. One SQL scan, not a Python loop over parties.
    """
    from ipgauge.register.store import known_at

    key = normalise(name)
    if not key:
        return []
    if is_chinese(key):
        parts = sorted(set(_without_place(key)))[:10]
        test = " AND ".join("contains(p.name, ?)" for _ in parts)
    else:
        parts = sorted({w[:4] for w in key.split() if len(w) >= 3})[:5] or [key[:4]]
        test = " AND ".join("contains(lower(coalesce(p.name_en, '') || ' ' || p.name), ?)" for _ in parts)
    return con.execute(
        f"SELECT p.party_id, p.name, p.name_en FROM parties p WHERE {known_at(k, 'p')} AND {test} "
        f"ORDER BY p.party_id LIMIT {int(limit)}",
        parts,
    ).fetchall()


def resolve(con, name: str, k, threshold: float = THRESHOLD) -> dict:
    """``name`` resolved to a party of the register: the match, its score and how, or why there is none."""
    found = Resolver(candidates(con, name, k)).match(name, threshold)
    out = {"input": name, "party_id": None, "name": None, "score": None, "how": None}
    if not found:
        return out | {"status": "unmatched", "candidates": []}
    listed = [{"party_id": m.party_id, "name": m.name, "score": m.score, "how": m.how} for m in found]
    if len(found) > 1 and found[0].how != "exact":  # two parties it may be: the reader decides, not ipgauge
        return out | {"status": "ambiguous", "candidates": listed}
    best = found[0]
    return out | {
        "party_id": best.party_id,
        "name": best.name,
        "score": best.score,
        "how": best.how,
        "status": "matched",
        "candidates": listed[1:],
    }
