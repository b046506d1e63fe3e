"""Charts of a release: each indicator's trend, and a map of China with the released region highlighted.

Drawn with matplotlib (Agg, no display) in a CJK font, as PNG files with no timestamp in them. The
map's province outlines ship with ipgauge (``data/china_provinces.geojson``, see ``data/SOURCES.md``).
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ipgauge.regions.divisions import divisions  # noqa: E402
from ipgauge.releases.figures import Figure, Figures  # noqa: E402

FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]
PNG = {"Software": None}  # no version or timestamp in the files: the same figures draw the same bytes
COLOURS = {"member": "#c0392b", "partly": "#f1948a", "other": "#d5d8dc", "edge": "#ffffff"}


@cache
def _cjk_font() -> None:
    """Make sure matplotlib knows the CJK font even if it was installed after matplotlib built its cache."""
    if any("CJK" in f.name for f in font_manager.fontManager.ttflist):
        return
    for path in font_manager.findSystemFonts():
        if "CJK" in Path(path).name:
            font_manager.fontManager.addfont(path)


def _style() -> None:
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


def trend(fig: Figure, out: Path, synthetic: bool) -> Path:
    """A line chart of the indicator's monthly values up to the release date."""
    _style()
    days = [date.fromisoformat(d) for d, _ in fig.trend]
    values = [v for _, v in fig.trend]
    f, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(days, values, color=COLOURS["member"], linewidth=2, marker="o", markersize=3)
    ax.set_title(f"{fig.label_zh} · {fig.label_en}" + ("（合成数据 SYNTHETIC）" if synthetic else ""), fontsize=11)
    ax.set_ylabel(f"{fig.unit_zh} / {fig.unit_en}")
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    f.autofmt_xdate()
    f.tight_layout()
    path = out / f"trend_{fig.name}.png"
    f.savefig(path, metadata=PNG)
    plt.close(f)
    return path


@cache
def _provinces() -> list[tuple[str, list]]:
    data = json.loads(resources.files("ipgauge.data").joinpath("china_provinces.geojson").read_text(encoding="utf-8"))
    out = []
    for feature in data["features"]:
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        out.append((feature["properties"]["code"], [poly[0] for poly in polygons]))
    return out


def region_map(figures: Figures, out: Path) -> Path:
    """China by province; the released region's provinces in full colour, provinces it covers in part lighter."""
    _style()
    members = figures.region["members"]
    full = {m for m in members if divisions()[m].level == "province"}
    partly = {divisions()[m].province_code for m in members} - full
    if figures.region["kind"] == "nation":
        full = {d.code for d in divisions().values() if d.level == "province"}
    f, ax = plt.subplots(figsize=(7, 5.6))
    for code, rings in _provinces():
        colour = COLOURS["member"] if code in full else COLOURS["partly"] if code in partly else COLOURS["other"]
        ax.add_collection(PolyCollection(rings, facecolors=colour, edgecolors=COLOURS["edge"], linewidths=0.5))
    ax.set_xlim(73, 136)
    ax.set_ylim(17, 54)
    ax.set_aspect(1.2)
    ax.axis("off")
    name = f"{figures.region['name_zh']} {figures.region['name_en']}"
    ax.set_title(name + ("（合成数据 SYNTHETIC）" if figures.synthetic else ""), fontsize=12)
    handles = [Patch(color=COLOURS["member"], label="发布地区 released region")]
    if partly:
        handles.append(Patch(color=COLOURS["partly"], label="部分地区 part of the province"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    f.tight_layout()
    path = out / "map.png"
    f.savefig(path, metadata=PNG)
    plt.close(f)
    return path
