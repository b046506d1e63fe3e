"""What a jurisdiction's rule set says, as data the law reads.

The law (:mod:`ipgauge.law.stages`) never names a jurisdiction: it asks the rule set for terms,
for which events end a right, which void it retroactively, which can be undone by a restoration.
Another jurisdiction is another :class:`RuleSet` (as the US is), not another branch in the law.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PatentTerm:
    """The term of one patent kind; ``filed_from`` limits it to later filings.

    ``counted_from`` is the date the years run from: ``filing`` (CN), ``grant`` (US designs), or
    ``term_from`` — the earliest non-provisional filing a US patent claims (a continuation or
    division counts from its parent), which is the filing date when there is none.
    """

    kind: str
    years: int
    filed_from: date | None = None
    counted_from: str = "filing"


@dataclass(frozen=True)
class RuleSet:
    """One jurisdiction's law of when a right is in force."""

    jurisdiction: str
    #: The jurisdiction's name in Chinese, as the reports print it (中国, 美国).
    name_zh: str
    #: Most specific first: the first term whose kind matches and whose ``filed_from`` is met applies.
    patent_terms: tuple[PatentTerm, ...]
    trademark_term_years: int
    trademark_grace_months: int
    #: Events that end a right on their effective date.
    ending_events: tuple[str, ...]
    #: Events that make a right deemed never to have existed (once known).
    retroactive_events: tuple[str, ...]
    #: Ending or retroactive events that a later ``restored`` event undoes.
    restorable_events: tuple[str, ...]
    restore_event: str = "restored"
    extension_event: str = "term_extended"  # value: days added to the patent term
    renewal_event: str = "renewed"  # value: the new expiry date
    transfer_event: str = "transferred"  # value: the new holders, first named first
    pledge_event: str = "pledged"  # value: the amount and its currency, "12000000 CNY"
    award_event: str = "awarded"  # value: the award's name

    #: (date, years): a patent filed before the date runs to the later of ``years`` from grant and its
    #: normal end (the US transition of 1995-06-08: 17 years from grant or 20 from filing).
    transition: tuple[date, int] | None = None
    #: Whether the anniversary that ends the term is itself the last day in force (US) rather than the
    #: first day out of force (CN: a term of 20 years from 2010-03-01 ends on 2030-02-28 inclusive).
    anniversary_in_force: bool = False
    #: Whether the register's geographical-indication products are this jurisdiction's rights (CN).
    geographical_indications: bool = False
    #: (date, years): a trademark registered before the date has a first term of ``years`` (US: 20 before
    #: 1989-11-16, the Trademark Law Revision Act); later terms are ``trademark_term_years``.
    trademark_transition: tuple[date, int] | None = None
    #: (date, years): a trademark registered on or after the date must have a declaration of use
    #: (``declaration_event``) accepted by ``years`` after registration, plus the grace period, or it is
    #: cancelled then (US §8: between the 5th and 6th year; a renewal carries its own declaration).
    trademark_declaration: tuple[date, int] | None = None
    declaration_event: str = "declared"  # value: the section(s), '8', '8,15', '71'

    def law_events(self) -> tuple[str, ...]:
        """Every event the law reads: the others (an annuity paid, a pledge released) change no spell."""
        named = (self.restore_event, self.extension_event, self.renewal_event, self.transfer_event)
        named += (self.declaration_event,) if self.trademark_declaration else ()
        named += (self.pledge_event, self.award_event)
        return tuple(dict.fromkeys(self.ending_events + self.retroactive_events + self.restorable_events + named))


@dataclass(frozen=True)
class Policy:
    """Settings where the law leaves a choice to the statistician."""

    #: Count a trademark as in force during the grace period after expiry (it stays on the register).
    grace_in_force: bool = True

    def key(self) -> str:
        """A short stable name for caching."""
        return "grace" if self.grace_in_force else "nograce"


DEFAULT_POLICY = Policy()
