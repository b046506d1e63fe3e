"""An address given as parts — province, city, county names, as CNIPA's documents give them — to a GB/T 2260 code.

CNIPA's XML names an applicant's place in ``Province``/``City``/``County`` elements, not by code. The
names are written the way people write them: with or without the level word (广东 or 广东省), the
municipality's ``City`` as ``市辖区`` or the municipality's own name, ``0`` for a part not known, and
the old names of divisions that were renamed, merged or made districts (襄樊市, 闸北区, 蓟县). Each part
narrows the next: a county is looked for within its city, a city within its province. The most
specific division found is returned; nothing found is None (the caller reports it, nobody guesses).
"""

from __future__ import annotations

import functools
import re
from functools import cache

from ipgauge.regions.divisions import PLACEHOLDERS, Division, divisions, read_data

#: What stands for "not known" in a part (CNIPA writes the literal 0).
UNKNOWN = {"", "0", "00", "-", "无", "null", "NULL"}
_LEVEL_WORD = re.compile(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|省|市|盟|县|区|旗)$")


def short(name: str) -> str:
    """A division's name without its level word: 广东省 → 广东, 内蒙古自治区 → 内蒙古 (two characters at least)."""
    stem = _LEVEL_WORD.sub("", name)
    return stem if len(stem) >= 2 else name


@cache
def _index() -> dict[str, dict[str, list[Division]]]:
    """Per province code, the divisions below it by full and short name (old names too, mapped to today's)."""
    index: dict[str, dict[str, list[Division]]] = {}
    table = divisions()
    for d in table.values():
        if d.level == "province" or d.name_zh in PLACEHOLDERS:
            continue
        names = index.setdefault(d.province_code, {})
        for n in {d.name_zh, short(d.name_zh)}:
            names.setdefault(n, []).append(d)
    for row in read_data("division_old_names.csv"):
        d = table[row["successor_code"]]
        names = index.setdefault(row["province_code"], {})
        for n in {row["old_name_zh"], short(row["old_name_zh"])}:
            if n not in names:
                names[n] = [d]
    return index


@cache
def _provinces() -> dict[str, Division]:
    return {n: d for d in divisions().values() if d.level == "province" for n in (d.name_zh, short(d.name_zh))}


def _part(text: str | None) -> str | None:
    t = re.sub(r"\s+", "", text or "")
    return None if t in UNKNOWN else t


def _within(found: list[Division], parent: Division | None) -> list[Division]:
    """The candidates inside ``parent`` (a prefecture: its counties; a province: all of it)."""
    if parent is None:
        return found
    if parent.level == "province":
        return [d for d in found if d.province_code == parent.code]
    return [d for d in found if d.parent_code == parent.code or d.code == parent.code]


def _named(names: dict[str, list[Division]], name: str) -> list[Division]:
    """The divisions called ``name``, or by its stem: 双流县 finds 双流区 (a county made a district keeps its stem)."""
    return names.get(name) or names.get(short(name), [])


@functools.lru_cache(maxsize=65536)
def division_code(province: str | None, city: str | None, county: str | None) -> str | None:
    """The most specific current division code the parts name, or None when not even the province is known."""
    p, c, k = _part(province), _part(city), _part(county)
    prov = _provinces().get(p or "") if p else None
    if prov is None and p:  # a province written oddly ("广东省深圳"): its first characters
        prov = next((d for n, d in _provinces().items() if len(n) >= 2 and p.startswith(n)), None)
    if prov is None:  # no province: a city, else a county, whose name is unique in the country
        for name in (c, k):
            hits = [d for names in _index().values() for d in _named(names, name or "")]
            if name and name not in PLACEHOLDERS and len({d.code for d in hits}) == 1:
                prov = divisions()[hits[0].province_code]
                if hits[0].level == "county":
                    return hits[0].code
                break
        else:
            return None
    names = _index().get(prov.code, {})
    here: Division = prov
    if c and c not in PLACEHOLDERS and c not in (prov.name_zh, short(prov.name_zh)):
        hits = [d for d in _named(names, c) if d.level == "prefecture"] or _named(names, c)
        if len(hits) == 1:
            here = hits[0]
    if k:
        found = _named(names, k)
        hits = _within([d for d in found if d.level == "county"] or found, here if here.level == "prefecture" else prov)
        if len({d.code for d in hits}) == 1:
            return hits[0].code
    return here.code
