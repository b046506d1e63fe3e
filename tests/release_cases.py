"""Hand-made release figures for the golden-text tests: the seed article's region, a province, edge cases."""

from __future__ import annotations

from ipgauge.releases.figures import Figure, Figures, Member

LABELS = {  # name: (label_zh, label_en, unit_zh, unit_en)
    "valid_invention_patents": ("有效发明专利", "valid invention patents", "件", "patents"),
    "high_value_invention_patents_per_10k": (
        "每万人口高价值发明专利拥有量",
        "high-value invention patents per 10,000 population",
        "件/万人",
        "per 10,000 population",
    ),
    "valid_trademarks": ("有效注册商标", "valid registered trademarks", "件", "trademarks"),
    "gi_products": ("地理标志产品", "geographical indication products", "个", "products"),
    "invention_grants": ("发明专利授权量", "invention patents granted", "件", "patents"),
    "patent_pledges": ("首次质押的发明专利", "invention patents pledged for the first time", "件", "patents"),
}


def fig(name: str, value: float, previous: float, **kw) -> Figure:
    """One figure with the catalogue's labels."""
    zh, en, unit_zh, unit_en = LABELS[name]
    if name.endswith("_per_10k"):
        kw.setdefault("population_year", "2020")
    if name in ("invention_grants", "patent_pledges"):
        kw.setdefault("flow", True)
    return Figure(name, zh, en, unit_zh, unit_en, value, previous, kw.pop("parent_value", None), **kw)


def figures(region: dict, figs: list[Figure], as_of: str = "2025-04-30", synthetic: bool = False) -> Figures:
    """A release's figures, as compute() would hand them to the text."""
    spec = {"region": region["code"], "as_of": as_of, "known_at": "2025-06-30", "languages": ["zh", "en"]}
    info = {"members": [], "parent": "CN", "deliveries": 2, "prefectures_zh": "", "prefectures_en": ""} | region
    return Figures(spec, info, synthetic, figs)


NORTHEAST = {
    "code": "northeast",
    "kind": "group",
    "name_zh": "东北地区",
    "name_en": "Northeast China",
    "official_zh": "东北三省一区",
    "official_en": "the three provinces and one region",
    "members": ["210000", "220000", "230000", "150400", "150500", "150700", "152200", "152500"],
    "prefectures_zh": "蒙东五盟市",
    "prefectures_en": "the five eastern Inner Mongolia leagues and cities",
}
LIAONING = {
    "code": "210000",
    "kind": "province",
    "name_zh": "辽宁省",
    "name_en": "Liaoning",
    "official_zh": "辽宁省",
    "official_en": "Liaoning",
    "members": ["210000"],
}


def seed() -> Figures:
    """The seed article's figures (end of April 2025), with member provinces and the five leagues and cities."""
    members = [
        Member("210000", "辽宁省", "Liaoning", 75_527, 68_650, "province", 14),
        Member("220000", "吉林省", "Jilin", 42_010, 38_790, "province", 22),
        Member("230000", "黑龙江省", "Heilongjiang", 52_930, 48_200, "province", 19),
        Member("150400", "赤峰市", "Chifeng", 125, 102, "prefecture"),
        Member("150500", "通辽市", "Tongliao", 180, 160, "prefecture"),
        Member("150700", "呼伦贝尔市", "Hulunbuir", 150, 130, "prefecture"),
        Member("152200", "兴安盟", "Hinggan League", 60, 55, "prefecture"),
        Member("152500", "锡林郭勒盟", "Xilingol League", 4, 1, "prefecture"),
    ]
    return figures(
        NORTHEAST,
        [
            fig("valid_invention_patents", 195_123, 177_063, parent_value=4_756_000, members=members),
            fig("high_value_invention_patents_per_10k", 7.96, 6.81),
            fig("valid_trademarks", 2_163_456, 2_008_780, parent_value=46_146_000),
            fig("gi_products", 273, 273, parent_value=2_820),
            fig("invention_grants", 12_480, 11_020),
            fig("patent_pledges", 7, 3),
        ],
    )
