"""How press releases write numbers, changes, shares and dates, in Chinese and English.

The conventions of the CNIPA releases and their English coverage: 195,000 / 19.5万件 for tens of
thousands, "more than 2.16 million" / "超过216万件" for millions, one decimal for percentages,
rounded half up; a change is worded by its sign; a share is said as a simple fraction when one is
close ("close to one tenth" / "接近十分之一"), else as a percentage.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from ipgauge.indicators.point import yoy

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


SMALL_EN = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ORDINAL_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
#: a change on a base smaller than this is said in units, not percent ("up from three a year earlier")
TINY_BASE = 10


def count(value: int, unit_zh: str, lang: str) -> str:
    """A count as newspapers write it, the rounding word following the figure.

    Below 10,000 exactly (small English numbers in words); up to a million to three significant
    figures, "about 75,500" / "约7.55万件" unless exact; from a million rounded down, "more than 2.16
    million" / "超过216万件".
    """
    v = Decimal(value)
    if lang == "zh":
        if value >= 100_000_000:
            shown = _round(v / 100_000_000, 2, ROUND_FLOOR)
            return f"{'超过' if shown * 100_000_000 < v else ''}{shown.normalize():f}亿{unit_zh}"
        if value >= 1_000_000:
            shown = _round(v / 10_000, 0, ROUND_FLOOR)
            return f"{'超过' if shown * 10_000 < v else ''}{shown:f}万{unit_zh}"
        if value >= 10_000:
            shown = _significant(v, 3)
            return f"{'约' if shown != v else ''}{(shown / 10_000).normalize():f}万{unit_zh}"
        return f"{value}{unit_zh}"
    if value >= 1_000_000:
        shown = _round(v / 1_000_000, 2, ROUND_FLOOR)
        return f"{'more than ' if shown * 1_000_000 < v else ''}{shown.normalize():f} million"
    if value >= 10_000:
        shown = _significant(v, 3)
        return f"{'about ' if shown != v else ''}{format_decimal(shown, locale='en')}"
    return SMALL_EN[value] if 0 <= value < 10 else format_decimal(value, locale="en")


def about(value: float, unit_zh: str, lang: str) -> str:
    """An approximate amount, rounded half up, with no "more than": 2,986,550 is 299万 / 2.99 million.

    What follows "约合" or "about": a count's floor ("超过298万") would understate it.
    """
    v = Decimal(value)
    if lang == "zh":
        if v >= 1_000_000:
            return f"{_round(v / 10_000, 0)}万{unit_zh}"
        if v >= 10_000:
            return f"{(_significant(v, 3) / 10_000).normalize():f}万{unit_zh}"
        return f"{_round(v, 0)}{unit_zh}"
    if v >= 1_000_000:
        return f"{_round(v / 1_000_000, 2).normalize():f} million"
    return format_decimal(_significant(v, 3) if v >= 10_000 else _round(v, 0), locale="en")


def _significant(v: Decimal, digits: int) -> Decimal:
    """``v`` rounded half up to ``digits`` significant figures (75,527 → 75,500)."""
    step = Decimal(10) ** (len(str(int(v))) - digits)
    return (v / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def ordinal(n: int, lang: str) -> str:
    """第3位 / third; 首位 / first."""
    if lang == "zh":
        return "首位" if n == 1 else f"第{n}位"
    if n <= len(ORDINAL_EN):
        return ORDINAL_EN[n - 1]
    suffix = "th" if 10 < n % 100 < 14 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


EN_UP = (
    "up {p} percent year on year",
    "an increase of {p} percent from a year earlier",
    "{p} percent more than a year earlier",
)
EN_DOWN = (
    "down {p} percent year on year",
    "a decrease of {p} percent from a year earlier",
    "{p} percent fewer than a year earlier",
)


def ratio_places(value: float, previous: float) -> int:
    """Decimals for a per-10,000 ratio: one, as offices print them (11.8), two below 1 so a change shows (0.31)."""
    return 1 if min(abs(value), abs(previous)) >= 1 else 2


def change(
    value: float,
    previous: float,
    lang: str,
    variant: int = 0,
    ratio: bool = False,
    unit_zh: str = "",
    basis: str = "上年同期",
) -> str:
    """The year-on-year change worded by its sign and size, varied in English by ``variant``.

    A ratio (per 10,000 population) changes by points, not percent; a count whose year-earlier
    figure is below :data:`TINY_BASE` changes by units ("up from three a year earlier"), since a
    percentage of a tiny base says nothing. ``basis`` is what Chinese compares with: 上年同期, or at a
    year end 上年 (a year's flow) and 上年末 (a stock).
    """
    same = basis
    if ratio:
        places = ratio_places(value, previous)
        diff = _round(abs(value - previous), places)
        if diff == 0:
            if value == previous:
                return f"与{same}持平" if lang == "zh" else "unchanged from a year earlier"
            return f"与{same}基本持平" if lang == "zh" else "almost unchanged from a year earlier"
        up = value > previous
        if lang == "zh":
            return f"较{same}{'提高' if up else '下降'}{diff}{unit_zh}"
        return f"{'up' if up else 'down'} {diff} from {number(previous, 'en', places)} a year earlier"
    if value == previous:
        if lang == "zh":
            return f"与{same}持平"
        return "the same as a year earlier" if value == 0 else "unchanged from a year earlier"
    if previous < TINY_BASE:
        diff = int(abs(value - previous))
        if lang == "zh":
            return (
                f"{same}为零" if previous == 0 else f"比{same}{'增加' if value > previous else '减少'}{diff}{unit_zh}"
            )
        before = "none" if previous == 0 else count(int(previous), "", "en")
        return f"{'up' if value > previous else 'down'} from {before} a year earlier"
    rate = yoy(value, previous)
    shown = _round(abs(rate), 1)
    if shown == 0:
        return f"与{same}基本持平" if lang == "zh" else "almost unchanged from a year earlier"
    if lang == "zh":
        return f"{'同比' if basis == '上年同期' else '比' + basis}{'增长' if rate > 0 else '下降'}{shown}%"
    if value == 2 * previous:
        return f"double the {count(int(previous), '', 'en')} of a year earlier"
    return (EN_UP if rate > 0 else EN_DOWN)[variant % len(EN_UP)].format(p=shown)


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
    """'By the end of April 2025' / '截至2025年4月底' ('截至2024年底' at a year end), or the full date."""
    if d.month == 12 and d.day == 31:
        return f"截至{d.year}年底" if lang == "zh" else f"By the end of {d.year}"
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


def signed(x: float, places: int = 1) -> str:
    """+10.2, -3.1 or 0.0: a change with its sign, rounded once, half up (every reader of a change uses this)."""
    shown = number(abs(x), "en", places)
    return shown if float(shown.replace(",", "")) == 0 else ("+" if x > 0 else "-") + shown


def year_to_date(d: date, lang: str) -> str:
    """The period a flow covers: '1—4月' / 'From January to April 2025' ('1月' / 'In January 2025')."""
    if lang == "zh":
        if not month_end(d):
            return f"{d.year}年1月1日至{d.month}月{d.day}日"
        return f"{d.year}年" + ("" if d.month == 12 else f"{'1' if d.month == 1 else '1—' + str(d.month)}月")
    if not month_end(d):
        return f"From 1 January to {format_date(d, 'd MMMM y', locale='en')}"
    if d.month == 1:
        return f"In January {d.year}"
    if d.month == 12:
        return f"In {d.year}"
    return f"From January to {format_date(d, 'MMMM y', locale='en')}"


def cap(text: str) -> str:
    """The text with its first letter capitalised (labels start lower-case: 'valid invention patents')."""
    return text[:1].upper() + text[1:]
