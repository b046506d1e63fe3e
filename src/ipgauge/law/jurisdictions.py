"""The rule sets ipgauge knows, by jurisdiction: the one place that lists them."""

from __future__ import annotations

from ipgauge.errors import UserError
from ipgauge.law.cn import CN
from ipgauge.law.ruleset import RuleSet
from ipgauge.law.us import US

RULE_SETS: dict[str, RuleSet] = {"CN": CN, "US": US}


def rules_for(jurisdiction: str) -> RuleSet:
    """The rule set of ``jurisdiction``, or a one-sentence error naming those there are."""
    try:
        return RULE_SETS[jurisdiction]
    except KeyError:
        raise UserError(f"ipgauge has no rule set for {jurisdiction!r}; it knows {', '.join(RULE_SETS)}.") from None
