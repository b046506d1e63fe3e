"""The Chinese rule set (Patent Law 2020, Trademark Law 2019; docs/law.md)."""

from __future__ import annotations

from datetime import date

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
    restorable_events=("lapsed_unpaid_fee", "cancelled", "invalidated"),
    geographical_indications=True,
)
