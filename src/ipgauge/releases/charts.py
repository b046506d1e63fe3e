"""Charts of a release: each indicator's trend, and a map of the released region shaded by its headline figure.

Drawn with matplotlib (Agg, no display) in a CJK font, as PNG files with no timestamp in them. The
outlines ship with ipgauge (``data/china_provinces.geojson``, ``data/china_prefectures.geojson`` and
the South China Sea islands inset ``data/south_china_sea.json``; see ``data/SOURCES.md``).

A map of the whole country always carries the South China Sea islands inset (a map of China without
it is a "problem map"); a province's map shows its prefecture-level divisions, a group's map its
members (eastern Inner Mongolia shades only its five leagues and cities), each shaded by the
release's first figure with a colour bar in its unit.
"""

from __future__ import annotations

import json
import textwrap
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from ipgauge.regions.divisions import divisions  # noqa: E402
from ipgauge.releases.figures import Figure, Figures  # noqa: E402
from ipgauge.releases.text import english_name, source  # noqa: E402
from ipgauge.releases.wording import as_of, cap, number, ratio_places  # noqa: E402

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]
PNG = {"Software": None}  # no version or timestamp in the files: the same figures draw the same bytes
COLOURS = {"line": "#c0392b", "other": "#e5e7e9", "edge": "#ffffff", "outline": "#7f8c8d", "nodata": "#f4f6f6"}
SHADES = "Reds"
MAP_SOURCE = (
    "底图：ECharts 4.9.0 地图数据（Apache-2.0），示意图，无审图号 · "
    "Base map: ECharts 4.9.0 map data (Apache-2.0), schematic, no map-review number"
)


@cache
def _cjk_font() -> None:
    """Make sure matplotlib knows the CJK font even if it was installed after matplotlib built its cache."""
    if any("CJK" in f.name for f in font_manager.fontManager.ttflist):
        return
    for path in font_manager.findSystemFonts():
        if "CJK" in Path(path).name:
            font_manager.fontManager.addfont(path)


def style() -> None:
    """The charts' look: a CJK font, no Unicode minus, a fixed hash salt (the same input draws the same bytes)."""
    _cjk_font()
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": FONTS,
            "axes.unicode_minus": False,
            "figure.dpi": 100,
            "svg.hashsalt": "ipgauge",
        }
    )


def _when(figures: Figures) -> tuple[str, str]:
    """'截至2025年4月底' and 'by the end of April 2025' for chart titles."""
    d = date.fromisoformat(figures.spec["as_of"])
    en = as_of(d, "en")
    return as_of(d, "zh"), en[0].lower() + en[1:]


def trend_title(fig: Figure, figures: Figures, lang: str) -> str:
    """'东北三省一区有效发明专利月度走势（截至2025年4月底，单位：件）' / its English: the chart's title and caption."""
    when_zh, when_en = _when(figures)
    where = figures.region
    ytd_zh, ytd_en = ("（当年累计）", ", year to date") if fig.flow else ("", "")
    if lang == "zh":
        when = when_zh.removeprefix("截至")
        return f"{where['official_zh']}{fig.label_zh}{ytd_zh}月度走势（{when}，单位：{fig.unit_zh}）"
    when = when_en.removeprefix("by ").removeprefix("as of ")
    return f"{cap(fig.label_en)}{ytd_en}, {english_name(where)}, month by month to {when} ({fig.unit_en})"


def map_title(figures: Figures, lang: str) -> str:
    """The map's title: what shades it, or that it only locates the region."""
    when_zh, when_en = _when(figures)
    where, fig = figures.region, figures.headline
    if fig is None or where["kind"] in ("prefecture", "county"):
        return f"{where['official_zh']}位置示意图" if lang == "zh" else f"Location of {english_name(where)}"
    if lang == "zh":
        return f"{where['official_zh']}分地区{fig.label_zh}（{when_zh}，单位：{fig.unit_zh}）"
    return f"{cap(fig.label_en)} by region, {english_name(where)}, {when_en} ({fig.unit_en})"


def _wrapped(zh: str, en: str, figures: Figures) -> str:
    """A two-language title that fits the chart: a long Chinese title breaks before its bracket, English at 72."""
    head, paren, tail = zh.rpartition("（")
    zh_lines = [head, paren + tail] if len(zh) > 36 and head else [zh]  # the date and unit on their own line
    lines = zh_lines + textwrap.wrap(en, 72)
    return "\n".join(lines + (["合成数据 SYNTHETIC"] if figures.synthetic else []))


def _zh_number(value: float, places: int = 0) -> str:
    """A number as Chinese running text writes it: no thousands separator (8044)."""
    return f"{value:.{places}f}"


def source_line(figures: Figures) -> str:
    """The line under every chart: where the figures come from, and the synthetic label."""
    spec, where = figures.spec, figures.region
    line = f"数据来源：{source(figures, 'zh')} · Source: {source(figures, 'en')}"
    n = where["deliveries"]
    line += f" · {n} {'delivery' if n == 1 else 'deliveries'}, extracted {spec['known_at']}"
    return line + ("  ·  合成数据 SYNTHETIC" if figures.synthetic else "")


def trend(fig: Figure, figures: Figures, out: Path) -> Path:
    """The indicator's monthly values up to the release date, on an axis from zero."""
    style()
    days = [date.fromisoformat(d) for d, _ in fig.trend]
    values = [v for _, v in fig.trend]
    f, ax = plt.subplots(figsize=(7.2, 3.8))
    ax.plot(days, values, color=COLOURS["line"], linewidth=2, marker="o", markersize=3)
    ax.set_title(_wrapped(trend_title(fig, figures, "zh"), trend_title(fig, figures, "en"), figures), fontsize=9)
    ax.set_ylabel(f"{fig.unit_zh} / {fig.unit_en}")
    ax.set_ylim(bottom=0, top=(max(values) * 1.15) or 1)
    places = ratio_places(fig.value, fig.previous) if fig.is_ratio else 0
    if not places:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: number(v, "en", places)))
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    f.autofmt_xdate()
    f.text(0.01, 0.01, source_line(figures), fontsize=6, color="#555")
    f.tight_layout(rect=(0, 0.04, 1, 1))
    path = out / f"trend_{fig.name}.png"
    f.savefig(path, metadata=PNG)
    plt.close(f)
    return path


def describe_trend(fig: Figure, figures: Figures, lang: str) -> str:
    """An alt text that says what the trend chart shows: its span, and how the figure moved.

    A stock is compared from the first month to the last; a flow (year to date, restarting each
    January) is compared with the same point of the year before.
    """
    (d0, v0), (d1, v1) = fig.trend[0], fig.trend[-1]
    start, end = date.fromisoformat(d0), date.fromisoformat(d1)
    places = ratio_places(fig.value, fig.previous) if fig.is_ratio else 0
    where_zh, where_en = figures.region["official_zh"], english_name(figures.region)
    if lang == "zh":
        span = f"{start.year}年{start.month}月至{end.year}年{end.month}月"
        first, last, before = (f"{_zh_number(v, places)}{fig.unit_zh}" for v in (v0, v1, fig.previous))
        if fig.flow:
            moved = f"当年累计{last}，上年同期{before}"
        elif v0 == v1:
            moved = f"始终为{last}"
        else:
            moved = f"由{first}{'增至' if v1 > v0 else '降至'}{last}"
        return f"折线图：{where_zh}{fig.label_zh}{'（当年累计）' if fig.flow else ''}逐月走势，{span}，{moved}。"
    span = f"from {start:%B %Y} to {end:%B %Y}"
    first, last, before = (number(v, "en", places) for v in (v0, v1, fig.previous))
    if fig.flow:
        moved = f"{last} in the year to date against {before} a year earlier"
    elif v0 == v1:
        moved = f"unchanged at {last}"
    else:
        moved = f"{'rising' if v1 > v0 else 'falling'} from {first} to {last}"
    ytd = " (year to date)" if fig.flow else ""
    return f"Line chart of {fig.label_en}{ytd} in {where_en}, month by month {span}, {moved} ({fig.unit_en})."


# -- the map ------------------------------------------------------------------------------------------
@cache
def _outlines(name: str) -> dict[str, list]:
    """Code → outer rings of one shipped outline file."""
    data = json.loads(resources.files("ipgauge.data").joinpath(name).read_text(encoding="utf-8"))
    out: dict[str, list] = {}
    for feature in data["features"]:
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        out.setdefault(feature["properties"]["code"], []).extend(poly[0] for poly in polygons)
    return out


@cache
def _south_china_sea() -> list:
    return json.loads(resources.files("ipgauge.data").joinpath("south_china_sea.json").read_text(encoding="utf-8"))[
        "rings"
    ]


def map_layers(figures: Figures) -> tuple[dict[str, list], dict[str, list], bool]:
    """What the map draws: shaded areas (code → rings), context areas, and whether it is the national map."""
    where, table = figures.region, divisions()
    provinces, prefectures = _outlines("china_provinces.geojson"), _outlines("china_prefectures.geojson")
    if where["kind"] == "nation":
        return dict(provinces), {}, True  # Taiwan, Hong Kong and Macao drawn, as "no figure" (the register is mainland)
    if where["kind"] == "group":
        shaded = {m: (provinces if table[m].level == "province" else prefectures).get(m, []) for m in where["members"]}
        partly = {table[m].province_code for m in where["members"] if table[m].level != "province"}
        context = {c: r for c, r in prefectures.items() if c[:2] + "0000" in partly and c not in shaded}
        return shaded, context, False
    home = table[where["code"]].province_code
    in_home = {c: r for c, r in prefectures.items() if c[:2] == home[:2]}
    if where["kind"] == "province":
        return in_home, {}, False
    own = table[where["code"]].prefecture_code or where["code"]
    return {own: in_home.get(own, [])}, {c: r for c, r in in_home.items() if c != own}, False


def has_map(figures: Figures) -> bool:
    """Whether the release has a map: ipgauge draws China; a foreign country's holders have none."""
    return figures.region["kind"] != "country"


def region_map(figures: Figures, out: Path) -> Path:
    """The released region shaded by its headline figure, with a colour bar, a source line and (for China) the inset."""
    style()
    shaded, context, national = map_layers(figures)
    fig = figures.headline
    values = {m.code: m.value for m in fig.members} if fig else {}
    if fig and figures.region["kind"] in ("prefecture", "county"):  # its own area, among its province's others
        values = {code: fig.value for code in shaded}
    f, ax = plt.subplots(figsize=(7.2, 6))
    norm = Normalize(vmin=0, vmax=max(values.values(), default=0) or 1)
    cmap = plt.get_cmap(SHADES)
    for _code, rings in sorted(context.items()):
        ax.add_collection(
            PolyCollection(rings, facecolors=COLOURS["other"], edgecolors=COLOURS["edge"], linewidths=0.4)
        )
    for code, rings in sorted(shaded.items()):
        colour = cmap(norm(values[code])) if code in values else COLOURS["nodata"]
        ax.add_collection(PolyCollection(rings, facecolors=colour, edgecolors=COLOURS["outline"], linewidths=0.4))
    if national:
        ax.add_collection(PolyCollection(_south_china_sea(), facecolors="none", edgecolors="#555", linewidths=0.6))
        ax.set_xlim(73, 136)
        ax.set_ylim(16, 54)
        ax.text(129.05, 18.9, "南海诸岛", fontsize=6, ha="center")  # the inset's own frame is among its rings
    else:
        ax.autoscale_view()
    ax.set_aspect(1.25)
    ax.axis("off")
    ax.set_title(_wrapped(map_title(figures, "zh"), map_title(figures, "en"), figures), fontsize=10)
    locator = figures.region["kind"] in ("prefecture", "county")  # one area: a locator map, no scale
    if fig and not locator:
        bar = f.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.5, pad=0.02)
        bar.set_label(f"{fig.unit_zh} / {fig.unit_en}")
        bar.formatter = FuncFormatter(lambda v, _: number(v, "en"))
        bar.update_ticks()
    handles = [Patch(color=cmap(1.0), label="发布地区 released region")] if locator else []
    if any(code not in values for code in shaded):
        handles.append(Patch(facecolor=COLOURS["nodata"], edgecolor=COLOURS["outline"], label="无数据 no figure"))
    if context:
        handles.append(Patch(color=COLOURS["other"], label="不在本区域 outside the region"))
    ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)
    f.text(0.01, 0.025, source_line(figures), fontsize=6, color="#555")
    f.text(0.01, 0.005, MAP_SOURCE, fontsize=6, color="#555")
    f.tight_layout(rect=(0, 0.05, 1, 0.94))
    path = out / "map.png"
    f.savefig(path, metadata=PNG)
    plt.close(f)
    return path


def describe_map(figures: Figures, lang: str) -> str:
    """An alt text for the map: what is shaded by what, and the largest and smallest member."""
    fig = figures.headline
    where = figures.region
    name_en = english_name(where)
    national = where["kind"] == "nation"
    inset = "，附南海诸岛" if national else ""
    inset_en = ", with the South China Sea islands inset" if national else ""
    if fig is None or where["kind"] in ("prefecture", "county"):
        home = divisions()[where["code"]].province_code if where["code"] in divisions() else ""
        province = divisions()[home] if home else None
        if lang == "zh":
            return f"地图：{where['official_zh']}在{province.name_zh if province else '全国'}的位置。"
        return f"Map locating {name_en} within {province.name_en if province else 'China'}{inset_en}."
    ranked = sorted(fig.members, key=lambda m: (-m.value, m.code))
    hi, lo = ranked[0], ranked[-1]
    if lang == "zh":
        return (
            f"地图：{where['official_zh']}各地区{fig.label_zh}，颜色越深数值越大{inset}；"
            f"最高为{hi.name_zh}（{_zh_number(hi.value)}{fig.unit_zh}），"
            f"最低为{lo.name_zh}（{_zh_number(lo.value)}{fig.unit_zh}）。"
        )
    return (
        f"Map of {name_en} shaded by {fig.label_en}, darker for more{inset_en}; "
        f"highest {hi.name_en} ({number(hi.value, 'en')}), lowest {lo.name_en} ({number(lo.value, 'en')})."
    )
