"""The options many commands share, defined once: the register, paths, dates, formats, corrections."""

from __future__ import annotations

import os
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ipgauge.console import note
from ipgauge.engines import BACKENDS
from ipgauge.errors import UserError
from ipgauge.law.jurisdictions import RULE_SETS
from ipgauge.register.schema import parse_date, parse_knowledge_date


def _path(value: str) -> Path:
    """A path option's value; an empty one is refused (it would silently mean the current folder)."""
    if isinstance(value, Path):
        return value
    if not value.strip():
        raise typer.BadParameter("an empty path; name a file or folder")
    return Path(value)


DbOption = Annotated[
    Path | None,
    typer.Option("--db", parser=_path, help="Register file (default: $IPGAUGE_DB or ./ipgauge.duckdb)."),
]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    return parse_knowledge_date(value, option) if option == "--known-at" else parse_date(value, option)


def _choice(value: str, choices: tuple[str, ...], option: str = "--format") -> str:
    if value not in choices:
        raise UserError(f"unknown {option} {value!r}; choose {', '.join(choices[:-1])} or {choices[-1]}.")
    return value


class OutputFormat(StrEnum):
    """How a command prints what it found: a Rich table for a reader, JSON or CSV for a program."""

    table = "table"
    json = "json"
    csv = "csv"


RecordedOn = Annotated[
    str | None,
    typer.Option("--recorded-on", help="The day the record was received (default: today; earlier needs --reason)."),
]


Reason = Annotated[
    str | None, typer.Option("--reason", help="Why a record received before today is entered now (a correction).")
]


def _dates(as_of: str | None, known_at_: str | None) -> tuple[date, date]:
    """D (default today) and K (default D), noting a K before D."""
    d = _date(as_of, "--as-of") or date.today()
    k = _date(known_at_, "--known-at") or min(d, date.today())  # K is never after today
    if k < d:
        note(f"known at {k}, before the date asked about ({d}): later events are not yet recorded.")
    return d, k


def _subject(company: str | None, region: str | None, field: str | None) -> list[tuple[str, str]]:
    """The one subject of a landscape or layout report, as (kind, text)."""
    from ipgauge.services.landscape import one_subject

    return [one_subject(company, region, field, "--")]


def _note_match(subject, text: str, given: str = "--company") -> None:
    """Say which company a part of a name was taken to mean."""
    if subject.kind == "company" and subject.matched != "exactly":
        how = "the one party whose name contains it" if subject.matched == "by part of its name" else subject.matched
        note(f"{given} {text.strip()!r} taken as {subject.label_zh} ({subject.key}), {how}.")


def _written(recorded_on: str | None, reason: str | None):
    """Who writes (the system user, in the delivery log) and when the record counts as received."""
    import getpass

    from ipgauge.services.casework import Written

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = str(os.getuid())
    return Written(f"ipgauge case by {user}", _date(recorded_on, "--recorded-on"), reason)


#: The options most commands share, written once (their help text is part of ``--help``'s contract).
KnownAt = Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: today).")]
KnownAtD = Annotated[str | None, typer.Option("--known-at", help="Knowledge date K (default: D).")]
AsOfToday = Annotated[str | None, typer.Option("--as-of", help="The date D (default: today).")]
Format = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv.")]
#: The engines and the jurisdictions, as the lists in engines.py and law/jurisdictions.py have them.
Backend = StrEnum("Backend", [(b, b) for b in BACKENDS])
Jurisdiction = StrEnum("Jurisdiction", [(j, j) for j in RULE_SETS])
BackendOption = Annotated[Backend, typer.Option("--backend", help=f"Engine: {' or '.join(BACKENDS)}.")]
JurisdictionOption = Annotated[
    Jurisdiction, typer.Option("--jurisdiction", help=f"Whose law and rights: {' or '.join(RULE_SETS)}.")
]
