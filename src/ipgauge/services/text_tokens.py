"""Words for lexical retrieval, in English and Chinese, the same for the claims indexed and the query.

English: lower-case words without stop words, Snowball-stemmed (PyStemmer), so that "fastening",
"fastened" and "fasteners" meet. Chinese has no spaces: runs of Han characters are cut by rjieba
in its search mode, which also yields the shorter words inside a long one (管理系统 → 管理, 系统,
管理系统), so a query need not use the claim's exact compound. Numbers and reference signs carry
no meaning across documents and are dropped.
"""

from __future__ import annotations

import re
from functools import cache

_WORD = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]|[\u4e00-\u9fff]+")
#: English words that every claim uses ("comprising", "said", "wherein" …) on top of common stop words.
EN_STOP = frozenset(
    """a about above after again all also an and any are as at be because been before being below between
    both but by can could did do does doing down during each either few first for from further had has have
    having he her here hers him his how i if in into is it its itself just least more most no nor not of off
    on once one only or other our out over own same second she should so some such than that the their them
    then there these they third this those through to too under until up very was we were what when where
    which while who whom why will with would you your said wherein whereby thereof therein thereto comprising
    comprises comprise including includes include having configured plurality claim claims according
    respectively""".split()
)
ZH_STOP = frozenset(
    "一种 所述 其特征在于 特征 在于 包括 其中 以及 用于 设置 一个 多个 "
    "该 和 与 或 的 及 在 为 是 所 其 于 上 中 下 个".split()
)


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _runs(text: str) -> tuple[list[str], list[str]]:
    """English words (lower case, stop words out) and runs of Han characters, in one pass over the text."""
    english, chinese = [], []
    for match in _WORD.finditer(text):
        word = match.group()
        if word[0] >= "\u4e00":
            chinese.append(word)
        elif (word := word.lower()) not in EN_STOP:
            english.append(word)
    return english, chinese


def stem(word: str) -> str:
    """One English word's Snowball stem, lower case ("Receiving" → "receiv")."""
    return _stemmer().stemWord(word.lower())


def english_stems(text: str) -> list[str]:
    """The English content words of ``text``, Snowball-stemmed, stop words (claim boilerplate too) left out."""
    return _stemmer().stemWords(_runs(text)[0])


def tokens(text: str) -> list[str]:
    """The retrieval words of ``text``: English stems, then Chinese words (repeats kept: BM25 counts them)."""
    import rjieba

    english, chinese = _runs(text)
    out = [w for run in chinese for w in rjieba.cut_for_search(run) if w not in ZH_STOP and len(w) > 1 or _keeps(w)]
    return _stemmer().stemWords(english) + out


def _keeps(word: str) -> bool:
    """A one-character Chinese word is kept only when it is a noun-like technical morpheme (轴, 阀, 泵 …)."""
    return len(word) == 1 and word not in ZH_STOP and word in _SINGLE_NOUNS


#: One-character words that name parts in Chinese claims; other single characters are grammar.
_SINGLE_NOUNS = frozenset(
    "轴 阀 泵 管 板 孔 槽 杆 环 齿 轮 壳 盖 座 架 箱 罐 门 窗 线 膜 层 片 块 "
    "球 针 刀 锁 钩 销 键 簧 带 链 桶 瓶 灯 屏 芯 磁 电 光 热 水 气 油 酸 碱 盐".split()
)
