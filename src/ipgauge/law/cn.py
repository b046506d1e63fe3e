"""The Chinese rule set (Patent Law 2020, Trademark Law 2019; docs/law.md)."""

from __future__ import annotations

from datetime import date

from ipgauge.dates import add_months
from ipgauge.law.ruleset import PatentTerm, RuleSet

#: Designs filed on or after this date get 15 years (Patent Law 2020, Art. 42, in force 2021-06-01).
DESIGN_15_YEARS_FROM = date(2021, 6, 1)

CN = RuleSet(
    jurisdiction="CN",
    name_zh="中国",
    patent_terms=(
        PatentTerm("invention", 20),
        PatentTerm("utility_model", 10),
        PatentTerm("design", 15, DESIGN_15_YEARS_FROM),
        PatentTerm("design", 10),
    ),
    trademark_term_years=10,
    trademark_grace_months=6,
    ending_events=("lapsed_unpaid_fee", "waived", "cancelled"),
    retroactive_events=("invalidated",),
    # a restoration (Implementing Regulations Rule 6) undoes a loss for a missed time limit; an invalidation
    # is undone only by a court, which the register records as the decision's own change
    restorable_events=("lapsed_unpaid_fee", "cancelled"),
    geographical_indications=True,
)

#: The grace period for a late annual fee, with a surcharge (Implementing Regulations 2023, Rule 115).
ANNUAL_FEE_GRACE_MONTHS = 6
#: The least time from an unpaid anniversary to the announcement of its termination: the grace period. (The
#: notice and the two months to ask for a restoration, Rule 6, usually make it about a year.)
LAPSE_ANNOUNCED_AFTER_MONTHS = ANNUAL_FEE_GRACE_MONTHS


def unpaid_fee_lapse(filing: date, announced: date) -> tuple[date, int]:
    """When a patent announced on ``announced`` as lapsed for an unpaid annual fee stopped being in force.

    Annual fees fall due on each anniversary of the filing date; a fee not paid by then may still be
    paid, with a surcharge, for six months (Rule 115); if it is not, the right terminates "from the
    expiry of the period for which the fee was due" — the anniversary itself (Patent Law Art. 44(1),
    Patent Examination Guidelines Part V, Ch. 9, §2.2.1). CNIPA announces it only after the grace
    period — usually about a year after the anniversary, once the termination notice has gone out and
    the two months to ask for a restoration (Rule 6) have passed. So the lapse is the latest
    anniversary whose grace period had ended by the announcement (an announcement more than 18 months
    after the anniversary would be dated a year late; none is known). Returns it and the number of fee
    years paid (the years from filing to it); ValueError when no anniversary is.
    """
    years = announced.year - filing.year
    while years > 0 and add_months(filing, 12 * years + LAPSE_ANNOUNCED_AFTER_MONTHS) > announced:
        years -= 1
    if years < 1:
        raise ValueError(
            f"a lapse announced on {announced} is too early for a patent filed on {filing} "
            f"(no anniversary {LAPSE_ANNOUNCED_AFTER_MONTHS} months before it)"
        )
    return add_months(filing, 12 * years), years


def fee_years_paid(filing: date, lapsed: date) -> int:
    """The fee years paid before a lapse on ``lapsed``: the whole years from filing to it."""
    years = lapsed.year - filing.year
    return years - 1 if add_months(filing, 12 * years) > lapsed else years
