"""Claim charts start here: independent claims split into the elements the all-elements rule reads."""

from __future__ import annotations

from pathlib import Path

from ipgauge.adapters.uspto_grant import parse
from ipgauge.services.claim_elements import is_dependent, split

REAL = Path(__file__).parent / "data" / "real"


def test_a_real_us_claim_splits_at_its_transition_and_semicolons():
    parsed = parse(1, (REAL / "US08930553.xml").read_bytes())
    first = next(c for c in parsed.claims if c["number"] == 1)
    claim = split(first["text"])
    assert claim.preamble == "A system for processing mid-dialog SIP messages, the system comprising"
    assert claim.elements[0] == (
        "an incoming message hardware processor configured to receive a mid-dialog SIP message "
        "from a SIP user agent client"
    )
    # the second processor's five functions are five limitations: a product lacking one lacks a limitation
    assert claim.elements[1:] == (
        "an unknown message hardware processor configured to create a new SIP session",
        "associate the new SIP session with the mid-dialog SIP message",
        "identify an application that is associated with the mid-dialog SIP message",
        "provide to the application the mid-dialog SIP message in the context of the new SIP session",
        "receive an acknowledgement from the application that the application will accept the mid-dialog SIP message",
    )
    dependent = [c for c in parsed.claims if is_dependent(c["text"])]
    assert {c["number"] for c in dependent} == {c["number"] for c in parsed.claims if c["depends_on"]}


def test_enumerated_steps_and_wherein_clauses_are_elements():
    claim = split(
        "1. A method for sending a keycode, comprising the steps of: (a) connecting the apparatus to a "
        "computer, wherein enumeration information is recorded; (b) identifying the operating system; and "
        "(c) reading the kind of the operating system."
    )
    assert claim.preamble == "A method for sending a keycode, comprising"
    assert claim.elements == (
        "connecting the apparatus to a computer",
        "wherein enumeration information is recorded",
        "identifying the operating system",
        "reading the kind of the operating system",
    )


def test_a_chinese_two_part_claim_splits_after_its_characterising_words():
    claim = split(
        "1.一种键码发送方法，包括计算机，其特征在于：所述装置连接到计算机；识别操作系统的种类，其中所述种类由装置记录。"
    )
    assert claim.preamble == "一种键码发送方法"  # the preamble's features are elements too (all-elements rule)
    assert claim.elements == ("计算机", "所述装置连接到计算机", "识别操作系统的种类", "所述种类由装置记录")
    assert is_dependent("2.根据权利要求1所述的方法，其特征在于，所述计算机为服务器。")


def test_a_claim_without_markers_is_one_element():
    assert split("5. The ornamental design for a disc cartridge, as shown and described.").elements == (
        "The ornamental design for a disc cartridge, as shown and described",
    )
    assert split("3.一种杯子。").elements == ("一种杯子",)


def test_a_claim_chart_applies_the_all_elements_rule():
    from ipgauge.services.claim_chart import DISCLAIMER, chart

    claim = (
        "1. A coffee machine comprising: a water tank holding water; a grinder grinding beans; "
        "and a heater heating the water to brewing temperature."
    )
    every = chart(
        claim,
        "The machine grinds beans in its grinder. Its heater heats water from the tank to brewing temperature. "
        "The water tank holds 2 litres of water.",
    )
    assert (every.risk, every.found) == ("high", 3)
    grinder = next(r for r in every.rows if r.element.startswith("a grinder"))
    assert grinder.passage == "The machine grinds beans in its grinder."  # the passage is quoted for the reader
    two = chart(claim, "A water tank holding water. A heater heating the water to brewing temperature.")
    assert (two.risk, two.found) == ("medium", 2)
    assert next(r for r in two.rows if r.element.startswith("a grinder")).passage is None
    none = chart(claim, "A bicycle with two wheels.")
    assert (none.risk, none.found) == ("low", 0)
    assert "not a legal opinion" in DISCLAIMER["en"] and "不构成法律意见" in DISCLAIMER["zh"]


def test_a_chinese_claim_chart():
    from ipgauge.services.claim_chart import chart

    claim = "1.一种咖啡机，包括水箱，其特征在于：设有研磨装置；设有加热装置，其中所述加热装置将水加热至冲泡温度。"
    found = chart(claim, "本产品有一个水箱。设有研磨装置，可研磨咖啡豆。加热装置能将水加热至冲泡温度。")
    assert found.risk == "high" and found.found == 4
    no_tank = chart(claim, "本产品设有研磨装置，可研磨咖啡豆。加热装置能将水加热至冲泡温度。")
    assert no_tank.risk == "medium" and no_tank.rows[0].passage is None  # the preamble's water tank is an element
    assert chart(claim, "本产品设有研磨装置。").risk == "low"  # one element of four


def test_a_real_claim_against_a_description_of_such_a_product():
    from ipgauge.services.claim_chart import chart

    parsed = parse(1, (REAL / "US08930553.xml").read_bytes())
    claim = next(c for c in parsed.claims if c["number"] == 1)["text"]
    server = (
        "Our SIP application server has an incoming message processor that receives mid-dialog SIP messages "
        "from user agent clients. When a message belongs to no known session, a second processor creates a new "
        "SIP session, associates the new session with the mid-dialog message, identifies the application "
        "associated with it, provides the message to the application in the context of the new session and "
        "receives an acknowledgement that the application accepts it."
    )
    assert chart(claim, server).risk == "high"
    assert chart(claim, "A web server that serves HTTP pages from a cache.").risk == "low"


def test_the_preamble_ends_at_a_proper_transition_or_a_colon_not_at_a_comprises_inside_an_element():
    parsed = parse(1, (REAL / "US07272630B2.xml").read_bytes())
    claims = {c["number"]: split(c["text"]) for c in parsed.claims}
    assert claims[10].preamble.endswith("perform the following acts:")
    assert claims[10].elements[0].startswith("generating an imprint identification code")
    assert len(claims[10].elements) == len(claims[1].elements)  # the same steps, as a method and as media
    battery = split("1. 一种电池管理系统，包括电池组、控制器和温度传感器，其特征在于，所述控制器包括电压采集模块。")
    assert battery.preamble == "一种电池管理系统"
    assert battery.elements == ("电池组", "控制器", "温度传感器", "所述控制器包括电压采集模块")  # 、-lists split
    soc = split(
        "1. 一种SOC估算方法，包括以下步骤：S1，采集电流、电压和温度；S2，计算SOC，其特征在于，还包括：S3，修正SOC。"
    )
    assert soc.elements == ("S1，采集电流、电压和温度", "S2，计算SOC", "S3，修正SOC")  # lead-in words dropped


def test_chinese_boilerplate_is_not_matched_and_languages_are_not_mixed():
    from ipgauge.services.claim_chart import chart

    claim = "1. 一种电池管理系统，其特征在于，所述电池组包括多个串联的电芯。"
    assert chart(claim, "电池组由多个串联电芯组成。").risk == "high"  # 所述, 包括, 的 and 由 carry no meaning
    across = chart("1. A cup comprising a handle.", "一个带把手的杯子")
    assert across.risk == "unassessed" and across.found == 0


def test_limitations_as_an_attorney_lists_them():
    semiconductor = split(
        "1. A semiconductor device comprising: a semiconductor substrate; and a junction terminal portion having "
        "an annular shape, the junction terminal portion including first regions and second regions, the first "
        "regions being adjacent to each other in a circumferential direction, and the second regions being "
        "disposed between the first regions."
    )
    assert semiconductor.elements == (
        "a semiconductor substrate",
        "a junction terminal portion having an annular shape",
        "the junction terminal portion including first regions and second regions",
        "the first regions being adjacent to each other in a circumferential direction",
        "the second regions being disposed between the first regions",
    )
    markush = split(
        "1. A composition comprising: a polymer selected from the group consisting of a polyamide, a polyester, "
        "and a polyolefin; and a filler."
    )
    assert markush.elements == (
        "a polymer selected from the group consisting of a polyamide, a polyester, and a polyolefin",
        "a filler",
    )  # a Markush group is one limitation: its members are alternatives
    steps = split(
        "1. A method comprising: accessing, by a device, a test case; and interpreting, by the device, the test case."
    )
    assert steps.elements == ("accessing, by a device, a test case", "interpreting, by the device, the test case")
    means = split("1. An apparatus comprising: means for heating water, means for grinding beans, and a housing.")
    assert means.elements == ("means for heating water", "means for grinding beans", "a housing")


def test_chinese_claims_without_characterising_words_and_with_lists():
    spindle = split("1.一种电主轴，包括：主轴；电机定子；轴承，其中所述轴承为陶瓷轴承。")
    assert spindle.preamble == "一种电主轴"
    assert spindle.elements == ("主轴", "电机定子", "轴承", "所述轴承为陶瓷轴承")
    assert split("1. 一种电池管理系统，包括电池组、控制器。").elements == ("电池组", "控制器")


def test_dependent_claims_refer_and_add():
    from ipgauge.services.claim_elements import additions, parents

    assert parents("3. The system of claim 1 or 2, wherein the processor is a multi-core processor.") == (1, 2)
    assert parents("5.根据权利要求1-3中任一项所述的装置，其特征在于，所述轴承为陶瓷轴承。") == (1, 2, 3)
    assert additions("2. The system of claim 1, wherein the processor is a multi-core processor.") == (
        "the processor is a multi-core processor",
    )
    assert additions("5.根据权利要求1所述的装置，其特征在于，所述轴承为陶瓷轴承；所述电机为永磁电机。") == (
        "所述轴承为陶瓷轴承",
        "所述电机为永磁电机",
    )


def test_negation_contradicts_the_limitation_it_denies():
    from ipgauge.services.claim_chart import chart

    claim = "1. A coffee machine comprising: a water tank; a grinder grinding beans; and a heater heating the water."
    has_all = "The machine has a water tank. Its grinder grinds beans. A heater heats the water."
    denied = "The machine has a water tank. It has no grinder and never grinds beans. A heater heats the water."
    assert chart(claim, has_all).risk == "high"
    c = chart(claim, denied)
    grinder = next(r for r in c.rows if r.element.startswith("a grinder"))
    assert grinder.verdict == "contradicted" and "never grinds beans" in grinder.passage  # quoted: the denial
    assert c.risk == "medium" and c.contradicted == 1
    # a bound is not a denial, nor is a hyphenated name; a denial elsewhere leaves a met limitation met
    bounded = (
        "The water tank holds not more than 2 litres. Its grinder grinds beans. A non-stick heater heats the water."
    )
    assert chart(claim, bounded).risk == "high"
    elsewhere = has_all + " It does not need a filter."
    assert chart(claim, elsewhere).risk == "high"
    # a denial of something else in the same sentence denies nothing the claim needs
    aside = (
        "The machine has a water tank (no plumbing is needed). "
        "Its grinder grinds beans without noise and a heater heats the water."
    )
    assert chart(claim, aside).risk == "high"
    condition = "When the reserve holds no coffee, a light blinks. It has a water tank and a grinder grinding beans."
    assert chart(claim, condition + " A heater heats the water.").contradicted == 0  # "no coffee" denies no limitation
    zh = "1.一种咖啡机，包括水箱，其特征在于：设有研磨装置；设有加热装置。"
    assert chart(zh, "本产品有一个水箱。本产品没有研磨装置。设有加热装置。").rows[1].verdict == "contradicted"
    assert chart(zh, "本产品有一个不锈钢水箱。设有研磨装置。设有加热装置。").risk == "high"  # 不锈 is a word
    # a limitation that is itself negative is met by a denial
    negative = chart(
        "1. A cup comprising a body, wherein the body is not glazed.", "The body of the cup is not glazed."
    )
    assert negative.risk == "high"


def test_design_claims_are_unassessable_by_text():
    from ipgauge.services.claim_chart import chart

    c = chart("1. The ornamental design for a disc cartridge, as shown and described.", "A disc cartridge in grey.")
    assert c.risk == "unassessable" and "drawings" in c.reason and c.rows == ()


def test_every_verdict_and_risk_is_worded_wherever_charts_are_shown():
    from ipgauge.cli.screening import VERDICT_STYLE
    from ipgauge.services.claim_chart import RISKS, VERDICTS
    from ipgauge.services.risk_report import COLOURS
    from ipgauge.services.risk_tables import RISK_ZH, VERDICT

    assert set(VERDICT_STYLE) == set(VERDICT["zh"]) == set(VERDICT["en"]) == set(VERDICTS)
    assert set(RISK_ZH) == set(COLOURS) == set(RISKS)


def test_a_denial_contradicts_the_limitation_it_speaks_of_not_its_neighbours():
    from ipgauge.services.claim_chart import chart

    claim = "1. A kettle comprising: a heater heating the water; and a lamp signalling that the heated water is ready."
    product = "The kettle's heater heats the water in two minutes. It never signals that the heated water is ready."
    c = chart(claim, product)
    # the denial is the lamp's; the heater is not contradicted (found, or unclear for the doubt the denial casts)
    assert c.rows[1].verdict == "contradicted" and c.rows[0].verdict in ("found", "unclear") and c.risk == "medium"
