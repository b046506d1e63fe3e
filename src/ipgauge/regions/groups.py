"""Regions as the user names them: the nation, any division, or a named group of divisions.

A :class:`Region` reduces to sets of province, prefecture and county codes, so that "is this right
in the region" is one set-wise test on the columns every spell carries, whatever the region is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from babel import Locale

from ipgauge.errors import UserError
from ipgauge.regions.countries import countries
from ipgauge.regions.divisions import current, divisions, retired, retired_codes
from ipgauge.sqltext import quoted_list

NATION = "CN"


@dataclass(frozen=True)
class Region:
    """A region a figure can be asked for."""

    code: str
    name_zh: str
    name_en: str
    kind: str  # nation | province | prefecture | county | group
    members: tuple[str, ...] = ()  # division codes (a division is its own single member)
    official_zh: str = ""
    official_en: str = ""
    note: str = ""
    aliases: tuple[str, ...] = field(default=())
    #: the retired code the user asked for, when this region answers for it as its successor
    replaces: str = ""
    #: how releases name a group's prefecture-level members together ("蒙东五盟市")
    prefectures_zh: str = ""
    prefectures_en: str = ""

    def codes_by_level(self) -> dict[str, tuple[str, ...]]:
        """Member codes split by level: what a spell's province, prefecture or county code must be in."""
        out: dict[str, list[str]] = {"province": [], "prefecture": [], "county": []}
        for code in self.members:
            out[divisions()[code].level].append(code)
        return {k: tuple(v) for k, v in out.items()}

    def sql_predicate(self) -> str:
        """SQL over a spell's province_code, prefecture_code and county_code: is it in this region."""
        if self.is_nation:
            return "TRUE"
        parts = [f"{level}_code IN {quoted_list(codes)}" for level, codes in self.codes_by_level().items() if codes]
        return "(" + " OR ".join(parts) + ")"

    @property
    def is_country(self) -> bool:
        """Whether this is a foreign country: its rights are those held by its nationals, not a place in China."""
        return self.kind == "country"

    @property
    def is_nation(self) -> bool:
        """Whether this is the whole country (no filter)."""
        return self.kind == "nation"


@cache
def groups() -> dict[str, Region]:
    """The named groups shipped in ``data/groups.toml``, by id."""
    raw = tomllib.loads(resources.files("ipgauge.data").joinpath("groups.toml").read_text(encoding="utf-8"))
    out = {}
    for gid, g in raw.items():
        unknown = [m for m in g["members"] if m not in divisions()]
        if unknown:
            raise ValueError(f"group {gid} names unknown division {unknown[0]}")
        out[gid] = Region(
            gid,
            g["name_zh"],
            g["name_en"],
            "group",
            tuple(g["members"]),
            g.get("official_zh", ""),
            g.get("official_en", ""),
            g.get("note", ""),
            tuple(g.get("aliases", ())),
            prefectures_zh=g.get("prefectures_zh", ""),
            prefectures_en=g.get("prefectures_en", ""),
        )
    return out


def nation() -> Region:
    """The whole of mainland China."""
    return Region(NATION, "全国", "China", "nation", (), "全国", "China")


#: Parts of China with their own codes (ISO 3166-1, docs/register.md): named as Chinese official usage names them
CHINA_OUTSIDE_THE_MAINLAND = {
    "HK": ("中国香港", "Hong Kong SAR, China"),
    "MO": ("中国澳门", "Macao SAR, China"),
    "TW": ("中国台湾", "Taiwan, China"),
}


def country(code: str) -> Region:
    """A country other than China as a region: the rights whose holder is from it (ISO 3166-1 code)."""
    if code in CHINA_OUTSIDE_THE_MAINLAND:
        zh, en = CHINA_OUTSIDE_THE_MAINLAND[code]
        return Region(code, zh, en, "country", (), zh, en)
    zh = Locale("zh").territories.get(code, code)
    en = Locale("en").territories.get(code, code)
    the = en.startswith(("United ", "Republic")) or en.endswith(("lands", "ines", "Islands", "Bahamas", "Emirates"))
    return Region(code, zh, en, "country", (), zh, f"the {en}" if the else en)


@cache
def _aliases() -> dict[str, Region]:
    """Every group by its id, its aliases and the names ipgauge itself prints for it (东北地区, Northeast China)."""
    return {
        a.lower(): g
        for g in groups().values()
        for a in (g.code, *g.aliases, g.name_zh, g.name_en, g.official_zh, g.official_en)
        if a
    }


@lru_cache(maxsize=4096)
def region(query: str) -> Region:
    """The region named by a code (current or retired), a group id or alias, ``CN``, or another country's code.

    Kept per query (a server resolves the same few names all day; 4,096 at most, so a client sending
    random names cannot grow memory); a name that names nothing is an error each time, cheaply.
    """
    q = query.strip()
    if q.upper() in (NATION, "NATION", "CHINA"):
        return nation()
    if len(q) == 2 and q.isupper() and q in countries():
        return country(q)
    if q.lower() in _aliases():
        return _aliases()[q.lower()]
    if q.lower().endswith(" province") and by_name(q[: -len(" province")]):  # "Liaoning Province"
        return region(q[: -len(" province")])
    code = current(q) if q in retired_codes() else q
    d = divisions().get(code or "") or by_name(q)
    if d is None:
        raise UserError(f"no region or group {query!r}: give a division code, a Chinese or English name, or a group.")
    return Region(
        d.code, d.name_zh, d.name_en, d.level, (d.code,), d.name_zh, d.name_en, replaces=q if code != q else ""
    )


#: Suffixes people leave out when they type a Chinese division name (辽宁 for 辽宁省), longest first.
ZH_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "地区", "省", "市", "盟")
LEVELS = ("province", "prefecture", "county")


def _plain(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


#: English names officially replaced, still typed by people: Tibet is Xizang in the official usage since 2023
FORMER_EN = {"tibet": "xizang"}


@cache
def _names() -> tuple[dict[str, list], dict[str, list], dict[str, list]]:
    """The divisions by exact Chinese name, by English name (plain), and by Chinese name without its suffix."""
    exact: dict[str, list] = {}
    english: dict[str, list] = {}
    short: dict[str, list] = {}
    for d in divisions().values():
        exact.setdefault(d.name_zh, []).append(d)
        english.setdefault(_plain(d.name_en), []).append(d)
        for sfx in ZH_SUFFIXES:
            if d.name_zh.endswith(sfx) and len(d.name_zh) > len(sfx):
                short.setdefault(d.name_zh[: -len(sfx)], []).append(d)
    return exact, english, short


def by_name(query: str):
    """The division a person means by a name: 辽宁, 辽宁省, Liaoning or liaoning (None when none).

    An exact Chinese name wins; otherwise the name without its suffix, or the English name ignoring
    case, spaces and apostrophes. Where several match, the highest level wins when it has just one
    (Jilin is the province; 吉林市 or 220200 the city); any other tie is a one-sentence error.
    """
    exact_zh, english, short = _names()
    exact = exact_zh.get(query, [])
    if not exact:
        plain = FORMER_EN.get(_plain(query), _plain(query))
        found = {d.code: d for d in english.get(plain, []) + short.get(query, [])}
        exact = [found[c] for c in sorted(found)]
    for level in LEVELS:
        at = [d for d in exact if d.level == level]
        if len(at) == 1:
            return at[0]
        if len(at) > 1:
            options = ", ".join(f"{d.code} {d.name_zh}" for d in at[:6])
            raise UserError(f"{query!r} names {len(at)} {level}s ({options}); give the code instead.")
    return None


def retired_note(r: Region) -> str | None:
    """The sentence that says a retired code was answered for by its successor (None when it was not)."""
    if not r.replaces:
        return None
    old = retired()[r.replaces]
    return (
        f"{r.replaces} ({old['name_zh']}, {old['name_en']}) was retired in {old['retired_year']}; "
        f"the figures are for its successor {r.code} {r.name_zh} ({r.name_en})."
    )


def within(child: Region, parent: Region) -> bool:
    """Whether every division of ``child`` lies inside ``parent`` (what a share of a parent needs)."""
    if parent.is_nation:
        return True
    if child.is_nation:
        return False
    prefix = {"province": 2, "prefecture": 4, "county": 6}
    inside = [m[: prefix[divisions()[m].level]] for m in parent.members]
    return all(any(c.startswith(p) for p in inside) for c in child.members)


def describe(r: Region) -> dict:
    """A region as a row: code, names, level, parent — and a retired code's successor, a group's members."""
    d = divisions().get(r.code)
    row = {"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en, "level": r.kind}
    row["parent"] = d.parent_code if d and r.kind in ("prefecture", "county") else None
    if r.kind == "retired":
        row["successor"] = r.members[0]
    elif r.kind == "group":
        row["members"] = [f"{m} {divisions()[m].name_en}" for m in r.members]
    return row


def search(query: str | None) -> list[Region]:
    """Regions and groups whose code, id or name (Chinese or English) contains ``query``; retired codes too."""
    everything = [nation(), *groups().values()] + [
        Region(d.code, d.name_zh, d.name_en, d.level, (d.code,)) for d in divisions().values()
    ]
    for old in retired().values():
        successor = divisions()[current(old["code"]) or ""]
        everything.append(
            Region(
                old["code"],
                old["name_zh"],
                f"{old['name_en']} (retired {old['retired_year']}; now {successor.code} {successor.name_en})",
                "retired",
                (successor.code,),
                note=old["note"],
            )
        )
    if not query:
        return [r for r in everything if r.kind in ("nation", "group", "province")]
    q = query.strip().lower()
    q = FORMER_EN.get(q, q)  # Tibet finds Xizang
    return [
        r
        for r in everything
        if q in r.code.lower() or q in r.name_zh or q in r.name_en.lower() or any(q == a.lower() for a in r.aliases)
    ]
