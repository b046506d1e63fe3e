"""English names of divisions: an official name for every prefecture; polyphonic characters read as places are."""

import csv
from importlib import resources

import pytest

from ipgauge.regions.divisions import divisions


def official() -> dict[str, tuple[str, str]]:
    with resources.files("ipgauge.data").joinpath("division_names_en.csv").open(encoding="utf-8") as f:
        return {r["code"]: (r["name_zh"], r["name_en"]) for r in csv.DictReader(f)}


def test_every_prefecture_has_its_official_name():
    table = official()
    prefectures = [d for d in divisions().values() if d.level == "prefecture"]
    assert len(prefectures) == 342
    for d in prefectures:
        assert d.code in table, f"{d.code} {d.name_zh} has no official English name"
        assert table[d.code] == (d.name_zh, d.name_en), d.code


@pytest.mark.parametrize(
    ("code", "name_en"),
    [  # the government's and Xinhua's usage, the cases a mechanical romanisation gets wrong
        ("150600", "Ordos"),
        ("150700", "Hulunbuir"),
        ("150800", "Bayannur"),
        ("150900", "Ulanqab"),
        ("650100", "Urumqi"),
        ("650200", "Karamay"),
        ("540300", "Qamdo"),
        ("540200", "Xigaze"),
        ("654300", "Altay Prefecture"),
        ("652800", "Bayingolin Mongol Autonomous Prefecture"),
        ("422800", "Enshi Tujia and Miao Autonomous Prefecture"),
        ("230200", "Qiqihar"),
        ("140400", "Changzhi"),
        ("211300", "Chaoyang"),
        ("220200", "Jilin City"),
        ("411100", "Luohe"),
        ("152500", "Xilingol League"),
        ("152200", "Hinggan League"),
        ("232700", "Da Hinggan Ling Prefecture"),
        ("222400", "Yanbian Korean Autonomous Prefecture"),
        ("150781", "Manzhouli City"),
        ("152502", "Xilinhot City"),
        ("150502", "Horqin District"),
    ],
)
def test_official_names(code, name_en):
    assert divisions()[code].name_en == name_en


@pytest.mark.parametrize(
    ("code", "name_en"),
    [  # polyphonic characters read as the places are called (长 chang but 长子 Zhangzi, 朝 chao, 都 du …)
        ("140428", "Zhangzi County"),
        ("220623", "Changbai Korean Autonomous County"),
        ("211321", "Chaoyang County"),
        ("110105", "Chaoyang District"),
        ("130726", "Yu County"),
        ("140924", "Fanshi County"),
        ("341621", "Guoyang County"),
        ("511527", "Junlian County"),
        ("361124", "Yanshan County"),
        ("371722", "Shan County"),
        ("410621", "Xun County"),
        ("330382", "Yueqing City"),
        ("341021", "She County"),
        ("371524", "Dong'e County"),
        ("321183", "Jurong City"),
        ("511123", "Qianwei County"),
        ("522732", "Sandu Shui Autonomous County"),
        ("451228", "Du'an Yao Autonomous County"),
        ("341881", "Ningguo City"),
        ("410783", "Changyuan City"),
    ],
)
def test_polyphonic_place_readings(code, name_en):
    assert divisions()[code].name_en == name_en


def test_autonomous_names_name_their_nationalities():
    assert divisions()["130828"].name_en == "Weichang Manchu and Mongol Autonomous County"
    assert divisions()["622926"].name_en == "Dongxiang Autonomous County"
    assert divisions()["450328"].name_en == "Longsheng Various Nationalities Autonomous County"
    assert divisions()["230208"].name_en == "Meilisi Daur District"
    leftovers = [d for d in divisions().values() if "族" in d.name_zh and "zu" in d.name_en]
    assert not leftovers, leftovers[:3]
    assert all(d.name_en[:1].isupper() or d.name_en[:1] == "Ü" for d in divisions().values())


def test_former_english_names_still_find_their_region():
    from ipgauge.regions.groups import region

    assert divisions()["540000"].name_en == "Xizang"
    assert region("Tibet").code == region("xizang").code == "540000"
