"""A release spec: which region, date, knowledge date, indicators and languages.

A TOML file for releases that recur, or the command line's options.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import indicator
from ipgauge.law.jurisdictions import rules_for
from ipgauge.regions.groups import region, within
from ipgauge.register.schema import parse_date

DEFAULT_INDICATORS = (  # the stocks an office release leads with, its headline ratio, the flows of the year
    "valid_invention_patents",
    "high_value_invention_patents",
    "high_value_invention_patents_per_10k",
    "valid_trademarks",
    "gi_products",
    "invention_grants",
    "trademark_registrations",
    "patent_pledges",
)
LANGUAGES = ("zh", "en")
TEXT_LIMIT = 300  # titles, issuer, contact and source are printed in headers and footers


@dataclass(frozen=True)
class Spec:
    """Everything that decides a release's figures (with K, the register state as known on K)."""

    region: str
    as_of: date
    known_at: date
    indicators: tuple[str, ...] = DEFAULT_INDICATORS
    languages: tuple[str, ...] = LANGUAGES
    trend_months: int = 24
    share_of: str = "CN"
    title_zh: str = ""
    title_en: str = ""
    #: who publishes, when, and who answers questions: printed in the notes and footers of every file
    issuer_zh: str = ""
    issuer_en: str = ""
    contact: str = ""
    published: date | None = None
    source_zh: str = ""
    source_en: str = ""
    #: whose register: CN, or US (its patents in force by the US rules; regions are holders' countries)
    jurisdiction: str = "CN"
    #: a section on the region's IP service centres' casework (the seed's sentence, from the figures)
    casework: bool = False

    def validate(self) -> Spec:
        """Check every name now, with one sentence per problem, before anything is computed.

        Returns the spec with its regions as codes, so that 辽宁, liaoning and 210000 are one release.
        """
        rules_for(self.jurisdiction)
        where, parent = region(self.region), region(self.share_of)
        if not within(where, parent):
            raise UserError(
                f"share_of {parent.code} ({parent.name_en}) does not contain {where.code} ({where.name_en}), "
                "so it has no share of it."
            )
        if not self.indicators:
            raise UserError("the release names no indicators; leave indicators out for the default list.")
        for name in self.indicators:
            indicator(name)
        for key in ("title_zh", "title_en", "issuer_zh", "issuer_en", "contact", "source_zh", "source_en"):
            text = getattr(self, key)
            if len(text) > TEXT_LIMIT or "\n" in text or "\r" in text:
                raise UserError(f"{key} must be one line of at most {TEXT_LIMIT} characters (it has {len(text):,}).")
        bad = [lang for lang in self.languages if lang not in LANGUAGES]
        if bad:
            raise UserError(f"unknown language {bad[0]!r}; choose zh, en or both.")
        if not 2 <= self.trend_months <= 240:
            raise UserError("trend_months must be between 2 and 240.")
        if self.published is not None and self.published < self.known_at:
            raise UserError(
                f"the publication date {self.published} is before the data were extracted ({self.known_at})."
            )
        if self.known_at < self.as_of:
            raise UserError(
                f"the knowledge date {self.known_at} is before the date {self.as_of} the release describes."
            )
        return replace(self, region=where.code, share_of=parent.code)

    def as_dict(self) -> dict:
        """JSON-ready (dates as ISO strings)."""
        out = asdict(self)
        out["as_of"], out["known_at"] = self.as_of.isoformat(), self.known_at.isoformat()
        out["published"] = self.published.isoformat() if self.published else None
        out["indicators"], out["languages"] = list(self.indicators), list(self.languages)
        if not self.casework:  # absent unless asked for: the specs (and ids) of earlier releases stay as they were
            del out["casework"]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Spec:
        """The inverse of :meth:`as_dict` (also what a TOML spec file holds)."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserError(f"unknown release spec key {unknown[0]!r}; a spec takes {', '.join(sorted(known))}.")
        values = dict(data)
        if values.get("published") is None:
            values.pop("published", None)
        for key in ("as_of", "known_at", "published"):
            if key in values:
                values[key] = parse_date(values[key], key)
        for key in ("indicators", "languages"):
            if key in values:
                v = values[key]
                if not isinstance(v, list | tuple) or not all(isinstance(x, str) for x in v):
                    raise UserError(f"{key} must be a list of names, such as {key} = [{DEFAULTS[key]!r}].")
                values[key] = tuple(v)
        for key in (
            "region",
            "share_of",
            "title_zh",
            "title_en",
            "issuer_zh",
            "issuer_en",
            "contact",
            "source_zh",
            "source_en",
            "jurisdiction",
        ):
            if key in values and not isinstance(values[key], str):
                raise UserError(f"{key} must be text, not {values[key]!r}.")
        if "trend_months" in values and (
            isinstance(values["trend_months"], bool) or not isinstance(values["trend_months"], int)
        ):
            raise UserError(f"trend_months must be a whole number of months, not {values['trend_months']!r}.")
        if "casework" in values and not isinstance(values["casework"], bool):
            raise UserError(f"casework must be true or false, not {values['casework']!r}.")
        missing = [k for k in ("region", "as_of", "known_at") if k not in values]
        if missing:
            raise UserError(f"the release spec needs {missing[0]}.")
        return cls(**values)


DEFAULTS = {"indicators": DEFAULT_INDICATORS[0], "languages": LANGUAGES[0]}


def load_spec(path: Path, **overrides) -> Spec:
    """A spec from a TOML file, with command-line values (not None) taking precedence."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"there is no release spec {path}.") from None
    except OSError as e:
        raise UserError(f"cannot read the release spec {path} ({e.strerror}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path.name} is not a valid TOML spec ({e}).") from None
    data |= {k: v for k, v in overrides.items() if v is not None}
    return Spec.from_dict(data).validate()
