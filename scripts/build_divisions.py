"""Rebuild src/ipgauge/data/divisions.csv from the reference tables (a developer tool, never run by the product).

English names: provinces from the census table; every prefecture-level division (and the
county-level divisions listed there) from the official names in data/division_names_en.csv; the
other county-level divisions romanised with pypinyin (toneless, an apostrophe before a syllable
that starts with a vowel), with place-name readings of polyphonic characters (朝阳 Chaoyang, 长治
Changzhi, 蔚县 Yu County …) and the ethnic groups of autonomous divisions translated
("Weichang Manchu and Mongol Autonomous County"), as in the official usage.

Usage: pip install pypinyin==0.55.0 && python scripts/build_divisions.py ../shared/reference
"""

import csv
import sys
from pathlib import Path

from pypinyin import lazy_pinyin, load_phrases_dict

ref = Path(sys.argv[1])
data = Path(__file__).resolve().parents[1] / "src/ipgauge/data"
SUFFIXES = [  # longest first
    ("高新技术产业开发区", " High-tech Industrial Development Zone"),
    ("高新技术产业园区", " High-tech Industrial Park"),
    ("高技术产业开发区", " High-tech Industrial Development Zone"),
    ("高新技术开发区", " High-tech Development Zone"),
    ("经济技术开发区", " Economic and Technological Development Zone"),
    ("城乡一体化示范区", " Urban-Rural Integration Demonstration Zone"),
    ("经济开发区", " Economic Development Zone"),
    ("工业园区", " Industrial Park"),
    ("产业园区", " Industrial Park"),
    ("化工园区", " Chemical Industry Park"),
    ("创意园区", " Creative Park"),
    ("示范区", " Demonstration Zone"),
    ("管理区", " Administrative Area"),
    ("开发区", " Development Zone"),
    ("新区", " New Area"),
    ("自治旗", " Autonomous Banner"),
    ("自治县", " Autonomous County"),
    ("自治州", " Autonomous Prefecture"),
    ("特区", " Special District"),
    ("林区", " Forest District"),
    ("地区", " Prefecture"),
    ("盟", " League"),
    ("旗", " Banner"),
    ("县", " County"),
    ("区", " District"),
    ("市", ""),
]


# Place names read otherwise than the characters' commonest reading (each checked by tests/test_names.py).
PLACE_READINGS = {
    "长治": "chang zhi",
    "长子": "zhang zi",
    "朝阳": "chao yang",
    "漯河": "luo he",
    "蔚": "yu",
    "繁峙": "fan shi",
    "涡阳": "guo yang",
    "筠连": "jun lian",
    "铅山": "yan shan",
    "乐亭": "lao ting",
    "单县": "shan xian",
    "莘县": "shen xian",
    "浚县": "xun xian",
    "番禺": "pan yu",
    "黄陂": "huang pi",
    "洪洞": "hong tong",
    "六安": "lu an",
    "蚌埠": "beng bu",
    "亳州": "bo zhou",
    "枞阳": "zong yang",
    "歙县": "she xian",
    "犍为": "qian wei",
    "会理": "hui li",
    "会泽": "hui ze",
    "会同": "hui tong",
    "会昌": "hui chang",
    "尉氏": "wei shi",
    "东阿": "dong e",
    "句容": "ju rong",
    "泌阳": "bi yang",
    "荥阳": "xing yang",
    "乐清": "yue qing",
    "台州": "tai zhou",
    "天台": "tian tai",
    "长垣": "chang yuan",
    "沈丘": "shen qiu",
}
ETHNIC_EN = {  # the 55 minority nationalities as the official English usage names them (各族: several)
    "蒙古": "Mongol",
    "藏": "Tibetan",
    "回": "Hui",
    "维吾尔": "Uygur",
    "苗": "Miao",
    "彝": "Yi",
    "壮": "Zhuang",
    "布依": "Buyi",
    "朝鲜": "Korean",
    "满": "Manchu",
    "侗": "Dong",
    "瑶": "Yao",
    "白": "Bai",
    "土家": "Tujia",
    "哈尼": "Hani",
    "哈萨克": "Kazak",
    "傣": "Dai",
    "黎": "Li",
    "傈僳": "Lisu",
    "佤": "Va",
    "畲": "She",
    "高山": "Gaoshan",
    "拉祜": "Lahu",
    "水": "Shui",
    "东乡": "Dongxiang",
    "纳西": "Naxi",
    "景颇": "Jingpo",
    "柯尔克孜": "Kirgiz",
    "土": "Tu",
    "达斡尔": "Daur",
    "仫佬": "Mulao",
    "羌": "Qiang",
    "布朗": "Blang",
    "撒拉": "Salar",
    "毛南": "Maonan",
    "仡佬": "Gelao",
    "锡伯": "Xibe",
    "阿昌": "Achang",
    "普米": "Pumi",
    "塔吉克": "Tajik",
    "怒": "Nu",
    "乌孜别克": "Uzbek",
    "俄罗斯": "Russian",
    "鄂温克": "Ewenki",
    "德昂": "De'ang",
    "保安": "Bonan",
    "裕固": "Yugur",
    "京": "Gin",
    "塔塔尔": "Tatar",
    "独龙": "Derung",
    "鄂伦春": "Oroqen",
    "赫哲": "Hezhen",
    "门巴": "Monba",
    "珞巴": "Lhoba",
    "基诺": "Jino",
    "各": "Various Nationalities",
}
load_phrases_dict({k: [[syllable] for syllable in v.split()] for k, v in PLACE_READINGS.items() if len(k) > 1})


def pinyin_word(text: str) -> str:
    """Toneless pinyin as one capitalised word, with the place readings above."""
    if "市" in text[1:]:  # 唐山市汉沽: two names
        return " ".join(pinyin_word(part) for part in text.split("市") if part)
    syllables = []
    for part in lazy_pinyin(text):
        syllables.extend(PLACE_READINGS[part].split() if part in PLACE_READINGS else [part])
    if len(syllables) == len(text):  # 长 and 都 are chang and du in place names (but 长子 is Zhangzi)
        syllables = [
            {"长": "chang", "都": "du"}.get(ch, syl) if not text.startswith("长子") else syl
            for ch, syl in zip(text, syllables, strict=True)
        ]
    word = syllables[0] + "".join(("'" + s) if s[:1] in "aoe" else s for s in syllables[1:])
    return word.replace("v", "ü").capitalize()


def peel_ethnic(base: str) -> tuple[str, list[str]]:
    """Split '围场满族蒙古族' into ('围场', ['Manchu', 'Mongol']): the nationalities an autonomous name carries."""
    groups: list[str] = []
    while True:
        for zh in sorted(ETHNIC_EN, key=len, reverse=True):
            for form in (zh + "族", zh):
                bare_ok = zh in ("蒙古", "哈萨克", "塔吉克", "锡伯", "鄂伦春")  # named without 族 in some divisions
                if base.endswith(form) and (form.endswith("族") or bare_ok):
                    groups.insert(0, ETHNIC_EN[zh])
                    base = base[: -len(form)]
                    break
            else:
                continue
            break
        else:
            return base, groups


def romanise(name: str, level: str) -> str:
    if name == "市辖区":
        return "City districts"
    for zh, en in SUFFIXES:
        if name.endswith(zh) and len(name) > len(zh):
            base, suffix = name[: -len(zh)], en
            break
    else:
        base, suffix = name, ""
    if suffix == "" and name.endswith("市") and level == "county":
        suffix = " City"
    if suffix.startswith(" Autonomous") or base.endswith("族"):  # also 梅里斯达斡尔族区, Meilisi Daur District
        place, groups = peel_ethnic(base)
        ethnic = " and ".join(groups)
        return f"{pinyin_word(place) + ' ' if place else ''}{ethnic}{suffix}"
    if len(base) == 1 and suffix == " County":
        return pinyin_word(base + "县")[: -len("xian")].capitalize() + suffix
    return pinyin_word(base) + suffix


with open(ref / "population_provinces_2020_census.csv", encoding="utf-8") as f:
    province_en = {r["region_code"]: r["name_en"] for r in csv.DictReader(f)}
with open(data / "division_names_en.csv", encoding="utf-8") as f:
    official = {r["code"]: r["name_en"] for r in csv.DictReader(f)}  # every prefecture, some counties
rows = []
with open(ref / "divisions_provinces.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        code = r["code"] + "0000"
        rows.append((code, r["name"], province_en[code], "province", "", code))
with open(ref / "divisions_cities.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        rows.append(
            (
                r["code"] + "00",
                r["name"],
                romanise(r["name"], "prefecture"),
                "prefecture",
                r["provinceCode"] + "0000",
                r["provinceCode"] + "0000",
            )
        )
with open(ref / "divisions_areas.csv", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        if r["code"] == r["cityCode"] + "00":  # Dongguan, Zhongshan, Danzhou: a prefecture with no counties
            continue
        rows.append(
            (
                r["code"],
                r["name"],
                romanise(r["name"], "county"),
                "county",
                r["cityCode"] + "00",
                r["provinceCode"] + "0000",
            )
        )
rows = [(c, zh, official.get(c, en), *rest) for c, zh, en, *rest in rows]
with open(data / "divisions.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["code", "name_zh", "name_en", "level", "parent_code", "province_code"])
    w.writerows(sorted(rows))
print(f"wrote {len(rows)} divisions")
