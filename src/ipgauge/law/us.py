"""The United States rule set (35 U.S.C., as the MPEP applies it), as data beside the Chinese one.

- Utility and plant patents: 20 years from the earliest US non-provisional filing the patent claims
  (35 U.S.C. 154(a)(2); a continuation or division runs from its parent, MPEP 2701), held in the
  register as ``term_from``; provisional applications do not count (154(a)(3)).
- Filed before 1995-06-08: the later of 17 years from grant and 20 from filing (154(c)(1), MPEP 2701).
- Patent term adjustment: ``term_extended`` events (days) add to the end (154(b), MPEP 2730).
- Designs: 14 years from grant, 15 when filed on or after 2015-05-13 (35 U.S.C. 173; PLTIA).
- Maintenance fees at 3.5, 7.5 and 11.5 years with 6 months' grace; unpaid, the patent expires at
  the end of the grace period, the 4th, 8th or 12th anniversary of grant (41(b); MPEP 2506): the
  import writes a ``lapsed_unpaid_fee`` event effective the day after that anniversary. A late
  payment accepted (37 CFR 1.378, ``EXPX``) is a ``restored`` event that undoes it.
- Expiry-day convention: a term "ending 20 years from" a date ends on the anniversary, which is
  the last day in force; the day after is the first day out of force (the register's exclusive end).
- Trademarks (15 U.S.C. 1058, 1059; TMEP 1600): a registration lasts ten years and is renewed for ten
  more under §9 within the year before its end or the six months' grace after it (a registration issued
  or renewed before 1989-11-16 ran twenty years: TLRA 1988, TMEP 1602). Between the 5th and 6th year
  after registration (with six months' grace) the owner must file a §8 declaration of use (§71 for a
  Madrid extension, 15 U.S.C. 1141k) or the Director cancels the registration: with no declaration
  accepted (a ``declared`` event, or a renewal, which carries its own) the register ends the mark at
  the end of the grace period, whether or not the cancellation itself is recorded yet. Registrations
  under the 1905 Act (before the Lanham Act took effect, 1947-07-05) owed no §8 declaration.
  Applications are pending from filing until registered, abandoned or refused (an opposition
  sustained, 15 U.S.C. 1063), in the ``applications`` table; worked examples in docs/law.md.
- Terminal disclaimers end a patent with the one it is disclaimed over; the register records that a
  patent has one (``terminal_disclaimer``) but not the date it runs to, so it does not shorten the
  term here (the grant data does not carry the disclaimed-over patent's expiry).
"""

from __future__ import annotations

from datetime import date

from ipgauge.law.ruleset import PatentTerm, RuleSet

#: Designs filed on or after this date get 15 years from grant (Patent Law Treaties Implementation Act).
DESIGN_15_YEARS_FROM = date(2015, 5, 13)
#: Trademarks registered before this date had a first term of 20 years (Trademark Law Revision Act of 1988).
TLRA_DATE = date(1989, 11, 16)
#: The Lanham Act took effect on this date; registrations under it owe the §8 declaration of use.
LANHAM_ACT_DATE = date(1947, 7, 5)
#: Applications filed before this date keep the later of 17 years from grant and 20 from filing (URAA).
URAA_DATE = date(1995, 6, 8)

US = RuleSet(
    jurisdiction="US",
    name_zh="美国",
    patent_terms=(
        PatentTerm("design", 15, DESIGN_15_YEARS_FROM, counted_from="grant"),
        PatentTerm("design", 14, counted_from="grant"),
        PatentTerm("invention", 20, counted_from="term_from"),
        PatentTerm("plant", 20, counted_from="term_from"),
    ),
    trademark_term_years=10,
    trademark_grace_months=6,
    ending_events=("lapsed_unpaid_fee", "waived", "cancelled"),
    retroactive_events=("invalidated",),
    restorable_events=("lapsed_unpaid_fee", "cancelled"),
    transition=(URAA_DATE, 17),
    anniversary_in_force=True,
    trademark_transition=(TLRA_DATE, 20),
    trademark_declaration=(LANHAM_ACT_DATE, 6),
)
