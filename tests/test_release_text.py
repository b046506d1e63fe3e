"""The release text, word for word: golden texts in both languages, edge cases, and rules checked over a grid."""

from __future__ import annotations

import itertools
import re

import pytest

from ipgauge.releases.figures import Member
from ipgauge.releases.text import paragraphs, title
from ipgauge.releases.wording import as_of, change, count, ordinal, share, year_to_date
from release_cases import LIAONING, NORTHEAST, fig, figures, seed


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (8_044, "8044件", "8,044"),
        (75_527, "约7.55万件", "about 75,500"),  # never "reached 76,000"
        (75_500, "7.55万件", "75,500"),
        (195_123, "约19.5万件", "about 195,000"),
        (2_163_456, "超过216万件", "more than 2.16 million"),
        (2_160_000, "216万件", "2.16 million"),
        (1_000_400, "超过100万件", "more than 1 million"),
        (46_146_000, "超过4614万件", "more than 46.14 million"),
        (273, "273件", "273"),
        (7, "7件", "seven"),
        (0, "0件", "no"),
    ],
)
def test_numbers_as_newspapers_write_them(value, zh, en):
    assert count(value, "件", "zh") == zh
    assert count(value, "件", "en") == en


def test_changes_are_worded_by_sign_size_and_base():
    assert change(110.2, 100, "en") == "up 10.2 percent year on year"
    assert change(110.2, 100, "en", 1) == "an increase of 10.2 percent from a year earlier"
    assert change(110.25, 100, "zh") == "同比增长10.3%"  # half up, once
    assert change(96.86, 100, "en") == "down 3.1 percent year on year"
    assert change(96.86, 100, "zh") == "同比下降3.1%"
    assert change(100.04, 100, "en") == "almost unchanged from a year earlier"
    assert change(100, 100, "zh") == "与上年同期持平"
    assert change(7, 3, "en") == "up from three a year earlier"  # a tiny base: units, not 133.3 percent
    assert change(7, 3, "zh", unit_zh="件") == "比上年同期增加4件"
    assert change(5, 0, "en") == "up from none a year earlier"
    assert change(5, 0, "zh") == "上年同期为零"
    assert change(0, 0, "en") == "the same as a year earlier"
    assert change(28, 14, "en") == "double the 14 of a year earlier"
    assert change(522, 543, "zh", basis="上年") == "比上年下降3.9%"  # a year's flow at the year end
    assert change(7.96, 6.81, "zh", ratio=True, unit_zh="件") == "较上年同期提高1.2件"
    assert change(7.96, 6.81, "en", ratio=True) == "up 1.2 from 6.8 a year earlier"
    assert change(0.31, 0.26, "zh", ratio=True, unit_zh="件") == "较上年同期提高0.05件"  # below 1: two decimals
    assert change(0.31, 0.31, "en", ratio=True) == "unchanged from a year earlier"
    assert share(9.7, "zh") == "接近全国总量的十分之一"
    assert share(7.3, "en") == "7.3 percent of the national total"
    assert [ordinal(n, "en") for n in (1, 3, 11, 12, 13, 21, 22, 31)] == [
        "first", "third", "11th", "12th", "13th", "21st", "22nd", "31st",
    ]  # fmt: skip
    assert ordinal(1, "zh") == "首位" and ordinal(14, "zh") == "第14位"


def test_dates_as_offices_write_them():
    from datetime import date

    assert as_of(date(2024, 12, 31), "zh") == "截至2024年底"
    assert as_of(date(2024, 12, 31), "en") == "By the end of 2024"
    assert as_of(date(2025, 4, 30), "zh") == "截至2025年4月底"
    assert as_of(date(2025, 3, 15), "en") == "As of 15 March 2025"
    assert year_to_date(date(2025, 4, 30), "zh") == "2025年1—4月"
    assert year_to_date(date(2025, 1, 31), "en") == "In January 2025"
    assert year_to_date(date(2025, 3, 15), "zh") == "2025年1月1日至3月15日"


def test_the_seed_release_word_for_word():
    assert title(seed(), "zh") == "东北三省一区知识产权主要统计数据（2025年4月底）"
    assert title(seed(), "en") == "Intellectual property in Northeast China: figures at the end of April 2025"
    assert paragraphs(seed(), "zh") == [
        "截至2025年4月底，东北三省一区（辽宁省、吉林省、黑龙江省和内蒙古自治区赤峰市、通辽市、呼伦贝尔市、兴安盟、"
        "锡林郭勒盟，下同）有效发明专利约19.5万件，同比增长10.2%；每万人口高价值发明专利拥有量8.0件，较上年同期提高1.2件；"
        "有效注册商标超过216万件，同比增长7.7%，接近全国总量的二十分之一；地理标志产品273个，与上年同期持平，"
        "接近全国总量的十分之一。",
        "2025年1—4月，发明专利授权量约1.25万件，同比增长13.2%；首次质押的发明专利7件，比上年同期增加4件。",
        "分省份看，辽宁省有效发明专利约7.55万件，同比增长10.0%，居全国第14位；吉林省有效发明专利约4.2万件，同比增长8.3%，"
        "居全国第22位；黑龙江省有效发明专利约5.29万件，同比增长9.8%，居全国第19位。",
        "蒙东五盟市中，赤峰市有效发明专利125件，同比增长22.5%，增速居首位。",
    ]
    assert paragraphs(seed(), "en") == [
        "By the end of April 2025, the three provinces and one region (Liaoning, Jilin and Heilongjiang provinces and "
        "the five eastern Inner Mongolia leagues and cities of Chifeng, Tongliao, Hulunbuir and the Hinggan and "
        "Xilingol leagues) had about 195,000 valid invention patents, up 10.2 percent year on year. The number of "
        "high-value invention patents per 10,000 population stood at 8.0, up 1.2 from 6.8 a year earlier. The three "
        "provinces and one region had more than 2.16 million valid registered trademarks, 7.7 percent more than a "
        "year earlier, close to one twentieth of the national total. Geographical indication products numbered 273, "
        "unchanged from a year earlier, close to one tenth of the national total.",
        "From January to April 2025, the number of invention patents granted was about 12,500, up 13.2 percent year "
        "on year. The number of invention patents pledged for the first time was seven, up from three a year earlier.",
        "Liaoning had about 75,500 valid invention patents, up 10.0 percent year on year; it ranked 14th among "
        "China's 31 provincial-level regions. Jilin had about 42,000 valid invention patents, an increase of 8.3 "
        "percent from a year earlier; it ranked 22nd. Heilongjiang had about 52,900 valid invention patents, 9.8 "
        "percent more than a year earlier; it ranked 19th.",
        "Among the five eastern Inner Mongolia leagues and cities, Chifeng grew fastest, with 125 valid invention "
        "patents, up 22.5 percent year on year.",
    ]


def test_a_province_at_year_end_ranks_its_cities_among_themselves():
    members = [
        Member("210100", "沈阳市", "Shenyang", 30_000, 27_000, "prefecture"),
        Member("210200", "大连市", "Dalian", 25_000, 23_500, "prefecture"),
        Member("211300", "朝阳市", "Chaoyang", 800, 600, "prefecture"),
    ]
    figs = figures(
        LIAONING,
        [
            fig("valid_invention_patents", 75_527, 68_650, national_rank=14, members=members),
            fig("gi_products", 1, 1),
            fig("invention_grants", 5_400, 5_600),
        ],
        as_of="2024-12-31",
    )
    assert paragraphs(figs, "zh") == [
        "截至2024年底，辽宁省有效发明专利约7.55万件，比上年末增长10.0%，居全国第14位；地理标志产品1个，与上年末持平。",
        "2024年，发明专利授权量5400件，比上年下降3.6%。",
        "全省各市中，朝阳市有效发明专利800件，比上年末增长33.3%，增速居首位。",
    ]
    assert paragraphs(figs, "en") == [
        "By the end of 2024, Liaoning had about 75,500 valid invention patents, up 10.0 percent year on year; it "
        "ranked 14th among China's 31 provincial-level regions. The province had one geographical indication product, "
        "unchanged from a year earlier.",
        "In 2024, the number of invention patents granted was 5,400, down 3.6 percent year on year.",
        "Among the province's cities, Chaoyang grew fastest, with 800 valid invention patents, up 33.3 percent year "
        "on year.",
    ]


def test_zero_one_no_previous_year_and_tiny_bases():
    figs = figures(
        LIAONING,
        [
            fig("valid_invention_patents", 0, 0),
            fig("valid_trademarks", 1, 0),
            fig("gi_products", 5, 0),
            fig("invention_grants", 3, 9),
        ],
        as_of="2025-03-15",
    )
    assert paragraphs(figs, "zh") == [
        "截至2025年3月15日，辽宁省暂无有效发明专利；有效注册商标1件，上年同期为零；地理标志产品5个，上年同期为零。",
        "2025年1月1日至3月15日，发明专利授权量3件，比上年同期减少6件。",
    ]
    assert paragraphs(figs, "en") == [
        "As of 15 March 2025, Liaoning had no valid invention patents, the same as a year earlier. The province had "
        "one valid registered trademark, up from none a year earlier. The province had five geographical indication "
        "products, up from none a year earlier.",
        "From 1 January to 15 March 2025, the number of invention patents granted was three, down from nine a year "
        "earlier.",
    ]


def test_nothing_grew_so_no_member_is_said_to_have_grown_fastest():
    members = [
        Member("210000", "辽宁省", "Liaoning", 900, 1_000, "province"),
        Member("150400", "赤峰市", "Chifeng", 90, 100, "prefecture"),
        Member("150500", "通辽市", "Tongliao", 80, 100, "prefecture"),
    ]
    text = " ".join(paragraphs(figures(NORTHEAST, [fig("valid_invention_patents", 990, 1_100, members=members)]), "en"))
    assert "fastest" not in text and "down 10.0 percent" in text


VALUES = [0, 1, 2, 9, 10, 11, 999, 9_999, 10_000, 75_527, 999_999, 1_000_000, 2_163_456]


@pytest.mark.parametrize("value", VALUES)
def test_rules_hold_over_a_grid_of_figures(value):
    """What a native speaker would correct, checked mechanically across values and year-earlier bases."""
    for previous in sorted({0, 1, 5, 10, 100, value, int(value * 0.9), int(value * 1.1)}):
        members = [
            Member("210000", "辽宁省", "Liaoning", value, previous, "province", 3),
            Member("220000", "吉林省", "Jilin", previous, value, "province", 7),
            Member("150400", "赤峰市", "Chifeng", value, previous, "prefecture"),
            Member("150500", "通辽市", "Tongliao", previous, value, "prefecture"),
        ]
        figs = figures(
            NORTHEAST,
            [
                fig("valid_invention_patents", value, previous, members=members, parent_value=value * 10 or 1),
                fig("valid_trademarks", previous, value),
                fig("gi_products", value, value),
                fig("invention_grants", value, previous),
            ],
        )
        en, zh = " ".join(paragraphs(figs, "en")), "".join(paragraphs(figs, "zh"))
        assert not re.search(r"\b(they|their|reached|was no)\b", en), en
        assert "  " not in en and " ," not in en and ".." not in en, en
        assert all(p.endswith(".") for p in paragraphs(figs, "en"))
        assert all(p.endswith("。") for p in paragraphs(figs, "zh"))
        assert not re.search(r"\bone (valid|geographical|invention|high-value)[a-z -]*s\b(?! per)", en), en
        assert not re.search(r"(?<![\d.,])\b[1-9]\b(?![,.\d]| million)", en), en  # small numbers spelled out
        if value >= 10_000 and value not in (10_000, 1_000_000):
            assert re.search(r"(about|more than) [\d,.]+", en), en
        assert not re.search(r"(?<!\d)0\.0%", zh) and "-" not in zh and "（" not in zh.split("下同）")[1], zh
        assert "增长-" not in zh and "percent percent" not in en


def test_a_group_of_provinces_defines_itself_and_every_province_gets_a_sentence():
    central = {
        "code": "nbs_central",
        "kind": "group",
        "name_zh": "中部地区",
        "name_en": "Central region",
        "official_zh": "中部地区",
        "official_en": "the central region",
        "members": ["140000", "340000", "360000", "410000", "420000", "430000"],
    }
    members = [
        Member(code, name, name_en, 1_000 + i, 900, "province", i + 1)
        for i, (code, name, name_en) in enumerate(
            [("140000", "山西省", "Shanxi"), ("340000", "安徽省", "Anhui"), ("410000", "河南省", "Henan")]
        )
    ]
    figs = figures(central, [fig("valid_invention_patents", 3_003, 2_700, members=members)])
    en = paragraphs(figs, "en")
    assert title(figs, "en") == "Intellectual property in the central region: figures at the end of April 2025"
    assert en[0].startswith(
        "By the end of April 2025, the central region (Shanxi, Anhui, Jiangxi, Henan, Hubei and Hunan provinces)"
    )
    assert sum(s.startswith(("Shanxi had", "Anhui had", "Henan had")) for s in re.split(r"(?<=\.) ", en[1])) == 3
    assert "（山西省、安徽省、江西省、河南省、湖北省、湖南省，下同）" in paragraphs(figs, "zh")[0]
    assert all(itertools.starmap(lambda a, b: a != b, zip(en, en[1:], strict=False)))
