"""The ``ipgauge`` Typer application that every command group registers on (imports nothing of them)."""

from __future__ import annotations

import typer

from ipgauge.cli.failures import OneSentence

app = typer.Typer(
    cls=OneSentence,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Regional intellectual-property statistics: register, law, indicators, releases.",
)
