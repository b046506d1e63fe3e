"""Rebuild src/ipgauge/data/china_prefectures.geojson and south_china_sea.json from the npm package echarts 4.9.0.

A developer tool, never run by the product. ECharts 4.9.0 (Apache-2.0) ships the outlines of every
province's prefecture-level divisions (``map/json/province/*.json``) in its compressed UTF-8 encoding,
and the South China Sea islands inset that it adds to every map of China (``lib/coord/geo/fix/nanhai.js``).
This decodes them, matches each prefecture to its GB/T 2260 code by name within its province, and
rounds coordinates to 0.01°. Laiwu (retired 2019) is drawn as part of Jinan, 那曲地区 as 那曲市.

Usage: npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz && python scripts/build_maps.py package
"""

import csv
import json
import re
import sys
from pathlib import Path

pkg = Path(sys.argv[1])
data = Path(__file__).resolve().parents[1] / "src/ipgauge/data"


def decode_ring(encoded: str, offsets: list[int]) -> list[list[float]]:
    """ECharts' zigzag-delta encoding: two characters per point, offsets are the first point."""
    x0, y0, ring = offsets[0], offsets[1], []
    for i in range(0, len(encoded), 2):
        x, y = ord(encoded[i]) - 64, ord(encoded[i + 1]) - 64
        x, y = (x >> 1) ^ -(x & 1), (y >> 1) ^ -(y & 1)
        x0, y0 = x0 + x, y0 + y
        ring.append([round(x0 / 1024, 2), round(y0 / 1024, 2)])
    return thin(ring)


def thin(ring: list[list[float]], tolerance: float = 0.01) -> list[list[float]]:
    """Douglas–Peucker: keep the points that move the outline by more than ``tolerance`` degrees (about 1 km)."""
    ring = [pt for i, pt in enumerate(ring) if i == 0 or pt != ring[i - 1]]
    if len(ring) < 5:
        return ring
    keep = {0, len(ring) - 1}
    stack = [(0, len(ring) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = ring[a], ring[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, far = -1.0, None
        for i in range(a + 1, b):
            x, y = ring[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > best:
                best, far = d, i
        if far is not None and best > tolerance:
            keep.add(far)
            stack += [(a, far), (far, b)]
    return [ring[i] for i in sorted(keep)]


def decode(geometry: dict, encoded: bool) -> list[list[list[float]]]:
    """A (Multi)Polygon's outer rings, decoded (xizang.json is stored plain)."""
    if not encoded:
        polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        return [[thin([[round(x, 2), round(y, 2)] for x, y in poly[0]])] for poly in polys if poly and poly[0]]
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    offsets = geometry["encodeOffsets"] if geometry["type"] == "MultiPolygon" else [geometry["encodeOffsets"]]
    return [[decode_ring(poly[0], off[0])] for poly, off in zip(polys, offsets, strict=True)]


with open(data / "divisions.csv", encoding="utf-8") as f:
    divisions = list(csv.DictReader(f))
prefectures = [d for d in divisions if d["level"] == "prefecture" or d["code"] in ("441900", "442000", "460400")]
features, unmatched = [], []
MUNICIPALITIES_AND_SARS = {"beijing", "tianjin", "shanghai", "chongqing", "taiwan", "xianggang", "aomen"}
for path in sorted((pkg / "map/json/province").glob("*.json")):
    if path.stem in MUNICIPALITIES_AND_SARS:  # their outline is the province's own
        continue
    src = json.loads(path.read_text(encoding="utf-8"))
    for feat in src["features"]:
        name = feat["properties"]["name"]
        lon, lat = feat["properties"].get("cp", [0, 0])
        # the province is the one whose divisions the name matches; ambiguous short names resolved by the centre point
        name = {"莱芜市": "济南市", "那曲地区": "那曲市"}.get(name, name)  # renamed or merged since 2020
        hits = [d for d in divisions if d["level"] in ("prefecture", "county") and d["name_zh"] == name]
        hits = [d for d in hits if d["level"] == "prefecture"] or hits
        if not hits:
            unmatched.append(f"{path.stem}:{name}")
            continue
        d = hits[0]
        if len(hits) > 1:  # 朝阳市 only once as a prefecture, but guard anyway: nearest province centre by file
            d = next((h for h in hits if path.stem.startswith(h["province_code"][:2])), hits[0])
        features.append(
            {
                "type": "Feature",
                "properties": {"code": d["code"], "name_zh": name, "province_code": d["province_code"]},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": decode(feat["geometry"], src.get("UTF8Encoding", False)),
                },
            }
        )
out = {"type": "FeatureCollection", "features": sorted(features, key=lambda f: f["properties"]["code"])}
(data / "china_prefectures.geojson").write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
print(f"{len(features)} prefecture outlines; not matched: {', '.join(unmatched) or 'none'}")

# The inset: ECharts' points, scaled and placed exactly as nanhai.js places them.
js = (pkg / "lib/coord/geo/fix/nanhai.js").read_text(encoding="utf-8")
centre = json.loads(re.search(r"var geoCoord = (\[.*?\]);", js).group(1))
points = json.loads(re.search(r"var points = (\[\[\[.*?\]\]\]);", js, re.S).group(1))
rings = [
    [[round(x / 10.5 + centre[0], 4), round(y / (-10.5 / 0.75) + centre[1], 4)] for x, y in ring] for ring in points
]
(data / "south_china_sea.json").write_text(json.dumps({"name_zh": "南海诸岛", "rings": rings}) + "\n")
print(f"inset: {len(rings)} rings")
