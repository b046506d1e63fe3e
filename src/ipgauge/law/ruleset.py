"""What a jurisdiction's rule set says, as data the spell engine reads.

The engine (:mod:`ipgauge.law.spells`) never names a jurisdiction: it asks the rule set for terms,
for which events end a right, which void it retroactively, which can be undone by a restoration.
Adding the US means writing another :class:`RuleSet`, not another branch in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PatentTerm:
    """The term of one patent kind, counted from the filing date; ``filed_from`` limits it to later filings."""

    kind: str
    years: int
    filed_from: date | None = None


@dataclass(frozen=True)
class RuleSet:
    """One jurisdiction's law of when a right is in force."""

    jurisdiction: str
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

    def patent_term_sql(self, kind: str, filing: str) -> str:
        """SQL for the term in years of a patent with columns ``kind`` and ``filing``."""
        arms = " ".join(
            f"WHEN {kind} = '{t.kind}'"
            + (f" AND {filing} >= DATE '{t.filed_from}'" if t.filed_from else "")
            + f" THEN {t.years}"
            for t in self.patent_terms
        )
        return f"(CASE {arms} END)"


@dataclass(frozen=True)
class Policy:
    """Settings where the law leaves a choice to the statistician."""

    #: Count a trademark as in force during the grace period after expiry (it stays on the register).
    grace_in_force: bool = True

    def key(self) -> str:
        """A short stable name for caching."""
        return "grace" if self.grace_in_force else "nograce"


DEFAULT_POLICY = Policy()
