"""How a mark sounds: Double Metaphone for Latin script, pinyin for Chinese, one coarse key across both.

An examiner hears 乔丹 as "qiao dan" and JORDAN as "jor-dan"; neither spelling matters, the sounds
do. Latin marks are compared by their Double Metaphone codes (``metaphone``, BSD); Chinese marks by
their toneless pinyin (``pypinyin``, MIT), syllable by syllable. Across scripts the pinyin is spelt
as an English speaker would say it (q and ch → j, x → sh, zh → j) and both sides are reduced to a coarse
consonant skeleton in which the sounds Chinese transliteration merges are one: voiced and voiceless
pairs, the sibilants and affricates, and r, which transliterations drop
(JORDAN → 乔丹, CARTIER → 卡地亚); a final stop, which no Chinese syllable ends in, may go too
(LAFITE → 拉菲).
"""

from __future__ import annotations

import functools
import re

from metaphone import doublemetaphone
from pypinyin import lazy_pinyin
from rapidfuzz.distance import Levenshtein

#: pinyin initials as an English reader would spell the sound (the finals read well enough as written)
_SPELL = (("zh", "j"), ("ch", "j"), ("sh", "sh"), ("q", "j"), ("x", "sh"), ("c", "ts"), ("z", "dz"), ("ü", "u"))
#: Double Metaphone's consonants merged into the classes transliteration does not tell apart
_COARSE = str.maketrans({"B": "P", "D": "T", "G": "K", "J": "S", "X": "S", "0": "T", "V": "F", "W": "", "H": ""})


def pinyin(chinese: str) -> list[str]:
    """Toneless pinyin syllables of Chinese text (pypinyin's most frequent reading)."""
    return [s for s in lazy_pinyin(chinese, errors="ignore") if s]


def spelt(syllables: list[str]) -> str:
    """Pinyin spelt as English would write its sounds: ['qiao', 'dan'] → 'jiaodan'."""
    out = []
    for s in syllables:
        for initial, english in _SPELL:
            if s.startswith(initial):
                s = english + s[len(initial) :]
                break
        out.append(s)
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def codes(latin: str) -> tuple[str, ...]:
    """A Latin mark's Double Metaphone codes (primary, and the alternate where there is one)."""
    word = re.sub(r"[^A-Za-z]", "", latin)
    return tuple(c for c in doublemetaphone(word) if c) if word else ()


def coarse(code: str) -> str:
    """A Metaphone code reduced to the skeleton both scripts share (r dropped: transliteration drops it)."""
    return re.sub(r"(.)\1+", r"\1", code.translate(_COARSE).replace("R", ""))


def latin_alike(a: str, b: str) -> float:
    """How alike two Latin marks sound: the best agreement of their Metaphone codes, 0..1."""
    ca, cb = codes(a), codes(b)
    if not ca or not cb:
        return 0.0
    return max(Levenshtein.normalized_similarity(x, y) for x in ca for y in cb)


def chinese_alike(a: list[str], b: list[str]) -> float:
    """How alike two Chinese marks sound: their toneless syllables, and their spelling where syllables differ."""
    if not a or not b:
        return 0.0
    syllables = Levenshtein.normalized_similarity(a, b)
    letters = Levenshtein.normalized_similarity("".join(a), "".join(b))
    return max(syllables, 0.9 * letters)


def across_alike(syllables: list[str], latin: str) -> float:
    """How alike a Chinese mark's sound and a Latin mark's are: their coarse skeletons and pinyin as written."""
    if not syllables or not codes(latin):
        return 0.0
    written = re.sub(r"[^a-z]", "", latin.lower())
    direct = Levenshtein.normalized_similarity("".join(syllables), written)  # QIAODAN is 乔丹's pinyin
    heard = [coarse(x) for x in codes(spelt(syllables))]
    said = [coarse(y) for y in codes(latin)]
    said += [clipped for y in said if (clipped := re.sub(r"[TKPS]+$", "", y)) and clipped != y]
    skeleton = max((Levenshtein.normalized_similarity(x, y) for x in heard for y in said), default=0.0)
    # the beats must line up (乔丹 two, JORDAN two; 宝马 two, BMW three letters said), and a skeleton of one
    # or two consonants matches too much by chance (xiao mi ≈ SAMMY) to count fully
    beats = abs(len(syllables) - syllable_count(latin))
    skeleton *= max(0.5, 1 - 0.2 * beats) * (0.8 if max(map(len, heard + said), default=0) <= 2 else 1.0)
    return max(direct, 0.9 * skeleton)


def syllable_count(latin: str) -> int:
    """About how many syllables a Latin mark is said in: its vowel groups (a final silent e not counted).

    A word without vowels is spelt out, a syllable a letter (BMW).
    """
    total = 0
    for word in re.findall(r"[a-z]+", latin.lower()):
        groups = len(re.findall(r"[aeiouy]+", word)) - (1 if re.search(r"[^aeiouy]e$", word) and len(word) > 3 else 0)
        total += groups if groups > 0 else len(word)
    return max(1, total)
