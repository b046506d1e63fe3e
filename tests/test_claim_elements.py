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
    assert len(claim.elements) == 2 and claim.elements[1].startswith("an unknown message hardware processor")
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
    assert claim.preamble == "一种键码发送方法，包括计算机"
    assert claim.elements == ("所述装置连接到计算机", "识别操作系统的种类", "所述种类由装置记录")
    assert is_dependent("2.根据权利要求1所述的方法，其特征在于，所述计算机为服务器。")


def test_a_claim_without_markers_is_one_element():
    assert split("5. The ornamental design for a disc cartridge, as shown and described.").elements == (
        "The ornamental design for a disc cartridge, as shown and described",
    )
    assert split("3.一种杯子。").elements == ("一种杯子",)
