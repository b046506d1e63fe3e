"""Two marks compared the way an examiner compares them: sound, sight, meaning and goods, then a verdict.

Each dimension is a score in 0..1 with the reason it was given:

- **phonetic** — Latin marks by Double Metaphone, Chinese by toneless pinyin, across scripts by pinyin
  as written (QIAODAN) and by the coarse sound skeleton (乔丹 / JORDAN), :mod:`.sound`;
- **visual** — Latin by edit distance over letter shapes (rn/m, 0/O, 1/l), a mark contained whole in
  the other (LIFE in THOMSON LIFE); Chinese by the characters shared in place and the components
  of those that differ (小肥羊 / 小尾羊), after traditional → simplified; across scripts nothing;
- **conceptual** — the meaning both marks share: English words (foreign words translated first:
  VEUVE → widow), a Chinese mark's dictionary senses against a Latin mark (星巴克 → Starbucks,
  鲨鱼 → shark); a coined word has no meaning to share;
- **goods** — the same Nice class, a related one (``data/nice_related.csv``: clothing and bags,
  beer and wine, foods and restaurants, retail of the goods), or neither. Class level only: no
  licensed copy of the CN similar-group table (类似商品和服务区分表) is available, and the reasons say so
  for a CN comparison.

The verdict ``likely_confusion`` is a logistic model over the marks' similarity (the strongest
dimension, with the others' mean) and the goods' (``data/trademark_model.json``), fitted on the
development half of the decided cases in ``data/trademark_cases.csv`` (bench/bench_marks.py refits
and reports the held-out half).
"""

from __future__ import annotations

import csv
import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

from rapidfuzz.distance import Levenshtein

from ipgauge.services.marks import lexicon, sound

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
#: letters that read alike in print (TMEP 1207.01(c)): folded before the visual edit distance
_SHAPES = (("RN", "M"), ("VV", "W"), ("CL", "D"), ("0", "O"), ("1", "L"), ("I", "L"), ("5", "S"), ("8", "B"))
#: words that carry no distinctive meaning in a mark: articles, company forms, and the laudatory or
#: generic words examiners give little weight (TMEP 1207.01(b)(viii): GRAND, PREMIUM, ESSENTIALS …)
_WEAK = frozenset(
    "the a an of and & by de la le el los las der die das il co company inc llc ltd corp corporation "
    "group gmbh sa ag limited best super premium quality grand prime ultra pro plus max new original "
    "classic deluxe global international american national world smart express first essential essentials "
    "hotel hotels restaurant cafe shop store brand brands products systems solutions services usa china".split()
)


#: Cyrillic and Greek letters drawn like Latin ones, read as those (a copycat's NІKE with a Cyrillic І)
_LOOKALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеіјорсхуԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧονρ",
    "ABESIJKMHOPCTXYaeijopcxydqwABEZHIKMNOPTYXovp",
)


#: letters NFKD leaves whole, written as their Latin spelling (ÆON → AEON, ØRSTED → ORSTED)
_LIGATURES = str.maketrans({"Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l",
                            "Đ": "D", "đ": "d", "Þ": "TH", "þ": "th"})  # fmt: skip
#: numbers said as words, so that 3M sounds like THREE M
_NUMBERS = dict(enumerate("zero one two three four five six seven eight nine ten eleven twelve".split()))


def _spoken(latin: str) -> str:
    """A Latin mark with its small numbers said as words (3M → THREE M)."""
    return re.sub(r"\d+", lambda m: f" {_NUMBERS[int(m.group())].upper()} " if int(m.group()) in _NUMBERS
                  else m.group(), latin)  # fmt: skip


@dataclass(frozen=True)
class Mark:
    """A mark as written, split into what each script's examiner reads."""

    text: str
    latin: str  # the Latin-script words, upper case, single-spaced
    words: tuple[str, ...]  # the same, as words
    chinese: str  # the Chinese characters, simplified

    @classmethod
    def of(cls, text: str) -> Mark:
        """The mark ``text`` read: its Latin words and its Chinese characters (simplified)."""
        folded = unicodedata.normalize("NFKD", text.translate(_LOOKALIKES)).translate(_LIGATURES)
        plain = "".join(c for c in folded if not unicodedata.combining(c)).replace("ß", "ss")
        words = tuple(w.upper().replace("’", "'") for w in _LATIN_WORD.findall(plain))  # ÉCLAT → ECLAT
        chinese = lexicon.to_simplified("".join(_CJK.findall(text)))
        return cls(text.strip(), " ".join(words), words, chinese)


@dataclass
class Comparison:
    """The contract of ``trademark compare --format json``: verdict, score, the four dimensions, reasons."""

    likely_confusion: bool
    score: float
    dimensions: dict[str, float]
    reasons: list[str] = field(default_factory=list)
    #: what else the verdict read: the earlier mark's strength, a difference in meaning (not in the contract)
    factors: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict:
        """The contract's object."""
        return {
            "likely_confusion": self.likely_confusion,
            "score": round(self.score, 4),
            "dimensions": {k: round(v, 4) for k, v in self.dimensions.items()},
            "reasons": self.reasons,
        }


def _plain(text: str) -> str:
    """Letters and digits only, accents folded, lower case: how a dictionary sense and a mark are matched."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _fold(latin: str) -> str:
    s = re.sub(r"[^A-Z0-9]", "", latin)
    for a, b in _SHAPES:
        s = s.replace(a, b)
    return s


def _contained(a: tuple[str, ...], b: tuple[str, ...], weak: frozenset[str] = _WEAK) -> tuple[str, ...] | None:
    """The shorter mark's words when they stand whole, in order, in the longer mark (LIFE in THOMSON LIFE)."""
    short, long_ = (a, b) if len(" ".join(a)) <= len(" ".join(b)) else (b, a)
    short = tuple(w for w in short if w.lower() not in weak)
    if not short or len("".join(short)) < 3 or short == long_:
        return None
    n = len(short)
    if any(long_[i : i + n] == short for i in range(len(long_) - n + 1)):
        return short
    joined = "".join(long_)
    return short if len("".join(short)) >= 4 and "".join(short) in joined else None


def phonetic(a: Mark, b: Mark) -> tuple[float, str]:
    """How alike the marks sound, and why."""
    best, why = 0.0, ""
    if a.latin and b.latin:
        s = max(sound.latin_alike(a.latin, b.latin), sound.latin_alike(_spoken(a.latin), _spoken(b.latin)))
        inner = _contained(a.words, b.words)
        if inner:
            s = max(s, 0.8)
        ca, cb = ((sound.codes(m.latin) or ("-",))[0][:12] for m in (a, b))
        best, why = s, f"'{a.latin}' and '{b.latin}' sound alike (Metaphone {ca} and {cb})"
    if a.chinese and b.chinese:
        pa, pb = sound.pinyin(a.chinese), sound.pinyin(b.chinese)
        s = sound.chinese_alike(pa, pb)
        if s > best:
            best, why = s, f"{a.chinese} ({' '.join(pa)}) and {b.chinese} ({' '.join(pb)}) sound alike"
    for zh, la in ((a.chinese, b.latin), (b.chinese, a.latin)):
        if zh and la:
            py = sound.pinyin(zh)
            for part, share in _windows(py):
                s = sound.across_alike(part, la) * (0.7 + 0.3 * share)
                if s > best:
                    heard = " ".join(part)
                    best, why = s, f"{zh} is read '{' '.join(py)}'; '{heard}' sounds like '{la}'"
    return best, why


def _windows(syllables: list[str]) -> list[tuple[list[str], float]]:
    """The whole run of syllables and each stretch of two or more, with its share of the whole.

    A Chinese mark's distinctive part is often a transliteration beside a plain word (拉菲 in 拉菲庄园,
    "Lafite manor").
    """
    n = len(syllables)
    out = [(syllables, 1.0)]
    for size in range(n - 1, 1, -1):
        out += [(syllables[i : i + size], size / n) for i in range(n - size + 1)]
    return out


def _chinese_visual(a: str, b: str) -> float:
    if a == b:
        return 1.0
    total = 0.0
    for i, ch in enumerate(a):
        other = b[i] if i < len(b) else ""
        if ch == other or ch in b:
            total += 1.0 if ch == other else 0.8
        elif other:
            ca, cb = lexicon.components(ch), lexicon.components(other)
            total += 0.6 * len(ca & cb) / len(ca | cb) if ca and cb else 0.0
    return total / max(len(a), len(b))


def visual(a: Mark, b: Mark, weak: frozenset[str] = _WEAK) -> tuple[float, str]:
    """How alike the marks look, and why."""
    best, why = 0.0, ""
    if a.latin and b.latin:
        fa, fb = _fold(a.latin), _fold(b.latin)
        s = Levenshtein.normalized_similarity(fa, fb)
        why = f"'{a.latin}' and '{b.latin}' look alike ({s:.0%} of letters in place)"
        inner = _contained(a.words, b.words, weak)
        common = [w for w in dict.fromkeys(a.words) if w in b.words and len(w) >= 3 and w.lower() not in weak]
        if inner:
            share = min(1.0, len("".join(inner)) / max(len(a.latin.replace(" ", "")), len(b.latin.replace(" ", ""))))
            if 0.7 + 0.3 * share > s:
                s = 0.7 + 0.3 * share
                why = f"'{' '.join(inner)}' stands whole in both marks"
        elif common:
            share = min(1.0, len("".join(common)) / max(len(a.latin), len(b.latin)))
            if 0.45 + 0.45 * share > s:
                s = 0.45 + 0.45 * share
                why = f"both marks have the word{'s' if len(common) > 1 else ''} {', '.join(common)}"
        else:  # a word of one nearly another's (STEINWEG / STEINWAY, MATRATZEN / MATRAZEN)
            pairs = [(Levenshtein.normalized_similarity(x, y), x, y) for x in a.words for y in b.words
                     if len(x) >= 5 and len(y) >= 5 and x.lower() not in weak and y.lower() not in weak]  # fmt: skip
            near, x, y = max(pairs, default=(0.0, "", ""))
            if near >= 0.75:
                share = min(1.0, max(len(x), len(y)) / max(len(a.latin), len(b.latin)))
                if (0.4 + 0.45 * share) * near > s:
                    s = (0.4 + 0.45 * share) * near
                    why = f"the word {x} is nearly {y}"
        best = s
    if a.chinese and b.chinese:
        s = max(_chinese_visual(a.chinese, b.chinese), _chinese_visual(b.chinese, a.chinese))
        if s > best:
            best, why = s, f"{a.chinese} and {b.chinese} share characters or their components"
    return best, why


def _meanings(m: Mark, weak: frozenset[str] = _WEAK) -> tuple[set[str], list[str], set[str]]:
    """What a Latin mark means: its English words (foreign words translated), the translations made.

    A foreign word that is also English (GRAND, CHAT, PAIN, ROSE) is read as English unless another
    word of the mark is foreign only. Also every distinctive word as a token (its meaning, or the word
    itself when it has none), so that a meaning shared is weighed against all the words of both marks.
    """
    foreign, english = lexicon.foreign_words(), lexicon.english()
    words = [w.lower().replace("'", "") for w in m.words if w.lower() not in weak]
    abroad = any(w in foreign and w not in english for w in words)
    out, made, tokens = set(), [], set()
    for low in words:
        if low in foreign and (abroad or low not in english):
            out.update(foreign[low].split())
            tokens.update(foreign[low].split())
            made.append(f"{low.upper()} = '{foreign[low]}'")
            continue
        word = low[:-1] if low.endswith("s") and low[:-1] in english and low not in english else low  # a plural
        if len(word) > 2 and word in english:
            out.add(word)
        tokens.add(word)
    return out, list(dict.fromkeys(made)), tokens


def _order(m: Mark, weak: frozenset[str]) -> list[str]:
    """The meanings of a Latin mark's words in the order written (OPUS ONE: opus, one)."""
    out = []
    for w in m.words:
        out += sorted(_meanings(Mark.of(w), weak)[0]) if w.lower() not in weak else []
    return out


def conceptual(a: Mark, b: Mark, weak: frozenset[str] = _WEAK) -> tuple[float, str]:
    """How much meaning the marks share, and why."""
    best, why = 0.0, ""
    if a.latin and b.latin:
        ma, ta, wa = _meanings(a, weak)
        mb, tb, wb = _meanings(b, weak)
        if ma and mb:
            shared = ma & mb  # a meaning shared counts against every word of both (BLUE HARBOR / BLUE NOVA: 1/3)
            s = max(len(shared) / len(wa | wb), 0.6 * len(shared) / min(len(wa), len(wb)))
            if s > 0:
                best = s
                said = " ".join(w for w in dict.fromkeys(_order(a, weak)) if w in shared)
                why = f"both mean '{said}'" + (f" ({'; '.join(dict.fromkeys(ta + tb))})" if ta or tb else "")
    for zh, la in ((a.chinese, b), (b.chinese, a)):
        if zh and la.latin:
            said = lexicon.senses(zh)
            runs = {_plain(" ".join(la.words[i:j])): j - i for i in range(len(la.words))
                    for j in range(i + 1, len(la.words) + 1)}  # fmt: skip
            for sense in said:
                n = runs.get(_plain(sense.split(",")[0]))
                if n == len(la.words):
                    return 1.0, f"{zh} means '{sense}' (CC-CEDICT): the same as {la.latin}"
                if n and 0.6 + 0.4 * n / len(la.words) > best:
                    best = 0.6 + 0.4 * n / len(la.words)
                    why = f"{zh} means '{sense}' (CC-CEDICT), a part of {la.latin}"
            words = {w for sense in said for w in re.findall(r"[a-z]+", sense)} - _WEAK
            mine = _meanings(la)[0]
            if words and mine and words & mine:
                s = 0.8 * len(words & mine) / len(mine)
                if s > best:
                    best, why = s, f"{zh} means '{'; '.join(said[:2])}' (CC-CEDICT), as {la.latin} does"
    if a.chinese and a.chinese == b.chinese and lexicon.senses(a.chinese):
        return 1.0, f"the same Chinese mark {a.chinese}, meaning '{lexicon.senses(a.chinese)[0]}'"
    if a.chinese and b.chinese and a.chinese != b.chinese:
        sa = {w for s in lexicon.senses(a.chinese) for w in re.findall(r"[a-z]+", s)} - _WEAK
        sb = {w for s in lexicon.senses(b.chinese) for w in re.findall(r"[a-z]+", s)} - _WEAK
        if sa and sb and sa & sb:
            s = 0.8 * len(sa & sb) / min(len(sa), len(sb))
            if s > best:
                best, why = s, f"{a.chinese} and {b.chinese} share the meaning '{' '.join(sorted(sa & sb)[:3])}'"
    return best, why


@functools.cache
def _related() -> dict[frozenset[int], str]:
    text = resources.files("ipgauge.data").joinpath("nice_related.csv").read_text(encoding="utf-8")
    return {frozenset((int(r["class_a"]), int(r["class_b"]))): r["why"] for r in csv.DictReader(text.splitlines())}


def nice_classes(text: str | None) -> list[int]:
    """'9,42' or '9;42' → [9, 42], each once; a part that is not a class from 1 to 45 is a ValueError naming it."""
    out = []
    for part in (text or "").replace(";", ",").split(",") if (text or "").strip() else []:
        part = part.strip()
        if not part.isdigit() or not 1 <= int(part) <= 45:
            raise ValueError(f"{part!r} is not a Nice class (1 to 45)")
        out.append(int(part))
    return list(dict.fromkeys(out))


def goods(classes_a: list[int], classes_b: list[int]) -> tuple[float, str]:
    """How close the goods are, at the level of Nice classes, and why (a CN comparison says it is class level)."""
    if not classes_a or not classes_b:
        return 0.5, "no classes given: the goods are not compared"
    same = sorted(set(classes_a) & set(classes_b))
    if same:
        return 1.0, f"the same class {', '.join(map(str, same))}"
    related = _related()
    for x in classes_a:
        for y in classes_b:
            why = related.get(frozenset((x, y)))
            if why:
                return 0.55, f"related classes {x} and {y}: {why}"
    return 0.1, f"unrelated classes ({', '.join(map(str, classes_a))} against {', '.join(map(str, classes_b))})"


@functools.cache
def model() -> dict:
    """The fitted verdict: weights over the features of :func:`features`, and the threshold."""
    return json.loads(resources.files("ipgauge.data").joinpath("trademark_model.json").read_text(encoding="utf-8"))


def features(dims: dict[str, float]) -> list[float]:
    """What the verdict reads: the marks' strongest likeness, the goods, their product, and two factors.

    The factors: the earlier mark's strength (a coined word is protected more widely than a dictionary
    word) and whether a clear difference in meaning stands against the likeness (ZIRH / SIR: the
    CJEU's "neutralisation", C-206/04 P).
    """
    strongest = max(dims["phonetic"], dims["visual"], dims["conceptual"])
    g = dims["goods"]
    return [strongest, g, strongest * g, dims.get("strength", 0.5), dims.get("neutralised", 0.0)]


def strength(m: Mark) -> float:
    """How distinctive a mark is: the share of its letters in coined words (in no dictionary), 0..1."""
    if m.latin:
        english, foreign = lexicon.english(), lexicon.foreign_words()
        words = [w for w in m.words if w.lower() not in _WEAK]
        coined = sum(len(w) for w in words if w.lower() not in english and w.lower() not in foreign)
        return coined / max(1, sum(len(w) for w in words))
    return 0.0 if lexicon.senses(m.chinese) else 1.0


def _clear_meaning(m: Mark) -> bool | None:
    """Whether a mark has a clear meaning, has none (coined), or neither (None: partly).

    Clear: every distinctive word a dictionary word, or the Chinese mark a dictionary entry.
    """
    if m.latin and not m.chinese:
        meant, _, words = _meanings(m)
        return None if not words else (True if words <= meant else False if not meant else None)
    if m.chinese and not m.latin:
        return bool(lexicon.glosses(m.chinese))
    return None


def _neutralised(a: Mark, b: Mark, dims: dict[str, float]) -> bool:
    """A clear difference in meaning that stands against the likeness (the CJEU's "neutralisation", ZIRH / SIR).

    Marks in the same script, not the same once read, one with a clear meaning the other lacks, or both
    with clear meanings that differ. Across scripts a transliteration never means what it sounds like.
    """
    if bool(a.chinese) != bool(b.chinese) or (a.latin, a.chinese) == (b.latin, b.chinese):
        return False
    if dims["phonetic"] >= 0.95 and dims["visual"] >= 0.8:  # HAPPIDOG is said and seen as HAPPY DOG: it means it
        return False
    ca, cb = _clear_meaning(a), _clear_meaning(b)
    return bool({ca, cb} == {True, False} or (ca and cb and dims["conceptual"] < 0.2))


def verdict(dims: dict[str, float], weights: dict | None = None) -> float:
    """The probability of confusion the model gives these dimensions."""
    m = weights or model()
    z = m["bias"] + sum(w * x for w, x in zip(m["weights"], features(dims), strict=True))
    return 1 / (1 + math.exp(-z))


def compare(
    text_a: str,
    classes_a: list[int],
    text_b: str,
    classes_b: list[int],
    jurisdiction: str = "US",
    crowded: frozenset[str] = frozenset(),
) -> Comparison:
    """Two marks and their goods compared on every dimension, with the verdict and the reasons for it.

    ``crowded``: words so many live marks of these classes share that they distinguish nothing (a
    crowded field, TMEP 1207.01(d)(iii)) — a word in common among them counts for neither sight nor
    meaning. Clearance finds them in the register; a comparison of two marks alone has none.
    """
    a, b = Mark.of(text_a), Mark.of(text_b)
    weak = _WEAK | {w.lower() for w in crowded}
    if not (a.latin or a.chinese) or not (b.latin or b.chinese):
        raise ValueError("a mark has no Latin letters or Chinese characters to compare (only those scripts are read)")
    found = {
        "phonetic": phonetic(a, b),
        "visual": visual(a, b, weak),
        "conceptual": conceptual(a, b, weak),
        "goods": goods(classes_a, classes_b),
    }
    dims = {k: v[0] for k, v in found.items()}
    extra = {"strength": strength(b), "neutralised": float(_neutralised(a, b, dims))}
    score = verdict(dims | extra)
    confusion = score >= model()["threshold"]
    reasons = [f"{k} {v[0]:.2f}: {v[1]}" for k, v in found.items() if v[1] and (v[0] >= 0.5 or k == "goods")]
    if not any(dims[k] >= 0.5 for k in ("phonetic", "visual", "conceptual")):
        reasons.insert(0, "the marks differ in sound, sight and meaning")
    shared = sorted(w for w in set(a.words) & set(b.words) if w.lower() in weak - _WEAK)
    if shared:
        said = ", ".join(shared)
        reasons.append(f"{said}: shared by many live marks in these classes (a crowded field), not counted")
    if extra["neutralised"] and max(dims["phonetic"], dims["visual"]) >= 0.5:
        reasons.append("one mark has a clear meaning the other lacks (or both, different ones): it weighs against "
                       "the likeness in sound or sight")  # fmt: skip
    if jurisdiction == "CN":
        reasons.append("CN: classes compared, not CNIPA's similar groups; the verdict is fitted on decisions "
                       "mostly from the US and the EU")  # fmt: skip
    return Comparison(confusion, score, dims, reasons, extra)
