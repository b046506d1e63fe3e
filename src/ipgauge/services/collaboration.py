"""Industry–academia–research collaboration: the network of parties co-holding rights, on D as known on K.

"The Shenyang Institute of Automation has collaborated with technology companies in robotics,
intelligent manufacturing and photoelectric information processing" — counted here from the
register. Two parties are linked when they hold a valid invention patent together on D (every holder
of the right then: its holder list, or the list its last transfer named); the link's weight is the
number of such patents, its type the pair of holder types (enterprise–university …). Everything
reads the cached spells, which already carry each right's holders, their types and provinces.

- :func:`summary`: the collaboration indicators of a region (catalogue: ``co_held_invention_patents``,
  ``academia_industry_patents``, ``cross_region_patents``) with their shares of all valid invention
  patents and year-on-year changes, academia–industry patents by WIPO field and by sub-region, the
  region's institutions with the most partners, and the communities of the whole network (Leiden,
  ``graspologic-native``, MIT; seeded, so a run is repeatable).
- :func:`ego`: one institution's partners by field, year by year, and :func:`draw_ego` its picture.
"""

from __future__ import annotations

from collections import Counter as Multiset
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import ibis

from ipgauge.errors import UserError
from ipgauge.indicators import expressions as E
from ipgauge.indicators.fields import field_names
from ipgauge.indicators.query import Counter
from ipgauge.law.spells import register_hierarchy
from ipgauge.regions.divisions import divisions
from ipgauge.regions.groups import Region
from ipgauge.register.store import known_at

INDICATORS = ("co_held_invention_patents", "academia_industry_patents", "cross_region_patents")
ACADEMIA = ("university", "research_institute")
TOP = 15
SEED = 20261127  # Leiden is randomised: a fixed seed makes the same network give the same communities
YEARS = 5  # an ego view's years, ending with D's


@dataclass
class Network:
    """The co-holding network on D: weighted, typed edges and the parties they join."""

    edges: list[tuple[str, str, int]]  # (party a, party b, valid invention patents held together), a < b
    parties: dict[str, dict] = field(default_factory=dict)  # party_id -> name, type, province

    def partners(self) -> dict[str, set[str]]:
        """Each party's partners."""
        out: dict[str, set[str]] = defaultdict(set)
        for a, b, _ in self.edges:
            out[a].add(b)
            out[b].add(a)
        return out


def _live(counter: Counter, on: date) -> ibis.Table:
    """The valid domestic-register invention patents on ``on`` held by two or more parties, with their field."""
    t = counter.spells
    t = t.filter((t.right_type == "patent") & (t.kind == "invention") & (t.holders.length() > 1))
    t = t.filter((t.valid_from <= ibis.date(on)) & (t.valid_to > ibis.date(on)))
    return E.with_field(t).select("right_id", "holders", "field", "academia_industry", "cross_region")


def network(counter: Counter, on: date) -> Network:
    """The whole co-holding network on ``on`` (one pass over the spells; parties named as known on K)."""
    con = duckdb.connect()
    try:
        con.register("_live", counter.backend.to_pyarrow(_live(counter, on)))
        edges = con.execute(
            """WITH m AS (SELECT right_id, unnest(holders) AS party FROM _live)
               SELECT a.party, b.party, count(DISTINCT a.right_id)::INTEGER FROM m a JOIN m b
                 ON a.right_id = b.right_id AND a.party < b.party
               GROUP BY ALL ORDER BY 3 DESC, 1, 2"""
        ).fetchall()
    finally:
        con.close()
    net = Network([(a, b, n) for a, b, n in edges])
    net.parties = _parties(counter, {p for a, b, _ in edges for p in (a, b)})
    return net


def _parties(counter: Counter, ids: set[str]) -> dict[str, dict]:
    """Name, type and place of each party as the register knew it on K.

    ``region``: its division code (its country's code abroad); ``place``: that division's name; and the
    province, prefecture and county codes a region is tested against.
    """
    if not ids:
        return {}
    con = counter.store_con
    register_hierarchy(con)
    rows = con.execute(
        f"""SELECT p.party_id, p.name, p.name_en, p.party_type, coalesce(p.resolved_region_code, p.country),
                   h.province_code, h.prefecture_code, h.county_code
            FROM parties p LEFT JOIN _hierarchy h ON h.code = p.resolved_region_code
            WHERE {known_at(counter.known_at, "p")} AND p.party_id IN (SELECT unnest($1::VARCHAR[]))""",
        [sorted(ids)],
    ).fetchall()
    table = divisions()
    return {
        r[0]: {
            "name": r[1],
            "name_en": r[2],
            "type": r[3],
            "region": r[4],
            "place": table[r[4]].name_zh if r[4] in table else r[4],
            "province": r[5],
            "prefecture": r[6],
            "county": r[7],
        }
        for r in rows
    }


def communities(net: Network) -> tuple[float, dict[str, int]]:
    """Leiden communities of the network (modularity, weights = patents held together), seeded."""
    try:
        from graspologic_native import leiden
    except ImportError:
        raise UserError("communities need the services extra: pip install 'ipgauge[services]'.") from None
    if not net.edges:
        return 0.0, {}
    quality, membership = leiden(
        [(a, b, float(n)) for a, b, n in net.edges], seed=SEED, trials=1, resolution=1.0, iterations=2
    )
    return quality, membership


def _in_region(info: dict, where: Region) -> bool:
    """Whether a party lies in the region (by its province, prefecture or county, as the spells are)."""
    if where.is_nation:
        return True
    return any(info.get(level) in codes for level, codes in where.codes_by_level().items())


def summary(counter: Counter, where: Region, on: date) -> dict:
    """The collaboration figures of ``where`` on ``on`` (see the module's text)."""
    if where.is_country:
        raise UserError("collaboration is counted for China's regions; name a region, a group or CN.")
    figures = []
    total = counter.point("valid_invention_patents", where, on)
    for name in INDICATORS:
        p = counter.point(name, where, on)
        figures.append(
            {
                "indicator": name,
                "value": p.value,
                "previous": p.previous,
                "yoy_pct": p.yoy_pct,
                "share_pct": round(p.value / total.value * 100, 2) if total.value else None,
                "share_pct_previous": round(p.previous / total.previous * 100, 2) if total.previous else None,
            }
        )
    names = field_names()
    all_by_field = {p.extra["part"]: p.value for p in counter.breakdown("valid_invention_patents", where, on, "field")}
    by_field = [
        {
            "field": int(p.extra["part"]) if p.extra["part"].isdigit() else None,
            "name_en": names.get(int(p.extra["part"]), ("", p.extra["part"], ""))[1]
            if p.extra["part"].isdigit()
            else "",
            "name_zh": names.get(int(p.extra["part"]), ("", "", p.extra["part"]))[2]
            if p.extra["part"].isdigit()
            else "",
            "value": p.value,
            "previous": p.previous,
            "yoy_pct": p.yoy_pct,
            "share_of_field_pct": round(p.value / all_by_field[p.extra["part"]] * 100, 2)
            if all_by_field.get(p.extra["part"])
            else None,
        }
        for p in counter.breakdown("academia_industry_patents", where, on, "field")
        if p.value or p.previous
    ]
    by_region = []
    if where.kind not in ("county",):
        by_region = [
            {"region": p.extra["part"], "label": p.extra["label"], "value": p.value, "previous": p.previous}
            for p in counter.breakdown("academia_industry_patents", where, on, "subregion")
        ]
    net = network(counter, on)
    quality, membership = communities(net)
    return {
        "region": where.code,
        "region_name_zh": where.name_zh,
        "region_name_en": where.name_en,
        "as_of": on.isoformat(),
        "known_at": counter.known_at.isoformat(),
        "valid_invention_patents": total.value,
        "indicators": figures,
        "academia_industry_by_field": by_field,
        "academia_industry_by_region": by_region,
        "top_institutions": top_institutions(net, where),
        "network": {
            "scope": "the whole nation (a region's parties link to partners anywhere)",
            "parties": len(net.parties),
            "links": len(net.edges),
            "link_types": _link_types(net),
            "communities": len(set(membership.values())),
            "modularity": round(quality, 4),
        },
        "communities": _largest(net, membership, where),
        **({"synthetic": True} if counter.synthetic else {}),
    }


def _field_name(number: int | None) -> tuple[str, str, str]:
    """(sector, English name, Chinese name) of a WIPO field; a patent without a main IPC is unclassified."""
    unclassified = ("", "unclassified", "未分类")
    return field_names().get(number, unclassified) if number is not None else unclassified


def _type(net: Network, party: str) -> str:
    return net.parties.get(party, {}).get("type") or "unknown"


def _link_types(net: Network) -> dict[str, int]:
    """How many links join each pair of holder types (enterprise–university …)."""
    counts: Multiset[str] = Multiset()
    for a, b, _ in net.edges:
        counts["–".join(sorted((_type(net, a), _type(net, b))))] += 1
    return dict(counts.most_common())


def top_institutions(net: Network, where: Region, top: int = TOP) -> list[dict]:
    """The universities and research institutes of ``where`` with the most partners (then patents held jointly)."""
    partners = net.partners()
    joint: Multiset[str] = Multiset()
    for a, b, n in net.edges:
        joint[a] += n
        joint[b] += n
    rows = []
    for pid, mates in partners.items():
        info = net.parties.get(pid, {})
        if info.get("type") not in ACADEMIA or not _in_region(info, where):
            continue
        types = Multiset(_type(net, m) for m in mates)
        rows.append(
            {
                "party_id": pid,
                "name": info.get("name", ""),
                "type": info["type"],
                "region": info.get("region"),
                "place": info.get("place"),
                "partners": len(mates),
                "enterprise_partners": types.get("enterprise", 0),
                "patents_held_jointly": joint[pid],
            }
        )
    rows.sort(key=lambda r: (-r["partners"], -r["patents_held_jointly"], r["party_id"]))
    return rows[:top]


def _largest(net: Network, membership: dict[str, int], where: Region, top: int = 10) -> list[dict]:
    """The communities with the most members in the region (then the largest): size, links, leading members."""
    partners = net.partners()
    members: dict[int, list[str]] = defaultdict(list)
    for pid, c in membership.items():
        members[c].append(pid)
    inside: Multiset[int] = Multiset(membership[a] for a, b, _ in net.edges if membership.get(a) == membership.get(b))
    out = []
    here = {c: sum(_in_region(net.parties.get(p, {}), where) for p in pids) for c, pids in members.items()}
    for c, pids in sorted(members.items(), key=lambda kv: (-here[kv[0]], -len(kv[1]), kv[0]))[:top]:
        lead = sorted(pids, key=lambda p: (-len(partners[p]), p))[:3]
        types = Multiset(_type(net, p) for p in pids)
        out.append(
            {
                "community": c,
                "parties": len(pids),
                "links": inside[c],
                "in_region": here[c],
                "types": dict(types.most_common()),
                "leading": [{"party_id": p, "name": net.parties.get(p, {}).get("name", "")} for p in lead],
            }
        )
    return out


def ego(counter: Counter, party_id: str, on: date, years: int = YEARS) -> dict:
    """One institution's partners by field at the end of each of ``years`` years up to ``on`` (one query)."""
    info = _parties(counter, {party_id}).get(party_id)
    if info is None:
        raise UserError(f"there is no party {party_id!r} in the register as known on {counter.known_at}.")
    ends = [date(y, 12, 31) for y in range(on.year - years + 1, on.year)] + [on]
    t = counter.spells
    held = t.holders.contains(party_id).fill_null(False) | (t.party_id == party_id)  # co-held, or alone
    t = t.filter((t.right_type == "patent") & (t.kind == "invention") & held)
    t = E.with_field(t).select("right_id", "holders", "field", "valid_from", "valid_to")
    con = duckdb.connect()
    try:
        con.register("_mine", counter.backend.to_pyarrow(t))
        rows = con.execute(
            """WITH e AS (SELECT unnest($1::DATE[]) AS d),
                    live AS (SELECT e.d, m.right_id, m.field, unnest(m.holders) AS partner
                             FROM e JOIN _mine m ON m.valid_from <= e.d AND e.d < m.valid_to)
               SELECT year(d), partner, field, count(DISTINCT right_id)::INTEGER FROM live WHERE partner <> $2
               GROUP BY ALL ORDER BY 1, 4 DESC, 2, 3""",
            [ends, party_id],
        ).fetchall()
        held = dict(
            con.execute(
                """SELECT year(e.d), count(DISTINCT m.right_id)::INTEGER FROM (SELECT unnest($1::DATE[]) AS d) e
                   JOIN _mine m ON m.valid_from <= e.d AND e.d < m.valid_to GROUP BY 1""",
                [ends],
            ).fetchall()
        )
    finally:
        con.close()
    parties = _parties(counter, {r[1] for r in rows})
    partner_rows = [
        {
            "year": y,
            "partner": p,
            "name": parties.get(p, {}).get("name", ""),
            "type": parties.get(p, {}).get("type"),
            "region": parties.get(p, {}).get("region"),
            "place": parties.get(p, {}).get("place"),
            "field": f,
            "field_en": _field_name(f)[1],
            "field_zh": _field_name(f)[2],
            "patents": n,
        }
        for y, p, f, n in rows
    ]
    by_year = []
    for d in ends:
        this = [r for r in partner_rows if r["year"] == d.year]
        fields = Multiset()
        for r in this:
            fields[r["field_en"]] += r["patents"]
        by_year.append(
            {
                "year": d.year,
                "as_of": d.isoformat(),
                "patents_held": held.get(d.year, 0),
                "partners": len({r["partner"] for r in this}),
                "fields": dict(fields.most_common()),
            }
        )
    return {
        "party_id": party_id,
        "name": info["name"],
        "name_en": info.get("name_en"),
        "type": info["type"],
        "region": info.get("region"),
        "as_of": on.isoformat(),
        "known_at": counter.known_at.isoformat(),
        "years": by_year,
        "partners": partner_rows,
        **({"synthetic": True} if counter.synthetic else {}),
    }


TYPE_COLOURS = {
    "enterprise": "#1f77b4",
    "university": "#d62728",
    "research_institute": "#ff7f0e",
    "individual": "#7f7f7f",
    "government": "#2ca02c",
    "other": "#9467bd",
}


FIELD_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02")


def draw_ego(view: dict, out: Path) -> Path:
    """The ego network on D as a picture (PNG or SVG by ``out``'s suffix): partners around the institution.

    Partners sit on a circle, coloured by holder type and grouped by the technology field they
    share most with the institution; each line is coloured by that field (the six leading fields,
    the rest grey) and as thick as the patents held together on D. The caption names the source.
    """
    import math

    from matplotlib.figure import Figure

    from ipgauge.releases.charts import style

    style()
    last = view["years"][-1]["year"]
    now: dict[str, dict] = {}
    for r in view["partners"]:
        if r["year"] != last:
            continue
        entry = now.setdefault(r["partner"], {"name": r["name"], "type": r["type"] or "other", "patents": 0, "by": {}})
        entry["patents"] += r["patents"]
        label = f"{r['field_zh']} {r['field_en']}"
        entry["by"][label] = entry["by"].get(label, 0) + r["patents"]
    for e in now.values():
        e["field"] = max(sorted(e["by"]), key=lambda f: e["by"][f])
    leading = [f for f, _ in Multiset(e["field"] for e in now.values()).most_common(len(FIELD_COLOURS))]
    colour = dict(zip(leading, FIELD_COLOURS, strict=False))
    shown = sorted(now.items(), key=lambda kv: (leading.index(kv[1]["field"]) if kv[1]["field"] in colour else 99,
                                                 -kv[1]["patents"], kv[0]))[:40]  # fmt: skip
    fig = Figure(figsize=(9, 9), dpi=120)
    ax = fig.add_axes((0.02, 0.06, 0.96, 0.86))
    ax.set_axis_off()
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.9, 1.9)
    heaviest = max((e["patents"] for _, e in shown), default=1)
    for i, (pid, e) in enumerate(shown):
        angle = 2 * math.pi * i / max(len(shown), 1)
        x, y = math.cos(angle), math.sin(angle)
        width = 0.8 + 3 * (e["patents"] - 1) / max(heaviest - 1, 1)
        ax.plot([0, x], [0, y], color=colour.get(e["field"], "#bbb"), linewidth=width, zorder=1)
        ax.scatter([x], [y], s=110, color=TYPE_COLOURS.get(e["type"], "#9467bd"), zorder=2)
        label = (e["name"] or pid)[:16]
        ax.text(1.08 * x, 1.08 * y, f"{label} ({e['patents']})", fontsize=6.5, ha="left" if x >= 0 else "right",
                va="center", rotation=math.degrees(angle) if x >= 0 else math.degrees(angle) - 180,
                rotation_mode="anchor")  # fmt: skip
    ax.scatter([0], [0], s=400, color=TYPE_COLOURS.get(view["type"], "#9467bd"), zorder=3)
    ax.text(0, -0.12, view["name"], fontsize=10, ha="center", va="top", weight="bold", zorder=4,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 2})  # fmt: skip
    for j, (kind, c) in enumerate(TYPE_COLOURS.items()):
        ax.scatter([-1.85], [1.85 - 0.08 * j], s=40, color=c)
        ax.text(-1.78, 1.85 - 0.08 * j, kind.replace("_", " "), fontsize=7, va="center")
    for j, (field_name, c) in enumerate(colour.items()):
        ax.plot([-1.88, -1.8], [-1.45 - 0.08 * j] * 2, color=c, linewidth=3)
        ax.text(-1.76, -1.45 - 0.08 * j, field_name, fontsize=7, va="center")
    more = f"; {len(now) - len(shown)} more not drawn" if len(now) > len(shown) else ""
    fig.suptitle(
        f"{view['name']}: partners holding valid invention patents with it on {view['as_of']} "
        f"(known on {view['known_at']}; {len(now)} partners{more})",
        fontsize=9,
    )
    source = "Source: ipgauge, from the register's co-holders" + (" — SYNTHETIC DATA" if view.get("synthetic") else "")
    fig.text(0.01, 0.01, source, fontsize=6, color="#555")
    out.parent.mkdir(parents=True, exist_ok=True)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise UserError(f"the picture is written as PNG or SVG; {out.name} is neither.")
    tmp = out.with_name(f".{out.name}.tmp")
    metadata = {"Software": None} if fmt == "png" else {"Date": None}
    fig.savefig(tmp, format=fmt, metadata=metadata)
    tmp.replace(out)
    return out
