"""How press releases write numbers, changes, shares and dates, in Chinese and English.

The conventions of the CNIPA releases and their English coverage: 195,000 / 19.5万件 for tens of
thousands, "more than 2.16 million" / "超过216万件" for millions, one decimal for percentages,
rounded half up; a change is worded by its sign; a share is said as a simple fraction when one is
close ("close to one tenth" / "接近十分之一"), else as a percentage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"zh": "zh_CN", "en": "en"}
FRACTIONS = [  # (value, English, Chinese)
    (Decimal(1) / 2, "one half", "二分之一"),
    (Decimal(1) / 3, "one third", "三分之一"),
    (Decimal(1) / 4, "one quarter", "四分之一"),
    (Decimal(1) / 5, "one fifth", "五分之一"),
    (Decimal(1) / 10, "one tenth", "十分之一"),
    (Decimal(1) / 20, "one twentieth", "二十分之一"),
]


def _round(x: Decimal | float | int, places: int, mode: str = ROUND_HALF_UP) -> Decimal:
    return Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=mode)


def pct(x: float) -> str:
    """A percentage to one decimal, rounded half up: 10.2."""
    return str(_round(abs(x), 1))


@dataclass(frozen=True)
class Quantity:
    """A count as a release writes it: the words, and whether they round it down ("more than")."""

    text: str
    more_than: bool


def count(value: int, unit_zh: str, unit_en: str, lang: str) -> Quantity:
    """195,000 patents / 19.5万件; more than 2.16 million / 超过216万件; 273 / 273个."""
    v = Decimal(value)
    if lang == "zh":
        if value >= 100_000_000:
            shown = _round(v / 100_000_000, 2, ROUND_FLOOR)
            return Quantity(f"{shown.normalize():f}亿{unit_zh}", shown * 100_000_000 < v)
        if value >= 1_000_000:
            shown = _round(v / 10_000, 0, ROUND_FLOOR)
            return Quantity(f"{shown:f}万{unit_zh}", shown * 10_000 < v)
        if value >= 10_000:
            shown = _round(v / 10_000, 1)
            return Quantity(f"{shown.normalize():f}万{unit_zh}", False)
        return Quantity(f"{value}{unit_zh}", False)
    if value >= 1_000_000:
        shown = _round(v / 1_000_000, 2, ROUND_FLOOR)
        return Quantity(f"{shown:f} million {unit_en}", shown * 1_000_000 < v)
    if value >= 10_000:
        shown = int(_round(v / 1000, 0) * 1000)
        return Quantity(f"{format_decimal(shown, locale='en')} {unit_en}", False)
    return Quantity(f"{format_decimal(value, locale='en')} {unit_en}", False)


def change(yoy_pct: float | None, lang: str) -> str:
    """'a year-on-year increase of 10.2 percent' / '同比增长10.2%', worded by the sign."""
    if yoy_pct is None:
        return "同比无可比数据" if lang == "zh" else "with no figure a year earlier to compare"
    shown = _round(abs(yoy_pct), 1)
    if shown == 0:
        return "与上年同期持平" if lang == "zh" else "unchanged from a year earlier"
    if lang == "zh":
        return f"同比{'增长' if yoy_pct > 0 else '下降'}{shown}%"
    return f"a year-on-year {'increase' if yoy_pct > 0 else 'decrease'} of {shown} percent"


def share(share_pct: float, lang: str) -> str:
    """'close to one tenth of the national total' / '接近全国总量的十分之一', or the percentage."""
    s = Decimal(str(share_pct)) / 100
    for value, en, zh in FRACTIONS:
        ratio = s / value
        if Decimal("0.9") <= ratio < Decimal("0.995"):
            return f"接近全国总量的{zh}" if lang == "zh" else f"close to {en} of the national total"
        if Decimal("0.995") <= ratio <= Decimal("1.005"):
            return f"约占全国总量的{zh}" if lang == "zh" else f"about {en} of the national total"
        if Decimal("1.005") < ratio <= Decimal("1.1"):
            return f"超过全国总量的{zh}" if lang == "zh" else f"more than {en} of the national total"
    return f"占全国总量的{pct(share_pct)}%" if lang == "zh" else f"{pct(share_pct)} percent of the national total"


def month_end(d: date) -> bool:
    """Whether ``d`` is the last day of its month."""
    return (d.toordinal() + 1) == date(d.year + (d.month == 12), d.month % 12 + 1, 1).toordinal()


def as_of(d: date, lang: str) -> str:
    """'By the end of April 2025' / '截至2025年4月底', or the full date when it is not a month end."""
    if month_end(d):
        return (
            f"截至{d.year}年{d.month}月底" if lang == "zh" else f"By the end of {format_date(d, 'MMMM y', locale='en')}"
        )
    return f"截至{d.year}年{d.month}月{d.day}日" if lang == "zh" else f"As of {format_date(d, 'd MMMM y', locale='en')}"


def number(value: float, lang: str, places: int = 0) -> str:
    """A plain number in the language's grouping (tables)."""
    return format_decimal(
        _round(value, places),
        locale=LOCALES[lang],
        decimal_quantization=True,
        format=("#,##0." + "0" * places) if places else "#,##0",
    )
